//go:build cluster

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ccqa/ccqa/event"
	"github.com/ccqa/ccqa/internal/itest"
	"github.com/ccqa/ccqa/traffic"
	"github.com/ccqa/ccqa/warehouse"
)

// The cluster test (`make test-cluster`, build tag "cluster") runs ccqa on real distributed
// engines: ZooKeeper and four ClickHouse 18.16 servers, 2 shards × 2 replicas
// (deploy/dev/cluster.sh), and a Kafka broker with 6-partition topics consumed by 3
// `ccqa ingest` processes in one group. Mid-stream it SIGKILLs one ingest process and stops one
// ClickHouse replica, and at the end it requires the per-agent metrics, read on two different
// nodes, to equal those computed from the produced events, and both replicas of every shard to
// hold the same rows.
//
// It needs CCQA_TEST_CLUSTER (the four nodes' native addresses, node 1 to 4, as
// `deploy/dev/cluster.sh addrs` prints them) and CCQA_TEST_KAFKA, and fails without them: it
// only compiles when asked for.

const clusterName = "ccqa"

// clusterScript runs deploy/dev/cluster.sh with this process's environment (the make target
// sets the same CCQA_DEV_DIR and ports it started the cluster with).
func clusterScript(t *testing.T, args ...string) {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "..", "deploy", "dev", "cluster.sh")
	if out, err := exec.Command("bash", append([]string{script}, args...)...).CombinedOutput(); err != nil {
		t.Fatalf("cluster.sh %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func TestCluster(t *testing.T) {
	spec := os.Getenv("CCQA_TEST_CLUSTER")
	if spec == "" {
		t.Fatal("CCQA_TEST_CLUSTER is not set: the cluster test needs the 4 nodes of deploy/dev/cluster.sh (run `make test-cluster`)")
	}
	nodes := strings.Split(spec, ",")
	if len(nodes) != 4 {
		t.Fatalf("CCQA_TEST_CLUSTER names %d nodes, want 4 (shard 1: nodes 1, 2; shard 2: nodes 3, 4)", len(nodes))
	}
	brokers := itest.KafkaBrokers(t)
	ctx := context.Background()
	db := itest.Unique("ccqa_cluster")

	// Schema: migrate --cluster through node 1.
	out := ccqaRun(t, 0, "migrate", "--clickhouse", nodes[0], "--database", db, "--cluster", clusterName)
	if !strings.Contains(out, "(cluster ccqa)") {
		t.Fatalf("migrate --cluster output: %q", out)
	}
	open := func(addr string) *warehouse.Warehouse {
		t.Helper()
		w, err := warehouse.Open(ctx, warehouse.Options{Addr: addr, Database: db})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { w.Close() })
		return w
	}
	node := make([]*warehouse.Warehouse, 4)
	for i := range nodes {
		node[i] = open(nodes[i])
	}
	t.Cleanup(func() {
		if os.Getenv("CCQA_TEST_KEEP") == "1" {
			t.Logf("kept database %s", db)
			return
		}
		for _, d := range []string{db, db + "_payroll"} {
			if err := node[0].Conn().Exec(context.Background(), "DROP DATABASE IF EXISTS "+d+" ON CLUSTER "+clusterName); err != nil {
				t.Logf("drop %s: %v", d, err)
			}
		}
	})
	// The mode is recorded: a plain migrate through another node keeps it; another cluster
	// name, or --cluster on a single-node database, is a usage error naming --cluster.
	if out := ccqaRun(t, 0, "migrate", "--clickhouse", nodes[2], "--database", db); !strings.Contains(out, "(cluster ccqa): 0 migration(s) applied") {
		t.Errorf("plain migrate of the clustered database: %q", out)
	}
	ccqaRun(t, 2, "migrate", "--clickhouse", nodes[2], "--database", db, "--cluster", "no_such_cluster")
	single := itest.Unique("ccqa_single")
	ccqaRun(t, 0, "migrate", "--clickhouse", nodes[3], "--database", single)
	ccqaRun(t, 2, "migrate", "--clickhouse", nodes[3], "--database", single, "--cluster", clusterName)
	for _, d := range []string{single, single + "_payroll"} {
		_ = node[3].Conn().Exec(ctx, "DROP DATABASE IF EXISTS "+d)
	}
	for i := range nodes {
		var engine string
		if err := node[i].Conn().QueryRow(ctx, "SELECT engine FROM system.tables WHERE database = ? AND name = 'calls'", db).Scan(&engine); err != nil || engine != "Distributed" {
			t.Fatalf("node %d: %s.calls engine %q (%v), want Distributed", i+1, db, engine, err)
		}
	}

	// Traffic: a backlog first (the throughput figure), then a paced second phase during which
	// the faults happen.
	s := newFaultStream(t, "cluster", 6, brokers...)
	loc := s.loc
	gen := func(seed int64, start time.Time, days, agents int) *traffic.Generator {
		g, err := traffic.New(traffic.Config{Seed: seed, Start: start, Days: days, Agents: agents, Teams: 4,
			ContactsPerAgentDay: 60, DuplicateRate: 0.03, InvalidRate: 0.01, Location: loc})
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	backlog := gen(21, time.Date(2026, 10, 20, 0, 0, 0, 0, loc), 14, 80)
	if err := backlog.Generate(ctx, func(r traffic.Record) error { s.oracle.Add(r.Kind, r.Value); return nil }); err != nil {
		t.Fatal(err)
	}
	counts, err := produce(ctx, s.brokers, s.topics, backlog, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.total += counts.Total().Records
	s.invalid += counts.Total().Invalid
	t.Logf("backlog produced: %s", counts)

	// Three ingest processes in one group, each with its own first node and the others as
	// fallbacks (process i connects to node i first).
	group := itest.Unique("cluster-group")
	addrs := func(first int) string {
		var a []string
		for i := range nodes {
			a = append(a, nodes[(first+i)%len(nodes)])
		}
		return strings.Join(a, ",")
	}
	start := time.Now()
	procs := []*ingestProc{
		s.startIngest(addrs(0), db, group, "--batch-rows", "5000", "--batch-wait", "300ms"),
		s.startIngest(addrs(1), db, group, "--batch-rows", "5000", "--batch-wait", "300ms"),
		s.startIngest(addrs(2), db, group, "--batch-rows", "5000", "--batch-wait", "300ms"),
	}
	s.waitCommitted(group, 3*time.Minute)
	drain := time.Since(start)
	t.Logf("FIGURE backlog: %d events (%d invalid) ingested by 3 processes into 2x2 ClickHouse in %s: %.0f events/s (process start and group join included)",
		counts.Total().Records, counts.Total().Invalid, drain.Round(time.Millisecond), float64(counts.Total().Records)/drain.Seconds())

	// Phase 2, paced over ~40 s (longer than the group's session timeout, so that the restarted
	// process gets partitions while data still arrives). Mid-stream: SIGKILL ingest process 2 and
	// stop ClickHouse node 1 (shard 1's first replica and process 1's first node); restart the
	// process after 5 s and the node after 12 s.
	before := countRows(node[3], "calls")
	done := s.producePaced(22, time.Date(2026, 11, 3, 0, 0, 0, 0, loc), 40*time.Second)
	itest.Eventually(t, time.Minute, func() (bool, string) {
		n := countRows(node[3], "calls")
		return n > before+200, fmt.Sprintf("calls %d, waiting for phase 2 to flow (before %d)", n, before)
	})
	if err := procs[1].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-procs[1].done
	clusterScript(t, "node-down", "1")
	t.Logf("SIGKILLed ingest 2 and stopped ClickHouse node 1 with calls at %d", countRows(node[3], "calls"))
	time.Sleep(5 * time.Second)
	procs[1] = s.startIngest(addrs(1), db, group, "--batch-rows", "5000", "--batch-wait", "300ms")
	time.Sleep(7 * time.Second)
	clusterScript(t, "node-up", "1")
	t.Logf("ClickHouse node 1 is back")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	s.waitCommitted(group, 3*time.Minute)
	for i, p := range procs {
		m, err := scrape(p.metrics)
		t.Logf("ingest %d: %.0f rows inserted, %.0f retried operations, %.0f partitions, %.0f generations (%v)", i+1,
			m["ccqa_ingest_rows_inserted_total"], m["ccqa_ingest_retries_total"], m["ccqa_ingest_partitions_assigned"], m["ccqa_ingest_generations_total"], err)
		p.term(t)
	}

	// Replicas converge: both replicas of each shard hold the same rows of every sharded table,
	// and every node the same rows of the full-copy tables migrate wrote.
	type pair struct{ a, b int }
	shards := []pair{{0, 1}, {2, 3}}
	finalCount := func(w *warehouse.Warehouse, table string) uint64 {
		var n uint64
		if err := w.Conn().QueryRow(ctx, "SELECT count() FROM "+db+"."+table+" FINAL").Scan(&n); err != nil {
			return ^uint64(0) // a node still starting: not converged
		}
		return n
	}
	for table := range warehouse.ShardKeys {
		local := table + warehouse.ShardedSuffix
		for si, p := range shards {
			itest.Eventually(t, 2*time.Minute, func() (bool, string) {
				a, b := finalCount(node[p.a], local), finalCount(node[p.b], local)
				return a == b && a != ^uint64(0), fmt.Sprintf("shard %d %s: node %d has %d rows, node %d has %d", si+1, local, p.a+1, a, p.b+1, b)
			})
		}
	}
	for _, table := range []string{"settings", "schema_migrations"} {
		itest.Eventually(t, 2*time.Minute, func() (bool, string) {
			var got []uint64
			for i := range node {
				got = append(got, finalCount(node[i], table))
			}
			return got[0] == got[1] && got[1] == got[2] && got[2] == got[3], fmt.Sprintf("%s rows by node: %v", table, got)
		})
	}
	var perShard []string
	for si, p := range shards {
		var parts []string
		for _, table := range []string{"calls", "chats", "surveys", "orders", "contact_facts"} {
			parts = append(parts, fmt.Sprintf("%s %d", table, finalCount(node[p.a], table+warehouse.ShardedSuffix)))
		}
		perShard = append(perShard, fmt.Sprintf("shard %d: %s", si+1, strings.Join(parts, ", ")))
	}
	t.Logf("FIGURE rows per shard (de-duplicated): %s", strings.Join(perShard, "; "))

	// Exactness: the per-agent metrics equal the oracle's, read through node 4 and through node 2
	// (each node builds its own month cache from the Distributed tables), and every invalid
	// message is recorded once.
	t.Logf("%d events produced (%d invalid) in %s", s.total, s.invalid, time.Since(start).Round(time.Second))
	s.check(node[3])
	s.oracle.CheckMetrics(t, node[1])
	for _, k := range event.Kinds {
		var n uint64
		if err := node[1].Conn().QueryRow(ctx, "SELECT count() FROM "+db+"."+string(k)+"s").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Errorf("%ss: no rows through the Distributed table", k)
		}
	}

	// The application tables are full copies: a manager's entry made through node 3 counts in a
	// rollup run through node 2, whose grades payroll reads through node 4.
	var agent string
	for k := range s.oracle.Compute() {
		if strings.HasPrefix(k, "2026-11/") && (agent == "" || k[8:] < agent) {
			agent = k[8:]
		}
	}
	ccqaRun(t, 0, "adjust", "add", "--clickhouse", nodes[2], "--database", db, "--agent", agent, "--month", "2026-11",
		"--item", "late", "--points", "-2", "--reason", "迟到", "--user", "mgr")
	itest.Eventually(t, time.Minute, func() (bool, string) {
		var n uint64
		_ = node[1].Conn().QueryRow(ctx, "SELECT count() FROM "+db+".adjustments").Scan(&n)
		return n == 1, fmt.Sprintf("node 2 sees %d adjustments, want 1", n)
	})
	if out := ccqaRun(t, 0, "rollup", "--clickhouse", nodes[1], "--database", db, "--month", "2026-11", "--user", "ops"); !strings.Contains(out, "revision 1") {
		t.Errorf("rollup output: %s", out)
	}
	itest.Eventually(t, time.Minute, func() (bool, string) {
		var rows uint64
		var adj float64
		q := "SELECT count(), sumIf(adjustments_total, agent_id = ?) FROM " + db + "_payroll.monthly_grades WHERE month = toDate('2026-11-01')"
		if err := node[3].Conn().QueryRow(ctx, q, agent).Scan(&rows, &adj); err != nil {
			return false, err.Error()
		}
		var agents int
		for k := range s.oracle.Compute() {
			if strings.HasPrefix(k, "2026-11/") {
				agents++
			}
		}
		return rows >= uint64(agents) && adj == -2, fmt.Sprintf("node 4: %d grade rows (want ≥ %d agents), %s's adjustments %v (want -2)", rows, agents, agent, adj)
	})
}

// ccqaRun runs the ccqa binary and requires the exit code; it returns stdout.
func ccqaRun(t *testing.T, wantCode int, args ...string) string {
	t.Helper()
	cmd := exec.Command(ccqaBin, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if code != wantCode {
		t.Fatalf("ccqa %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, wantCode, out, stderr.String())
	}
	if wantCode == 2 && !strings.Contains(stderr.String(), "--cluster") {
		t.Errorf("ccqa %s: usage error does not name --cluster: %s", strings.Join(args, " "), stderr.String())
	}
	return string(out)
}
