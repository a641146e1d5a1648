package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/ccqa/ccqa/event"
)

// creditChunk is how many bytes of the memory budget a partition takes at a time, so that the
// budget's lock is touched per chunk rather than per message.
const creditChunk = 256 << 10

// readStall bounds how long reading one fetch response may take once it has started arriving;
// a broker that stops sending mid-response is treated as a failed fetch and reconnected.
const readStall = 30 * time.Second

// batch is a run of consecutive messages of one partition, decoded into rows.
type batch struct {
	rows  rowBuffer
	dead  []deadLetter
	msgs  int
	bytes int
	held  int64     // bytes of the memory budget taken for this batch
	first time.Time // when its first message arrived
	from  int64     // offset of its first message
	last  int64     // offset of its last message
}

func (b *batch) empty() bool { return b.msgs == 0 }

// partition consumes one assigned partition for one generation: a reader (the goroutine the
// generation started) fetches and decodes into batches; a writer goroutine sends them, in
// order, into the open INSERTs of their table; a committer goroutine waits for each INSERT and
// commits, in order. When an INSERT fails, the partition starts again from its last committed
// offset (an attempt ends, the next re-reads), after a backoff: a sent batch is no longer in
// memory (see streamInserter).
type partition struct {
	in    *Ingester
	gen   *kafka.Generation
	topic string
	id    int
	kind  event.Kind
	log   *slog.Logger
	outer context.Context // ends when the generation ends or the process shuts down
	drain context.Context // ends DrainTimeout after outer: the writer's and committer's limit
	// Per attempt: stop ends the reading (outer ended, or an INSERT failed); work ends the
	// sending of rows of an attempt that failed (or the drain). Dead letters go on until the
	// drain (see write).
	stop, work context.Context
	cancel     func()      // ends stop and work
	failed     atomic.Bool // the attempt failed: what it read is dropped and read again
	resumeAt   int64       // where the next attempt reads from (the failed batch's first offset)
	batches    chan *batch // reader -> writer, unbuffered
	consumed   prometheus.Counter
	fetches    prometheus.Counter
	inserted   prometheus.Counter
	pool       *sync.Pool
	reader     *msgReader // the reader goroutine's message buffers
	gaveUp     bool       // the writer gave a batch up at the drain deadline
	lastRows   int        // messages in the previous batch: the size hint of the next
	behind     bool       // the last fetch ended before the end of the log: more was there to read
	counted    bool       // behind is counted in the Ingester's behind counts
	drained    bool       // the last fetch read up to the end of the log, and the one before it had not
	readEnd    int64      // the offset after the last message read, -1 before any
	commitEnd  int64      // the offset committed (or the one reading started from), -1 before known
	failing    bool       // INSERTs of this partition are failing: it counts as retrying
	retryingM  sync.Mutex
	retrying   int // retry calls of this partition failing now (the writes of a batch run together)
	// deadWritten records, by offset, what was written of the invalid messages read but not
	// committed yet (deadToTopic, deadToTable bits): a batch read again after a failed INSERT
	// (see consumePartition) then sends each to the dead-letter topic and counts it once. It
	// lives as long as the partition's generation; a new owner re-delivers as usual.
	deadM       sync.Mutex
	deadWritten map[int64]uint8
	deadWG      sync.WaitGroup // dead-letter writes in flight: a new attempt waits for the last one's
}

// The parts of writing an invalid message, for partition.deadWritten.
const (
	deadToTopic uint8 = 1 << iota // produced to the dead-letter topic
	deadToTable                   // inserted into ingest_errors, and counted
)

