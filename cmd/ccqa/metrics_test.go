package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ccqa/ccqa/internal/itest"
)

// TestMetricsUsageErrors checks that every bad `ccqa metrics` flag is a usage error (exit 2)
// naming the flag.
func TestMetricsUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"month and range", []string{"metrics", "--month", "2026-11", "--from", "2026-11-01", "--to", "2026-12-01"}, "exclude each other"},
		{"from without to", []string{"metrics", "--from", "2026-11-01"}, "--from and --to go together"},
		{"bad from", []string{"metrics", "--from", "2026-11-31", "--to", "2026-12-01"}, "--from"},
		{"bad to", []string{"metrics", "--from", "2026-11-01", "--to", "tomorrow"}, "--to"},
		{"empty range", []string{"metrics", "--from", "2026-11-02", "--to", "2026-11-02"}, "--to 2026-11-02 must be after --from"},
		{"bad by", []string{"metrics", "--month", "2026-11", "--by", "year"}, "--by"},
		{"bad level", []string{"metrics", "--month", "2026-11", "--level", "center"}, "--level"},
		{"bad sl", []string{"metrics", "--month", "2026-11", "--sl-seconds", "0"}, "--sl-seconds"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runCLI(tc.args...)
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Fatalf("err = %v, want a usage error", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

// TestMetricsOutput runs `ccqa metrics` on a real ClickHouse with one agent's month, by hand:
// one call (ASA 5 s, AHT 60 s) and an order paid at 19.90 yuan, no survey; JSON prints the SPEC
// §5 names with money in yuan with two decimals and null for no data; CSV has the same header
// and an empty cell for NULL.
func TestMetricsOutput(t *testing.T) {
	w := itest.Warehouse(t)
	ctx := context.Background()
	ins := func(sql string, vals ...any) {
		t.Helper()
		b, err := w.Conn().PrepareBatch(ctx, w.Expand(sql, nil))
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Append(vals...); err != nil {
			t.Fatal(err)
		}
		if err := b.Send(); err != nil {
			t.Fatal(err)
		}
	}
	at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v.UTC() }
	answered := at("2026-11-10T02:00:05Z")
	ins("INSERT INTO ${db}.agents (agent_id, name, team, level, hired_on, updated_at, version)",
		"a1", "张三", "售前", "L1", at("2024-01-01T00:00:00Z"), time.Now().UTC(), uint64(1))
	ins("INSERT INTO ${db}.calls (call_id, agent_id, customer_id, offered_at, answered_at, ended_at, version)",
		"c1", "a1", "u1", at("2026-11-10T02:00:00Z"), &answered, at("2026-11-10T02:01:05Z"), uint64(1))
	ins("INSERT INTO ${db}.orders (order_id, status, customer_id, agent_id, amount_minor, currency, at, version)",
		"o1", "paid", "u1", "a1", int64(1990), "CNY", at("2026-11-10T03:00:00Z"), uint64(1))
	addr := itest.ClickHouseAddr(t)
	out, _, err := runCLI("metrics", "--clickhouse", addr, "--database", w.Database(), "--month", "2026-11", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"month":"2026-11"`, `"agent_id":"a1"`, `"agent_name":"张三"`, `"team":"售前"`, `"contacts":1`,
		`"asa_seconds":5`, `"aht_seconds":60`, `"csat":null`, `"csat_n":0`, `"paid_amount":19.90`, `"paid_amount_minor":1990`,
		`"avg_order_value":19.90`, `"order_pay_rate":1`, `"inquiry_conversion":null`} {
		if !strings.Contains(out, want) {
			t.Errorf("json output lacks %s:\n%s", want, out)
		}
	}
	if n := strings.Count(strings.TrimSpace(out), "\n"); n != 0 {
		t.Errorf("json output has %d lines, want 1 (one agent)", n+1)
	}
	out, _, err = runCLI("metrics", "--clickhouse", addr, "--database", w.Database(), "--from", "2026-11-01", "--to", "2026-12-01", "--level", "team", "--format", "csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "by,month,period_start,team,contacts,asa_seconds,asa_n,") ||
		!strings.HasPrefix(lines[1], "month,2026-11,2026-11-01,售前,1,5,1,") || !strings.Contains(lines[1], ",19.90,1990,19.90,") {
		t.Errorf("csv output:\n%s", out)
	}
	out, _, err = runCLI("metrics", "--clickhouse", addr, "--database", w.Database(), "--month", "2026-11")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "张三") || !strings.Contains(out, "19.90") {
		t.Errorf("table output:\n%s", out)
	}
}
