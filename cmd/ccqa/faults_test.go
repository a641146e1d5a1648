package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ccqa/ccqa/event"
	"github.com/ccqa/ccqa/ingest"
	"github.com/ccqa/ccqa/internal/itest"
	"github.com/ccqa/ccqa/traffic"
	"github.com/ccqa/ccqa/warehouse"
)

// The fault tests run `ccqa ingest` as real processes against real Kafka and ClickHouse, break
// something mid-stream, and end by comparing the per-agent metrics with the oracle computed from
// the produced events: exactly equal, nothing lost, nothing counted twice. A test that stops a
// server starts its own throwaway one, so that other tests running in parallel against the
// shared servers are not disturbed.

// faultStream is the traffic of one fault test: topics, the oracle, and two phases of
// generated events, so that the fault can be put between them and is sure to hit a running
// stream.
type faultStream struct {
	t       *testing.T
	brokers []string
	prefix  string
	topics  map[event.Kind]string
	names   []string
	oracle  *itest.Oracle
	loc     *time.Location
	total   int
	invalid int
}

// newFaultStream creates the stream's topics on the given brokers (the shared test broker when
// none are given).
func newFaultStream(t *testing.T, name string, partitions int, brokers ...string) *faultStream {
	if len(brokers) == 0 {
		brokers = itest.KafkaBrokers(t)
	}
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	s := &faultStream{t: t, brokers: brokers, prefix: itest.Unique(name), topics: map[event.Kind]string{},
		oracle: itest.NewOracle(loc), loc: loc}
	for _, k := range event.Kinds {
		s.topics[k] = s.prefix + "." + string(k) + "s"
		s.names = append(s.names, s.topics[k])
	}
	if err := ingest.EnsureTopics(context.Background(), brokers, append(s.names, s.prefix+".dead-letter"), partitions, nil); err != nil {
		t.Fatal(err)
	}
	return s
}

