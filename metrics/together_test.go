package metrics_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ccqa/ccqa/internal/itest"
	"github.com/ccqa/ccqa/metrics"
)

// TestRowsTogether checks RowsTogether (one statement for several row sets, what the dashboard
// pages read) against each query run alone per contact (RowsPerContact, the reference the
// hand-computed fixtures check): every field of every row must be the same, for the agent page's
// four sets (an agent and their team, by week and by month), the team page's two, and sets with
// different filters, levels and periods mixed. Two orders are added whose events in the range are
// by one agent while their latest event, after the range, is by another of the same team: run
// alone, the second agent's query has no candidate event for them and leaves them out; read
// together with the team, the same must hold.
func TestRowsTogether(t *testing.T) {
	w := itest.Warehouse(t)
	ctx := context.Background()
	stmts := append(smallBenchLoad(t),
		"INSERT INTO ${db}.orders (order_id, status, customer_id, agent_id, interaction_id, amount_minor, currency, at, src_topic, src_partition, src_offset, ingested_at, version) "+
			"SELECT tupleElement(e, 1), tupleElement(e, 2), tupleElement(e, 3), tupleElement(e, 4), '', toInt64(5000), 'CNY', toDateTime(tupleElement(e, 5), 'UTC'), 't', toInt32(0), toInt64(tupleElement(e, 6)), now(), toUInt64(1) "+
			"FROM system.one ARRAY JOIN ["+
			"('edge-1', 'created', 'u1', 'a1', '2026-01-10 02:00:00', 1), ('edge-1', 'paid', 'u1', 'a5', '2026-02-20 02:00:00', 2), "+
			"('edge-2', 'created', 'u2', 'a1', '2026-01-11 02:00:00', 3), ('edge-2', 'paid', 'u2', 'a5', '2026-01-12 02:00:00', 4)] AS e")
	for i, stmt := range stmts {
		if err := w.Conn().Exec(ctx, w.Expand(stmt, nil)); err != nil {
			t.Fatalf("load statement %d: %v", i+1, err)
		}
	}
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	from, to := d(2025, 12, 3), d(2026, 2, 11) // cuts weeks and months
	q := func(l metrics.Level, by metrics.Period, agent, team string) metrics.Query {
		return metrics.Query{Level: l, By: by, From: from, To: to, Agent: agent, Team: team}
	}
	cases := []struct {
		name string
		qs   []metrics.Query
	}{
		{"agent page", []metrics.Query{
			q(metrics.LevelAgent, metrics.ByWeek, "a5", ""), q(metrics.LevelAgent, metrics.ByMonth, "a5", ""),
			q(metrics.LevelTeam, metrics.ByWeek, "", "T1"), q(metrics.LevelTeam, metrics.ByMonth, "", "T1")}},
		{"team page", []metrics.Query{
			q(metrics.LevelAgent, metrics.ByMonth, "", "T1"), q(metrics.LevelAgent, metrics.ByWeek, "", "T1")}},
		{"mixed filters", []metrics.Query{
			q(metrics.LevelTeam, metrics.ByWeek, "", ""), q(metrics.LevelAgent, metrics.ByDay, "a2", ""),
			q(metrics.LevelAgent, metrics.ByMonth, "", "T3"), q(metrics.LevelTeam, metrics.ByMonth, "a7", "T3")}},
		{"weeks only, no targets", []metrics.Query{
			q(metrics.LevelAgent, metrics.ByWeek, "a5", ""), q(metrics.LevelTeam, metrics.ByWeek, "", "T2")}},
	}
	var contacts, orders, inquiry, p90s uint64
	for _, c := range cases {
		for _, withoutP90 := range []bool{false, true} {
			qs := append([]metrics.Query(nil), c.qs...)
			for i := range qs {
				qs[i].WithoutP90 = withoutP90
			}
			got, err := metrics.RowsTogether(ctx, w, qs)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if len(got) != len(qs) {
				t.Fatalf("%s: %d row sets for %d queries", c.name, len(got), len(qs))
			}
			for i, qq := range qs {
				name := fmt.Sprintf("%s (without p90 %v): %s by %s agent=%q team=%q", c.name, withoutP90, qq.Level, qq.By, qq.Agent, qq.Team)
				ref, err := metrics.RowsPerContact(ctx, w, qq)
				if err != nil {
					t.Fatal(err)
				}
				if len(got[i]) != len(ref) {
					t.Errorf("%s: %d rows together, %d alone per contact", name, len(got[i]), len(ref))
					continue
				}
				for j := range ref {
					g := got[i][j]
					if withoutP90 {
						if g.FRTP90Seconds != nil || g.ResolutionP90Seconds != nil {
							t.Errorf("%s: row %d has a p90 without p90", name, j)
						}
						g.FRTP90Seconds, g.ResolutionP90Seconds = ref[j].FRTP90Seconds, ref[j].ResolutionP90Seconds
					} else if ref[j].ResolutionP90Seconds != nil {
						p90s++
					}
					rm, diffs := rowDiffs(t, g, ref[j], "together", "alone, per contact")
					for _, e := range diffs {
						t.Errorf("%s: row %s: %s", name, rowKey(rm), e)
					}
					contacts += ref[j].Contacts
					orders += ref[j].Orders
					inquiry += ref[j].InquiryCustomers
				}
			}
		}
	}
	// The comparison must have had something to compare, or equality would prove nothing.
	if contacts < 10000 || orders < 100 || inquiry < 1000 || p90s < 20 {
		t.Fatalf("too little data compared: %d contacts, %d orders, %d inquiry customers, %d p90s", contacts, orders, inquiry, p90s)
	}

	t.Logf("compared: %d contacts, %d orders, %d inquiry customers, %d p90s", contacts, orders, inquiry, p90s)

	// The edge orders: a5 alone has none of them in January (edge-1's only event in the range is
	// a1's; edge-2 has a5's paid event in the range and counts), and neither counts for a1, whose
	// orders they no longer are. Checked by hand here, not only against the reference.
	jan := metrics.Query{Level: metrics.LevelAgent, By: metrics.ByMonth, From: from, To: to, Agent: "a5"}
	team := metrics.Query{Level: metrics.LevelTeam, By: metrics.ByMonth, From: from, To: to, Team: "T1"}
	together, err := metrics.RowsTogether(ctx, w, []metrics.Query{jan, team})
	if err != nil {
		t.Fatal(err)
	}
	alone, err := metrics.RowsPerContact(ctx, w, jan)
	if err != nil {
		t.Fatal(err)
	}
	paidJan := func(rows []metrics.Row) (n uint64) {
		for _, r := range rows {
			if r.PeriodStart.Equal(d(2026, 1, 1)) {
				n = r.PaidOrders
			}
		}
		return n
	}
	if paidJan(together[0]) != paidJan(alone) || paidJan(alone) == 0 {
		t.Fatalf("a5's paid orders in January: %d together, %d alone (want equal, > 0)", paidJan(together[0]), paidJan(alone))
	}
}

