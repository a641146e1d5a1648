package ingest

import (
	"bufio"
	"context"
	"os"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ccqa/ccqa/event"
	"github.com/ccqa/ccqa/internal/itest"
	"github.com/ccqa/ccqa/warehouse"
)

// fixtureCallBatch decodes the valid call events of the e2e fixture into a batch of rows, as
// if read from partition part.
func fixtureCallBatch(t *testing.T, part int) rowBuffer {
	t.Helper()
	f, err := os.Open("testdata/e2e/calls.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows := newRowBuffer(event.KindCall)
	sc := bufio.NewScanner(f)
	for off := int64(0); sc.Scan(); off++ {
		m := kafka.Message{Topic: "calls", Partition: part, Offset: off, Value: append([]byte(nil), sc.Bytes()...)}
		_ = rows.add(&m) // invalid lines are left out, as ingest dead-letters them
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if rows.len() == 0 {
		t.Fatal("no valid call in the fixture")
	}
	return rows
}

// callsWritten counts the rows of the calls table, their distinct versions (one per INSERT)
// and source partitions.
func callsWritten(t *testing.T, w *warehouse.Warehouse) (rows, versions, partitions uint64) {
	t.Helper()
	row := w.Conn().QueryRow(context.Background(), "SELECT count(), uniqExact(version), uniqExact(src_partition) FROM "+w.Database()+".calls")
	if err := row.Scan(&rows, &versions, &partitions); err != nil {
		t.Fatal(err)
	}
	return rows, versions, partitions
}

// newStreamTestIngester returns an ingester whose call inserter writes to a fresh database,
// with INSERTs closed at rowsPerInsert rows and, when nothing else closes them, after a minute.
func newStreamTestIngester(t *testing.T, rowsPerInsert int) (*Ingester, *streamInserter) {
	t.Helper()
	w := itest.Warehouse(t)
	cfg := DefaultConfig()
	cfg.Brokers = []string{"127.0.0.1:1"} // never dialled: only the inserter is used
	cfg.BatchRows = rowsPerInsert
	cfg.BatchWait = time.Minute
	in, err := New(cfg, w, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return in, in.inserters[event.KindCall]
}

// TestStreamInserterSharesInserts checks how batches of several partitions share the open
// INSERT of their table: while a partition reads a backlog, an INSERT takes batches until it
// holds BatchRows rows (one version stamp for all of them); a stopping sender's batch closes it
// at once; once no partition is behind, an INSERT closes insertGather after its last batch.
// Every batch is written exactly once, and its memory is free as soon as send returns.
func TestStreamInserterSharesInserts(t *testing.T) {
	in, ins := newStreamTestIngester(t, 3*fixtureCallBatch(t, 0).len())
	ctx := context.Background()
	ins.behind.Store(1) // a partition reads a backlog: an idle INSERT waits for more batches

	// Three batches of three partitions: one INSERT, closed by its size.
	var first *openInsert
	want := 0
	for p := range 3 {
		b := fixtureCallBatch(t, p)
		want += b.len()
		oi, err := ins.send(ctx, ctx, b, false)
		if err != nil {
			t.Fatalf("send batch %d: %v", p, err)
		}
		if first == nil {
			first = oi
		} else if oi != first {
			t.Fatalf("batch %d went to another INSERT while the first one had room", p)
		}
		// The rows were encoded and sent: the batch can be reused (as the pool does) without
		// changing what is written.
		b.reset()
	}
	if err := first.result(ctx); err != nil {
		t.Fatalf("first INSERT: %v", err)
	}
	rows, versions, partitions := callsWritten(t, in.wh)
	if rows != uint64(want) || versions != 1 || partitions != 3 {
		t.Fatalf("after the first INSERT: %d rows, %d versions, %d partitions; want %d, 1, 3", rows, versions, partitions, want)
	}

	// A stopping partition's batch: a new INSERT, closed right after it.
	b := fixtureCallBatch(t, 3)
	want += b.len()
	oi, err := ins.send(ctx, ctx, b, true)
	if err != nil {
		t.Fatal(err)
	}
	if oi == first {
		t.Fatal("a batch went to an INSERT that was full")
	}
	waitResult(t, oi, 10*time.Second, "an INSERT closed by a stopping partition")

	// Caught up: an INSERT with room closes when no batch came for insertGather.
	ins.behind.Store(0)
	b = fixtureCallBatch(t, 4)
	want += b.len()
	if oi, err = ins.send(ctx, ctx, b, false); err != nil {
		t.Fatal(err)
	}
	waitResult(t, oi, 10*time.Second, "an idle INSERT with every partition caught up")
	rows, versions, partitions = callsWritten(t, in.wh)
	if rows != uint64(want) || versions != 3 || partitions != 5 {
		t.Fatalf("at the end: %d rows, %d versions, %d partitions; want %d, 3, 5", rows, versions, partitions, want)
	}
}

// waitResult waits for an INSERT's result, failing the test if it is an error or takes longer
// than limit (an INSERT that should have closed did not).
func waitResult(t *testing.T, oi *openInsert, limit time.Duration, what string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	if err := oi.result(ctx); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// TestStreamInserterFailure checks that every batch of a failed INSERT learns that it failed,
// so that its partition reads it again (nothing of it may be committed), and that the next
// INSERT of the table works once the cause is gone.
func TestStreamInserterFailure(t *testing.T) {
	in, ins := newStreamTestIngester(t, 2*fixtureCallBatch(t, 0).len())
	ctx := context.Background()
	ins.behind.Store(1)
	db := in.wh.Database()
	if err := in.wh.Conn().Exec(ctx, "RENAME TABLE "+db+".calls TO "+db+".calls_away"); err != nil {
		t.Fatal(err)
	}
	oi, err := ins.send(ctx, ctx, fixtureCallBatch(t, 0), false)
	if err != nil {
		t.Fatal(err)
	}
	if err := oi.result(ctx); err == nil {
		t.Fatal("an INSERT into a missing table succeeded")
	}
	if err := in.wh.Conn().Exec(ctx, "RENAME TABLE "+db+".calls_away TO "+db+".calls"); err != nil {
		t.Fatal(err)
	}
	b := fixtureCallBatch(t, 1)
	n := b.len()
	if oi, err = ins.send(ctx, ctx, b, true); err != nil {
		t.Fatal(err)
	}
	waitResult(t, oi, 10*time.Second, "the INSERT after the table came back")
	if rows, _, partitions := callsWritten(t, in.wh); rows != uint64(n) || partitions != 1 {
		t.Fatalf("calls table: %d rows from %d partitions, want %d from 1 (the failed batch is not there)", rows, partitions, n)
	}
}

// TestStreamInserterAbort checks that a sender's abort context (its drain deadline) ends the
// INSERT that holds its rows, as a failure, instead of leaving it open.
func TestStreamInserterAbort(t *testing.T) {
	_, ins := newStreamTestIngester(t, 100*fixtureCallBatch(t, 0).len())
	ins.behind.Store(1) // neither full nor idle: only the abort can end it within the test
	ctx := context.Background()
	abort, cancel := context.WithCancel(ctx)
	oi, err := ins.send(ctx, abort, fixtureCallBatch(t, 0), false)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	if err := oi.result(wctx); err == nil || wctx.Err() != nil {
		t.Fatalf("INSERT result after its sender's abort: %v (wait: %v), want a failure at once", err, wctx.Err())
	}
}
