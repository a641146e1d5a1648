package dashboards_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
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
		first time.Duration   // the untimed warm-up request: the first of its kind since the handler started
		times []time.Duration // each timed request
		cpuCH time.Duration   // ClickHouse server CPU per timed request (when its pid is known)
		cpuGo time.Duration   // this process's CPU per timed request
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
	// CPU time, so figures can be compared across runs on a shared machine: this process's, and
	// the ClickHouse server's when CCQA_BENCH_CLICKHOUSE_PID names it (make bench-dashboards sets
	// it for the dev server; the server must serve nothing else meanwhile for the figure to
	// mean anything).
	chPID := os.Getenv("CCQA_BENCH_CLICKHOUSE_PID")
	load0 := loadAvg()
	for _, r := range results {
		if r.h == nil {
			r.h = d.Handler()
		}
		b.Run(r.name, func(b *testing.B) {
			t0 := time.Now()
			if _, err := get(r.h, r.path); err != nil { // warm-up, untimed: any month builds happen here
				b.Fatal(err)
			}
			if r.first == 0 { // the framework may call this function more than once
				r.first = time.Since(t0)
			}
			r.times = r.times[:0]
			ch0, go0 := procCPU(chPID), selfCPU()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				n, err := get(r.h, r.path)
				if err != nil {
					b.Fatal(err)
				}
				r.times = append(r.times, time.Since(t0))
				r.bytes = n
			}
			b.StopTimer()
			if ch1 := procCPU(chPID); ch0 >= 0 && ch1 >= 0 {
				r.cpuCH = (ch1 - ch0) / time.Duration(b.N)
			} else {
				r.cpuCH = -1
			}
			r.cpuGo = (selfCPU() - go0) / time.Duration(b.N)
			b.ReportMetric(float64(pct(r.times, 50).Microseconds())/1000, "ms/page-median")
			b.ReportMetric(float64(r.bytes), "bytes")
		})
	}
	const target = 200 * time.Millisecond
	fmt.Println("\nbench-dashboards summary (metrics data set: 10,000,000 contacts, 1,000 agents in 20 teams, 12 months)")
	fmt.Printf("load average before: %s, after: %s; %d CPUs\n", load0, loadAvg(), runtime.NumCPU())
	fmt.Println("first = the warm-up request (first of its kind since the handler started); median/p95/max over the timed requests;")
	fmt.Println("cpu = CPU per timed request of the ClickHouse server (ch, if CCQA_BENCH_CLICKHOUSE_PID is set) and of this process (go)")
	fmt.Printf("  %-36s %9s %9s %9s %9s %4s %8s %8s %8s\n", "page", "first ms", "median", "p95", "max", "n", "ch cpu", "go cpu", "/200ms")
	for _, r := range results {
		if len(r.times) == 0 {
			continue
		}
		ms := func(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }
		chCPU := "-"
		if r.cpuCH >= 0 {
			chCPU = ms(r.cpuCH)
		}
		med := pct(r.times, 50)
		fmt.Printf("  %-36s %9s %9s %9s %9s %4d %8s %8s %8.2f\n", r.name, ms(r.first), ms(med), ms(pct(r.times, 95)), ms(pct(r.times, 100)),
			len(r.times), chCPU, ms(r.cpuGo), float64(med)/float64(target))
	}
}

// pct is the p-th percentile (nearest rank) of ds.
func pct(ds []time.Duration, p int) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	k := (p*len(s) + 99) / 100
	if k < 1 {
		k = 1
	}
	return s[k-1]
}

// loadAvg is the 1-, 5- and 15-minute load average of the machine ("?" where unknown).
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// procCPU is the user+system CPU time of process pid so far, from /proc, or -1.
func procCPU(pid string) time.Duration {
	if pid == "" {
		return -1
	}
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return -1
	}
	// Fields after the command name (which is in parentheses and may hold spaces): utime and
	// stime are the 12th and 13th, in clock ticks (100 per second on Linux).
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return -1
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return -1
	}
	return time.Duration(u+st) * 10 * time.Millisecond
}

// selfCPU is this process's user+system CPU time so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
