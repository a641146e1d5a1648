package backfill_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"

	"github.com/ccqa/ccqa/backfill"
	"github.com/ccqa/ccqa/event"
	"github.com/ccqa/ccqa/internal/itest"
)

var mem = memory.NewGoAllocator()

func ts(s string) arrow.Timestamp {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return arrow.Timestamp(t.UnixMilli())
}

func writeParquet(t *testing.T, path string, rec arrow.Record) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := pqarrow.NewFileWriter(rec.Schema(), f, nil, pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// callsRecord: two valid calls (one abandoned: answered_at null) and one that ends before it
// was offered (invalid: time_order).
func callsRecord() arrow.Record {
	tms := &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "call_id", Type: arrow.BinaryTypes.String},
		{Name: "agent_id", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "customer_id", Type: arrow.BinaryTypes.String},
		{Name: "offered_at", Type: tms},
		{Name: "answered_at", Type: tms, Nullable: true},
		{Name: "ended_at", Type: tms},
		{Name: "acw_seconds", Type: arrow.PrimitiveTypes.Float64},
		{Name: "resolved", Type: arrow.FixedWidthTypes.Boolean},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).AppendValues([]string{"c1", "c2", "c3"}, nil)
	b.Field(1).(*array.StringBuilder).AppendValues([]string{"a-01", "", "a-01"}, []bool{true, false, true})
	b.Field(2).(*array.StringBuilder).AppendValues([]string{"u1", "u2", "u3"}, nil)
	b.Field(3).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{ts("2026-11-03T01:00:00Z"), ts("2026-11-03T02:00:00Z"), ts("2026-11-03T03:00:00Z")}, nil)
	b.Field(4).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{ts("2026-11-03T01:00:20Z"), 0, ts("2026-11-03T03:00:05Z")}, []bool{true, false, true})
	b.Field(5).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{ts("2026-11-03T01:05:20Z"), ts("2026-11-03T02:01:00Z"), ts("2026-11-03T02:00:00Z")}, nil)
	b.Field(6).(*array.Float64Builder).AppendValues([]float64{30, 0, 0}, nil)
	b.Field(7).(*array.BooleanBuilder).AppendValues([]bool{true, false, false}, nil)
	return b.NewRecord()
}

