package metrics_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ccqa/ccqa/internal/itest"
	"github.com/ccqa/ccqa/metrics"
	"github.com/ccqa/ccqa/warehouse"
)

// smallBenchLoad is the benchmark data set (testdata/bench/load.sql) scaled down so that the
// test loads in about a second: 40 agents in 4 teams, 3,000 customers (so customers come back
// and distinct counts differ from counts), 60,000 calls, 15,000 chats, 15,000 surveys and 2,000
// orders over the 90 days from 1 December 2025 (business time), 1% of the calls re-delivered.
func smallBenchLoad(t *testing.T) []string {
	t.Helper()
	text, err := os.ReadFile("testdata/bench/load.sql")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.NewReplacer(
		"FROM system.numbers LIMIT 1000;", "FROM system.numbers LIMIT 40;",
		"concat('T', toString(number % 20))", "concat('T', toString(number % 4))",
		"toString(number % 1000)", "toString(number % 40)",
		"intDiv(number, 1000)", "intDiv(number, 40)",
		"LIMIT 12000", "LIMIT 480",
		"toString(h1 % 1000)", "toString(h1 % 40)",
		"% 1000000", "% 3000",
		"LIMIT 8000000", "LIMIT 60000", "% 8000000", "% 60000",
		"LIMIT 2000000", "LIMIT 15000", "% 2000000", "% 15000",
		"LIMIT 200000", "LIMIT 4000",
		"% 31536000", "% 7776000",
	).Replace(string(text))
	return warehouse.SplitStatements(s)
}

