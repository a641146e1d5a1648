package ingest

import (
	"bufio"
	"context"
	"errors"
	"os"
	"sync"
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

// occupySlots takes every INSERT slot of in, so that inserts queue; the returned function
// gives them back.
func occupySlots(in *Ingester) func() {
	for range cap(in.slots) {
		in.slots <- struct{}{}
	}
	return func() {
		for range cap(in.slots) {
			<-in.slots
		}
	}
}

func queued(ins *inserter) int {
	ins.mu.Lock()
	defer ins.mu.Unlock()
	return len(ins.queue)
}

// TestInserterMergesWaitingBatches checks that batches of several partitions waiting for an
// INSERT slot at the same time go to ClickHouse as one INSERT (one version stamp for all their
// rows), that every one of them is acknowledged, and that a batch whose context ends while it
// waits is left out and reports the context's error.
func TestInserterMergesWaitingBatches(t *testing.T) {
	w := itest.Warehouse(t)
	cfg := DefaultConfig()
	cfg.Brokers = []string{"127.0.0.1:1"} // never dialled: only the inserter is used
	in, err := New(cfg, w, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ins := &inserter{in: in} // the merging inserter, as ingest_errors uses it
	ctx := context.Background()

	// A batch that gives up while waiting is not inserted.
	giveBack := occupySlots(in)
	cctx, cancel := context.WithCancel(ctx)
	gaveUp := make(chan error, 1)
	go func() { gaveUp <- ins.insert(cctx, fixtureCallBatch(t, 9), 0) }()
	itest.Eventually(t, 10*time.Second, func() (bool, string) { return queued(ins) == 1, "the batch to queue" })
	cancel()
	if err := <-gaveUp; !errors.Is(err, context.Canceled) {
		t.Fatalf("insert with its context cancelled while waiting: got %v, want context.Canceled", err)
	}
	if n := queued(ins); n != 0 {
		t.Fatalf("%d batches still queued after the waiting one gave up, want 0", n)
	}

	// Three partitions' batches wait together, then go as one INSERT.
	const parts = 3
	want := insertWaiting(t, ins, giveBack, parts)
	rows, versions, partitions := callsWritten(t, w)
	if rows != uint64(want) || partitions != parts {
		t.Errorf("calls table: %d rows from %d partitions, want %d rows from %d (the given-up batch of partition 9 must not be there)", rows, partitions, want, parts)
	}
	if versions != 1 {
		t.Errorf("calls table: %d distinct versions, want 1 (one INSERT for the three batches)", versions)
	}
}

// insertWaiting has one batch of each of parts partitions wait for an INSERT slot while the
// slots are taken, then gives the slots back (giveBack) and checks that every insert
// succeeded. It returns the rows of the batches.
func insertWaiting(t *testing.T, ins *inserter, giveBack func(), parts int) int {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, parts)
	want := 0
	for p := range parts {
		b := fixtureCallBatch(t, p)
		want += b.len()
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[p] = ins.insert(context.Background(), b, 0)
		}()
	}
	itest.Eventually(t, 10*time.Second, func() (bool, string) { return queued(ins) == parts, "all batches to queue" })
	giveBack()
	wg.Wait()
	for p, err := range errs {
		if err != nil {
			t.Fatalf("partition %d: insert: %v", p, err)
		}
	}
	return want
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

// TestInserterBoundsMergedInserts checks that one INSERT takes waiting batches only up to
// two full batches (twice BatchRows), so that the other INSERT slot gets the rest: four waiting
// batches go as two INSERTs, and every one is written.
func TestInserterBoundsMergedInserts(t *testing.T) {
	w := itest.Warehouse(t)
	cfg := DefaultConfig()
	cfg.Brokers = []string{"127.0.0.1:1"} // never dialled: only the inserter is used
	cfg.BatchRows = fixtureCallBatch(t, 0).len()
	in, err := New(cfg, w, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ins := &inserter{in: in} // the merging inserter, as ingest_errors uses it
	const parts = 4
	want := insertWaiting(t, ins, occupySlots(in), parts)
	rows, versions, partitions := callsWritten(t, w)
	if rows != uint64(want) || partitions != parts {
		t.Errorf("calls table: %d rows from %d partitions, want %d rows from %d", rows, partitions, want, parts)
	}
	if versions != 2 {
		t.Errorf("calls table: %d distinct versions, want 2 (four batches, at most two per INSERT)", versions)
	}
}
