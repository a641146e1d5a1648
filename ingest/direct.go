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

// InsertDirect inserts messages of one kind straight into ClickHouse with clickhouse-go, with
// the same decoding and columnar INSERT code as ingest but no Kafka: batchRows rows per INSERT,
// parallel INSERTs at a time. Messages are decoded into batches before the clock starts
// (invalid ones are skipped), so the returned duration covers only the inserts. It is the raw
// insert ceiling that `ccqa bench-ingest` compares ingest with.
func InsertDirect(ctx context.Context, wh *warehouse.Warehouse, kind event.Kind, values [][]byte, batchRows, parallel int) (rows int, took time.Duration, err error) {
	if batchRows <= 0 || parallel <= 0 {
		return 0, 0, fmt.Errorf("insert direct: batch rows and parallel must be positive, got %d and %d", batchRows, parallel)
	}
	var batches []rowBuffer
	cur := newRowBuffer(kind)
	for i, v := range values {
		m := kafka.Message{Topic: table(kind), Offset: int64(i), Value: v}
		if cur.add(&m) != nil {
			continue
		}
		rows++
		if cur.len() == batchRows {
			batches = append(batches, cur)
			cur = newRowBuffer(kind)
		}
	}
	if cur.len() > 0 {
		batches = append(batches, cur)
	}
	work := make(chan rowBuffer, len(batches))
	for _, b := range batches {
		work <- b
	}
	close(work)
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
				if err := b.insert(ctx, wh.Conn(), wh.Database(), uint64(now.UnixNano()), now.UTC()); err != nil {
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
	return rows, time.Since(start), first
}
