package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// The demo's own ClickHouse, used when no --clickhouse is given and nothing answers on the
// development ports: Debian's clickhouse-server started in the background with its data under the
// user's cache folder. It keeps running after the demo so that `ccqa metrics` can query it; the
// demo prints how to stop it. The ports are the ones deploy/dev/clickhouse.sh uses, so a server
// started by `make services-up` is found and reused.
const (
	localCHTCP  = "127.0.0.1:19000"
	localCHHTTP = "18123"
)

func answersTCP(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 500*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func clickhouseServerBinary() ([]string, error) {
	for _, name := range []string{"clickhouse-server", "/usr/sbin/clickhouse-server", "/usr/bin/clickhouse-server"} {
		if p, err := exec.LookPath(name); err == nil {
			return []string{p}, nil
		}
	}
	if p, err := exec.LookPath("clickhouse"); err == nil {
		return []string{p, "server"}, nil
	}
	return nil, errors.New("clickhouse-server is not installed (Debian: apt-get install clickhouse-server; or run `make demo`, which installs it)")
}

// startLocalClickHouse returns the address of a local ClickHouse, starting one if needed.
func startLocalClickHouse(ctx context.Context, e *env) (addr string, started bool, err error) {
	if answersTCP(localCHTCP) {
		return localCHTCP, false, nil
	}
	bin, err := clickhouseServerBinary()
	if err != nil {
		return "", false, err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "ccqa", "demo-clickhouse")
	for _, d := range []string{"data", "tmp", "user_files", "log", "format_schemas"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return "", false, err
		}
	}
	_, port, _ := net.SplitHostPort(localCHTCP)
	cfg := strings.NewReplacer("$DIR", dir, "$TCP", port, "$HTTP", localCHHTTP).Replace(localCHConfig)
	if err := os.WriteFile(filepath.Join(dir, "config.xml"), []byte(cfg), 0o644); err != nil {
		return "", false, err
	}
	if err := os.WriteFile(filepath.Join(dir, "users.xml"), []byte(localCHUsers), 0o644); err != nil {
		return "", false, err
	}
	logf, err := os.Create(filepath.Join(dir, "log", "stdout.log"))
	if err != nil {
		return "", false, err
	}
	defer logf.Close()
	cmd := exec.Command(bin[0], append(bin[1:], "--config-file="+filepath.Join(dir, "config.xml"), "--pid-file="+filepath.Join(dir, "server.pid"))...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // outlives the demo
	if err := cmd.Start(); err != nil {
		return "", false, fmt.Errorf("start clickhouse-server: %w", err)
	}
	fmt.Fprintf(e.stderr, "started ClickHouse (pid %d) on %s, data in %s\n", cmd.Process.Pid, localCHTCP, dir)
	_ = cmd.Process.Release()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if answersTCP(localCHTCP) {
			return localCHTCP, true, nil
		}
		select {
		case <-ctx.Done():
			return "", true, ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
	}
	return "", true, fmt.Errorf("clickhouse-server did not answer on %s within 60 s; see %s", localCHTCP, filepath.Join(dir, "log"))
}

const localCHConfig = `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$DIR/log/server.log</log><errorlog>$DIR/log/server.err.log</errorlog><size>100M</size><count>3</count></logger>
  <http_port>$HTTP</http_port>
  <tcp_port>$TCP</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <max_connections>1024</max_connections>
  <keep_alive_timeout>3</keep_alive_timeout>
  <max_concurrent_queries>100</max_concurrent_queries>
  <uncompressed_cache_size>1073741824</uncompressed_cache_size>
  <mark_cache_size>1073741824</mark_cache_size>
  <path>$DIR/data/</path>
  <tmp_path>$DIR/tmp/</tmp_path>
  <user_files_path>$DIR/user_files/</user_files_path>
  <format_schema_path>$DIR/format_schemas/</format_schema_path>
  <users_config>$DIR/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
</yandex>
`

const localCHUsers = `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>8000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`
