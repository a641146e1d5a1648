package ingest_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/ccqa/ccqa/event"
	"github.com/ccqa/ccqa/ingest"
	"github.com/ccqa/ccqa/internal/itest"
	"github.com/ccqa/ccqa/metrics"
	"github.com/ccqa/ccqa/warehouse"
)

// fixtureMessage is one line of testdata/e2e/<kind>s.jsonl.
type fixtureMessage struct {
	kind  event.Kind
	key   []byte
	value []byte
}

func readFixture(t *testing.T, dir string) []fixtureMessage {
	t.Helper()
	var out []fixtureMessage
	for _, k := range event.Kinds {
		f, err := os.Open(filepath.Join(dir, string(k)+"s.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := bytes.TrimSpace(sc.Bytes())
			if len(line) == 0 {
				continue
			}
			// The key is the event id, as a producer would set it; unparsable lines get "bad".
			var ids map[string]any
			key := "bad"
			if json.Unmarshal(line, &ids) == nil {
				for _, f := range []string{"call_id", "chat_id", "survey_id", "order_id"} {
					if s, ok := ids[f].(string); ok {
						key = s
					}
				}
			}
			out = append(out, fixtureMessage{kind: k, key: []byte(key), value: append([]byte(nil), line...)})
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// testTopics returns fresh topic names for one test so tests never share data.
func testTopics(prefix string) (map[event.Kind]string, string) {
	topics := map[event.Kind]string{}
	for _, k := range event.Kinds {
		topics[k] = prefix + "." + string(k) + "s"
	}
	return topics, prefix + ".dead-letter"
}

func produceFixture(t *testing.T, brokers []string, topics map[event.Kind]string, msgs []fixtureMessage) {
	t.Helper()
	var names []string
	for _, n := range topics {
		names = append(names, n)
	}
	if err := ingest.EnsureTopics(context.Background(), brokers, names, 2, nil); err != nil {
		t.Fatal(err)
	}
	w := &kafka.Writer{Addr: kafka.TCP(brokers...), Balancer: &kafka.Hash{}, RequiredAcks: kafka.RequireAll, BatchTimeout: 5 * time.Millisecond}
	defer w.Close()
	var km []kafka.Message
	for _, m := range msgs {
		km = append(km, kafka.Message{Topic: topics[m.kind], Key: m.key, Value: m.value})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := w.WriteMessages(ctx, km...); err != nil {
		t.Fatalf("produce: %v", err)
	}
}

// runIngester runs an ingester until want messages are committed, then stops it and returns its
// final stats.
func runIngester(t *testing.T, w *warehouse.Warehouse, cfg ingest.Config, want int64) ingest.Stats {
	t.Helper()
	in, err := ingest.New(cfg, w, nil, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx) }()
	itest.Eventually(t, 60*time.Second, func() (bool, string) {
		st := in.Stats()
		return st.Committed >= want, "committed " + itoa(st.Committed) + " of " + itoa(want)
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("ingest run: %v", err)
	}
	return in.Stats()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func ingestConfig(brokers []string, topics map[event.Kind]string, dlt string) ingest.Config {
	cfg := ingest.DefaultConfig()
	cfg.Brokers = brokers
	cfg.GroupID = itest.Unique("group")
	cfg.Topics = topics
	cfg.DeadLetterTopic = dlt
	cfg.BatchWait = 200 * time.Millisecond
	cfg.Partitions = 2
	return cfg
}

// TestIngestEndToEnd produces the hand-written fixture to the real broker, ingests it into the
// real ClickHouse, and checks rows, dead letters and metrics against values computed by hand
// (testdata/e2e/README.md). It then re-delivers everything through a second consumer group and
// checks that no metric moved.
func TestIngestEndToEnd(t *testing.T) {
	w := itest.Warehouse(t)
	brokers := itest.KafkaBrokers(t)
	ctx := context.Background()
	topics, dlt := testTopics(itest.Unique("e2e"))
	msgs := readFixture(t, "testdata/e2e")
	produceFixture(t, brokers, topics, msgs)

	st := runIngester(t, w, ingestConfig(brokers, topics, dlt), int64(len(msgs)))
	// 19 messages: 15 valid rows (duplicates included, they are collapsed later) and 4 invalid.
	if st.Consumed != 19 || st.Inserted != 15 || st.DeadLettered != 4 {
		t.Fatalf("stats: consumed %d inserted %d dead-lettered %d, want 19, 15, 4", st.Consumed, st.Inserted, st.DeadLettered)
	}

	counts := map[string]uint64{}
	for _, q := range []string{"calls_latest", "chats_latest", "surveys_latest", "orders_latest", "calls"} {
		var n uint64
		if err := w.Conn().QueryRow(ctx, "SELECT count() FROM "+w.Database()+"."+q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		counts[q] = n
	}
	wantCounts := map[string]uint64{"calls_latest": 6, "chats_latest": 1, "surveys_latest": 4, "orders_latest": 2}
	for k, v := range wantCounts {
		if counts[k] != v {
			t.Errorf("%s: %d rows, want %d", k, counts[k], v)
		}
	}

	checkIngestErrors(t, w)
	checkDeadLetterTopic(t, brokers, dlt, msgs)
	checkMetrics(t, w, "2026-11", "testdata/e2e/expected_2026-11.jsonl")
	checkMetrics(t, w, "2026-12", "testdata/e2e/expected_2026-12.jsonl")

	// Re-delivery: a new consumer group reads every topic from the start again. The raw table
	// then holds every call twice, and no metric may change.
	rawBefore := counts["calls"]
	runIngester(t, w, ingestConfig(brokers, topics, dlt), int64(len(msgs)))
	var rawAfter uint64
	if err := w.Conn().QueryRow(ctx, "SELECT count() FROM "+w.Database()+".calls").Scan(&rawAfter); err != nil {
		t.Fatal(err)
	}
	if rawAfter <= rawBefore {
		// Merges may already have collapsed some rows, but the second insert of 7 call rows must
		// have landed before any merge could remove them all.
		t.Logf("raw calls before %d after %d (background merge ran)", rawBefore, rawAfter)
	}
	checkMetrics(t, w, "2026-11", "testdata/e2e/expected_2026-11.jsonl")
	checkMetrics(t, w, "2026-12", "testdata/e2e/expected_2026-12.jsonl")
}

func checkIngestErrors(t *testing.T, w *warehouse.Warehouse) {
	t.Helper()
	rows, err := w.Conn().Query(context.Background(),
		"SELECT src_topic, field, reason, raw FROM "+w.Database()+".ingest_errors FINAL ORDER BY src_topic, field")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var topic, field, reason, raw string
		if err := rows.Scan(&topic, &field, &reason, &raw); err != nil {
			t.Fatal(err)
		}
		if reason == "" || raw == "" {
			t.Errorf("ingest_errors row for %s/%s has an empty reason or raw message", topic, field)
		}
		got = append(got, topic[strings.LastIndex(topic, ".")+1:]+":"+field)
	}
	want := []string{"calls:", "calls:ended_at", "orders:amount", "surveys:score"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("ingest_errors (topic:field) = %v, want %v", got, want)
	}
}

func checkDeadLetterTopic(t *testing.T, brokers []string, dlt string, msgs []fixtureMessage) {
	t.Helper()
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: dlt, GroupID: itest.Unique("dlt-reader"), StartOffset: kafka.FirstOffset, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var got []string
	for len(got) < 4 {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			t.Fatalf("read dead-letter topic after %d messages: %v", len(got), err)
		}
		h := map[string]string{}
		for _, x := range m.Headers {
			h[x.Key] = string(x.Value)
		}
		if h["ccqa-error-reason"] == "" || h["ccqa-source-topic"] == "" || h["ccqa-source-offset"] == "" {
			t.Errorf("dead letter %q lacks reason/source headers: %v", m.Value, h)
		}
		found := false
		for _, fm := range msgs {
			if bytes.Equal(fm.value, m.Value) {
				found = true
			}
		}
		if !found {
			t.Errorf("dead letter %q is not a produced message byte for byte", m.Value)
		}
		got = append(got, h["ccqa-error-field"])
	}
	sort.Strings(got)
	if want := []string{"", "amount", "ended_at", "score"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("dead-letter fields %v, want %v", got, want)
	}
}

// checkMetrics compares `ccqa metrics` rows with an expected JSON-lines file: every field the
// file names must match (floats to 1e-9), and the set of agents must be the same.
func checkMetrics(t *testing.T, w *warehouse.Warehouse, month, file string) {
	t.Helper()
	m, err := metrics.ParseMonth(month)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := metrics.AgentMonthly(context.Background(), w, m)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]map[string]any{}
	for _, r := range rows {
		b, _ := json.Marshal(r)
		var obj map[string]any
		_ = json.Unmarshal(b, &obj)
		got[r.AgentID] = obj
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var obj map[string]any
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		want[obj["agent_id"].(string)] = obj
	}
	if len(got) != len(want) {
		t.Errorf("%s: got agents %v, want %v", month, keys(got), keys(want))
	}
	for agent, w := range want {
		g, ok := got[agent]
		if !ok {
			t.Errorf("%s: agent %s missing", month, agent)
			continue
		}
		for field, wv := range w {
			if !sameValue(g[field], wv) {
				t.Errorf("%s %s %s = %v, want %v", month, agent, field, g[field], wv)
			}
		}
	}
}

func sameValue(a, b any) bool {
	af, aok := a.(float64)
	bf, bok := b.(float64)
	if aok && bok {
		return math.Abs(af-bf) <= 1e-9*math.Max(1, math.Abs(bf))
	}
	return a == b
}

func keys(m map[string]map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestIngestFromKcat checks that events produced by another Kafka client (kcat, librdkafka) in
// the SPEC §3 format are ingested.
func TestIngestFromKcat(t *testing.T) {
	w := itest.Warehouse(t)
	brokers := itest.KafkaBrokers(t)
	kcat, err := exec.LookPath("kcat")
	if err != nil {
		if os.Getenv("CCQA_REQUIRE_SERVICES") == "1" {
			t.Fatal("kcat is not installed (deploy/dev/install.sh installs it)")
		}
		t.Skip("kcat not installed")
	}
	topics, dlt := testTopics(itest.Unique("kcat"))
	if err := ingest.EnsureTopics(context.Background(), brokers, []string{topics[event.KindCall], topics[event.KindSurvey]}, 2, nil); err != nil {
		t.Fatal(err)
	}
	calls := "k1\t" + `{"call_id":"k1","agent_id":"a-9","customer_id":"u1","offered_at":"2026-11-10T10:00:00+08:00","answered_at":"2026-11-10T10:00:08+08:00","ended_at":"2026-11-10T10:04:08+08:00","acw_seconds":12}` + "\n" +
		"k2\t" + `{"call_id":"k2","agent_id":"a-9","customer_id":"u2","offered_at":"2026-11-10T02:00:00Z","answered_at":"2026-11-10T02:00:04Z","ended_at":"2026-11-10T02:02:04Z"}` + "\n"
	surveys := "v1\t" + `{"survey_id":"v1","interaction_id":"k1","channel":"call","score":2,"answered_at":"2026-11-11T10:00:00+08:00"}` + "\n"
	for topic, payload := range map[string]string{topics[event.KindCall]: calls, topics[event.KindSurvey]: surveys} {
		cmd := exec.Command(kcat, "-P", "-b", strings.Join(brokers, ","), "-t", topic, "-K", "\t")
		cmd.Stdin = strings.NewReader(payload)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("kcat: %v: %s", err, out)
		}
	}
	runIngester(t, w, ingestConfig(brokers, topics, dlt), 3)
	// By hand: k1 asa 8, aht 240+12 = 252; k2 asa 4, aht 120; asa (8+4)/2 = 6, aht (252+120)/2 = 186;
	// one survey, score 2: csat 0, mean 2.
	dir := t.TempDir()
	exp := `{"month":"2026-11","agent_id":"a-9","contacts":2,"asa_seconds":6,"asa_n":2,"aht_seconds":186,"aht_n":2,"csat":0,"csat_mean":2,"csat_n":1}`
	if err := os.WriteFile(filepath.Join(dir, "exp.jsonl"), []byte(exp), 0o644); err != nil {
		t.Fatal(err)
	}
	checkMetrics(t, w, "2026-11", filepath.Join(dir, "exp.jsonl"))
}

// TestBacklogTailNotHeldForBatchWait checks how batches are cut at the end of a backlog and at
// a steady trickle, with a BatchWait far longer than the test: the last batch of a backlog is
// written as soon as the partition has caught up (it would otherwise wait for BatchWait), while
// a message that arrives after that still waits for its batch to gather (few, large INSERTs) and
// is written by the shutdown drain.
func TestBacklogTailNotHeldForBatchWait(t *testing.T) {
	w := itest.Warehouse(t)
	brokers := itest.KafkaBrokers(t)
	topics, dlt := testTopics(itest.Unique("tail"))
	msgs := readFixture(t, "testdata/e2e")
	produceFixture(t, brokers, topics, msgs)

	cfg := ingestConfig(brokers, topics, dlt)
	cfg.BatchWait = time.Hour
	cfg.FetchBytes = 1024 // several fetches per partition: a backlog, then caught up
	in, err := ingest.New(cfg, w, nil, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx) }()
	want := int64(len(msgs))
	itest.Eventually(t, 60*time.Second, func() (bool, string) {
		st := in.Stats()
		return st.Committed >= want, "committed " + itoa(st.Committed) + " of " + itoa(want) + " (the backlog's last batches wait for BatchWait?)"
	})

	// A trickle after catching up: one more call. It is read, but its batch waits.
	late := []fixtureMessage{{kind: event.KindCall, key: []byte("late-1"),
		value: []byte(`{"call_id":"late-1","agent_id":"a1","customer_id":"c1","offered_at":"2026-11-03T09:00:00Z","answered_at":"2026-11-03T09:00:05Z","ended_at":"2026-11-03T09:03:00Z"}`)}}
	produceFixture(t, brokers, topics, late)
	itest.Eventually(t, 30*time.Second, func() (bool, string) {
		st := in.Stats()
		return st.Consumed >= want+1, "consumed " + itoa(st.Consumed) + " of " + itoa(want+1)
	})
	time.Sleep(time.Second)
	if st := in.Stats(); st.Committed != want {
		t.Fatalf("committed %d right after a single late message was read, want %d: a trickle must gather for BatchWait", st.Committed, want)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("ingest run: %v", err)
	}
	if st := in.Stats(); st.Committed != want+1 {
		t.Fatalf("after shutdown: committed %d, want %d (the drain writes the waiting batch)", st.Committed, want+1)
	}
}

// TestDeadLettersOnceAcrossFailedInserts runs the fixture through an outage: ClickHouse refuses
// the calls (the table is renamed away) until the calls partitions have failed and read their
// batches, invalid calls included, again several times. Once the table is back, every invalid
// message must be in the dead-letter topic exactly once and counted once, and rows and metrics
// must be as without the outage. (Whether an attempt's dead letters are out before its INSERT
// fails depends on timing; TestWriteDeadOnce covers both orders deterministically.)
func TestDeadLettersOnceAcrossFailedInserts(t *testing.T) {
	w := itest.Warehouse(t)
	brokers := itest.KafkaBrokers(t)
	ctx := context.Background()
	topics, dlt := testTopics(itest.Unique("deadonce"))
	msgs := readFixture(t, "testdata/e2e")
	produceFixture(t, brokers, topics, msgs)
	db := w.Database()
	if err := w.Conn().Exec(ctx, "RENAME TABLE "+db+".calls TO "+db+".calls_away"); err != nil {
		t.Fatal(err)
	}
	cfg := ingestConfig(brokers, topics, dlt)
	cfg.RetryMin, cfg.RetryMax = 20*time.Millisecond, 100*time.Millisecond
	in, err := ingest.New(cfg, w, nil, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- in.Run(runCtx) }()
	itest.Eventually(t, 60*time.Second, func() (bool, string) {
		st := in.Stats()
		return st.Retries >= 8, "insert retries " + itoa(st.Retries) + ", want 8"
	})
	if err := w.Conn().Exec(ctx, "RENAME TABLE "+db+".calls_away TO "+db+".calls"); err != nil {
		t.Fatal(err)
	}
	itest.Eventually(t, 60*time.Second, func() (bool, string) {
		st := in.Stats()
		return st.Committed >= int64(len(msgs)), "committed " + itoa(st.Committed) + " of " + itoa(int64(len(msgs)))
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("ingest run: %v", err)
	}
	if st := in.Stats(); st.DeadLettered != 4 || st.Inserted != 15 {
		t.Errorf("stats: dead-lettered %d inserted %d, want 4 and 15", st.DeadLettered, st.Inserted)
	}
	// What the dead-letter topic holds, from its partitions' offsets: 4 messages, no more.
	conn, err := kafka.Dial("tcp", brokers[0])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	parts, err := conn.ReadPartitions(dlt)
	if err != nil {
		t.Fatal(err)
	}
	var inTopic int64
	for _, p := range parts {
		pc, err := kafka.DialLeader(ctx, "tcp", brokers[0], dlt, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		first, last, err := pc.ReadOffsets()
		pc.Close()
		if err != nil {
			t.Fatal(err)
		}
		inTopic += last - first
	}
	if inTopic != 4 {
		t.Errorf("dead-letter topic holds %d messages, want the 4 invalid ones once each", inTopic)
	}
	checkDeadLetterTopic(t, brokers, dlt, msgs)
	checkIngestErrors(t, w)
	checkMetrics(t, w, "2026-11", "testdata/e2e/expected_2026-11.jsonl")
	checkMetrics(t, w, "2026-12", "testdata/e2e/expected_2026-12.jsonl")
}
