package ingest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/segmentio/kafka-go"

	"github.com/ccqa/ccqa/event"
)

// rowBuffer accumulates the valid events of one batch as columns (see columns.go for their
// layout), ready for a columnar insert: no reflection per row, one append per column per
// block. The message values are not kept: their strings are copied into the columns, so each
// value is garbage once decoded. Each event kind has its own implementation because each has
// its own table.
type rowBuffer interface {
	columnSource
	// add decodes one message and appends it as a row. An error (a *event.ValidationError) means
	// the message is invalid and nothing was appended.
	add(m *kafka.Message) error
	// reset empties the buffer, keeping its capacity.
	reset()
	// grow makes room for n more rows, so that filling a batch does not copy its columns over
	// and over as they double.
	grow(n int)
}

// columnSource is rows of one table held as columns: a batch's valid events (rowBuffer) or
// its invalid messages (errorRows).
type columnSource interface {
	// len is the number of rows held.
	len() int
	// columns returns the table, its column names and the columns in that order, stamped with
	// version and now; insertRows sends them.
	columns(version uint64, now time.Time) (table string, names []string, cols []column)
}

func newRowBuffer(k event.Kind) rowBuffer {
	switch k {
	case event.KindCall:
		return &callRows{}
	case event.KindChat:
		c := &chatRows{}
		c.msgFrom.ends, c.msgText.ends, c.msgAt.ends = &c.msgs, &c.msgs, &c.msgs
		return c
	case event.KindSurvey:
		return &surveyRows{}
	case event.KindOrder:
		return &orderRows{}
	}
	panic("ingest: unknown event kind " + string(k))
}

// srcCols are the columns every raw table shares: where the row came from and when.
type srcCols struct {
	topic     dictCol
	partition sliceCol[int32]
	offset    sliceCol[int64]
}

func (s *srcCols) add(m *kafka.Message) {
	s.topic.add(m.Topic)
	s.partition.add(int32(m.Partition))
	s.offset.add(m.Offset)
}

func (s *srcCols) grow(n int) { s.topic.grow(n); s.partition.grow(n); s.offset.grow(n) }

func (s *srcCols) reset() { s.topic.reset(); s.partition.reset(); s.offset.reset() }

// columns returns the shared columns in the order of srcColNames.
func (s *srcCols) columns(version uint64, now time.Time) []column {
	return []column{&s.topic, &s.partition, &s.offset, &constCol[int64]{v: now.Unix()}, &constCol[uint64]{v: version}}
}

var srcColNames = []string{"src_topic", "src_partition", "src_offset", "ingested_at", "version"}

// sendChunkRows is how many rows clickhouse-go encodes at a time within one INSERT. The
// batch's rows go as blocks of this size (Flush between them) instead of one block, so the
// driver's column buffers stay small and are reused from block to block rather than grown and
// thrown away per INSERT, which was a large share of ingest's CPU and memory. The server
// squashes the blocks of one INSERT into parts by min_insert_block_size_rows (about a million
// rows), so ClickHouse still writes one part per INSERT and partition.
const sendChunkRows = 8192

// chatChunkRows is sendChunkRows for chats, whose rows carry arrays of a few dozen messages
// each: a smaller block of rows keeps the driver's array buffers a similar size.
const chatChunkRows = 256

// insertRows writes the rows of one or more buffers of one kind to ClickHouse in one INSERT,
// stamping them with version and now. One INSERT for the batches of several partitions (see
// inserter) costs ClickHouse much less per row than one each: the server does a fixed amount of
// work per INSERT (a part per table, materialized view and month, and later their merges).
func insertRows(ctx context.Context, conn driver.Conn, db string, version uint64, now time.Time, bufs ...columnSource) error {
	var (
		table string
		names []string
		sets  []colSet
	)
	for _, b := range bufs {
		if b.len() == 0 {
			continue
		}
		var cols []column
		table, names, cols = b.columns(version, now)
		sets = append(sets, colSet{rows: b.len(), cols: cols})
	}
	if len(sets) == 0 {
		return nil
	}
	return sendColumns(ctx, conn, db, table, names, sets...)
}

// colSet is the columns of one buffer and how many rows they hold.
type colSet struct {
	rows int
	cols []column
}

