package dashboards_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ccqa/ccqa/dashboards"
	"github.com/ccqa/ccqa/internal/itest"
	"github.com/ccqa/ccqa/qa"
)

// BenchmarkPages times the server side of the dashboard pages on the metrics benchmark data
// (make bench-dashboards): the request goes through Handler into an httptest recorder, so the
// time is the queries plus building the charts and rendering the HTML, without a network or a
// browser. The agent page shows 12 months by week and by month with the team mean (with the
// team-mean cache warm, as for every agent of a team after the first, and without it); the team
// page one month of a 50-agent team. It prints a summary against the 200 ms target.
func BenchmarkPages(b *testing.B) {
	w := itest.BenchWarehouse(b, "../metrics/testdata/bench/load.sql")
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
