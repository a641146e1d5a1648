package ingest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// streamInserter writes the batches of one table (an event table, or ingest_errors for the
// invalid messages of every batch) through INSERTs that stay open while
// batches arrive, from any partition, and are sent block by block as they come.
//
// Why: ClickHouse's CPU per row falls steeply with the rows per INSERT (it writes a part per
// INSERT, table, materialized view and month, and merges them later; measured on mixed traffic:
// 6.1 us per row at 16k rows per INSERT, 4.2 at 50k), while ingest's memory is bounded. The
// server squashes the blocks of one INSERT into one part (min_insert_block_size_rows, about a
// million rows), so a batch sent into an open INSERT needs no memory in ingest once it is sent:
// its memory budget goes back at once, and the INSERT grows to BatchRows rows whatever the
// budget. The rows of an INSERT wait in ClickHouse's memory, not ingest's, until it finishes.
//
// The price: a batch is no longer in memory when its INSERT fails, so it cannot be retried in
// place. A partition whose batch was in a failed INSERT goes back to its last committed offset
// and reads again (partition.go), which is what a crash does too; re-inserted rows are
// de-duplicated like every re-delivery.
//
// An INSERT takes batches until it holds BatchRows rows (its last batch may take it past that,
// to at most twice: refusing a batch that would take it past BatchRows made the INSERTs of calls
// one batch each, and ClickHouse's CPU per row rose by a fifth), until BatchWait after it opened,
// or until insertGather after its last batch when no partition of the table is reading a backlog
// (at a steady rate, partitions cut their batches at BatchWait and an INSERT then waits only
// insertGather for the others). A stopping partition closes it at once. At most two
// INSERTs of a table exist at a time, one taking batches and one finishing; MaxInserts bounds
// the INSERTs finishing at once over all tables (finishing is when the server writes the parts).
type streamInserter struct {
	in    *Ingester
	table string
	mu    sync.Mutex
	cur   *openInsert // the INSERT taking batches, if any
	// alive holds a token per INSERT of the table that has not finished.
	alive chan struct{}
	// behind counts the partitions reading a backlog (see partition.setBehind): those of the
	// table, or every partition for ingest_errors, whose rows come from every table's batches.
	behind *atomic.Int32
}

// insertGather is how long an INSERT with room waits for another batch once no partition is
// reading a backlog. At a steady rate, partitions cut their batches BatchWait apart but at
// different moments, a few tens of milliseconds apart, so without it they would rarely share
// an INSERT; it adds this much to the time an event takes to become visible (BatchWait, 1 s by
// default, is the larger part).
const insertGather = 50 * time.Millisecond

func newStreamInserter(in *Ingester, table string, behind *atomic.Int32) *streamInserter {
	return &streamInserter{in: in, table: table, alive: make(chan struct{}, 2), behind: behind}
}

// openInsert is one INSERT of a stream: a goroutine owns the driver batch; senders hand it rows
// through reqs until closed is closed; done is closed once err holds the INSERT's result.
type openInsert struct {
	t      *streamInserter
	reqs   chan *sendReq
	closed chan struct{}
	done   chan struct{}
	err    error
}

// sendReq is a batch's rows handed to an open INSERT.
type sendReq struct {
	rows columnSource
	// abort ends the INSERT (as failed) when it ends: the sender's drain deadline.
	abort context.Context
	// last closes the INSERT right after these rows (the sender is stopping).
	last bool
	sent chan struct{}
}

