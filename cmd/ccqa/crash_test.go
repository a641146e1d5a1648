package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/ccqa/ccqa/event"
	"github.com/ccqa/ccqa/ingest"
	"github.com/ccqa/ccqa/internal/itest"
	"github.com/ccqa/ccqa/traffic"
)

// TestIngestSurvivesSIGKILL produces generated traffic to the real broker, starts `ccqa ingest`
// as a process, kills it with SIGKILL mid-stream, starts it again and lets it finish; then stops
// it with SIGTERM (exit 0) and compares the per-agent metrics with those computed from the
// produced events: nothing lost, nothing counted twice.
func TestIngestSurvivesSIGKILL(t *testing.T) {
	w := itest.Warehouse(t)
	brokers := itest.KafkaBrokers(t)
	ctx := context.Background()
	prefix := itest.Unique("crash")
	topics := map[event.Kind]string{}
	var names []string
	for _, k := range event.Kinds {
		topics[k] = prefix + "." + string(k) + "s"
		names = append(names, topics[k])
	}
	if err := ingest.EnsureTopics(ctx, brokers, names, 3, nil); err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	g, err := traffic.New(traffic.Config{Seed: 11, Start: time.Date(2026, 10, 25, 0, 0, 0, 0, loc), Days: 14, Agents: 16, Teams: 4,
		ContactsPerAgentDay: 40, DuplicateRate: 0.03, InvalidRate: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	oracle := itest.NewOracle(loc)
	if err := g.Generate(ctx, func(r traffic.Record) error { oracle.Add(r.Kind, r.Value); return nil }); err != nil {
		t.Fatal(err)
	}
	counts, err := produce(ctx, brokers, topics, g, nil)
	if err != nil {
		t.Fatal(err)
	}
	total := counts.Total()
	t.Logf("produced %s", counts)

	group := itest.Unique("crash-group")
	args := []string{"ingest", "--brokers", brokers[0], "--clickhouse", itest.ClickHouseAddr(t), "--database", w.Database(),
		"--group", group, "--batch-rows", "200", "--batch-wait", "100ms", "--dead-letter-topic", prefix + ".dead-letter",
		"--status-every", "0", "--log-level", "warn"}
	for k, tpc := range topics {
		args = append(args, "--topic-"+string(k)+"s", tpc)
	}
	start := func() *exec.Cmd {
		cmd := exec.Command(ccqaBin, args...)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	rows := func() uint64 {
		var n uint64
		_ = w.Conn().QueryRow(ctx, "SELECT count() FROM "+w.Database()+".chats").Scan(&n)
		return n
	}

	first := start()
	chats := uint64(total.Records) // an upper bound; we only need "some but not all"
	itest.Eventually(t, 60*time.Second, func() (bool, string) {
		n := rows()
		return n >= 300, "chats rows " + strconv.FormatUint(n, 10)
	})
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	lagAtKill, err := itest.GroupLag(ctx, brokers, group, names)
	if err != nil {
		t.Fatal(err)
	}
	if lagAtKill == 0 {
		t.Fatalf("the first ingest finished before SIGKILL; the test did not kill it mid-stream (%d messages)", chats)
	}
	t.Logf("killed with %d of %d messages uncommitted", lagAtKill, total.Records)

	second := start()
	itest.Eventually(t, 90*time.Second, func() (bool, string) {
		lag, err := itest.GroupLag(ctx, brokers, group, names)
		if err != nil {
			return false, err.Error()
		}
		return lag == 0, "lag " + strconv.FormatInt(lag, 10)
	})
	if err := second.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- second.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("ingest exited %d after SIGTERM, want 0", ee.ExitCode())
		} else if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		_ = second.Process.Kill()
		t.Fatal("ingest did not exit within 30 s of SIGTERM")
	}

	oracle.CheckMetrics(t, w)

	var deadLetters uint64
	if err := w.Conn().QueryRow(ctx, "SELECT count() FROM (SELECT DISTINCT src_topic, src_partition, src_offset FROM "+w.Database()+".ingest_errors)").Scan(&deadLetters); err != nil {
		t.Fatal(err)
	}
	if int(deadLetters) != total.Invalid {
		t.Errorf("ingest_errors holds %d distinct messages, %d invalid were produced", deadLetters, total.Invalid)
	}
}
