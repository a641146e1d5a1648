package ingest

import (
	"context"
	"slices"
	"sync"
	"time"
)

// inserter merges the batches of one table that wait for an INSERT at the same time, from any
// of the partitions, into one INSERT.
//
// Why: ClickHouse does a fixed amount of work per INSERT (a part for the table and for each
// materialized view and month, and their later merges), so its CPU per row falls steeply with
// the rows per INSERT (measured on calls: about 3.9 us per row at 16k rows per INSERT, 2.4 us
// at 50k). Each partition's batch holds only its share of the memory budget, so the more
// partitions, the smaller the batches; merging them gives large INSERTs without more memory.
//
// How: a writer that wants its batch inserted queues it, then waits for one of the process's
// INSERT slots. The writer that gets a slot takes its own batch (unless another writer already
// took it along) and the oldest others queued for the table, up to about two full batches (see
// take), and sends them as one INSERT; each writer whose batch was in it gets the INSERT's
// result. When the slots are free a batch
// goes alone at once, so latency at a low rate is unchanged; under load, batches queue while
// the slots are busy and go together. Nothing else changes for the writers: each commits its
// own partition's offsets after its INSERT was acknowledged, and retries on failure as before
// (a failed merged INSERT fails for all of its batches, and each writer retries its own).
//
// The invalid messages of batches (the ingest_errors table) go through an inserter of their
// own for the same reason: a few rows per batch, and one INSERT each cost ClickHouse as much
// again as the batches' events.
type inserter struct {
	in *Ingester
	mu sync.Mutex
	// queue holds the batches waiting for an INSERT, at most one per partition (a partition's
	// writer handles one batch at a time).
	queue []*insertReq
	// gather is when the batches queued now may go: insertGather after the first of them.
	gather time.Time
}

// insertGather is how long the first batch queued for a table waits for other partitions'
// batches to join its INSERT. Under a backlog, partitions cut their batches at different
// moments, a few tens of milliseconds apart, so without it they would rarely meet; at a low
// rate it adds this much to the time an event takes to become visible (BatchWait, 1 s by
// default, is the larger part).
const insertGather = 50 * time.Millisecond

// insertReq is one writer's batch waiting for, or in, an INSERT.
type insertReq struct {
	ctx   context.Context
	rows  columnSource
	bytes int        // the message bytes the rows were decoded from
	done  chan error // receives the INSERT's result, exactly once
}

// insert writes rows (alone or with other partitions' batches of the table) and returns when
// the INSERT that carried them is done. When ctx ends first, it returns ctx's error, and the
// rows are either left out of any INSERT or in an INSERT that ctx cancels; either way, rows is
// no longer used once insert returns.
func (t *inserter) insert(ctx context.Context, rows columnSource, bytes int) error {
	req := &insertReq{ctx: ctx, rows: rows, bytes: bytes, done: make(chan error, 1)}
	t.mu.Lock()
	if len(t.queue) == 0 {
		t.gather = time.Now().Add(insertGather)
	}
	t.queue = append(t.queue, req)
	gather := t.gather
	t.mu.Unlock()
	if wait := time.Until(gather); wait > 0 {
		timer := time.NewTimer(wait)
		select {
		case <-timer.C:
		case err := <-req.done:
			timer.Stop()
			return err
		case <-ctx.Done():
			timer.Stop()
			return t.leave(ctx, req)
		}
	}
	select {
	case t.in.slots <- struct{}{}:
		if reqs := t.take(req); len(reqs) > 0 {
			t.run(reqs)
		}
		<-t.in.slots
		// Our batch was in this INSERT or in another writer's; either has answered by now or
		// will, and an INSERT that carries it ends when ctx does.
		return <-req.done
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return t.leave(ctx, req)
	}
}

// take removes from the queue the batches of the next INSERT: req's own batch, if no other
// writer took it along already, and then the oldest others while the INSERT stays within
// twice BatchRows rows and two and a half times BatchBytes message bytes (two full batches
// either way; chats reach the bytes first). The bound keeps one INSERT from taking every
// queued batch: ClickHouse runs an INSERT on one thread, so with everything in one INSERT the
// other slot would stay empty, one core idle, and the partitions waiting (measured: ingest and
// ClickHouse took turns instead of working together). Taking req's own batch first means every
// writer that holds a slot writes its own batch, so no batch is left queued with nobody to
// send it.
func (t *inserter) take(req *insertReq) []*insertReq {
	t.mu.Lock()
	defer t.mu.Unlock()
	i := slices.Index(t.queue, req)
	if i < 0 {
		return nil
	}
	t.queue = slices.Delete(t.queue, i, i+1)
	reqs := []*insertReq{req}
	rows, bytes := req.rows.len(), req.bytes
	// A batch is cut once it reaches BatchBytes, so a full one holds a little more (its last
	// message): the bytes bound has room for two full batches, not for three.
	maxRows, maxBytes := 2*t.in.cfg.BatchRows, 2*t.in.cfg.BatchBytes+t.in.cfg.BatchBytes/2
	for len(t.queue) > 0 && rows+t.queue[0].rows.len() <= maxRows && bytes+t.queue[0].bytes <= maxBytes {
		rows += t.queue[0].rows.len()
		bytes += t.queue[0].bytes
		reqs = append(reqs, t.queue[0])
		t.queue = t.queue[1:]
	}
	if len(t.queue) == 0 {
		t.queue = nil
	}
	return reqs
}

// leave takes a batch whose context ended out of the queue, or, when an INSERT already carries
// it, waits for that INSERT (which the same context cancels).
func (t *inserter) leave(ctx context.Context, req *insertReq) error {
	t.mu.Lock()
	if i := slices.Index(t.queue, req); i >= 0 {
		t.queue = slices.Delete(t.queue, i, i+1)
		t.mu.Unlock()
		return ctx.Err()
	}
	t.mu.Unlock()
	return <-req.done
}

// run sends the queued batches as one INSERT and gives each its result. The INSERT is
// cancelled as soon as any of its writers' contexts ends (a drain deadline), so no writer
// waits past its own deadline for another's INSERT; the others retry.
func (t *inserter) run(reqs []*insertReq) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	live := reqs[:0:0]
	for _, r := range reqs {
		if err := r.ctx.Err(); err != nil {
			r.done <- err
			continue
		}
		stop := context.AfterFunc(r.ctx, cancel)
		defer stop()
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	bufs := make([]columnSource, len(live))
	for i, r := range live {
		bufs[i] = r.rows
	}
	in := t.in
	now := in.nowFn()
	t0 := time.Now()
	err := insertRows(ctx, in.wh.Conn(), in.wh.Database(), uint64(now.UnixNano()), now.UTC(), bufs...)
	if err == nil {
		in.prom.insertSecs.Observe(time.Since(t0).Seconds())
	}
	for _, r := range live {
		if err != nil && r.ctx.Err() != nil {
			r.done <- r.ctx.Err()
			continue
		}
		r.done <- err
	}
}