// result waits for the INSERT's result, or for ctx.
func (oi *openInsert) result(ctx context.Context) error {
	select {
	case <-oi.done:
		return oi.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// send hands rows to the table's open INSERT (opening one when none takes batches) and returns
// once they have been encoded and sent to ClickHouse: rows is no longer used then. The returned
// INSERT's result tells whether they were written. An error means the rows were not sent
// because ctx ended. abort ends the INSERT when it ends (see sendReq).
func (t *streamInserter) send(ctx, abort context.Context, rows columnSource, last bool) (*openInsert, error) {
	req := &sendReq{rows: rows, abort: abort, last: last, sent: make(chan struct{})}
	for {
		oi, err := t.current(ctx)
		if err != nil {
			return nil, err
		}
		select {
		case oi.reqs <- req:
			<-req.sent
			return oi, nil
		case <-oi.closed:
			// It stopped taking batches before it took this one: the next INSERT will.
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// current returns the INSERT taking batches, opening one if there is none (waiting while two
// INSERTs of the table are alive).
func (t *streamInserter) current(ctx context.Context) (*openInsert, error) {
	t.mu.Lock()
	if oi := t.cur; oi != nil {
		t.mu.Unlock()
		return oi, nil
	}
	t.mu.Unlock()
	select {
	case t.alive <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if oi := t.cur; oi != nil {
		<-t.alive // another sender opened one meanwhile
		return oi, nil
	}
	oi := &openInsert{t: t, reqs: make(chan *sendReq), closed: make(chan struct{}), done: make(chan struct{})}
	t.cur = oi
	go oi.run()
	return oi, nil
}

// errNoRows is the result of an INSERT that was opened but took no rows; nobody waits for it.
var errNoRows = errors.New("insert took no rows")

// run is the INSERT's goroutine: it takes batches and sends them as blocks until the INSERT is
// full or its time is up, then finishes it.
func (oi *openInsert) run() {
	t := oi.t
	in := t.in
	defer func() { <-t.alive }()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stops []func() bool
	defer func() {
		for _, stop := range stops {
			stop()
		}
	}()
	now := in.nowFn()
	version := uint64(now.UnixNano())
	t0 := time.Now()
	var (
		b      driver.Batch
		err    error
		rows   int
		reqs   int
		reason = "full"
	)
	maxOpen := time.NewTimer(in.cfg.BatchWait)
	defer maxOpen.Stop()
	idle := time.NewTimer(insertGather)
	defer idle.Stop()
take:
	for {
		select {
		case req := <-oi.reqs:
			stops = append(stops, context.AfterFunc(req.abort, cancel))
			err = oi.append(ctx, &b, req.rows, version, now)
			rows += req.rows.len()
			reqs++
			close(req.sent)
			if err != nil || rows >= in.cfg.BatchRows || req.last {
				if req.last {
					reason = "stopping"
				}
				break take
			}
			idle.Reset(insertGather)
		case <-idle.C:
			if t.behind.Load() == 0 {
				reason = "idle"
				break take
			}
			idle.Reset(insertGather)
		case <-maxOpen.C:
			reason = "time"
			break take
		case <-ctx.Done():
			// A sender's drain deadline passed: the INSERT fails for all of its batches.
			err = ctx.Err()
			break take
		}
	}
	// No sender can hand it rows from here on: they see closed and open the next INSERT.
	close(oi.closed)
	t.mu.Lock()
	if t.cur == oi {
		t.cur = nil
	}
	t.mu.Unlock()
	switch {
	case b == nil && err == nil:
		err = errNoRows
	case err != nil:
		if b != nil {
			_ = b.Abort()
		}
	default:
		select {
		case in.slots <- struct{}{}:
			err = b.Send()
			<-in.slots
		case <-ctx.Done():
			_ = b.Abort()
			err = ctx.Err()
		}
	}
	if err == nil {
		in.prom.insertSecs.Observe(time.Since(t0).Seconds())
	}
	in.log.Debug("insert finished", "table", t.table, "rows", rows, "batches", reqs, "closed_by", reason, "open", time.Since(t0), "err", err)
	oi.err = err
	close(oi.done)
}

// append sends rows as blocks of the INSERT, preparing it first if needed. Each block is
// flushed at once, so the driver holds no rows of a batch after append returns.
func (oi *openInsert) append(ctx context.Context, b *driver.Batch, rows columnSource, version uint64, now time.Time) error {
	if rows.len() == 0 {
		return nil
	}
	in := oi.t.in
	table, names, cols := rows.columns(version, now)
	if *b == nil {
		nb, err := prepareInsert(ctx, in.wh.Conn(), in.wh.Database(), table, names)
		if err != nil {
			return err
		}
		*b = nb
	}
	return appendColumns(*b, table, names, colSet{rows: rows.len(), cols: cols}, true)
}
