package itest

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/ccqa/ccqa/warehouse"
)

// BenchContacts is the number of contacts the benchmark data set holds.
const BenchContacts = 10_000_000

// BenchWarehouse opens the shared benchmark data set: database CCQA_BENCH_DB (default
// ccqa_bench) on the test ClickHouse, migrated, and loaded from loadSQL (the metrics package's
// testdata/bench/load.sql: 10,000,000 contacts of 1,000 agents in 20 teams over December 2025 to
// November 2026) unless an earlier run did (the settings row bench_loaded). The metrics and the
// dashboards benchmarks both use it, so whichever runs first loads it and the other reuses it:
// loading takes minutes, querying is what is measured. CCQA_BENCH_RELOAD=1 drops and reloads it.
func BenchWarehouse(b *testing.B, loadSQL string) *warehouse.Warehouse {
	b.Helper()
	ctx := context.Background()
	db := os.Getenv("CCQA_BENCH_DB")
	if db == "" {
		db = "ccqa_bench"
	}
	w, err := warehouse.Open(ctx, warehouse.Options{Addr: ClickHouseAddr(b), Database: db})
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
			settle() // migrations backfilled derived tables just now
		}
		return w
	}
	text, err := os.ReadFile(loadSQL)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	for i, stmt := range warehouse.SplitStatements(string(text)) {
		t0 := time.Now()
		if err := w.Conn().Exec(ctx, w.Expand(stmt, nil)); err != nil {
			b.Fatalf("load statement %d: %v", i+1, err)
		}
		fmt.Fprintf(os.Stderr, "bench load: statement %d done in %s\n", i+1, time.Since(t0).Round(time.Millisecond))
	}
	var facts uint64
	if err := w.Conn().QueryRow(ctx, w.Expand("SELECT count() FROM ${db}.contact_facts FINAL", nil)).Scan(&facts); err != nil {
		b.Fatal(err)
	}
	if facts != BenchContacts {
		b.Fatalf("contact_facts holds %d contacts after the load, want %d", facts, BenchContacts)
	}
	fmt.Fprintf(os.Stderr, "bench load: %d contacts loaded in %s\n", facts, time.Since(start).Round(time.Second))
	if err := w.SetSetting(ctx, "bench_loaded", fmt.Sprint(BenchContacts)); err != nil {
		b.Fatal(err)
	}
	settle()
	return w
}

// settle waits until data inserted just now is older than the metrics month builds' safety
// margin (one minute): a build counts only data inserted at least that long before it as seen,
// so right after a load every read would rebuild its months, and a benchmark would time builds
// instead of reads. The rebuild cost is timed on its own by the metrics benchmark.
func settle() {
	fmt.Fprintln(os.Stderr, "bench: waiting 61 s for the inserts to age past the build margin")
	time.Sleep(61 * time.Second)
}
