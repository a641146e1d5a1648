package export_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"

	"github.com/ccqa/ccqa/event"
	"github.com/ccqa/ccqa/export"
	"github.com/ccqa/ccqa/ingest"
	"github.com/ccqa/ccqa/internal/itest"
	"github.com/ccqa/ccqa/reference"
	"github.com/ccqa/ccqa/scorecard"
)

func TestExportGradesAndMetrics(t *testing.T) {
	w := itest.Warehouse(t)
	ctx := context.Background()
	nov := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	if err := reference.SaveAgents(ctx, w, []reference.Agent{{ID: "a-01", Name: "张三", Team: "一组"}}); err != nil {
		t.Fatal(err)
	}
	b := ingest.NewBackfill(w, event.KindCall, "test")
	if err := b.Add(1, nil, []byte(`{"call_id":"c1","agent_id":"a-01","customer_id":"u1","offered_at":"2026-11-03T10:00:00+08:00","answered_at":"2026-11-03T10:00:20+08:00","ended_at":"2026-11-03T10:05:20+08:00"}`)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	st := scorecard.NewStore(w, nil)
	// a-01: one call, no survey: 0 + 10 + 10 + 10 + 55 = 85 → 良好, 0.90.
	if _, err := st.Rollup(ctx, scorecard.RollupOptions{Month: nov, Policy: scorecard.DefaultPolicy(), User: "ops", Now: time.Now()}); err != nil {
		t.Fatal(err)
	}

	grades, err := export.Month(ctx, w, "grades", nov)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := export.WriteCSV(&buf, grades); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("\xef\xbb\xbf")) {
		t.Fatalf("CSV does not start with the UTF-8 BOM: %q", buf.Bytes()[:8])
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("CSV has %d records, want header + 1", len(recs))
	}
	row := map[string]string{}
	for i, h := range recs[0] {
		row[h] = recs[1][i]
	}
	for k, want := range map[string]string{"month": "2026-11-01", "agent_id": "a-01", "agent_name": "张三", "team": "一组",
		"total_score": "85", "score": "85", "grade": "良好", "pay_factor": "0.9", "rank_in_team": "1", "approved": "0", "revision": "1"} {
		if row[k] != want {
			t.Errorf("CSV %s = %q, want %q", k, row[k], want)
		}
	}

	// Parquet, read back with the Arrow reader.
	buf.Reset()
	if err := export.WriteParquet(&buf, grades); err != nil {
		t.Fatal(err)
	}
	pf, err := file.NewParquetReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.NewGoAllocator())
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if tbl.NumRows() != 1 || int(tbl.NumCols()) != len(grades.Columns) {
		t.Fatalf("parquet has %d rows, %d columns; want 1, %d", tbl.NumRows(), tbl.NumCols(), len(grades.Columns))
	}
	col := func(name string) int {
		for i, f := range tbl.Schema().Fields() {
			if f.Name == name {
				return i
			}
		}
		t.Fatalf("parquet has no column %s", name)
		return -1
	}
	if got := tbl.Column(col("agent_name")).Data().Chunk(0).(*array.String).Value(0); got != "张三" {
		t.Errorf("parquet agent_name %q", got)
	}
	if got := tbl.Column(col("score")).Data().Chunk(0).(*array.Uint8).Value(0); got != 85 {
		t.Errorf("parquet score %d", got)
	}
	if got := tbl.Column(col("total_score")).Data().Chunk(0).(*array.Float64).Value(0); got != 85 {
		t.Errorf("parquet total_score %v", got)
	}

	// Metrics: the agent's row, NULL csat (no survey) as an empty CSV field.
	metrics, err := export.Month(ctx, w, "metrics", nov)
	if err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if err := export.WriteCSV(&buf, metrics); err != nil {
		t.Fatal(err)
	}
	recs, err = csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\ufeff"))).ReadAll()
	if err != nil || len(recs) != 2 {
		t.Fatalf("metrics CSV: %d records, %v", len(recs), err)
	}
	row = map[string]string{}
	for i, h := range recs[0] {
		row[h] = recs[1][i]
	}
	if row["agent_id"] != "a-01" || row["contacts"] != "1" || row["csat"] != "" || row["aht_seconds"] != "300" {
		t.Errorf("metrics CSV row: agent %q contacts %q csat %q aht %q", row["agent_id"], row["contacts"], row["csat"], row["aht_seconds"])
	}
	buf.Reset()
	if err := export.WriteParquet(&buf, metrics); err != nil {
		t.Fatalf("metrics parquet: %v", err)
	}
	if _, err := export.Month(ctx, w, "payroll", nov); err == nil {
		t.Error("export of an unknown table accepted")
	}
}