// produce sends one phase: a week of traffic starting on day, with its own seed so that ids
// never collide with another phase.
func (s *faultStream) produce(seed int64, day time.Time) {
	s.t.Helper()
	ctx := context.Background()
	g := s.generator(seed, day)
	if err := g.Generate(ctx, func(r traffic.Record) error { s.oracle.Add(r.Kind, r.Value); return nil }); err != nil {
		s.t.Fatal(err)
	}
	counts, err := produce(ctx, s.brokers, s.topics, g, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	s.total += counts.Total().Records
	s.invalid += counts.Total().Invalid
	s.t.Logf("produced %s", counts)
}

func (s *faultStream) generator(seed int64, day time.Time) *traffic.Generator {
	s.t.Helper()
	g, err := traffic.New(traffic.Config{Seed: seed, Start: day, Days: 7, Agents: 12, Teams: 3,
		ContactsPerAgentDay: 40, DuplicateRate: 0.03, InvalidRate: 0.01, Location: s.loc})
	if err != nil {
		s.t.Fatal(err)
	}
	return g
}

// producePaced sends one phase spread over about d, in small chunks, so that consumers see a
// steady stream rather than one burst; it returns at once and closes done when finished.
func (s *faultStream) producePaced(seed int64, day time.Time, d time.Duration) (done chan error) {
	s.t.Helper()
	var recs []traffic.Record
	var counts traffic.Counts
	if err := s.generator(seed, day).Generate(context.Background(), func(r traffic.Record) error {
		s.oracle.Add(r.Kind, r.Value)
		recs = append(recs, r)
		counts.Add(r)
		return nil
	}); err != nil {
		s.t.Fatal(err)
	}
	s.total += counts.Total().Records
	s.invalid += counts.Total().Invalid
	s.t.Logf("producing %s over %s", counts, d)
	done = make(chan error, 1)
	go func() {
		w := &kafka.Writer{Addr: kafka.TCP(s.brokers...), Balancer: &kafka.Hash{}, RequiredAcks: kafka.RequireAll, BatchTimeout: 5 * time.Millisecond}
		defer w.Close()
		const chunks = 40
		per := (len(recs) + chunks - 1) / chunks
		for i := 0; i < len(recs); i += per {
			var msgs []kafka.Message
			for _, r := range recs[i:min(i+per, len(recs))] {
				msgs = append(msgs, kafka.Message{Topic: s.topics[r.Kind], Key: r.Key, Value: r.Value})
			}
			if err := w.WriteMessages(context.Background(), msgs...); err != nil {
				done <- err
				return
			}
			time.Sleep(d / chunks)
		}
		done <- nil
	}()
	return done
}

// lag returns the messages of the stream the group has not committed.
func (s *faultStream) lag(group string) (int64, error) {
	return itest.GroupLag(context.Background(), s.brokers, group, s.names)
}

// ingestProc is one `ccqa ingest` child process with its /metrics address.
type ingestProc struct {
	cmd     *exec.Cmd
	metrics string
	done    chan struct{} // closed when the process has exited
	err     error         // its exit error, valid once done is closed
}

// startIngest starts `ccqa ingest` on the stream's topics with small batches (so that a fault
// always finds batches in flight) and a short backoff cap.
func (s *faultStream) startIngest(chAddr, db, group string, extra ...string) *ingestProc {
	s.t.Helper()
	metrics := itest.FreeAddr(s.t)
	args := []string{"ingest", "--brokers", strings.Join(s.brokers, ","), "--clickhouse", chAddr, "--database", db,
		"--group", group, "--batch-rows", "300", "--batch-wait", "100ms", "--dead-letter-topic", s.prefix + ".dead-letter",
		"--metrics-addr", metrics, "--status-every", "0", "--log-level", "warn", "--create-topics=false"}
	for k, tpc := range s.topics {
		args = append(args, "--topic-"+string(k)+"s", tpc)
	}
	args = append(args, extra...)
	cmd := exec.Command(ccqaBin, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	p := &ingestProc{cmd: cmd, metrics: metrics, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	s.t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// metric returns the sum of a ccqa_ingest_* series of the process (0 while unreachable).
func (p *ingestProc) metric(name string) float64 {
	m, err := scrape(p.metrics)
	if err != nil {
		return 0
	}
	return m[name]
}

// term sends SIGTERM and requires exit status 0 within 30 s.
func (p *ingestProc) term(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
		var ee *exec.ExitError
		if errors.As(p.err, &ee) {
			t.Fatalf("ingest exited %d after SIGTERM, want 0", ee.ExitCode())
		} else if p.err != nil {
			t.Fatal(p.err)
		}
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		t.Fatal("ingest did not exit within 30 s of SIGTERM")
	}
}

// waitCommitted waits until the group has committed the whole stream.
func (s *faultStream) waitCommitted(group string, timeout time.Duration) {
	s.t.Helper()
	itest.Eventually(s.t, timeout, func() (bool, string) {
		lag, err := s.lag(group)
		if err != nil {
			return false, err.Error()
		}
		return lag == 0, "lag " + strconv.FormatInt(lag, 10)
	})
}

// check compares the metrics with the oracle and the dead letters with the invalid messages
// produced.
func (s *faultStream) check(w *warehouse.Warehouse) {
	s.t.Helper()
	s.oracle.CheckMetrics(s.t, w)
	var dead uint64
	q := "SELECT count() FROM (SELECT DISTINCT src_topic, src_partition, src_offset FROM " + w.Database() + ".ingest_errors)"
	if err := w.Conn().QueryRow(context.Background(), q).Scan(&dead); err != nil {
		s.t.Fatal(err)
	}
	if int(dead) != s.invalid {
		s.t.Errorf("ingest_errors holds %d distinct messages, %d invalid were produced", dead, s.invalid)
	}
}

// openWarehouse opens (and migrates) a fresh database on addr.
func openWarehouse(t *testing.T, addr string) *warehouse.Warehouse {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	w, err := warehouse.Open(ctx, warehouse.Options{Addr: addr, Database: itest.Unique("ccqa_fault")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Migrate(ctx, warehouse.MigrateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func countRows(w *warehouse.Warehouse, table string) uint64 {
	var n uint64
	_ = w.Conn().QueryRow(context.Background(), "SELECT count() FROM "+w.Database()+"."+table).Scan(&n)
	return n
}

// TestIngestSurvivesClickHouseRestart stops ClickHouse for 20 s while ingest runs and more
// events arrive: ingest must pause (retrying, committing nothing), resume by itself once
// ClickHouse is back, and lose nothing.
func TestIngestSurvivesClickHouseRestart(t *testing.T) {
	ch := itest.StartThrowawayClickHouse(t)
	w := openWarehouse(t, ch.Addr())
	s := newFaultStream(t, "chrestart", 2)
	group := itest.Unique("chrestart-group")
	s.produce(21, time.Date(2026, 10, 20, 0, 0, 0, 0, s.loc))

	p := s.startIngest(ch.Addr(), w.Database(), group, "--drain-timeout", "5s")
	s.waitCommitted(group, 90*time.Second)
	before := countRows(w, "calls")
	if before == 0 {
		t.Fatal("no calls ingested before the outage")
	}

	ch.Down()
	s.produce(22, time.Date(2026, 11, 3, 0, 0, 0, 0, s.loc))
	outage := time.Now()
	// While ClickHouse is down the new events are fetched but not written: ingest retries and
	// commits none of them.
	itest.Eventually(t, 30*time.Second, func() (bool, string) {
		r := p.metric("ccqa_ingest_retries_total")
		return r > 0, fmt.Sprintf("retries %v", r)
	})
	lagDuring, err := s.lag(group)
	if err != nil {
		t.Fatal(err)
	}
	if lagDuring == 0 {
		t.Fatal("ingest committed events while ClickHouse was down")
	}
	if p.metric("ccqa_ingest_partitions_retrying") == 0 {
		t.Error("ccqa_ingest_partitions_retrying is 0 during the outage")
	}
	time.Sleep(time.Until(outage.Add(20 * time.Second)))
	if lag, _ := s.lag(group); lag < lagDuring {
		t.Fatalf("the committed offset moved during the outage: lag %d, was %d", lag, lagDuring)
	}
	t.Logf("ClickHouse down for 20 s with %d messages uncommitted", lagDuring)
	ch.Up()

	s.waitCommitted(group, 90*time.Second)
	p.term(t)
	// The test's own connections went stale with the restart; the pool replaces them.
	itest.Eventually(t, 30*time.Second, func() (bool, string) {
		err := w.Conn().Ping(context.Background())
		return err == nil, fmt.Sprint(err)
	})
	s.check(w)
}

// TestIngestSurvivesRebalance starts a second ingest process in the same consumer group while
// the first is mid-stream: the partitions are split between them (a rebalance with batches in
// flight), and together they ingest everything exactly once as far as the metrics can tell.
func TestIngestSurvivesRebalance(t *testing.T) {
	w := itest.Warehouse(t)
	s := newFaultStream(t, "rebalance", 4)
	group := itest.Unique("rebalance-group")
	s.produce(31, time.Date(2026, 10, 20, 0, 0, 0, 0, s.loc))

	a := s.startIngest(itest.ClickHouseAddr(t), w.Database(), group)
	itest.Eventually(t, 60*time.Second, func() (bool, string) {
		n := countRows(w, "chats")
		return n >= 100, fmt.Sprintf("chats rows %d", n)
	})
	// The second process joins while the first is consuming a steady stream, so the rebalance
	// revokes partitions with batches in flight.
	produced := s.producePaced(32, time.Date(2026, 11, 3, 0, 0, 0, 0, s.loc), 8*time.Second)
	time.Sleep(time.Second)
	b := s.startIngest(itest.ClickHouseAddr(t), w.Database(), group)
	// The second process must really take part: it is assigned partitions and commits some of
	// the stream.
	itest.Eventually(t, 60*time.Second, func() (bool, string) {
		pa, pb := a.metric("ccqa_ingest_partitions_assigned"), b.metric("ccqa_ingest_partitions_assigned")
		return pa > 0 && pb > 0, fmt.Sprintf("partitions assigned: first %v, second %v", pa, pb)
	})
	if err := <-produced; err != nil {
		t.Fatal(err)
	}
	// A last phase after the split, so that the second process has events on its partitions
	// however late it joined on a slow machine.
	if err := <-s.producePaced(33, time.Date(2026, 11, 17, 0, 0, 0, 0, s.loc), 2*time.Second); err != nil {
		t.Fatal(err)
	}
	s.waitCommitted(group, 90*time.Second)
	if gens := a.metric("ccqa_ingest_generations_total"); gens < 2 {
		t.Errorf("the first process joined %v generations, want a rebalance (2 or more)", gens)
	}
	if c := b.metric("ccqa_ingest_messages_committed_total"); c == 0 {
		t.Error("the second process committed nothing")
	}
	a.term(t)
	b.term(t)
	s.check(w)
}

// TestIngestSurvivesKafkaRestart restarts the (only) Kafka broker while ingest runs: the
// partition connections and the consumer group must reconnect by themselves, and the events
// produced after the restart must be ingested with nothing lost or counted twice.
func TestIngestSurvivesKafkaRestart(t *testing.T) {
	k := itest.StartThrowawayKafka(t)
	w := itest.Warehouse(t)
	s := newFaultStream(t, "kafkarestart", 2, k.Addr())
	group := itest.Unique("kafkarestart-group")
	s.produce(41, time.Date(2026, 10, 20, 0, 0, 0, 0, s.loc))

	p := s.startIngest(itest.ClickHouseAddr(t), w.Database(), group, "--drain-timeout", "5s")
	s.waitCommitted(group, 90*time.Second)

	k.Down()
	itest.Eventually(t, 30*time.Second, func() (bool, string) {
		e := p.metric("ccqa_ingest_fetch_errors_total")
		return e > 0, fmt.Sprintf("fetch errors %v", e)
	})
	k.Up()
	s.produce(42, time.Date(2026, 11, 3, 0, 0, 0, 0, s.loc))
	s.waitCommitted(group, 120*time.Second)
	p.term(t)
	s.check(w)
}
