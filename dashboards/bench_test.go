package dashboards_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/ccqa/ccqa/dashboards"
	"github.com/ccqa/ccqa/internal/itest"
	"github.com/ccqa/ccqa/qa"
	"github.com/ccqa/ccqa/warehouse"
)

// benchWarehouse opens the metrics benchmark data set: database CCQA_BENCH_DB (default
// ccqa_bench) loaded from metrics/testdata/bench/load.sql — 10,000,000 contacts of 1,000 agents
// in 20 teams over the 12 months December 2025 to November 2026 — with the same "bench_loaded"
// settings marker as `make bench-metrics`, so whichever benchmark runs first loads it and the
// other reuses it. CCQA_BENCH_RELOAD=1 drops and reloads it.
func benchWarehouse(b *testing.B) *warehouse.Warehouse {
	b.Helper()
	ctx := context.Background()
	db := os.Getenv("CCQA_BENCH_DB")
	if db == "" {
		db = "ccqa_bench"
	}
	w, err := warehouse.Open(ctx, warehouse.Options{Addr: itest.ClickHouseAddr(b), Database: db})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { w.Close() })
	if os.Getenv("CCQA_BENCH_RELOAD") == "1" {
		if err := w.Conn().Exec(ctx, "DROP DATABASE IF EXISTS "+db); err != nil {
			b.Fatal(err)
		}
	}
	res, err := w.Migrate(ctx, warehouse.MigrateOptions{})
	if err != nil {
		b.Fatal(err)
	}
	if _, ok, err := w.Setting(ctx, "bench_loaded"); err != nil {
		b.Fatal(err)
	} else if ok {
		if len(res.Applied) > 0 {
			settle()
		}
		return w
	}
	text, err := os.ReadFile("../metrics/testdata/bench/load.sql")
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	for i, stmt := range warehouse.SplitStatements(string(text)) {
		if err := w.Conn().Exec(ctx, w.Expand(stmt, nil)); err != nil {
			b.Fatalf("load statement %d: %v", i+1, err)
		}
	}
	fmt.Fprintf(os.Stderr, "bench load: metrics data set loaded in %s\n", time.Since(start).Round(time.Second))
	if err := w.SetSetting(ctx, "bench_loaded", "10000000"); err != nil {
		b.Fatal(err)
	}
	settle()
	return w
}

// settle waits until the rows just inserted are older than the metrics month builds' safety
// margin (one minute), as the metrics benchmark does: otherwise every read would rebuild its
// months and the benchmark would time builds instead of pages.
func settle() {
	fmt.Fprintln(os.Stderr, "bench: waiting 61 s for the inserts to age past the metrics build margin")
	time.Sleep(61 * time.Second)
}

// BenchmarkPages times the server side of the dashboard pages on the metrics benchmark data
// (make bench-dashboards): the request goes through Handler into an httptest recorder, so the
// time is the queries plus building the charts and rendering the HTML, without a network or a
// browser. The agent page shows 12 months by week and by month with the team mean (with the
// team-mean cache warm, as for every agent of a team after the first, and without it); the team
// page one month of a 50-agent team. It prints a summary against the 200 ms target.
func BenchmarkPages(b *testing.B) {
	w := benchWarehouse(b)
	ctx := context.Background()
	d, err := dashboards.New(ctx, dashboards.Config{Warehouse: w, Auth: fixedAuth{&qa.User{Username: "bench", Role: qa.RoleAdmin}}})
	if err != nil {
		b.Fatal(err)
	}
	// The same pages without the team-mean cache: every agent page computes its team's series.
	cold, err := dashboards.New(ctx, dashboards.Config{Warehouse: w, Auth: fixedAuth{&qa.User{Username: "bench", Role: qa.RoleAdmin}}, TeamCacheTTL: -1})
	if err != nil {
		b.Fatal(err)
	}
	type result struct {
		name  string
		path  string
		h     http.Handler
		per   time.Duration
		bytes int
	}
	results := []*result{
		{name: "agent_page_12_months", path: "/dashboards/agent?agent=a42&month=2026-11&months=12"},
		{name: "agent_page_12_months_no_team_cache", path: "/dashboards/agent?agent=a42&month=2026-11&months=12", h: cold.Handler()},
		{name: "agent_page_6_months_no_team_cache", path: "/dashboards/agent?agent=a43&month=2026-11", h: cold.Handler()},
		{name: "team_page_one_month", path: "/dashboards/team?team=T7&month=2026-06"},
		{name: "team_page_one_month_en_aht", path: "/dashboards/team?team=T7&month=2026-06&lang=en&metric=aht_seconds"},
		{name: "qa_page_team", path: "/dashboards/qa?team=T7&month=2026-06"},
		{name: "index", path: "/dashboards/?month=2026-06"},
	}
	get := func(h http.Handler, path string) (int, error) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			return 0, fmt.Errorf("%s: status %d: %.300s", path, rec.Code, rec.Body.String())
		}
		return rec.Body.Len(), nil
	}
	for _, r := range results {
		if r.h == nil {
			r.h = d.Handler()
		}
		b.Run(r.name, func(b *testing.B) {
			if _, err := get(r.h, r.path); err != nil { // warm up: the month builds happen here, untimed
				b.Fatal(err)
			}
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				n, err := get(r.h, r.path)
				if err != nil {
					b.Fatal(err)
				}
				r.bytes = n
			}
			r.per = time.Since(start) / time.Duration(b.N)
			b.ReportMetric(float64(r.per.Microseconds())/1000, "ms/page")
			b.ReportMetric(float64(r.bytes), "bytes")
		})
	}
	const target = 200 * time.Millisecond
	fmt.Println("\nbench-dashboards summary (metrics data set: 10,000,000 contacts, 1,000 agents in 20 teams, 12 months):")
	for _, r := range results {
		if r.per == 0 {
			continue
		}
		fmt.Printf("  %-36s %8.1f ms  %8d bytes  target < 200 ms: %.2f of target\n", r.name, float64(r.per.Microseconds())/1000, r.bytes, float64(r.per)/float64(target))
	}
}