// consumePartition reads one partition for one generation until the generation ends or the
// process shuts down, then drains (see the package comment).
func (in *Ingester) consumePartition(root, genCtx context.Context, gen *kafka.Generation, topic string, id int, offset int64) {
	outer, cancel := context.WithCancel(genCtx)
	defer cancel()
	defer context.AfterFunc(root, cancel)()
	drain, cancelDrain := context.WithCancel(context.Background())
	defer cancelDrain()
	defer context.AfterFunc(outer, func() { time.AfterFunc(in.cfg.DrainTimeout, cancelDrain) })()

	kind := in.kinds[topic]
	p := &partition{
		in: in, gen: gen, topic: topic, id: id, kind: kind,
		log:   in.log.With("topic", topic, "partition", id),
		outer: outer, drain: drain,
		consumed: in.prom.consumed.WithLabelValues(topic),
		fetches:  in.prom.fetches.WithLabelValues(topic),
		inserted: in.prom.inserted.WithLabelValues(table(kind)),
		pool:     in.pools[kind],
		reader:   newMsgReader(),
		readEnd:  -1, commitEnd: -1,
	}
	if offset >= 0 {
		p.commitEnd = offset
	}
	in.stats.partitions.Add(1)
	in.prom.partitions.Inc()
	defer func() {
		if p.failing {
			p.setRetrying(false)
		}
		// What was read and not committed stays for the partition's next owner (or the next
		// start) to read again.
		if p.readEnd > p.commitEnd && p.commitEnd >= 0 {
			n := p.readEnd - p.commitEnd
			in.stats.abandoned.Add(n)
			in.prom.abandoned.Add(float64(n))
			p.log.Warn("stopped with messages read but not committed (they will be re-delivered)", "messages", n, "from_offset", p.commitEnd)
		}
		in.stats.partitions.Add(-1)
		in.prom.partitions.Dec()
		in.setLag(topic, id, -1)
	}()

	backoff := in.cfg.RetryMin
	for {
		p.attempt(offset)
		if !p.failed.Load() || outer.Err() != nil {
			return
		}
		// An INSERT with a batch of this partition failed (ClickHouse down or restarting,
		// usually): nothing after the last commit is committed; wait, then read it again.
		if !p.failing {
			// The first failure since the partition last committed: a new outage.
			p.failing = true
			p.setRetrying(true)
			backoff = in.cfg.RetryMin
		}
		in.prom.retries.WithLabelValues(opInsert).Inc()
		in.stats.retries.Add(1)
		p.log.Warn("insert failed: reading again from the last committed offset", "offset", p.resumeAt, "backoff", backoff)
		if in.sleepF(outer, backoff) != nil {
			return
		}
		backoff = min(2*backoff, in.cfg.RetryMax)
		// The failed attempt's dead-letter writes go on (see write); the next attempt starts
		// once they are done, so that it knows what they wrote. They end by the drain deadline.
		p.deadWG.Wait()
		offset = p.resumeAt
	}
}

// attempt reads the partition from offset on, and writes and commits what it reads, until the
// generation ends or the process shuts down (then it drains), or an INSERT fails (then
// p.failed is set and what was read after the last commit is dropped).
func (p *partition) attempt(offset int64) {
	stop, cancelStop := context.WithCancel(p.outer)
	work, cancelWork := context.WithCancel(p.drain)
	defer cancelStop()
	defer cancelWork()
	p.stop, p.work = stop, work
	p.cancel = func() { cancelStop(); cancelWork() }
	p.failed.Store(false)
	p.gaveUp = false
	p.batches = make(chan *batch)
	// Each pending entry is a few words: the bound only keeps a partition from running far
	// ahead of its commits.
	commits := make(chan *pending, 64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.commitAll(commits)
	}()
	go func() {
		defer close(commits)
		p.write(commits)
	}()
	// An attempt starts as if behind (it reads what accumulated since the last commit) and is
	// not behind once it stops reading, so that the INSERTs it leaves open close when idle
	// rather than at BatchWait.
	p.setBehind(true)
	p.read(offset)
	p.setBehind(false)
	close(p.batches)
	<-done
}

// setBehind records whether the partition is reading a backlog, in the count its table's
// INSERTs look at (an INSERT waits longer for more batches while partitions are behind).
func (p *partition) setBehind(v bool) {
	p.behind = v
	if v != p.counted {
		p.counted = v
		d := int32(-1)
		if v {
			d = 1
		}
		p.in.behind[p.kind].Add(d)
		p.in.behindAll.Add(d)
	}
}

// newBatch returns an empty batch with pooled column slices, sized like the previous batch of
// the partition (a backlog fills batches alike).
func (p *partition) newBatch() *batch {
	rows := p.pool.Get().(rowBuffer)
	rows.grow(min(max(p.lastRows, 256), p.in.cfg.BatchRows))
	return &batch{rows: rows}
}

// handOff gives a batch to the writer, waiting while it sends the previous one: this wait bounds
// the batches a partition holds to two. (While ClickHouse is down, fetching pauses in the
// backoff between attempts; see consumePartition.) After stop the writer still takes every
// batch, within the drain deadline.
func (p *partition) handOff(b *batch) {
	p.lastRows = b.msgs
	p.in.writing.Add(1)
	p.batches <- b
}

