package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ccqa/ccqa/event"
	"github.com/ccqa/ccqa/warehouse"
)

// Backfill writes events that come from files rather than Kafka (`ccqa import`) through the
// same decoding, validation and columnar INSERT as the consumer, so a backfilled event is stored
// exactly like a consumed one and a re-imported file collapses like a re-delivery. An invalid
// event is recorded in ingest_errors like a dead letter, with the source named by Source and
// the event's position (line or row number) as its offset; there is no dead-letter topic here.
//
// A Backfill is not safe for concurrent use.
type Backfill struct {
	wh     *warehouse.Warehouse
	kind   event.Kind
	source string
	rows   rowBuffer
	dead   []deadLetter
}

// NewBackfill returns a backfill of one kind of event. source names where the events come from
// (for example "import:calls.parquet"); it is stored as the src_topic of every row and error.
func NewBackfill(wh *warehouse.Warehouse, kind event.Kind, source string) *Backfill {
	return &Backfill{wh: wh, kind: kind, source: source, rows: newRowBuffer(kind)}
}

// Add decodes one event (its JSON message) at position pos of the source. An invalid event is
// kept for ingest_errors and its *event.ValidationError returned; nothing is written until Flush.
func (b *Backfill) Add(pos int64, key, value []byte) error {
	m := kafka.Message{Topic: b.source, Offset: pos, Key: key, Value: value}
	if err := b.rows.add(&m); err != nil {
		b.dead = append(b.dead, newDeadLetter(m, err))
		return err
	}
	return nil
}

// Pending returns the number of valid and invalid events held.
func (b *Backfill) Pending() (valid, invalid int) { return b.rows.len(), len(b.dead) }

// Flush inserts the valid events in one INSERT and the invalid ones into ingest_errors, then
// empties the buffers. On error nothing is emptied, so Flush can be retried.
func (b *Backfill) Flush(ctx context.Context) (valid, invalid int, err error) {
	now := time.Now()
	valid, invalid = b.rows.len(), len(b.dead)
	if valid > 0 {
		if err := insertRows(ctx, b.wh.Conn(), b.wh.Database(), uint64(now.UnixNano()), now.UTC(), b.rows); err != nil {
			return 0, 0, fmt.Errorf("backfill %s: %w", b.kind, err)
		}
		b.rows.reset()
	}
	if invalid > 0 {
		if err := insertRows(ctx, b.wh.Conn(), b.wh.Database(), uint64(now.UnixNano()), now.UTC(), errorRows(b.dead)); err != nil {
			return valid, 0, fmt.Errorf("backfill %s: record invalid events: %w", b.kind, err)
		}
		b.dead = b.dead[:0]
	}
	return valid, invalid, nil
}
