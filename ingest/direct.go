package ingest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ccqa/ccqa/event"
	"github.com/ccqa/ccqa/warehouse"
)

// DirectBatches are messages of one kind decoded into INSERT-sized batches, ready to be
// inserted straight into ClickHouse with Insert. Decoding is kept apart from inserting so
// that a benchmark can time (and account the CPU of) the inserts alone: they are the raw
// insert ceiling that `ccqa bench ingest` compares ingest with.
type DirectBatches struct {
	kind    event.Kind
	batches []rowBuffer
	rows    int
}

// PrepareDirect decodes messages of one kind into batches of batchRows rows, with the same
// decoding and column code as ingest. Invalid messages are skipped.
func PrepareDirect(kind event.Kind, values [][]byte, batchRows int) (*DirectBatches, error) {
	if batchRows <= 0 {
		return nil, fmt.Errorf("insert direct: batch rows must be positive, got %d", batchRows)
	}
	d := &DirectBatches{kind: kind}
	cur := newRowBuffer(kind)
	for i, v := range values {
		m := kafka.Message{Topic: table(kind), Offset: int64(i), Value: v}
		if cur.add(&m) != nil {
			continue
		}
		d.rows++
		if cur.len() == batchRows {
			d.batches = append(d.batches, cur)
			cur = newRowBuffer(kind)
		}
	}
	if cur.len() > 0 {
		d.batches = append(d.batches, cur)
	}
	return d, nil
}

// Rows returns the number of valid rows the batches hold.
func (d *DirectBatches) Rows() int { return d.rows }

// Insert sends the batches to ClickHouse, one columnar INSERT each (the same code as ingest),
// parallel INSERTs at a time, and returns how long that took. The batches can be inserted once.
func (d *DirectBatches) Insert(ctx context.Context, wh *warehouse.Warehouse, parallel int) (time.Duration, error) {
	if parallel <= 0 {
		return 0, fmt.Errorf("insert direct: parallel must be positive, got %d", parallel)
	}
	work := make(chan rowBuffer, len(d.batches))
	for _, b := range d.batches {
		work <- b
	}
	close(work)
	d.batches = nil
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	start := time.Now()
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				now := time.Now()
				if err := insertRows(ctx, wh.Conn(), wh.Database(), uint64(now.UnixNano()), now.UTC(), b); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(start), first
}

// InsertDirect decodes messages of one kind (PrepareDirect) and inserts them (Insert). The
// returned duration covers only the inserts, not the decoding.
func InsertDirect(ctx context.Context, wh *warehouse.Warehouse, kind event.Kind, values [][]byte, batchRows, parallel int) (rows int, took time.Duration, err error) {
	d, err := PrepareDirect(kind, values, batchRows)
	if err != nil {
		return 0, 0, err
	}
	took, err = d.Insert(ctx, wh, parallel)
	return d.rows, took, err
}