// read is the reader: it fetches from the partition leader from offset on, decodes into
// batches and hands them off, until stop; then it hands off the last batch.
func (p *partition) read(offset int64) {
	cfg := &p.in.cfg
	var conn *kafka.Conn
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	b := p.newBatch()
	backoff := cfg.RetryMin
	for p.stop.Err() == nil {
		if conn == nil {
			c, next, err := p.connect(offset)
			if err != nil {
				if p.stop.Err() != nil {
					break
				}
				p.fetchFailed("connect to the partition leader failed, retrying", err, backoff)
				backoff = min(2*backoff, cfg.RetryMax)
				continue
			}
			conn, offset = c, next
		}
		wait := cfg.FetchWait
		if !b.empty() {
			wait = min(wait, max(time.Until(b.first.Add(cfg.BatchWait)), 10*time.Millisecond))
		}
		var err error
		b, offset, err = p.fetch(conn, b, offset, wait)
		switch {
		case err == nil:
			backoff = cfg.RetryMin
		case p.stop.Err() != nil:
		case errors.Is(err, kafka.OffsetOutOfRange):
			next, rerr := p.resetOffset(conn, offset)
			if rerr != nil {
				conn.Close()
				conn = nil
				p.fetchFailed("reading the partition's offsets failed, retrying", rerr, backoff)
				backoff = min(2*backoff, cfg.RetryMax)
				continue
			}
			offset = next
		default:
			conn.Close()
			conn = nil
			p.fetchFailed("fetch failed, reconnecting", err, backoff)
			backoff = min(2*backoff, cfg.RetryMax)
			continue
		}
		// A batch is cut BatchWait after its first message, or as soon as the partition has
		// caught up with the end of its log after a backlog: once a backlog is read there is
		// nothing more to wait for, and waiting would only hold the last rows of the backlog back
		// for up to BatchWait. At a steady rate every fetch reads up to the end of the log, so
		// batches still gather for BatchWait and ClickHouse still gets few, large INSERTs.
		if !b.empty() && (p.drained || !p.in.nowFn().Before(b.first.Add(cfg.BatchWait))) {
			p.handOff(b)
			b = p.newBatch()
		}
	}
	if !b.empty() {
		p.handOff(b)
	} else {
		p.release(b)
	}
}

// fetchFailed logs and counts a failed fetch or connection, then waits backoff (or until stop).
func (p *partition) fetchFailed(msg string, err error, backoff time.Duration) {
	p.in.prom.fetchErrors.WithLabelValues(p.topic).Inc()
	p.in.prom.retries.WithLabelValues(opFetch).Inc()
	p.in.stats.retries.Add(1)
	p.log.Warn(msg, "err", err, "backoff", backoff)
	_ = p.in.sleepF(p.stop, backoff)
}

// connect dials the partition leader (asking each bootstrap broker in turn where it is) and
// positions the connection at offset, resolving the group's "no commit yet" start offset.
func (p *partition) connect(offset int64) (*kafka.Conn, int64, error) {
	ctx, cancel := context.WithTimeout(p.stop, 15*time.Second)
	defer cancel()
	var conn *kafka.Conn
	var errs []error
	for _, broker := range p.in.cfg.Brokers {
		c, err := p.in.dialer.DialLeader(ctx, "tcp", broker, p.topic, p.id)
		if err == nil {
			conn = c
			break
		}
		errs = append(errs, fmt.Errorf("%s: %w", broker, err))
	}
	if conn == nil {
		return nil, 0, errors.Join(errs...)
	}
	if offset < 0 {
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		first, last, err := conn.ReadOffsets()
		_ = conn.SetDeadline(time.Time{})
		if err != nil {
			conn.Close()
			return nil, 0, fmt.Errorf("read offsets: %w", err)
		}
		if offset == kafka.LastOffset {
			offset = last
		} else {
			offset = first
		}
	}
	if _, err := conn.Seek(offset, kafka.SeekAbsolute|kafka.SeekDontCheck); err != nil {
		conn.Close()
		return nil, 0, fmt.Errorf("seek to %d: %w", offset, err)
	}
	return conn, offset, nil
}

