package ingest

import (
	"slices"
	"time"
	"unsafe"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Column storage of the rows a batch holds until its INSERT.
//
// Why not plain Go slices of the decoded values ([]string, []time.Time, []*time.Time): a
// string header is 16 bytes that points into the Kafka message value, so every message value
// stays alive as its own heap object until the INSERT, and the garbage collector has to scan
// every header and pointer of every buffered row, again at each cycle. Measured on the
// benchmark's call events that was about 720 bytes of heap per 377-byte message, most of it
// pointers, and a fifth of ingest's CPU in the collector; the memory budget (and so the size
// of the INSERTs, which decides ClickHouse's cost per row) was bound by it.
//
// Here the bytes of each string column sit back to back (in 64 KiB chunks) with one 4-byte end
// offset per row, times are Unix seconds (DateTime has one-second resolution, so nothing is
// lost), and nothing a column holds is a pointer: the collector skips it, and a buffered call
// costs about 240 bytes. The message value is garbage as soon as it is decoded. The values
// clickhouse-go's Append needs ([]string, []*int64, ...) are built per block of sendChunkRows
// rows in scratch slices that are reused, with strings that point into the column's bytes
// (no copy; clickhouse-go copies them into its own block when appending).

// column is one column of the rows held for an INSERT.
type column interface {
	// chunk returns rows [lo, hi) as a slice that clickhouse-go's Append takes. The slice may be
	// scratch memory of the column, valid until the next call of chunk.
	chunk(lo, hi int) any
}

// strCol holds the strings of a column back to back, in chunks of strChunk bytes: a column
// grows by a chunk at a time and is never copied to a larger array (doubling one array copied
// every byte about twice more and left the old arrays for the collector).
type strCol struct {
	chunks  [][]byte // each of capacity strChunk; all but the last are full
	size    uint32   // bytes held (the end of the last string)
	end     []uint32 // end[i] is where row i ends; it starts where row i-1 ends
	scratch []string
}

// strChunkBits sets the chunk size: 64 KiB, large enough that a string rarely spans two chunks
// (such a string is copied when its row is sent) and small enough that a column with little
// text holds little memory.
const (
	strChunkBits = 16
	strChunk     = 1 << strChunkBits
)

func (c *strCol) add(s string) {
	for len(s) > 0 {
		i := int(c.size >> strChunkBits)
		if i == len(c.chunks) {
			c.chunks = append(c.chunks, make([]byte, 0, strChunk))
		}
		ch := c.chunks[i]
		n := copy(ch[len(ch):cap(ch)], s)
		c.chunks[i] = ch[:len(ch)+n]
		c.size += uint32(n)
		s = s[n:]
	}
	c.end = append(c.end, c.size)
}

func (c *strCol) grow(n int) { c.end = slices.Grow(c.end, n) }

// reset empties the column, keeping its chunks for the next batch.
func (c *strCol) reset() {
	for i := range c.chunks {
		c.chunks[i] = c.chunks[i][:0]
	}
	c.size, c.end = 0, c.end[:0]
	c.scratch = clearLen(c.scratch)
}

func (c *strCol) len() int { return len(c.end) }

// view returns the bytes [start, end) as a string that shares the column's memory, or a copy
// when they span chunks.
func (c *strCol) view(start, end uint32) string {
	if start == end {
		return ""
	}
	i := start >> strChunkBits
	if (end-1)>>strChunkBits == i {
		off := start & (strChunk - 1)
		return unsafe.String(&c.chunks[i][off], int(end-start))
	}
	b := make([]byte, 0, end-start)
	for p := start; p < end; {
		i, off := p>>strChunkBits, p&(strChunk-1)
		n := min(end-p, strChunk-off)
		b = append(b, c.chunks[i][off:off+n]...)
		p += n
	}
	return unsafe.String(&b[0], len(b))
}

func (c *strCol) chunk(lo, hi int) any {
	c.scratch = c.views(c.scratch[:0], lo, hi)
	return c.scratch
}

// views appends rows [lo, hi) to dst as strings that share the column's memory.
func (c *strCol) views(dst []string, lo, hi int) []string {
	var start uint32
	if lo > 0 {
		start = c.end[lo-1]
	}
	for _, e := range c.end[lo:hi] {
		dst = append(dst, c.view(start, e))
		start = e
	}
	return dst
}

// dictCol is a string column of few distinct values (the source topic): a small dictionary
// and a 2-byte index per row.
type dictCol struct {
	dict    []string
	idx     []uint16
	scratch []string
}

func (c *dictCol) add(s string) {
	i := slices.Index(c.dict, s)
	if i < 0 {
		i = len(c.dict)
		c.dict = append(c.dict, s)
	}
	c.idx = append(c.idx, uint16(i))
}

func (c *dictCol) grow(n int) { c.idx = slices.Grow(c.idx, n) }

func (c *dictCol) reset() {
	c.dict, c.idx, c.scratch = clearLen(c.dict), c.idx[:0], clearLen(c.scratch)
}

func (c *dictCol) chunk(lo, hi int) any {
	c.scratch = c.scratch[:0]
	for _, i := range c.idx[lo:hi] {
		c.scratch = append(c.scratch, c.dict[i])
	}
	return c.scratch
}

// sliceCol is a column whose values are already what clickhouse-go takes: numbers, and
// DateTime values as Unix seconds ([]int64, which clickhouse-go reads as seconds).
type sliceCol[T any] struct{ v []T }

func (c *sliceCol[T]) add(v T)              { c.v = append(c.v, v) }
func (c *sliceCol[T]) grow(n int)           { c.v = slices.Grow(c.v, n) }
func (c *sliceCol[T]) reset()               { c.v = c.v[:0] }
func (c *sliceCol[T]) chunk(lo, hi int) any { return c.v[lo:hi] }

// nullTimeCol is a Nullable(DateTime) column: Unix seconds and whether each is set.
type nullTimeCol struct {
	sec     []int64
	set     []bool
	scratch []*int64
}

func (c *nullTimeCol) add(t *time.Time) {
	if t == nil {
		c.sec, c.set = append(c.sec, 0), append(c.set, false)
		return
	}
	c.sec, c.set = append(c.sec, t.Unix()), append(c.set, true)
}

func (c *nullTimeCol) grow(n int) { c.sec, c.set = slices.Grow(c.sec, n), slices.Grow(c.set, n) }

func (c *nullTimeCol) reset() {
	c.sec, c.set, c.scratch = c.sec[:0], c.set[:0], clearLen(c.scratch)
}

func (c *nullTimeCol) chunk(lo, hi int) any {
	c.scratch = c.scratch[:0]
	for i := lo; i < hi; i++ {
		var p *int64
		if c.set[i] {
			p = &c.sec[i]
		}
		c.scratch = append(c.scratch, p)
	}
	return c.scratch
}

// constCol is a column with one value in every row (ingested_at, version): nothing is stored
// per row.
type constCol[T any] struct {
	v       T
	scratch []T
}

func (c *constCol[T]) chunk(lo, hi int) any {
	c.scratch = c.scratch[:0]
	for range hi - lo {
		c.scratch = append(c.scratch, c.v)
	}
	return c.scratch
}

// arrayEnds holds where each row's elements end in the flat element columns of Array columns
// (the layout of the native protocol's Array); the Array columns of one table that have the
// same number of elements per row share it.
type arrayEnds struct {
	end []uint32 // end[i] is the number of elements of rows 0..i
}

func (a *arrayEnds) close(n int) { a.end = append(a.end, uint32(n)) }
func (a *arrayEnds) grow(n int)  { a.end = slices.Grow(a.end, n) }
func (a *arrayEnds) reset()      { a.end = a.end[:0] }

// elems returns where the elements of rows [lo, hi) start and end.
func (a *arrayEnds) elems(lo, hi int) (first, last int) {
	first, _ = a.span(lo)
	_, last = a.span(hi - 1)
	return first, last
}

// span returns where the elements of row i start and end.
func (a *arrayEnds) span(i int) (lo, hi int) {
	if i > 0 {
		lo = int(a.end[i-1])
	}
	return lo, int(a.end[i])
}

// rowAppender is a column that is appended row by row: clickhouse-go's Append of a whole
// [][]T walks it by reflection, element by element, while AppendRow of one []T takes a typed
// path. The rows are given as []*T: AppendRow hands each element to the element column as an
// interface value, and a pointer fits in one where a string or an int64 would be allocated.
type rowAppender interface {
	appendRows(bc driver.BatchColumn, lo, hi int) error
}

// strArrayCol is an Array(String) column.
type strArrayCol struct {
	ends  *arrayEnds
	elems strCol
	flat  []string
	ptrs  []*string
}

func (c *strArrayCol) reset() {
	c.elems.reset()
	c.flat, c.ptrs = clearLen(c.flat), clearLen(c.ptrs)
}

func (c *strArrayCol) chunk(lo, hi int) any { panic("ingest: strArrayCol is appended by rows") }

func (c *strArrayCol) appendRows(bc driver.BatchColumn, lo, hi int) error {
	first, last := c.ends.elems(lo, hi)
	c.flat = c.elems.views(c.flat[:0], first, last)
	var err error
	c.ptrs, err = appendArrayRows(bc, c.ends, c.flat, c.ptrs, lo, hi)
	return err
}

// timeArrayCol is an Array(DateTime) column, in Unix seconds.
type timeArrayCol struct {
	ends  *arrayEnds
	elems []int64
	ptrs  []*int64
}

func (c *timeArrayCol) reset() { c.elems, c.ptrs = c.elems[:0], clearLen(c.ptrs) }

func (c *timeArrayCol) chunk(lo, hi int) any { panic("ingest: timeArrayCol is appended by rows") }

func (c *timeArrayCol) appendRows(bc driver.BatchColumn, lo, hi int) error {
	first, last := c.ends.elems(lo, hi)
	var err error
	c.ptrs, err = appendArrayRows(bc, c.ends, c.elems[first:last], c.ptrs, lo, hi)
	return err
}

// appendArrayRows appends rows [lo, hi) of an Array column, whose elements (from the first
// element of row lo to the last of row hi-1) are elems, each row as a []*T into elems; ptrs is
// scratch for the pointers, returned for reuse.
func appendArrayRows[T any](bc driver.BatchColumn, ends *arrayEnds, elems []T, ptrs []*T, lo, hi int) ([]*T, error) {
	ptrs = ptrs[:0]
	for j := range elems {
		ptrs = append(ptrs, &elems[j])
	}
	first, _ := ends.span(lo)
	for i := lo; i < hi; i++ {
		a, b := ends.span(i)
		if err := bc.AppendRow(ptrs[a-first : b-first : b-first]); err != nil {
			return ptrs, err
		}
	}
	return ptrs, nil
}
