package metrics_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ccqa/ccqa/internal/itest"
	"github.com/ccqa/ccqa/metrics"
	"github.com/ccqa/ccqa/warehouse"
)

var (
	benchMonth = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	benchFrom  = time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	benchTo    = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
)

// BenchmarkMetrics times the three queries of the issue on 10M contacts (make bench-metrics):
// the monthly per-agent table of all 1,000 agents, one agent's daily trend over 12 months and
// the team table of one month, each through metrics.Rows (every SPEC §5 metric, from the month
// builds of contact_metrics, which the untimed first call makes), then the cost of rebuilding
// one month (what the first query after new data of that month pays), and the raw-scan
// alternative (the foundation's LIMIT 1 BY views over the raw tables, four metrics only) for the
// monthly table. It prints a summary with the targets and the raw-scan ratio.
func BenchmarkMetrics(b *testing.B) {
	w := itest.BenchWarehouse(b, "testdata/bench/load.sql")
	ctx := context.Background()
	rawSQL, err := os.ReadFile("testdata/bench/raw_scan_month.sql")
	if err != nil {
		b.Fatal(err)
	}
	type result struct {
		name   string
		target time.Duration
		per    time.Duration
		rows   int
	}
	var results []*result
	run := func(name string, target time.Duration, f func() (int, error)) *result {
		r := &result{name: name, target: target}
		results = append(results, r)
		b.Run(name, func(b *testing.B) {
			if _, err := f(); err != nil { // warm the caches (and make the month builds) untimed
				b.Fatal(err)
			}
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				n, err := f()
				if err != nil {
					b.Fatal(err)
				}
				r.rows = n
			}
			r.per = time.Since(start) / time.Duration(b.N)
			b.ReportMetric(float64(r.per.Microseconds())/1000, "ms/query")
			b.ReportMetric(float64(r.rows), "rows")
		})
		return r
	}
	monthly := run("monthly_table_all_agents", time.Second, func() (int, error) {
		rows, err := metrics.Rows(ctx, w, metrics.MonthQuery(metrics.LevelAgent, metrics.Month{Time: benchMonth}))
		return len(rows), err
	})
	run("agent_daily_trend_12_months", 200*time.Millisecond, func() (int, error) {
		rows, err := metrics.Rows(ctx, w, metrics.Query{Level: metrics.LevelAgent, By: metrics.ByDay, From: benchFrom, To: benchTo, Agent: "a42"})
		return len(rows), err
	})
	run("team_table_one_month", time.Second, func() (int, error) {
		rows, err := metrics.Rows(ctx, w, metrics.MonthQuery(metrics.LevelTeam, metrics.Month{Time: benchMonth}))
		return len(rows), err
	})
	loc, err := w.TimeZone(ctx)
	if err != nil {
		b.Fatal(err)
	}
	run("rebuild_one_month_after_new_data", 0, func() (int, error) {
		return 0, metrics.RebuildMonth(ctx, w, loc, benchMonth)
	})
	raw := run("raw_scan_monthly_table_4_metrics", 0, func() (int, error) {
		q := w.Expand(strings.ReplaceAll(string(rawSQL), "${month}", benchMonth.Format(time.DateOnly)), map[string]string{"tz": warehouse.DefaultTimeZone})
		rows, err := w.Conn().Query(ctx, q)
		if err != nil {
			return 0, err
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			n++
		}
		return n, rows.Err()
	})
	fmt.Println("\nbench-metrics summary (10,000,000 contacts, 1,000 agents, 12 months; ClickHouse 18.16, 2 cores):")
	for _, r := range results {
		if r.per == 0 {
			continue
		}
		line := fmt.Sprintf("  %-34s %9.1f ms  %5d rows", r.name, float64(r.per.Microseconds())/1000, r.rows)
		if r.target > 0 {
			line += fmt.Sprintf("  target < %s: %.2f of target", r.target, float64(r.per)/float64(r.target))
		}
		fmt.Println(line)
	}
	if monthly.per > 0 && raw.per > 0 {
		fmt.Printf("  raw scan / month builds (monthly table): %.1fx slower, with 4 metrics instead of all\n", float64(raw.per)/float64(monthly.per))
	}
}