// resetOffset handles a position outside the partition's log: the committed offset was
// deleted by retention (or the topic was recreated). It moves to the first offset still there,
// the choice that re-reads rather than skips what can still be read, and says so loudly.
func (p *partition) resetOffset(conn *kafka.Conn, offset int64) (int64, error) {
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	first, last, err := conn.ReadOffsets()
	_ = conn.SetDeadline(time.Time{})
	if err != nil {
		return 0, err
	}
	if _, err := conn.Seek(first, kafka.SeekAbsolute|kafka.SeekDontCheck); err != nil {
		return 0, err
	}
	p.in.prom.offsetResets.WithLabelValues(p.topic).Inc()
	p.log.Error("offset out of range: messages before the log start were deleted by Kafka before ingest read them; continuing from the first offset",
		"offset", offset, "first", first, "last", last)
	return first, nil
}

// fetch runs one fetch and adds its messages to batches, handing full ones off. It returns the
// batch being filled and the next offset to read.
func (p *partition) fetch(conn *kafka.Conn, b *batch, offset int64, wait time.Duration) (*batch, int64, error) {
	cfg := &p.in.cfg
	_ = conn.SetReadDeadline(time.Now().Add(wait + readStall))
	kb := conn.ReadBatchWith(kafka.ReadBatchConfig{MinBytes: 1, MaxBytes: cfg.FetchBytes, MaxWait: wait})
	p.fetches.Inc()
	hwm := kb.HighWaterMark()
	n := 0
	// One message variable for the whole fetch: rows.add takes its address through an
	// interface, so a variable per message would be a heap allocation per message. Its key and
	// value are the reader's buffers, overwritten by the next message (see msgReader).
	m := kafka.Message{Topic: p.topic, Partition: p.id}
	from := offset
	for {
		if err := p.reader.next(kb, from, &m); err != nil {
			break
		}
		n++
		size := int64(len(m.Key) + len(m.Value))
		if int64(b.bytes)+size > b.held {
			need := p.in.budget.clamp(max(creditChunk, size))
			if !p.in.budget.tryTake(need) && !p.awaitBudget(b, need) {
				// Out of memory budget: send what this partition holds (its bytes come back
				// once it is sent), then wait for bytes like every other partition.
				if !b.empty() {
					p.handOff(b)
					b = p.newBatch()
				}
				if err := p.in.budget.take(p.stop, need); err != nil || p.stop.Err() != nil {
					if err == nil {
						p.in.budget.give(need)
					}
					// Stopping: this message is not in any batch, so it stays uncommitted.
					kb.Close()
					p.addConsumed(n - 1)
					return b, offset, nil
				}
				_ = conn.SetReadDeadline(time.Now().Add(readStall))
			}
			b.held += need
		}
		if b.empty() {
			b.first = p.in.nowFn()
			b.from = m.Offset
		}
		if p.commitEnd < 0 {
			p.commitEnd = m.Offset // reading started from the log's first offset: nothing committed
		}
		p.readEnd = max(p.readEnd, m.Offset+1)
		b.msgs++
		b.bytes += int(size)
		b.last = m.Offset
		if err := b.rows.add(&m); err != nil {
			b.dead = append(b.dead, newDeadLetter(m, err))
		}
		offset = m.Offset + 1
		if b.msgs >= cfg.BatchRows || b.bytes >= cfg.BatchBytes {
			p.handOff(b)
			b = p.newBatch()
			if p.stop.Err() != nil {
				// Stopping: the rest of this fetch stays uncommitted for the next owner.
				kb.Close()
				p.addConsumed(n)
				return b, offset, nil
			}
			_ = conn.SetReadDeadline(time.Now().Add(readStall))
		}
	}
	err := kb.Close()
	_ = conn.SetReadDeadline(time.Time{})
	p.addConsumed(n)
	if errors.Is(err, kafka.RequestTimedOut) {
		err = nil // nothing new within wait: an empty fetch, not a failure
	}
	// An empty partition answers with a high-water mark of 0: it is caught up, not behind.
	if hwm > 0 || err == nil {
		p.in.setLag(p.topic, p.id, max(hwm-offset, 0))
		p.drained = p.behind && offset >= hwm
		p.setBehind(offset < hwm)
	}
	// Any other error that is not a Kafka error code has closed the connection (kafka-go
	// closes it); read reconnects and goes on from offset, the first message not yet taken.
	return b, offset, err
}

