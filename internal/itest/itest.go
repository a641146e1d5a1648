// Package itest connects integration tests to the real services they need: a ClickHouse server
// and an Apache Kafka broker, started by the repository's scripts (`make services-up`) and named
// by CCQA_TEST_CLICKHOUSE and CCQA_TEST_KAFKA. Without them a test skips, unless
// CCQA_REQUIRE_SERVICES=1 (as `make test` sets), where it fails: a missing service must never
// pass for a green run.
package itest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ccqa/ccqa/warehouse"
)

func require(t testing.TB, env, what string) string {
	t.Helper()
	v := os.Getenv(env)
	if v == "" {
		if os.Getenv("CCQA_REQUIRE_SERVICES") == "1" {
			t.Fatalf("%s is not set: %s is required (make services-up starts one)", env, what)
		}
		t.Skipf("%s not set: skipping a test that needs a real %s (run `make test`)", env, what)
	}
	return v
}

// ClickHouseAddr returns the test ClickHouse address (native protocol).
func ClickHouseAddr(t testing.TB) string {
	return require(t, "CCQA_TEST_CLICKHOUSE", "ClickHouse server")
}

// KafkaBrokers returns the test Kafka bootstrap brokers.
func KafkaBrokers(t testing.TB) []string {
	return strings.Split(require(t, "CCQA_TEST_KAFKA", "Kafka broker"), ",")
}

var seq atomic.Int64

// Unique returns a name unique to this test run, for databases, topics and consumer groups,
// so tests never see each other's data.
func Unique(prefix string) string {
	return fmt.Sprintf("%s_%d_%d", prefix, time.Now().UnixNano()%1e10, seq.Add(1))
}

// Warehouse opens a fresh, migrated database on the test ClickHouse and drops it when the test
// ends (unless CCQA_TEST_KEEP=1, to look at it afterwards).
func Warehouse(t testing.TB) *warehouse.Warehouse {
	t.Helper()
	addr := ClickHouseAddr(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db := Unique("ccqa_test")
	w, err := warehouse.Open(ctx, warehouse.Options{Addr: addr, Database: db})
	if err != nil {
		t.Fatalf("open warehouse: %v", err)
	}
	if _, err := w.Migrate(ctx, warehouse.MigrateOptions{}); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	t.Cleanup(func() {
		if os.Getenv("CCQA_TEST_KEEP") != "1" {
			_ = w.Conn().Exec(context.Background(), "DROP DATABASE IF EXISTS "+db)
			// Migrations also create db_payroll (the grades payroll may read; scorecard).
			_ = w.Conn().Exec(context.Background(), "DROP DATABASE IF EXISTS "+db+"_payroll")
		} else {
			t.Logf("kept database %s", db)
		}
		w.Close()
	})
	return w
}

// Eventually polls cond every 100 ms until it returns true or timeout passes, then fails with
// the last message cond gave.
func Eventually(t testing.TB, timeout time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var msg string
	for {
		var ok bool
		ok, msg = cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s: %s", timeout, msg)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
