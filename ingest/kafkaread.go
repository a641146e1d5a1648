package ingest

import (
	"bufio"
	"io"
	_ "unsafe" // for go:linkname, see msgReader

	"github.com/segmentio/kafka-go"
)

// kafkaGoVersion is the kafka-go release whose private Batch.readMessage and errShortRead the
// two go:linkname declarations below were checked against. TestKafkaGoLinkname fails when
// go.mod moves to another release, so that an upgrade re-checks them before it builds a
// binary: the linker verifies that the symbols exist, not that their signatures still match.
const kafkaGoVersion = "v0.4.51"

// batchReadMessage is kafka-go's (*Batch).readMessage: it reads the next message of the
// batch, handing its key and value to key and val as a reader positioned on them, the bytes
// left in the message set and the length of the field (negative for null); each returns the
// bytes left after it read or skipped the field.
//
//go:linkname batchReadMessage github.com/segmentio/kafka-go.(*Batch).readMessage
func batchReadMessage(b *kafka.Batch, key, val func(*bufio.Reader, int, int) (int, error)) (offset, timestamp int64, headers []kafka.Header, err error)

// errShortRead is kafka-go's error for a field cut off at the end of a fetch (the broker stops
// a response at its size limit mid-message); Batch.readMessage takes it as the end of the batch
// rather than a failure, so the field readers must return this very value.
//
//go:linkname errShortRead github.com/segmentio/kafka-go.errShortRead
var errShortRead error

// msgReader reads the messages of a fetch into two buffers it reuses from one message to the
// next, instead of the fresh key and value kafka-go's Batch.ReadMessage allocates for every
// message: the message bytes are copied into the batch's columns at once (rows.add), so the
// allocations (and the zeroing and collection of about a gigabyte per million mixed events)
// were pure cost: 13% of ingest's CPU on mixed traffic, measured. Batch.Read, kafka-go's public reuse API,
// drops the key, which the dead-letter topic keeps; hence the go:linkname to the private
// method both public ones are built on (kafka-go has no API for this; checked against
// kafkaGoVersion).
//
// The Key and Value of a message from next are valid until the next call; whatever keeps
// them longer (dead letters) copies them.
type msgReader struct {
	key, val []byte
	// readKey and readVal are the field readers, made once so that a message costs no
	// closure allocation.
	readKey, readVal func(*bufio.Reader, int, int) (int, error)
}

// keepReadBuffer is the largest key or value buffer a msgReader keeps from one message to the
// next: far above the events' sizes (a chat of a hundred messages is about 10 KiB), far below
// the broker's message size limit (1 MiB by default).
const keepReadBuffer = 64 << 10

func newMsgReader() *msgReader {
	r := &msgReader{}
	r.readKey = func(br *bufio.Reader, size, n int) (int, error) {
		var err error
		r.key, size, err = readInto(br, r.key[:0], size, n)
		return size, err
	}
	r.readVal = func(br *bufio.Reader, size, n int) (int, error) {
		var err error
		r.val, size, err = readInto(br, r.val[:0], size, n)
		return size, err
	}
	return r
}

// next reads the next message of kb at or after offset from into m, as kb.ReadMessage does
// (a fetch may start with messages before the requested offset, which it skips), except that
// m.Key and m.Value are the reader's buffers and m's time, headers and high-water mark are
// not set: ingest does not use them.
func (r *msgReader) next(kb *kafka.Batch, from int64, m *kafka.Message) error {
	// A buffer an outsized message grew is let go, so that what a partition keeps between
	// messages (outside the memory budget, which counts the batch's bytes) stays small.
	if cap(r.val) > keepReadBuffer {
		r.val = nil
	}
	if cap(r.key) > keepReadBuffer {
		r.key = nil
	}
	for {
		offset, _, _, err := batchReadMessage(kb, r.readKey, r.readVal)
		if err != nil {
			return err
		}
		if offset < from {
			continue
		}
		// Empty and null fields are nil, as ReadMessage returns them.
		m.Offset, m.Key, m.Value = offset, nilIfEmpty(r.key), nilIfEmpty(r.val)
		return nil
	}
}

// readInto reads a field of n bytes (n < 0 is null; null and empty read nothing) into buf, growing it as
// needed, from a message set with size bytes left. It is kafka-go's readNewBytes writing
// into a reused buffer: a field longer than what is left of the set is read as far as it goes
// and reported with errShortRead.
func readInto(br *bufio.Reader, buf []byte, size, n int) ([]byte, int, error) {
	if n <= 0 {
		return buf, size, nil
	}
	short := false
	if size < n {
		n, short = size, true
	}
	if cap(buf) < n {
		buf = make([]byte, n, max(n, 2*cap(buf)))
	}
	buf = buf[:n]
	got, err := io.ReadFull(br, buf)
	buf = buf[:got]
	size -= got
	if err == nil && short {
		err = errShortRead
	}
	return buf, size, err
}

// nilIfEmpty returns b, or nil when b is empty.
func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}