// budgetPatience is how long a partition with a batch in progress waits for memory budget
// before sending the batch as it is. Other partitions' batches give bytes back as they are
// sent, so waiting a little keeps batches (and commits) fewer; the bound keeps partitions from
// waiting on each other's unfinished batches for long.
const budgetPatience = 250 * time.Millisecond

// awaitBudget waits up to budgetPatience (and no later than the batch's BatchWait) for need
// bytes for a non-empty batch, and reports whether it took them.
func (p *partition) awaitBudget(b *batch, need int64) bool {
	// With no batch being sent anywhere, no bytes are coming back: waiting would only leave
	// ClickHouse idle (every partition full and waiting, none sending), so send now.
	if b.empty() || p.in.writing.Load() == 0 {
		return false
	}
	deadline := p.in.nowFn().Add(budgetPatience)
	if cut := b.first.Add(p.in.cfg.BatchWait); cut.Before(deadline) {
		deadline = cut
	}
	ctx, cancel := context.WithDeadline(p.stop, deadline)
	defer cancel()
	return p.in.budget.take(ctx, need) == nil
}

func (p *partition) addConsumed(n int) {
	if n > 0 {
		p.consumed.Add(float64(n))
		p.in.stats.consumed.Add(int64(n))
	}
}

// release returns a batch's memory budget and its column slices.
func (p *partition) release(b *batch) {
	p.in.budget.give(b.held)
	b.rows.reset()
	p.pool.Put(b.rows)
	b.rows, b.dead = nil, nil
}

// pending is a batch that was sent (or is being written) and waits for its commit.
type pending struct {
	ins   *openInsert // the INSERT its rows went into; nil without rows
	dead  chan bool   // the writing of its invalid messages: whether it succeeded; nil without any
	rows  int
	msgs  int
	bytes int
	from  int64
	last  int64
	start time.Time
}

// write is the writer: it sends the batches, in order, into their table's INSERTs and hands
// them to the committer, until the reader closes the channel. A batch's memory goes back as
// soon as it is sent. Once a batch is given up (the drain deadline passed before it could be
// sent) or the attempt failed, the later ones are dropped: they stay uncommitted.
func (p *partition) write(commits chan<- *pending) {
	in := p.in
	ins := in.inserters[p.kind]
	for b := range p.batches {
		if p.gaveUp || p.failed.Load() {
			p.release(b)
			in.writing.Add(-1)
			continue
		}
		pe := &pending{rows: b.rows.len(), msgs: b.msgs, bytes: b.bytes, from: b.from, last: b.last, start: in.nowFn()}
		// The invalid messages (dead-letter topic, then ingest_errors) are written while the
		// rows go to ClickHouse; the commit waits for both. Unlike the rows, their writing goes
		// on when the attempt fails (until the drain deadline): a produce cut off by a cancel
		// may still have reached the topic unrecorded, and the attempt that reads the batch
		// again would send it twice (see writeDead; consumePartition waits for these writes
		// before it reads again).
		if dead := b.dead; len(dead) > 0 {
			pe.dead = make(chan bool, 1)
			p.deadWG.Add(1)
			go func() {
				defer p.deadWG.Done()
				pe.dead <- p.writeDead(p.drain, dead)
			}()
		}
		if pe.rows > 0 {
			oi, err := ins.send(p.work, p.drain, b.rows, p.outer.Err() != nil)
			if err != nil {
				// The attempt failed (the batch is read again) or the drain deadline passed (it
				// stays uncommitted for the next owner).
				p.gaveUp = true
				if !p.failed.Load() {
					p.log.Warn("batch not written: it stays uncommitted and will be re-delivered", "messages", b.msgs, "first_offset", b.from, "err", err)
				}
				p.release(b)
				in.writing.Add(-1)
				continue
			}
			pe.ins = oi
		}
		p.release(b)
		in.writing.Add(-1)
		commits <- pe
	}
}

// commitAll is the committer: it waits for each pending batch's writes, in order, and commits
// the partition's offset after it. A failed INSERT ends the attempt (see consumePartition);
// after the drain deadline nothing more is committed.
func (p *partition) commitAll(commits <-chan *pending) {
	gaveUp := false
	for pe := range commits {
		if gaveUp || p.failed.Load() {
			continue
		}
		if p.await(pe) {
			p.commit(pe)
			continue
		}
		if p.outer.Err() != nil {
			// Draining, and the deadline passed or the write failed: this batch and every later
			// one stay uncommitted for the next owner.
			gaveUp = true
			continue
		}
		p.resumeAt = pe.from
		p.failed.Store(true)
		p.cancel()
	}
}