// TestRowsTogetherRejects checks that queries that cannot share a statement get an error naming
// the field instead of wrong rows.
func TestRowsTogetherRejects(t *testing.T) {
	w := itest.Warehouse(t)
	ctx := context.Background()
	d := func(m time.Month) time.Time { return time.Date(2026, m, 1, 0, 0, 0, 0, time.UTC) }
	base := metrics.Query{Level: metrics.LevelAgent, By: metrics.ByMonth, From: d(1), To: d(3)}
	for _, tc := range []struct {
		name string
		q    metrics.Query
		want string
	}{
		{"other range", metrics.Query{Level: metrics.LevelTeam, By: metrics.ByWeek, From: d(1), To: d(2)}, "query 2: from, to"},
		{"queue level", metrics.Query{Level: metrics.LevelQueue, By: metrics.ByMonth, From: d(1), To: d(3)}, "query 2: level queue"},
		{"queue filter", metrics.Query{Level: metrics.LevelAgent, By: metrics.ByMonth, From: d(1), To: d(3), Queue: "q1"}, `queue "q1"`},
		{"service level", metrics.Query{Level: metrics.LevelAgent, By: metrics.ByMonth, From: d(1), To: d(3), ServiceLevelSeconds: 30}, "service level 30"},
		{"bad period", metrics.Query{Level: metrics.LevelAgent, By: "year", From: d(1), To: d(3)}, `query 2: by "year"`},
	} {
		_, err := metrics.RowsTogether(ctx, w, []metrics.Query{base, tc.q})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}
