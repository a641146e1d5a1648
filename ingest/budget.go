package ingest

import (
	"context"
	"sync"
)

// budget bounds the bytes of Kafka messages held in memory by all partitions of one process
// together: in batches being filled, and in batches waiting for or inside a ClickHouse insert.
// Without it, memory would grow with the number of assigned partitions times the batch size,
// however large the backlog; with it, a partition that cannot get more bytes writes what it
// has and waits, so memory stays bounded and batches shrink instead.
//
// Partitions take bytes in chunks (not per message) and give a batch's bytes back when its
// insert has finished or been abandoned.
type budget struct {
	mu    sync.Mutex
	total int64
	free  int64
	freed chan struct{} // closed and replaced whenever bytes are given back
}

func newBudget(total int64) *budget {
	return &budget{total: total, free: total, freed: make(chan struct{})}
}

// clamp limits a request to the whole budget, so that one message larger than the budget can
// still be read (alone) rather than block forever.
func (b *budget) clamp(n int64) int64 { return min(n, b.total) }

// tryTake takes n bytes if they are free.
func (b *budget) tryTake(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.free < n {
		return false
	}
	b.free -= n
	return true
}

// take waits until n bytes are free and takes them, or returns ctx's error.
func (b *budget) take(ctx context.Context, n int64) error {
	for {
		b.mu.Lock()
		if b.free >= n {
			b.free -= n
			b.mu.Unlock()
			return nil
		}
		wait := b.freed
		b.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// give returns n bytes and wakes every waiter.
func (b *budget) give(n int64) {
	if n == 0 {
		return
	}
	b.mu.Lock()
	b.free += n
	close(b.freed)
	b.freed = make(chan struct{})
	b.mu.Unlock()
}

// used returns the bytes currently taken.
func (b *budget) used() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.total - b.free
}
