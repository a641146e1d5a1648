package ingest

import (
	"context"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ccqa/ccqa/event"
	"github.com/ccqa/ccqa/internal/itest"
)

// TestWriteDeadOnce checks the bookkeeping that keeps a batch read again after a failed INSERT
// from writing its invalid messages twice: a batch written whole and then read again (with one
// more message) sends only the new one to the dead-letter topic and counts only it; a batch whose
// ingest_errors INSERT failed after its dead letters were produced is, when read again, produced
// no more but inserted into ingest_errors and counted then; records go once committed.
func TestWriteDeadOnce(t *testing.T) {
	w := itest.Warehouse(t)
	brokers := itest.KafkaBrokers(t)
	ctx := context.Background()
	dlt := itest.Unique("writedead")
	if err := EnsureTopics(ctx, brokers, []string{dlt}, 1, nil); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Brokers, cfg.DeadLetterTopic = brokers, dlt
	cfg.RetryMin, cfg.RetryMax = 20*time.Millisecond, 50*time.Millisecond
	in, err := New(cfg, w, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = in.dlq.Close() })
	p := &partition{in: in, topic: "calls", kind: event.KindCall, log: slog.New(slog.DiscardHandler),
		outer: ctx, drain: ctx, stop: ctx, work: ctx}
	dead := func(offsets ...int64) []deadLetter {
		var ds []deadLetter
		for _, off := range offsets {
			_, err := event.DecodeCall([]byte(`{"call_id":`))
			ds = append(ds, newDeadLetter(kafka.Message{Topic: "calls", Offset: off, Key: []byte("k"), Value: []byte(`{"call_id":`)}, err))
		}
		return ds
	}

	if !p.writeDead(ctx, dead(10, 11)) {
		t.Fatal("first write failed")
	}
	if !p.writeDead(ctx, dead(10, 11, 12)) { // the batch read again, one message longer
		t.Fatal("second write failed")
	}
	if got := in.Stats().DeadLettered; got != 3 {
		t.Errorf("dead-lettered %d, want 3 (10, 11 and 12 once each)", got)
	}
	checkTopicOffsets(t, brokers[0], dlt, map[int64]int{10: 1, 11: 1, 12: 1})

	// ingest_errors refuses: the dead letter is produced, the write fails at the deadline.
	db := w.Database()
	if err := w.Conn().Exec(ctx, "RENAME TABLE "+db+".ingest_errors TO "+db+".ingest_errors_away"); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 2*time.Second)
	ok := p.writeDead(short, dead(20))
	cancel()
	if ok {
		t.Fatal("a write into a missing ingest_errors succeeded")
	}
	if err := w.Conn().Exec(ctx, "RENAME TABLE "+db+".ingest_errors_away TO "+db+".ingest_errors"); err != nil {
		t.Fatal(err)
	}
	if !p.writeDead(ctx, dead(20)) {
		t.Fatal("the write after ingest_errors came back failed")
	}
	if got := in.Stats().DeadLettered; got != 4 {
		t.Errorf("dead-lettered %d, want 4 (20 counted once it was in ingest_errors)", got)
	}
	checkTopicOffsets(t, brokers[0], dlt, map[int64]int{10: 1, 11: 1, 12: 1, 20: 1})
	var rows uint64
	if err := w.Conn().QueryRow(ctx, "SELECT count() FROM "+db+".ingest_errors FINAL").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 4 {
		t.Errorf("ingest_errors holds %d messages, want 4", rows)
	}

	p.deadForget(20)
	if n := len(p.deadWritten); n != 1 {
		t.Errorf("%d records kept after the commit of offset 20, want 1 (offset 20)", n)
	}
}

// checkTopicOffsets reads a one-partition dead-letter topic and compares how many times each
// source offset (header ccqa-source-offset) is in it with want.
func checkTopicOffsets(t *testing.T, broker, topic string, want map[int64]int) {
	t.Helper()
	conn, err := kafka.DialLeader(context.Background(), "tcp", broker, topic, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	first, last, err := conn.ReadOffsets()
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]int{}
	if _, err := conn.Seek(first, kafka.SeekAbsolute); err != nil {
		t.Fatal(err)
	}
	for off := first; off < last; {
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		kb := conn.ReadBatch(1, 1<<20)
		for {
			m, err := kb.ReadMessage()
			if err != nil {
				break
			}
			off = m.Offset + 1
			for _, h := range m.Headers {
				if h.Key == "ccqa-source-offset" {
					src, err := strconv.ParseInt(string(h.Value), 10, 64)
					if err != nil {
						t.Fatalf("header ccqa-source-offset %q: %v", h.Value, err)
					}
					got[src]++
				}
			}
		}
		if err := kb.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != len(want) {
		t.Errorf("dead-letter topic: source offsets %v, want %v", got, want)
		return
	}
	for off, n := range want {
		if got[off] != n {
			t.Errorf("dead-letter topic: source offsets %v, want %v", got, want)
			return
		}
	}
}
