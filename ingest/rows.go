package ingest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/segmentio/kafka-go"

	"github.com/ccqa/ccqa/event"
)

// rowBuffer accumulates the valid events of one batch as typed column slices, ready for a
// columnar insert: no reflection per row, one append per column per batch. The strings of the
// rows share the memory of the Kafka message values (event.Decode*Shared): kafka-go allocates
// each value for its message and ingest never modifies or reuses it, so this saves a copy and
// an allocation per string field, and the value is freed with the batch. Each event kind has
// its own implementation because each has its own table.
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

// columnSource is rows of one table held as column slices: a batch's valid events (rowBuffer)
// or its invalid messages (errorRows).
type columnSource interface {
	// len is the number of rows held.
	len() int
	// columns returns the table, its column names and the rows as column slices in that
	// order, stamped with version and now; insertRows sends them.
	columns(version uint64, now time.Time) (table string, names []string, cols []any)
}

func newRowBuffer(k event.Kind) rowBuffer {
	switch k {
	case event.KindCall:
		return &callRows{}
	case event.KindChat:
		return &chatRows{}
	case event.KindSurvey:
		return &surveyRows{}
	case event.KindOrder:
		return &orderRows{}
	}
	panic("ingest: unknown event kind " + string(k))
}

// srcCols are the columns every raw table shares: where the row came from and when.
type srcCols struct {
	topic     []string
	partition []int32
	offset    []int64
}

func (s *srcCols) add(m *kafka.Message) {
	s.topic = append(s.topic, m.Topic)
	s.partition = append(s.partition, int32(m.Partition))
	s.offset = append(s.offset, m.Offset)
}

func (s *srcCols) grow(n int) {
	s.topic, s.partition, s.offset = slices.Grow(s.topic, n), slices.Grow(s.partition, n), slices.Grow(s.offset, n)
}

func (s *srcCols) reset() {
	s.topic, s.partition, s.offset = clearLen(s.topic), s.partition[:0], s.offset[:0]
}

// columns returns the shared columns' values in the order of srcColNames.
func (s *srcCols) columns(version uint64, now time.Time) []any {
	n := len(s.topic)
	ing := make([]time.Time, n)
	ver := make([]uint64, n)
	for i := range n {
		ing[i] = now
		ver[i] = version
	}
	return []any{s.topic, s.partition, s.offset, ing, ver}
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
		sets  [][]any
	)
	for _, b := range bufs {
		if b.len() == 0 {
			continue
		}
		var cols []any
		table, names, cols = b.columns(version, now)
		sets = append(sets, cols)
	}
	if len(sets) == 0 {
		return nil
	}
	return sendColumns(ctx, conn, db, table, names, sets...)
}