// TestDayAggregatesMatchPerContact checks the day aggregates (contact_metrics_days, what Rows
// reads for agent and team rows) against the per-contact form (RowsPerContact, the reference
// that the hand-computed fixtures check) on generated traffic: every field of every row must be
// the same, for agent and team rows by day, week and month, unfiltered and filtered by team
// (an agent filter reads per contact), over whole months and over ranges that cut weeks and months. Then it checks that
// migration 0040's invalidation of builds made before it makes the next read rebuild each month
// with its day aggregates, and that an agent who changed teams after the builds counts for the
// new team. WithoutP90 must change nothing but leave the p90s out.
func TestDayAggregatesMatchPerContact(t *testing.T) {
	w := itest.Warehouse(t)
	ctx := context.Background()
	for i, stmt := range smallBenchLoad(t) {
		if err := w.Conn().Exec(ctx, w.Expand(stmt, nil)); err != nil {
			t.Fatalf("load statement %d: %v", i+1, err)
		}
	}
	// Inserts of the last minute make their months stale again on every read (the builds'
	// safety margin); date the insert marks two minutes back so that each month is built once by
	// the first read instead of once per read.
	for _, stmt := range []string{
		"CREATE TABLE ${db}.marks_copy ENGINE = Memory AS SELECT source, utc_month, maxMerge(last_insert) AS at FROM ${db}.insert_marks GROUP BY source, utc_month",
		"TRUNCATE TABLE ${db}.insert_marks",
		"INSERT INTO ${db}.insert_marks (source, utc_month, last_insert) SELECT source, utc_month, maxState(toDateTime(at - 120, 'UTC')) FROM ${db}.marks_copy GROUP BY source, utc_month",
	} {
		if err := w.Conn().Exec(ctx, w.Expand(stmt, nil)); err != nil {
			t.Fatal(err)
		}
	}
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	queries := []metrics.Query{
		{Level: metrics.LevelTeam, By: metrics.ByWeek, From: d(2025, 12, 1), To: d(2026, 3, 1)},
		{Level: metrics.LevelTeam, By: metrics.ByMonth, From: d(2025, 12, 1), To: d(2026, 3, 1), Team: "T1"},
		{Level: metrics.LevelTeam, By: metrics.ByDay, From: d(2025, 12, 15), To: d(2026, 1, 20)},
		{Level: metrics.LevelTeam, By: metrics.ByWeek, From: d(2025, 12, 3), To: d(2026, 2, 11), Team: "T2"},
		{Level: metrics.LevelAgent, By: metrics.ByWeek, From: d(2025, 12, 3), To: d(2026, 2, 11), Team: "T2"},
		{Level: metrics.LevelAgent, By: metrics.ByMonth, From: d(2025, 12, 1), To: d(2026, 3, 1)},
		{Level: metrics.LevelAgent, By: metrics.ByDay, From: d(2025, 12, 10), To: d(2026, 2, 20), Team: "T3"},
	}
	compare := func(stage string) {
		t.Helper()
		var contacts, p90s, inquiry uint64
		for _, q := range queries {
			if !metrics.FromDays(q) {
				t.Fatalf("%+v: not a day-aggregate query", q)
			}
			fast, err := metrics.Rows(ctx, w, q)
			if err != nil {
				t.Fatal(err)
			}
			// Without the p90s: the same rows with both p90s nil.
			nq := q
			nq.WithoutP90 = true
			lean, err := metrics.Rows(ctx, w, nq)
			if err != nil {
				t.Fatal(err)
			}
			if len(lean) != len(fast) {
				t.Errorf("%+v: %d rows without p90, %d with", q, len(lean), len(fast))
			} else {
				for i := range lean {
					if lean[i].FRTP90Seconds != nil || lean[i].ResolutionP90Seconds != nil {
						t.Errorf("%+v: row %d has a p90 WithoutP90", q, i)
					}
					l := lean[i]
					l.FRTP90Seconds, l.ResolutionP90Seconds = fast[i].FRTP90Seconds, fast[i].ResolutionP90Seconds
					lm, _ := rowMap(l)
					fm, _ := rowMap(fast[i])
					for k, v := range fm {
						if !sameValue(lm[k], v) {
							t.Errorf("%+v: row %d: %s %s WithoutP90, %s with", q, i, k, show(lm[k]), show(v))
						}
					}
				}
			}
			ref, err := metrics.RowsPerContact(ctx, w, q)
			if err != nil {
				t.Fatal(err)
			}
			name := stage + ": " + string(q.Level) + " by " + string(q.By) + " " + q.From.Format(time.DateOnly) + "–" + q.To.Format(time.DateOnly) + " agent=" + q.Agent + " team=" + q.Team
			if len(fast) != len(ref) {
				t.Errorf("%s: %d rows from the day aggregates, %d per contact", name, len(fast), len(ref))
				continue
			}
			for i := range fast {
				rm, diffs := rowDiffs(t, fast[i], ref[i], "day aggregates", "per contact")
				for _, e := range diffs {
					t.Errorf("%s: row %s: %s", name, rowKey(rm), e)
				}
				contacts += ref[i].Contacts
				if ref[i].FRTP90Seconds != nil && fast[i].FRTP90Seconds == nil {
					t.Errorf("%s: row %s: frt_p90_seconds missing", name, rowKey(rm))
				}
				inquiry += ref[i].InquiryCustomers
				if ref[i].ResolutionP90Seconds != nil {
					p90s++
				}
			}
		}
		// The comparison must have had something to compare, or equality would prove nothing.
		if contacts < 10000 || p90s < 50 || inquiry < 1000 {
			t.Fatalf("%s: too little data compared: %d contacts, %d p90s, %d inquiry customers", stage, contacts, p90s, inquiry)
		}
	}
	compare("built by the reads")

	// An agent moves to another team after the builds: build_team (which only orders the day
	// rows) is stale, and both forms must count a7 for T0 now, as the agents import says.
	if err := w.Conn().Exec(ctx, w.Expand("INSERT INTO ${db}.agents (agent_id, name, team, level, hired_on, updated_at, version) "+
		"SELECT 'a7', 'Agent 7', 'T0', 'L1', toDate('2024-01-01'), now(), toUInt64(2)", nil)); err != nil {
		t.Fatal(err)
	}
	moved, err := metrics.Rows(ctx, w, metrics.Query{Level: metrics.LevelAgent, By: metrics.ByMonth, From: d(2025, 12, 1), To: d(2026, 3, 1), Team: "T0"})
	if err != nil {
		t.Fatal(err)
	}
	var a7 int
	for _, r := range moved {
		if r.AgentID == "a7" && r.Team == "T0" && r.Contacts > 0 {
			a7++
		}
	}
	if a7 != 3 {
		t.Fatalf("after moving a7 to T0, T0's agent rows hold a7 with contacts in %d months, want 3", a7)
	}
	compare("after a7 moved from T3 to T0")

	// Migration 0040 marks every month built before it as built in no time zone, so the next
	// read rebuilds it with its day aggregates. Emulate a database built before it: no day rows.
	if err := w.Conn().Exec(ctx, w.Expand("TRUNCATE TABLE ${db}.contact_metrics_days", nil)); err != nil {
		t.Fatal(err)
	}
	migs, err := warehouse.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	var invalidate string
	for _, m := range migs {
		if m.Version == 40 {
			for _, s := range warehouse.SplitStatements(m.SQL) {
				if strings.Contains(s, "INSERT INTO ${db}.contact_metrics_builds") {
					invalidate = s
				}
			}
		}
	}
	if invalidate == "" {
		t.Fatal("migration 0040 has no INSERT INTO contact_metrics_builds")
	}
	if err := w.Conn().Exec(ctx, w.Expand(invalidate, nil)); err != nil {
		t.Fatal(err)
	}
	loc, err := w.TimeZone(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st, err := metrics.EnsureBuilt(ctx, w, loc, d(2025, 12, 1), d(2026, 3, 1))
	if err != nil {
		t.Fatal(err)
	}
	if st.Built != 3 {
		t.Fatalf("after migration 0040's invalidation EnsureBuilt rebuilt %d of %d months, want all 3", st.Built, st.Checked)
	}
	compare("rebuilt after migration 0040")
}