// await waits for a pending batch's INSERT and dead-letter writes and reports whether both
// succeeded.
func (p *partition) await(pe *pending) bool {
	ok := true
	if pe.ins != nil {
		if err := pe.ins.result(p.work); err != nil {
			ok = false
			if p.work.Err() == nil {
				p.log.Warn("insert failed", "err", err)
			}
		}
	}
	if pe.dead != nil {
		if ok {
			ok = <-pe.dead
		} else {
			// The attempt ends; its dead-letter writing goes on (see write), and the messages
			// are read again, their dead letters skipped where it wrote them.
			go func() { <-pe.dead }()
		}
	}
	return ok
}

// commit commits the offset after a written batch. A commit that fails for good (the
// generation is over) loses nothing: the rows are re-delivered to the partition's next owner
// and de-duplicated.
func (p *partition) commit(pe *pending) {
	in := p.in
	in.stats.inserted.Add(int64(pe.rows))
	p.inserted.Add(float64(pe.rows))
	if p.failing {
		p.failing = false
		p.setRetrying(false)
		p.log.Info("recovered: inserts succeed again")
	}
	offsets := map[string]map[int]int64{p.topic: {p.id: pe.last + 1}}
	err := p.retry(p.drain, opCommit, func(context.Context) error {
		err := p.gen.CommitOffsets(offsets)
		if isFenced(err) {
			return permanent{err}
		}
		return err
	})
	if err != nil {
		in.prom.commitErrors.Inc()
		p.log.Warn("offset commit given up; the batch will be re-delivered and de-duplicated", "offset", pe.last+1, "err", err)
	} else {
		p.commitEnd = pe.last + 1
		p.deadForget(p.commitEnd)
		in.prom.commits.Inc()
		in.prom.committed.Add(float64(pe.msgs))
		in.stats.committed.Add(int64(pe.msgs))
	}
	in.prom.batchRows.Observe(float64(pe.msgs))
	in.prom.batchBytes.Observe(float64(pe.bytes))
	in.prom.batchSeconds.Observe(in.nowFn().Sub(pe.start).Seconds())
}

// writeDead sends a batch's invalid messages to the dead-letter topic and then to the
// ingest_errors table, retrying each, and reports whether both were written. Of a batch read
// again after a failed INSERT, it skips what an earlier attempt wrote.
func (p *partition) writeDead(ctx context.Context, dead []deadLetter) bool {
	in := p.in
	if todo := p.deadTodo(dead, deadToTopic); len(todo) > 0 {
		if err := p.retry(ctx, opDeadLetter, func(ctx context.Context) error { return in.sendDeadLetters(ctx, todo) }); err != nil {
			return false
		}
		p.deadDone(todo, deadToTopic)
	}
	todo := p.deadTodo(dead, deadToTable)
	if len(todo) == 0 {
		return true
	}
	err := p.retry(ctx, opErrorsInsert, func(ctx context.Context) error {
		oi, err := in.errors.send(ctx, p.drain, errorRows(todo), p.outer.Err() != nil)
		if err != nil {
			return err
		}
		return oi.result(ctx)
	})
	if err != nil {
		return false
	}
	p.deadDone(todo, deadToTable)
	in.stats.deadLettered.Add(int64(len(todo)))
	for _, d := range todo {
		in.prom.deadLettered.WithLabelValues(p.topic, d.code).Inc()
	}
	p.log.Info("invalid messages dead-lettered", "count", len(todo), "first_reason", todo[0].err)
	return true
}

// deadTodo returns the invalid messages of dead that part was not written for yet.
func (p *partition) deadTodo(dead []deadLetter, part uint8) []deadLetter {
	p.deadM.Lock()
	defer p.deadM.Unlock()
	if len(p.deadWritten) == 0 {
		return dead
	}
	var todo []deadLetter
	for _, d := range dead {
		if p.deadWritten[d.msg.Offset]&part == 0 {
			todo = append(todo, d)
		}
	}
	return todo
}