// sendColumns runs one columnar INSERT into db.table of one or more sets of columns (each a
// list of parallel slices in the order of names), as blocks of at most sendChunkRows rows.
func sendColumns(ctx context.Context, conn driver.Conn, db, table string, names []string, sets ...[]any) error {
	chunk := sendChunkRows
	if table == "chats" {
		chunk = chatChunkRows
	}
	for _, cols := range sets {
		if len(names) != len(cols) {
			return fmt.Errorf("ingest: %s: %d column names for %d columns", table, len(names), len(cols))
		}
	}
	q := "INSERT INTO " + db + "." + table + " (" + strings.Join(names, ", ") + ")"
	b, err := conn.PrepareBatch(ctx, q)
	if err != nil {
		return fmt.Errorf("prepare insert into %s: %w", table, err)
	}
	started := false
	for _, cols := range sets {
		n := colLen(cols[0])
		for lo := 0; lo < n; lo += chunk {
			hi := min(lo+chunk, n)
			if started {
				if err := b.Flush(); err != nil {
					_ = b.Abort()
					return fmt.Errorf("insert into %s: %w", table, err)
				}
			}
			started = true
			for i, c := range cols {
				if err := b.Column(i).Append(sliceCol(c, lo, hi)); err != nil {
					_ = b.Abort()
					return fmt.Errorf("insert into %s: column %s: %w", table, names[i], err)
				}
			}
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("insert into %s: %w", table, err)
	}
	return nil
}

// colLen and sliceCol handle the column slice types the row buffers use.
func colLen(c any) int {
	switch c := c.(type) {
	case []string:
		return len(c)
	case []int32:
		return len(c)
	case []int64:
		return len(c)
	case []uint64:
		return len(c)
	case []uint8:
		return len(c)
	case []float64:
		return len(c)
	case []time.Time:
		return len(c)
	case []*time.Time:
		return len(c)
	case [][]time.Time:
		return len(c)
	case [][]string:
		return len(c)
	}
	panic(fmt.Sprintf("ingest: unexpected column type %T", c))
}

func sliceCol(c any, lo, hi int) any {
	switch c := c.(type) {
	case []string:
		return c[lo:hi]
	case []int32:
		return c[lo:hi]
	case []int64:
		return c[lo:hi]
	case []uint64:
		return c[lo:hi]
	case []uint8:
		return c[lo:hi]
	case []float64:
		return c[lo:hi]
	case []time.Time:
		return c[lo:hi]
	case []*time.Time:
		return c[lo:hi]
	case [][]time.Time:
		return c[lo:hi]
	case [][]string:
		return c[lo:hi]
	}
	panic(fmt.Sprintf("ingest: unexpected column type %T", c))
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// timeArena hands out pointers to UTC copies of times for the Nullable(DateTime) columns,
// carved from chunks so that a batch allocates once per timeArenaChunk values, not per row.
type timeArena struct{ buf []time.Time }

const timeArenaChunk = 512

func (a *timeArena) utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	if len(a.buf) == cap(a.buf) {
		a.buf = make([]time.Time, 0, timeArenaChunk)
	}
	a.buf = append(a.buf, t.UTC())
	return &a.buf[len(a.buf)-1]
}

// clearLen empties a slice for reuse, zeroing its elements first so that the strings and
// pointers of the old rows do not stay reachable from a pooled buffer.
func clearLen[T any](s []T) []T {
	clear(s)
	return s[:0]
}

type callRows struct {
	callID, agentID, customerID, queue, direction []string
	offeredAt, endedAt                            []time.Time
	answeredAt, resolvedAt                        []*time.Time
	hold, acw                                     []float64
	resolved, inquiry, complaint, transferred     []uint8
	recordingURL                                  []string
	src                                           srcCols
	times                                         timeArena
}

func (r *callRows) add(m *kafka.Message) error {
	c, err := event.DecodeCallShared(m.Value)
	if err != nil {
		return err
	}
	r.callID = append(r.callID, c.CallID)
	r.agentID = append(r.agentID, c.AgentID)
	r.customerID = append(r.customerID, c.CustomerID)
	r.queue = append(r.queue, c.Queue)
	r.direction = append(r.direction, c.Direction)
	r.offeredAt = append(r.offeredAt, c.OfferedAt.UTC())
	r.answeredAt = append(r.answeredAt, r.times.utc(c.AnsweredAt))
	r.endedAt = append(r.endedAt, c.EndedAt.UTC())
	r.hold = append(r.hold, c.HoldSeconds)
	r.acw = append(r.acw, c.ACWSeconds)
	r.resolved = append(r.resolved, b2u(c.Resolved))
	r.resolvedAt = append(r.resolvedAt, r.times.utc(c.ResolvedAt))
	r.inquiry = append(r.inquiry, b2u(c.Inquiry))
	r.complaint = append(r.complaint, b2u(c.Complaint))
	r.transferred = append(r.transferred, b2u(c.Transferred))
	r.recordingURL = append(r.recordingURL, c.RecordingURL)
	r.src.add(m)
	return nil
}

func (r *callRows) len() int { return len(r.callID) }

func (r *callRows) grow(n int) {
	for _, c := range []*[]string{&r.callID, &r.agentID, &r.customerID, &r.queue, &r.direction, &r.recordingURL} {
		*c = slices.Grow(*c, n)
	}
	r.offeredAt, r.endedAt = slices.Grow(r.offeredAt, n), slices.Grow(r.endedAt, n)
	r.answeredAt, r.resolvedAt = slices.Grow(r.answeredAt, n), slices.Grow(r.resolvedAt, n)
	r.hold, r.acw = slices.Grow(r.hold, n), slices.Grow(r.acw, n)
	for _, c := range []*[]uint8{&r.resolved, &r.inquiry, &r.complaint, &r.transferred} {
		*c = slices.Grow(*c, n)
	}
	r.src.grow(n)
}

func (r *callRows) reset() {
	r.callID, r.agentID, r.customerID, r.queue, r.direction = clearLen(r.callID), clearLen(r.agentID), clearLen(r.customerID), clearLen(r.queue), clearLen(r.direction)
	r.offeredAt, r.endedAt, r.answeredAt, r.resolvedAt = r.offeredAt[:0], r.endedAt[:0], clearLen(r.answeredAt), clearLen(r.resolvedAt)
	r.hold, r.acw = r.hold[:0], r.acw[:0]
	r.resolved, r.inquiry, r.complaint, r.transferred = r.resolved[:0], r.inquiry[:0], r.complaint[:0], r.transferred[:0]
	r.recordingURL = clearLen(r.recordingURL)
	r.times = timeArena{}
	r.src.reset()
}

var callColNames = append([]string{"call_id", "agent_id", "customer_id", "queue", "direction", "offered_at", "answered_at",
	"ended_at", "hold_seconds", "acw_seconds", "resolved", "resolved_at", "inquiry", "complaint", "transferred",
	"recording_url"}, srcColNames...)

func (r *callRows) columns(version uint64, now time.Time) (string, []string, []any) {
	cols := append([]any{r.callID, r.agentID, r.customerID, r.queue, r.direction, r.offeredAt, r.answeredAt,
		r.endedAt, r.hold, r.acw, r.resolved, r.resolvedAt, r.inquiry, r.complaint, r.transferred,
		r.recordingURL}, r.src.columns(version, now)...)
	return "calls", callColNames, cols
}

type chatRows struct {
	chatID, agentID, customerID, queue        []string
	startedAt, endedAt                        []time.Time
	msgAt                                     [][]time.Time
	msgFrom, msgText                          [][]string
	resolved, inquiry, complaint, transferred []uint8
	resolvedAt                                []*time.Time
	src                                       srcCols
	times                                     timeArena
}

func (r *chatRows) add(m *kafka.Message) error {
	c, err := event.DecodeChatShared(m.Value)
	if err != nil {
		return err
	}
	at := make([]time.Time, len(c.Messages))
	from := make([]string, len(c.Messages))
	text := make([]string, len(c.Messages))
	for i, msg := range c.Messages {
		at[i], from[i], text[i] = msg.At.UTC(), msg.From, msg.Text
	}
	r.chatID = append(r.chatID, c.ChatID)
	r.agentID = append(r.agentID, c.AgentID)
	r.customerID = append(r.customerID, c.CustomerID)
	r.queue = append(r.queue, c.Queue)
	r.startedAt = append(r.startedAt, c.StartedAt.UTC())
	r.endedAt = append(r.endedAt, c.EndedAt.UTC())
	r.msgAt = append(r.msgAt, at)
	r.msgFrom = append(r.msgFrom, from)
	r.msgText = append(r.msgText, text)
	r.resolved = append(r.resolved, b2u(c.Resolved))
	r.resolvedAt = append(r.resolvedAt, r.times.utc(c.ResolvedAt))
	r.inquiry = append(r.inquiry, b2u(c.Inquiry))
	r.complaint = append(r.complaint, b2u(c.Complaint))
	r.transferred = append(r.transferred, b2u(c.Transferred))
	r.src.add(m)
	return nil
}

func (r *chatRows) len() int { return len(r.chatID) }

func (r *chatRows) grow(n int) {
	for _, c := range []*[]string{&r.chatID, &r.agentID, &r.customerID, &r.queue} {
		*c = slices.Grow(*c, n)
	}
	r.startedAt, r.endedAt = slices.Grow(r.startedAt, n), slices.Grow(r.endedAt, n)
	r.msgAt, r.msgFrom, r.msgText = slices.Grow(r.msgAt, n), slices.Grow(r.msgFrom, n), slices.Grow(r.msgText, n)
	r.resolvedAt = slices.Grow(r.resolvedAt, n)
	for _, c := range []*[]uint8{&r.resolved, &r.inquiry, &r.complaint, &r.transferred} {
		*c = slices.Grow(*c, n)
	}
	r.src.grow(n)
}

func (r *chatRows) reset() {
	r.chatID, r.agentID, r.customerID, r.queue = clearLen(r.chatID), clearLen(r.agentID), clearLen(r.customerID), clearLen(r.queue)
	r.startedAt, r.endedAt = r.startedAt[:0], r.endedAt[:0]
	r.msgAt, r.msgFrom, r.msgText = clearLen(r.msgAt), clearLen(r.msgFrom), clearLen(r.msgText)
	r.resolved, r.inquiry, r.complaint, r.transferred = r.resolved[:0], r.inquiry[:0], r.complaint[:0], r.transferred[:0]
	r.resolvedAt = clearLen(r.resolvedAt)
	r.times = timeArena{}
	r.src.reset()
}

var chatColNames = append([]string{"chat_id", "agent_id", "customer_id", "queue", "started_at", "ended_at", "msg_at",
	"msg_from", "msg_text", "resolved", "resolved_at", "inquiry", "complaint", "transferred"}, srcColNames...)

func (r *chatRows) columns(version uint64, now time.Time) (string, []string, []any) {
	cols := append([]any{r.chatID, r.agentID, r.customerID, r.queue, r.startedAt, r.endedAt, r.msgAt,
		r.msgFrom, r.msgText, r.resolved, r.resolvedAt, r.inquiry, r.complaint, r.transferred}, r.src.columns(version, now)...)
	return "chats", chatColNames, cols
}

type surveyRows struct {
	surveyID, interactionID, channel, comment []string
	score                                     []uint8
	answeredAt                                []time.Time
	src                                       srcCols
}

func (r *surveyRows) add(m *kafka.Message) error {
	s, err := event.DecodeSurveyShared(m.Value)
	if err != nil {
		return err
	}
	r.surveyID = append(r.surveyID, s.SurveyID)
	r.interactionID = append(r.interactionID, s.InteractionID)
	r.channel = append(r.channel, s.Channel)
	r.comment = append(r.comment, s.Comment)
	r.score = append(r.score, uint8(s.Score))
	r.answeredAt = append(r.answeredAt, s.AnsweredAt.UTC())
	r.src.add(m)
	return nil
}

func (r *surveyRows) len() int { return len(r.surveyID) }

func (r *surveyRows) grow(n int) {
	for _, c := range []*[]string{&r.surveyID, &r.interactionID, &r.channel, &r.comment} {
		*c = slices.Grow(*c, n)
	}
	r.score, r.answeredAt = slices.Grow(r.score, n), slices.Grow(r.answeredAt, n)
	r.src.grow(n)
}

func (r *surveyRows) reset() {
	r.surveyID, r.interactionID, r.channel, r.comment = clearLen(r.surveyID), clearLen(r.interactionID), clearLen(r.channel), clearLen(r.comment)
	r.score, r.answeredAt = r.score[:0], r.answeredAt[:0]
	r.src.reset()
}

var surveyColNames = append([]string{"survey_id", "interaction_id", "channel", "score", "answered_at", "comment"}, srcColNames...)

func (r *surveyRows) columns(version uint64, now time.Time) (string, []string, []any) {
	cols := append([]any{r.surveyID, r.interactionID, r.channel, r.score, r.answeredAt, r.comment}, r.src.columns(version, now)...)
	return "surveys", surveyColNames, cols
}

type orderRows struct {
	orderID, status, customerID, agentID, interactionID, currency []string
	amount                                                        []int64
	at                                                            []time.Time
	src                                                           srcCols
}

func (r *orderRows) add(m *kafka.Message) error {
	o, err := event.DecodeOrderShared(m.Value)
	if err != nil {
		return err
	}
	r.orderID = append(r.orderID, o.OrderID)
	r.status = append(r.status, o.Status)
	r.customerID = append(r.customerID, o.CustomerID)
	r.agentID = append(r.agentID, o.AgentID)
	r.interactionID = append(r.interactionID, o.InteractionID)
	r.currency = append(r.currency, o.Currency)
	r.amount = append(r.amount, o.AmountMinor)
	r.at = append(r.at, o.At.UTC())
	r.src.add(m)
	return nil
}

func (r *orderRows) len() int { return len(r.orderID) }

func (r *orderRows) grow(n int) {
	for _, c := range []*[]string{&r.orderID, &r.status, &r.customerID, &r.agentID, &r.interactionID, &r.currency} {
		*c = slices.Grow(*c, n)
	}
	r.amount, r.at = slices.Grow(r.amount, n), slices.Grow(r.at, n)
	r.src.grow(n)
}

func (r *orderRows) reset() {
	r.orderID, r.status, r.customerID, r.agentID = clearLen(r.orderID), clearLen(r.status), clearLen(r.customerID), clearLen(r.agentID)
	r.interactionID, r.currency, r.amount, r.at = clearLen(r.interactionID), clearLen(r.currency), r.amount[:0], r.at[:0]
	r.src.reset()
}

var orderColNames = append([]string{"order_id", "status", "customer_id", "agent_id", "interaction_id", "amount_minor",
	"currency", "at"}, srcColNames...)

func (r *orderRows) columns(version uint64, now time.Time) (string, []string, []any) {
	cols := append([]any{r.orderID, r.status, r.customerID, r.agentID, r.interactionID, r.amount, r.currency, r.at},
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

func (dls errorRows) columns(version uint64, now time.Time) (string, []string, []any) {
	n := len(dls)
	topic, key, code, field, reason, raw := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	part, off, ver, at := make([]int32, n), make([]int64, n), make([]uint64, n), make([]time.Time, n)
	for i, d := range dls {
		topic[i], part[i], off[i] = d.msg.Topic, int32(d.msg.Partition), d.msg.Offset
		key[i], code[i], field[i], reason[i], raw[i] = string(d.msg.Key), d.code, d.field, d.err, string(d.msg.Value)
		at[i], ver[i] = now, version
	}
	return "ingest_errors", errorColNames, []any{topic, part, off, key, code, field, reason, raw, at, ver}
}
