package itest

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// ThrowawayClickHouse is a ClickHouse server of one test only, run by the repository's own
// script (deploy/dev/clickhouse.sh) in a temporary folder on free ports, so that the test may
// stop and start it without disturbing other tests that share the main test server.
type ThrowawayClickHouse struct {
	t   testing.TB
	env []string
	tcp string
}

// StartThrowawayClickHouse starts the server and stops it when the test ends. It needs what
// every ClickHouse test needs (CCQA_TEST_CLICKHOUSE set, meaning the server is installed), and
// skips or fails alike without it.
func StartThrowawayClickHouse(t testing.TB) *ThrowawayClickHouse {
	t.Helper()
	ClickHouseAddr(t)
	c := &ThrowawayClickHouse{t: t, tcp: FreePort(t)}
	c.env = append(os.Environ(), "CCQA_DEV_DIR="+t.TempDir(), "CCQA_CH_TCP_PORT="+c.tcp, "CCQA_CH_HTTP_PORT="+FreePort(t))
	c.Up()
	t.Cleanup(c.Down)
	return c
}

// Addr returns the native protocol address.
func (c *ThrowawayClickHouse) Addr() string { return "127.0.0.1:" + c.tcp }

// Up starts the server (again) and waits until it answers.
func (c *ThrowawayClickHouse) Up() { runScript(c.t, "clickhouse.sh", c.env, "up") }

// Down stops the server.
func (c *ThrowawayClickHouse) Down() { runScript(c.t, "clickhouse.sh", c.env, "down") }

// FreeAddr returns a 127.0.0.1 address with a port that was free a moment ago.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// FreePort returns a port that was free a moment ago.
func FreePort(t testing.TB) string {
	_, port, _ := net.SplitHostPort(FreeAddr(t))
	return port
}

// ThrowawayKafka is an Apache Kafka broker of one test only, run by deploy/dev/kafka.sh in a
// temporary folder on free ports, so that the test may stop and restart it. Its data survives a
// restart, as a real broker's does.
type ThrowawayKafka struct {
	t    testing.TB
	env  []string
	port string
}

// StartThrowawayKafka starts the broker and stops it when the test ends. It needs what every
// Kafka test needs (CCQA_TEST_KAFKA set, meaning the broker's jars are installed).
func StartThrowawayKafka(t testing.TB) *ThrowawayKafka {
	t.Helper()
	KafkaBrokers(t)
	k := &ThrowawayKafka{t: t, port: FreePort(t)}
	k.env = append(os.Environ(), "CCQA_DEV_DIR="+t.TempDir(), "CCQA_KAFKA_PORT="+k.port,
		"CCQA_KAFKA_CONTROLLER_PORT="+FreePort(t), "CCQA_KAFKA_HEAP=256m")
	k.Up()
	t.Cleanup(k.Down)
	return k
}

// Addr returns the broker address.
func (k *ThrowawayKafka) Addr() string { return "127.0.0.1:" + k.port }

// Up starts the broker (again) and waits until it answers.
func (k *ThrowawayKafka) Up() { runScript(k.t, "kafka.sh", k.env, "up") }

// Down stops the broker.
func (k *ThrowawayKafka) Down() { runScript(k.t, "kafka.sh", k.env, "down") }

func runScript(t testing.TB, name string, env []string, action string) {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "..", "deploy", "dev", name)
	cmd := exec.Command("bash", script, action)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, action, err, out)
	}
}