// deadDone records that part was written for the invalid messages dead.
func (p *partition) deadDone(dead []deadLetter, part uint8) {
	p.deadM.Lock()
	defer p.deadM.Unlock()
	if p.deadWritten == nil {
		p.deadWritten = make(map[int64]uint8)
	}
	for _, d := range dead {
		p.deadWritten[d.msg.Offset] |= part
	}
}

// deadForget drops the records of invalid messages before offset end, once committed: they are
// not read again by this generation.
func (p *partition) deadForget(end int64) {
	p.deadM.Lock()
	defer p.deadM.Unlock()
	for off := range p.deadWritten {
		if off < end {
			delete(p.deadWritten, off)
		}
	}
}

// isFenced reports a commit refused because this member's generation is over: retrying cannot
// help.
func isFenced(err error) bool {
	return errors.Is(err, kafka.IllegalGeneration) || errors.Is(err, kafka.UnknownMemberId) ||
		errors.Is(err, kafka.RebalanceInProgress) || errors.Is(err, kafka.FencedInstanceID)
}

// permanent marks an error that retry must not retry.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// retry runs op until it succeeds, fails permanently or ctx ends, sleeping with capped
// exponential backoff between attempts. Every other failure is treated as transient: a
// ClickHouse restart or a broker failover must not lose the batch, and nothing is committed
// while it fails. The partition counts as retrying (paused) from the first failure on.
func (p *partition) retry(ctx context.Context, op string, fn func(context.Context) error) error {
	in := p.in
	wait := in.cfg.RetryMin
	failing := false
	defer func() {
		if failing {
			p.setRetrying(false)
		}
	}()
	for attempt := 1; ; attempt++ {
		err := fn(ctx)
		if err == nil {
			if attempt > 1 {
				p.log.Info("recovered", "op", op, "attempts", attempt)
			}
			return nil
		}
		var perm permanent
		if errors.As(err, &perm) {
			return perm.err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !failing {
			failing = true
			p.setRetrying(true)
		}
		in.prom.retries.WithLabelValues(op).Inc()
		in.stats.retries.Add(1)
		p.log.Warn("write failed, retrying", "op", op, "attempt", attempt, "backoff", wait, "err", err)
		if err := in.sleepF(ctx, wait); err != nil {
			return err
		}
		wait = min(wait*2, in.cfg.RetryMax)
	}
}

// setRetrying counts a retry call of the partition that started (on) or stopped failing; the
// partition counts as retrying while any of them fails.
func (p *partition) setRetrying(on bool) {
	p.retryingM.Lock()
	defer p.retryingM.Unlock()
	var d int32
	switch {
	case on:
		p.retrying++
		if p.retrying == 1 {
			d = 1
		}
	default:
		p.retrying--
		if p.retrying == 0 {
			d = -1
		}
	}
	if d != 0 {
		p.in.stats.retrying.Add(d)
		p.in.prom.retrying.Add(float64(d))
	}
}

// newDeadLetter keeps an invalid message for the dead-letter topic and ingest_errors. It copies
// the key and value, which the reader reuses for the next message, and the texts of the
// error, which a decoder may have cut from the value (strings sharing its memory).
func newDeadLetter(m kafka.Message, err error) deadLetter {
	m.Key, m.Value = bytes.Clone(m.Key), bytes.Clone(m.Value)
	d := deadLetter{msg: m, code: "invalid", err: strings.Clone(err.Error())}
	if ve, ok := event.AsValidation(err); ok {
		d.code, d.field = strings.Clone(ve.Code), strings.Clone(ve.Field)
	}
	return d
}

func (in *Ingester) sendDeadLetters(ctx context.Context, dls []deadLetter) error {
	msgs := make([]kafka.Message, len(dls))
	for i, d := range dls {
		msgs[i] = kafka.Message{
			Key:   d.msg.Key,
			Value: d.msg.Value,
			Headers: []kafka.Header{
				{Key: "ccqa-error-code", Value: []byte(d.code)},
				{Key: "ccqa-error-field", Value: []byte(d.field)},
				{Key: "ccqa-error-reason", Value: []byte(d.err)},
				{Key: "ccqa-source-topic", Value: []byte(d.msg.Topic)},
				{Key: "ccqa-source-partition", Value: []byte(strconv.Itoa(d.msg.Partition))},
				{Key: "ccqa-source-offset", Value: []byte(strconv.FormatInt(d.msg.Offset, 10))},
			},
		}
	}
	return in.dlq.WriteMessages(ctx, msgs...)
}