func TestImportFiles(t *testing.T) {
	w := itest.Warehouse(t)
	ctx := context.Background()
	dir := t.TempDir()

	// Parquet calls.
	calls := callsRecord()
	defer calls.Release()
	writeParquet(t, filepath.Join(dir, "calls.parquet"), calls)

	// Parquet orders with a decimal amount: 19.90 must be 1990 fen exactly.
	oschema := arrow.NewSchema([]arrow.Field{
		{Name: "order_id", Type: arrow.BinaryTypes.String}, {Name: "status", Type: arrow.BinaryTypes.String},
		{Name: "customer_id", Type: arrow.BinaryTypes.String}, {Name: "agent_id", Type: arrow.BinaryTypes.String},
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 12, Scale: 2}},
		{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Second, TimeZone: "Asia/Shanghai"}},
	}, nil)
	ob := array.NewRecordBuilder(mem, oschema)
	ob.Field(0).(*array.StringBuilder).Append("o1")
	ob.Field(1).(*array.StringBuilder).Append("paid")
	ob.Field(2).(*array.StringBuilder).Append("u1")
	ob.Field(3).(*array.StringBuilder).Append("a-01")
	ob.Field(4).(*array.Decimal128Builder).Append(decimal128.FromI64(1990))
	ob.Field(5).(*array.TimestampBuilder).Append(arrow.Timestamp(time.Date(2026, 11, 3, 9, 30, 0, 0, time.UTC).Unix()))
	orders := ob.NewRecord()
	ob.Release()
	defer orders.Release()
	writeParquet(t, filepath.Join(dir, "orders.parquet"), orders)

	// Arrow IPC chats with messages as list<struct<at, from, text>>, text null on one message.
	msgType := arrow.StructOf(
		arrow.Field{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}},
		arrow.Field{Name: "from", Type: arrow.BinaryTypes.String},
		arrow.Field{Name: "text", Type: arrow.BinaryTypes.String, Nullable: true},
	)
	cschema := arrow.NewSchema([]arrow.Field{
		{Name: "chat_id", Type: arrow.BinaryTypes.String}, {Name: "agent_id", Type: arrow.BinaryTypes.String},
		{Name: "customer_id", Type: arrow.BinaryTypes.String},
		{Name: "started_at", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}},
		{Name: "ended_at", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}},
		{Name: "messages", Type: arrow.ListOf(msgType)},
	}, nil)
	cb := array.NewRecordBuilder(mem, cschema)
	cb.Field(0).(*array.StringBuilder).Append("h1")
	cb.Field(1).(*array.StringBuilder).Append("a-01")
	cb.Field(2).(*array.StringBuilder).Append("u9")
	cb.Field(3).(*array.TimestampBuilder).Append(ts("2026-11-04T01:00:00Z"))
	cb.Field(4).(*array.TimestampBuilder).Append(ts("2026-11-04T01:10:00Z"))
	lb := cb.Field(5).(*array.ListBuilder)
	sb := lb.ValueBuilder().(*array.StructBuilder)
	lb.Append(true)
	for _, m := range []struct {
		at, from, text string
		hasText        bool
	}{{"2026-11-04T01:00:05Z", "customer", "你好", true}, {"2026-11-04T01:00:35Z", "agent", "", false}} {
		sb.Append(true)
		sb.FieldBuilder(0).(*array.TimestampBuilder).Append(ts(m.at))
		sb.FieldBuilder(1).(*array.StringBuilder).Append(m.from)
		if m.hasText {
			sb.FieldBuilder(2).(*array.StringBuilder).Append(m.text)
		} else {
			sb.FieldBuilder(2).AppendNull()
		}
	}
	chats := cb.NewRecord()
	cb.Release()
	defer chats.Release()
	cf, err := os.Create(filepath.Join(dir, "chats.arrow"))
	if err != nil {
		t.Fatal(err)
	}
	fw, err := ipc.NewFileWriter(cf, ipc.WithSchema(cschema), ipc.WithAllocator(mem))
	if err != nil {
		t.Fatal(err)
	}
	if err := fw.Write(chats); err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	cf.Close()

	// JSON lines surveys: two valid, one not JSON, one blank line.
	if err := os.WriteFile(filepath.Join(dir, "surveys.jsonl"), []byte(
		`{"survey_id":"s1","interaction_id":"c1","channel":"call","score":5,"answered_at":"2026-11-03T10:00:00+08:00"}`+"\n"+
			"\n"+
			`{"survey_id":"s2","interaction_id":"h1","channel":"chat","score":2,"answered_at":"2026-11-05T10:00:00+08:00"}`+"\n"+
			`not json`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		file                    string
		kind                    event.Kind
		records, valid, invalid int
	}{
		{"calls.parquet", event.KindCall, 3, 2, 1},
		{"orders.parquet", event.KindOrder, 1, 1, 0},
		{"chats.arrow", event.KindChat, 1, 1, 0},
		{"surveys.jsonl", event.KindSurvey, 3, 2, 1},
	}
	for _, tc := range cases {
		k, ok := backfill.KindOf(tc.file)
		if !ok || k != tc.kind {
			t.Errorf("KindOf(%s) = %s, %v", tc.file, k, ok)
		}
		res, err := backfill.Import(ctx, w, tc.kind, filepath.Join(dir, tc.file), nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if res.Records != tc.records || res.Valid != tc.valid || res.Invalid != tc.invalid {
			t.Errorf("%s: %+v, want %d records, %d valid, %d invalid", tc.file, res, tc.records, tc.valid, tc.invalid)
		}
	}
	// Importing the calls again changes nothing (re-delivery collapses).
	if _, err := backfill.Import(ctx, w, event.KindCall, filepath.Join(dir, "calls.parquet"), nil); err != nil {
		t.Fatal(err)
	}
	q := func(sql string, dest ...any) {
		t.Helper()
		if err := w.Conn().QueryRow(ctx, w.Expand(sql, nil)).Scan(dest...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	var n uint64
	var acw float64
	var answered *time.Time
	q("SELECT count() FROM ${db}.calls_latest", &n)
	if n != 2 {
		t.Errorf("calls_latest has %d calls after two imports, want 2", n)
	}
	q("SELECT acw_seconds FROM ${db}.calls_latest WHERE call_id = 'c1'", &acw)
	q("SELECT answered_at FROM ${db}.calls_latest WHERE call_id = 'c2'", &answered)
	if acw != 30 || answered != nil {
		t.Errorf("c1 acw %v, c2 answered_at %v; want 30 and NULL (abandoned)", acw, answered)
	}
	var code, field, src string
	var off int64
	q("SELECT code, field, src_topic, src_offset FROM ${db}.ingest_errors WHERE src_topic = 'import:calls.parquet'", &code, &field, &src, &off)
	if code != "time_order" || field != "ended_at" || off != 3 {
		t.Errorf("invalid call recorded as %s %s %s offset %d; want time_order ended_at at record 3", code, field, src, off)
	}
	q("SELECT count() FROM ${db}.ingest_errors WHERE src_topic = 'import:surveys.jsonl' AND code = 'invalid_json'", &n)
	if n != 1 {
		t.Errorf("%d invalid_json errors for surveys.jsonl, want 1", n)
	}
	var amount int64
	var at time.Time
	q("SELECT amount_minor, at FROM ${db}.orders_latest WHERE order_id = 'o1'", &amount, &at)
	if amount != 1990 || !at.Equal(time.Date(2026, 11, 3, 9, 30, 0, 0, time.UTC)) {
		t.Errorf("order o1: %d fen at %v, want 1990 at 2026-11-03 09:30 UTC", amount, at)
	}
	var from, text []string
	q("SELECT msg_from, msg_text FROM ${db}.chats_latest WHERE chat_id = 'h1'", &from, &text)
	if len(from) != 2 || from[0] != "customer" || from[1] != "agent" || text[0] != "你好" || text[1] != "" {
		t.Errorf("chat h1 messages from %q text %q", from, text)
	}
	var score uint8
	var sAt time.Time
	q("SELECT score, answered_at FROM ${db}.surveys_latest WHERE survey_id = 's1'", &score, &sAt)
	if score != 5 || !sAt.Equal(time.Date(2026, 11, 3, 2, 0, 0, 0, time.UTC)) {
		t.Errorf("survey s1: %d at %v", score, sAt)
	}
}

func TestFormatOf(t *testing.T) {
	for path, want := range map[string]string{"a.parquet": "parquet", "x/calls.ARROW": "arrow", "c.arrows": "arrow", "s.jsonl": "jsonl", "s.ndjson": "jsonl"} {
		if got, err := backfill.FormatOf(path); err != nil || got != want {
			t.Errorf("FormatOf(%s) = %s, %v; want %s", path, got, err, want)
		}
	}
	if _, err := backfill.FormatOf("calls.csv"); err == nil {
		t.Error("FormatOf accepted .csv")
	}
	if _, ok := backfill.KindOf("data.parquet"); ok {
		t.Error("KindOf guessed a kind for data.parquet")
	}
}
