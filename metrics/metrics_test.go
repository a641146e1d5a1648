package metrics_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ccqa/ccqa/internal/itest"
	"github.com/ccqa/ccqa/metrics"
	"github.com/ccqa/ccqa/warehouse"
)

func fixtureFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures in testdata/: %v", err)
	}
	return files
}

// insertTable writes one load block through a prepared batch, as ingest does.
func insertTable(ctx context.Context, w *warehouse.Warehouse, tb table) error {
	b, err := w.Conn().PrepareBatch(ctx, "INSERT INTO "+w.Database()+"."+tb.name+" ("+strings.Join(tb.cols, ", ")+")")
	if err != nil {
		return err
	}
	for _, r := range tb.rows {
		if err := b.Append(r...); err != nil {
			_ = b.Abort()
			return err
		}
	}
	return b.Send()
}

func loadAll(t *testing.T, w *warehouse.Warehouse, fx *fixture, baseVersion uint64) {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	for i, l := range fx.loads {
		tb, err := tableOf(l, baseVersion+uint64(i)+1, now)
		if err != nil {
			t.Fatalf("%s: load at line %d: %v", fx.name, l.line, err)
		}
		if len(tb.rows) == 0 {
			continue
		}
		if err := insertTable(context.Background(), w, tb); err != nil {
			t.Fatalf("%s: load at line %d: %v", fx.name, l.line, err)
		}
	}
}

// alignedForViews reports whether the eval's range starts and ends on period boundaries and
// uses no filter, so the generated view must return exactly the same rows.
func alignedForViews(q metrics.Query) bool {
	if q.Agent != "" || q.Team != "" || q.Queue != "" || (q.ServiceLevelSeconds != 0 && q.ServiceLevelSeconds != metrics.DefaultServiceLevelSeconds) {
		return false
	}
	switch q.By {
	case metrics.ByMonth:
		return q.From.Day() == 1 && q.To.Day() == 1
	case metrics.ByWeek:
		return q.From.Weekday() == time.Monday && q.To.Weekday() == time.Monday
	}
	return true
}

func checkEvals(t *testing.T, w *warehouse.Warehouse, fx *fixture, stage string) {
	t.Helper()
	ctx := context.Background()
	for _, ev := range fx.evals {
		rows, err := metrics.Rows(ctx, w, ev.q)
		if err != nil {
			t.Fatalf("%s (%s): eval line %d: %v", fx.name, stage, ev.line, err)
		}
		path := "per contact"
		if metrics.FromDays(ev.q) {
			path = "day aggregates"
		}
		report(t, fx, stage+", ccqa metrics ("+path+")", ev, rows)
		if metrics.FromDays(ev.q) {
			// The reference form must give the same hand-computed rows.
			rows, err := metrics.RowsPerContact(ctx, w, ev.q)
			if err != nil {
				t.Fatalf("%s (%s): eval line %d per contact: %v", fx.name, stage, ev.line, err)
			}
			report(t, fx, stage+", ccqa metrics (per contact)", ev, rows)
		}
		if alignedForViews(ev.q) {
			vrows, err := metrics.ViewRows(ctx, w, ev.q)
			if err != nil {
				t.Fatalf("%s (%s): eval line %d via view: %v", fx.name, stage, ev.line, err)
			}
			report(t, fx, stage+", view "+metrics.ViewName(ev.q.Level, ev.q.By), ev, vrows)
		}
	}
}

func report(t *testing.T, fx *fixture, stage string, ev eval, rows []metrics.Row) {
	t.Helper()
	var got []map[string]any
	for _, r := range rows {
		m, err := rowMap(r)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, m)
	}
	for _, e := range compareRows(ev, got) {
		t.Errorf("%s (%s): %s", fx.name, stage, e)
	}
}

// TestFixtures runs every testdata fixture against the real ClickHouse: load the events, check
// every eval through `ccqa metrics`' query and through the generated views; then re-deliver
// every event (a second insert with newer versions) and check again; then let ClickHouse merge
// everything (OPTIMIZE ... FINAL) and check again; then rebuild contact_facts from the raw
// tables with migration 0010's backfill statements and check again. The expected values never
// change: duplicates and merges must not move a metric.
func TestFixtures(t *testing.T) {
	for _, path := range fixtureFiles(t) {
		fx, err := parseFixture(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(strings.TrimSuffix(fx.name, ".txt"), func(t *testing.T) {
			t.Parallel()
			w := itest.Warehouse(t)
			ctx := context.Background()
			loadAll(t, w, fx, 0)
			checkEvals(t, w, fx, "first delivery")
			if t.Failed() {
				return
			}
			loadAll(t, w, fx, 1000)
			checkEvals(t, w, fx, "re-delivered")
			for _, tb := range []string{"calls", "chats", "surveys", "orders", "agents", "targets", "contact_facts", "survey_facts", "contact_metrics", "contact_metrics_days"} {
				if err := w.Conn().Exec(ctx, "OPTIMIZE TABLE "+w.Database()+"."+tb+" FINAL"); err != nil {
					t.Fatalf("optimize %s: %v", tb, err)
				}
			}
			checkEvals(t, w, fx, "merged")
			for _, tb := range []string{"contact_facts", "survey_facts", "insert_marks", "contact_metrics", "contact_metrics_days", "contact_metrics_builds"} {
				if err := w.Conn().Exec(ctx, "TRUNCATE TABLE "+w.Database()+"."+tb); err != nil {
					t.Fatal(err)
				}
			}
			for _, stmt := range backfillStatements(t) {
				if err := w.Conn().Exec(ctx, w.Expand(stmt, nil)); err != nil {
					t.Fatalf("backfill: %v", err)
				}
			}
			checkEvals(t, w, fx, "backfilled")
		})
	}
}

// backfillStatements are the INSERT statements of migrations 0010 and 0012, which fill
// contact_facts, survey_facts and insert_marks from the raw tables of an existing database.
func backfillStatements(t *testing.T) []string {
	t.Helper()
	migs, err := warehouse.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range migs {
		if m.Version != 10 && m.Version != 12 {
			continue
		}
		for _, s := range warehouse.SplitStatements(m.SQL) {
			if i := strings.Index(s, "INSERT INTO"); i >= 0 && !strings.Contains(s[:i], "CREATE") {
				out = append(out, s)
			}
		}
	}
	if len(out) != 5 {
		t.Fatalf("migrations 0010 and 0012 have %d backfill INSERTs, want 5 (calls, chats, survey_facts, two insert_marks)", len(out))
	}
	return out
}