// sendColumns runs one columnar INSERT into db.table of one or more sets of columns (each in
// the order of names), as blocks of at most sendChunkRows rows.
func sendColumns(ctx context.Context, conn driver.Conn, db, table string, names []string, sets ...colSet) error {
	for _, s := range sets {
		if len(names) != len(s.cols) {
			return fmt.Errorf("ingest: %s: %d column names for %d columns", table, len(names), len(s.cols))
		}
	}
	b, err := prepareInsert(ctx, conn, db, table, names)
	if err != nil {
		return err
	}
	for i, s := range sets {
		// The last block stays in the driver for Send, which sends it with the end of data.
		if err := appendColumns(b, table, names, s, i < len(sets)-1); err != nil {
			return err
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("insert into %s: %w", table, err)
	}
	return nil
}

// prepareInsert starts a columnar INSERT into db.table of the columns names.
func prepareInsert(ctx context.Context, conn driver.Conn, db, table string, names []string) (driver.Batch, error) {
	q := "INSERT INTO " + db + "." + table + " (" + strings.Join(names, ", ") + ")"
	b, err := conn.PrepareBatch(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("prepare insert into %s: %w", table, err)
	}
	return b, nil
}

// appendColumns adds a set of columns to an INSERT as blocks of at most sendChunkRows rows
// (chatChunkRows for chats), sending each block before the next is encoded; with flushLast
// the last one is sent too, so that the driver holds none of the rows when it returns. On an
// error the INSERT is aborted.
func appendColumns(b driver.Batch, table string, names []string, s colSet, flushLast bool) error {
	if len(names) != len(s.cols) {
		_ = b.Abort()
		return fmt.Errorf("ingest: %s: %d column names for %d columns", table, len(names), len(s.cols))
	}
	chunk := sendChunkRows
	if table == "chats" {
		chunk = chatChunkRows
	}
	for lo := 0; lo < s.rows; lo += chunk {
		hi := min(lo+chunk, s.rows)
		if b.Rows() > 0 {
			if err := b.Flush(); err != nil {
				_ = b.Abort()
				return fmt.Errorf("insert into %s: %w", table, err)
			}
		}
		for i, c := range s.cols {
			var err error
			if ra, ok := c.(rowAppender); ok {
				err = ra.appendRows(b.Column(i), lo, hi)
			} else {
				err = b.Column(i).Append(c.chunk(lo, hi))
			}
			if err != nil {
				_ = b.Abort()
				return fmt.Errorf("insert into %s: column %s: %w", table, names[i], err)
			}
		}
	}
	if flushLast && b.Rows() > 0 {
		if err := b.Flush(); err != nil {
			_ = b.Abort()
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	return nil
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// clearLen empties a slice for reuse, zeroing its elements first so that the strings and
// pointers of the old rows do not stay reachable from a pooled buffer.
func clearLen[T any](s []T) []T {
	clear(s)
	return s[:0]
}

type callRows struct {
	callID, agentID, customerID, queue, direction strCol
	offeredAt, endedAt                            sliceCol[int64]
	answeredAt, resolvedAt                        nullTimeCol
	hold, acw                                     sliceCol[float64]
	resolved, inquiry, complaint, transferred     sliceCol[uint8]
	recordingURL                                  strCol
	src                                           srcCols
}

func (r *callRows) add(m *kafka.Message) error {
	c, err := event.DecodeCallShared(m.Value)
	if err != nil {
		return err
	}
	r.callID.add(c.CallID)
	r.agentID.add(c.AgentID)
	r.customerID.add(c.CustomerID)
	r.queue.add(c.Queue)
	r.direction.add(c.Direction)
	r.offeredAt.add(c.OfferedAt.Unix())
	r.answeredAt.add(c.AnsweredAt)
	r.endedAt.add(c.EndedAt.Unix())
	r.hold.add(c.HoldSeconds)
	r.acw.add(c.ACWSeconds)
	r.resolved.add(b2u(c.Resolved))
	r.resolvedAt.add(c.ResolvedAt)
	r.inquiry.add(b2u(c.Inquiry))
	r.complaint.add(b2u(c.Complaint))
	r.transferred.add(b2u(c.Transferred))
	r.recordingURL.add(c.RecordingURL)
	r.src.add(m)
	return nil
}

func (r *callRows) len() int { return r.callID.len() }

func (r *callRows) strs() []*strCol {
	return []*strCol{&r.callID, &r.agentID, &r.customerID, &r.queue, &r.direction, &r.recordingURL}
}

func (r *callRows) grow(n int) {
	for _, c := range r.strs() {
		c.grow(n)
	}
	r.offeredAt.grow(n)
	r.endedAt.grow(n)
	r.answeredAt.grow(n)
	r.resolvedAt.grow(n)
	r.hold.grow(n)
	r.acw.grow(n)
	for _, c := range []*sliceCol[uint8]{&r.resolved, &r.inquiry, &r.complaint, &r.transferred} {
		c.grow(n)
	}
	r.src.grow(n)
}

func (r *callRows) reset() {
	for _, c := range r.strs() {
		c.reset()
	}
	r.offeredAt.reset()
	r.endedAt.reset()
	r.answeredAt.reset()
	r.resolvedAt.reset()
	r.hold.reset()
	r.acw.reset()
	for _, c := range []*sliceCol[uint8]{&r.resolved, &r.inquiry, &r.complaint, &r.transferred} {
		c.reset()
	}
	r.src.reset()
}

var callColNames = append([]string{"call_id", "agent_id", "customer_id", "queue", "direction", "offered_at", "answered_at",
	"ended_at", "hold_seconds", "acw_seconds", "resolved", "resolved_at", "inquiry", "complaint", "transferred",
	"recording_url"}, srcColNames...)

func (r *callRows) columns(version uint64, now time.Time) (string, []string, []column) {
	cols := append([]column{&r.callID, &r.agentID, &r.customerID, &r.queue, &r.direction, &r.offeredAt, &r.answeredAt,
		&r.endedAt, &r.hold, &r.acw, &r.resolved, &r.resolvedAt, &r.inquiry, &r.complaint, &r.transferred,
		&r.recordingURL}, r.src.columns(version, now)...)
	return "calls", callColNames, cols
}

type chatRows struct {
	chatID, agentID, customerID, queue        strCol
	startedAt, endedAt                        sliceCol[int64]
	msgs                                      arrayEnds // the messages of each chat in the three msg_ columns
	msgAt                                     timeArrayCol
	msgFrom, msgText                          strArrayCol
	resolved, inquiry, complaint, transferred sliceCol[uint8]
	resolvedAt                                nullTimeCol
	src                                       srcCols
	dec                                       event.ChatDecoder // its messages are copied into the columns at once
}

func (r *chatRows) add(m *kafka.Message) error {
	c, err := r.dec.DecodeShared(m.Value)
	if err != nil {
		return err
	}
	for _, msg := range c.Messages {
		r.msgAt.elems = append(r.msgAt.elems, msg.At.Unix())
		r.msgFrom.elems.add(msg.From)
		r.msgText.elems.add(msg.Text)
	}
	r.msgs.close(len(r.msgAt.elems))
	r.chatID.add(c.ChatID)
	r.agentID.add(c.AgentID)
	r.customerID.add(c.CustomerID)
	r.queue.add(c.Queue)
	r.startedAt.add(c.StartedAt.Unix())
	r.endedAt.add(c.EndedAt.Unix())
	r.resolved.add(b2u(c.Resolved))
	r.resolvedAt.add(c.ResolvedAt)
	r.inquiry.add(b2u(c.Inquiry))
	r.complaint.add(b2u(c.Complaint))
	r.transferred.add(b2u(c.Transferred))
	r.src.add(m)
	return nil
}

func (r *chatRows) len() int { return r.chatID.len() }

func (r *chatRows) grow(n int) {
	for _, c := range []*strCol{&r.chatID, &r.agentID, &r.customerID, &r.queue} {
		c.grow(n)
	}
	r.startedAt.grow(n)
	r.endedAt.grow(n)
	r.msgs.grow(n)
	r.resolvedAt.grow(n)
	for _, c := range []*sliceCol[uint8]{&r.resolved, &r.inquiry, &r.complaint, &r.transferred} {
		c.grow(n)
	}
	r.src.grow(n)
}

func (r *chatRows) reset() {
	for _, c := range []*strCol{&r.chatID, &r.agentID, &r.customerID, &r.queue} {
		c.reset()
	}
	r.startedAt.reset()
	r.endedAt.reset()
	r.msgs.reset()
	r.msgAt.reset()
	r.msgFrom.reset()
	r.msgText.reset()
	r.resolvedAt.reset()
	for _, c := range []*sliceCol[uint8]{&r.resolved, &r.inquiry, &r.complaint, &r.transferred} {
		c.reset()
	}
	r.src.reset()
}

var chatColNames = append([]string{"chat_id", "agent_id", "customer_id", "queue", "started_at", "ended_at", "msg_at",
	"msg_from", "msg_text", "resolved", "resolved_at", "inquiry", "complaint", "transferred"}, srcColNames...)

func (r *chatRows) columns(version uint64, now time.Time) (string, []string, []column) {
	cols := append([]column{&r.chatID, &r.agentID, &r.customerID, &r.queue, &r.startedAt, &r.endedAt, &r.msgAt,
		&r.msgFrom, &r.msgText, &r.resolved, &r.resolvedAt, &r.inquiry, &r.complaint, &r.transferred}, r.src.columns(version, now)...)
	return "chats", chatColNames, cols
}

type surveyRows struct {
	surveyID, interactionID, channel, comment strCol
	score                                     sliceCol[uint8]
	answeredAt                                sliceCol[int64]
	src                                       srcCols
}

func (r *surveyRows) add(m *kafka.Message) error {
	s, err := event.DecodeSurveyShared(m.Value)
	if err != nil {
		return err
	}
	r.surveyID.add(s.SurveyID)
	r.interactionID.add(s.InteractionID)
	r.channel.add(s.Channel)
	r.comment.add(s.Comment)
	r.score.add(uint8(s.Score))
	r.answeredAt.add(s.AnsweredAt.Unix())
	r.src.add(m)
	return nil
}

func (r *surveyRows) len() int { return r.surveyID.len() }

func (r *surveyRows) grow(n int) {
	for _, c := range []*strCol{&r.surveyID, &r.interactionID, &r.channel, &r.comment} {
		c.grow(n)
	}
	r.score.grow(n)
	r.answeredAt.grow(n)
	r.src.grow(n)
}

func (r *surveyRows) reset() {
	for _, c := range []*strCol{&r.surveyID, &r.interactionID, &r.channel, &r.comment} {
		c.reset()
	}
	r.score.reset()
	r.answeredAt.reset()
	r.src.reset()
}

var surveyColNames = append([]string{"survey_id", "interaction_id", "channel", "score", "answered_at", "comment"}, srcColNames...)

func (r *surveyRows) columns(version uint64, now time.Time) (string, []string, []column) {
	cols := append([]column{&r.surveyID, &r.interactionID, &r.channel, &r.score, &r.answeredAt, &r.comment}, r.src.columns(version, now)...)
	return "surveys", surveyColNames, cols
}

type orderRows struct {
	orderID, status, customerID, agentID, interactionID, currency strCol
	amount                                                        sliceCol[int64]
	at                                                            sliceCol[int64]
	src                                                           srcCols
}

func (r *orderRows) add(m *kafka.Message) error {
	o, err := event.DecodeOrderShared(m.Value)
	if err != nil {
		return err
	}
	r.orderID.add(o.OrderID)
	r.status.add(o.Status)
	r.customerID.add(o.CustomerID)
	r.agentID.add(o.AgentID)
	r.interactionID.add(o.InteractionID)
	r.currency.add(o.Currency)
	r.amount.add(o.AmountMinor)
	r.at.add(o.At.Unix())
	r.src.add(m)
	return nil
}

func (r *orderRows) len() int { return r.orderID.len() }

func (r *orderRows) strs() []*strCol {
	return []*strCol{&r.orderID, &r.status, &r.customerID, &r.agentID, &r.interactionID, &r.currency}
}

func (r *orderRows) grow(n int) {
	for _, c := range r.strs() {
		c.grow(n)
	}
	r.amount.grow(n)
	r.at.grow(n)
	r.src.grow(n)
}

func (r *orderRows) reset() {
	for _, c := range r.strs() {
		c.reset()
	}
	r.amount.reset()
	r.at.reset()
	r.src.reset()
}

var orderColNames = append([]string{"order_id", "status", "customer_id", "agent_id", "interaction_id", "amount_minor",
	"currency", "at"}, srcColNames...)

func (r *orderRows) columns(version uint64, now time.Time) (string, []string, []column) {
	cols := append([]column{&r.orderID, &r.status, &r.customerID, &r.agentID, &r.interactionID, &r.amount, &r.currency, &r.at},
		r.src.columns(version, now)...)
	return "orders", orderColNames, cols
}

// deadLetter is one invalid message of a batch, with why it was rejected.
type deadLetter struct {
	msg   kafka.Message
	code  string
	field string
	err   string
}

var errorColNames = []string{"src_topic", "src_partition", "src_offset", "msg_key", "code", "field", "reason", "raw", "received_at", "version"}

// errorRows are the invalid messages of a batch, as rows of the ingest_errors table.
type errorRows []deadLetter

func (dls errorRows) len() int { return len(dls) }

func (dls errorRows) columns(version uint64, now time.Time) (string, []string, []column) {
	n := len(dls)
	topic, key, code, field, reason, raw := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	part, off, ver, at := make([]int32, n), make([]int64, n), make([]uint64, n), make([]time.Time, n)
	for i, d := range dls {
		topic[i], part[i], off[i] = d.msg.Topic, int32(d.msg.Partition), d.msg.Offset
		key[i], code[i], field[i], reason[i], raw[i] = string(d.msg.Key), d.code, d.field, d.err, string(d.msg.Value)
		at[i], ver[i] = now, version
	}
	return "ingest_errors", errorColNames, []column{&sliceCol[string]{topic}, &sliceCol[int32]{part}, &sliceCol[int64]{off},
		&sliceCol[string]{key}, &sliceCol[string]{code}, &sliceCol[string]{field}, &sliceCol[string]{reason}, &sliceCol[string]{raw},
		&sliceCol[time.Time]{at}, &sliceCol[uint64]{ver}}
}
