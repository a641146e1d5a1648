// Package metrics computes the SPEC §5 metrics per agent, team and queue by day, ISO week and
// month. The definitions live in one SQL template (sql/metrics.sql) over the contact_facts table
// (warehouse migration 0010); the views of warehouse/views/90_metrics.sql are generated from the
// same template, and Rows runs it with the date range and filters pushed into every scan.
package metrics

import (
	"context"
	"fmt"
	"time"

	"github.com/ccqa/ccqa/warehouse"
)

// Month is a calendar month, printed as 2026-11.
type Month struct{ time.Time }

// MarshalJSON writes the month as "2026-11".
func (m Month) MarshalJSON() ([]byte, error) { return []byte(`"` + m.Format("2006-01") + `"`), nil }

// String returns "2026-11".
func (m Month) String() string { return m.Format("2006-01") }

// ParseMonth parses "2026-11" into the month's first day.
func ParseMonth(s string) (Month, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return Month{}, fmt.Errorf("month %q: want YYYY-MM, e.g. 2026-11", s)
	}
	return Month{t}, nil
}

// AgentMonth is one agent's metrics for one month: a Row of level agent by month. It is kept
// for the callers of the foundation API.
type AgentMonth = Row

// AgentMonthly returns every agent's metrics for the month, ordered by team and agent id. Agents
// without handled contacts that month are absent (Rows also returns agents with only orders or
// targets).
func AgentMonthly(ctx context.Context, wh *warehouse.Warehouse, month Month) ([]AgentMonth, error) {
	rows, err := Rows(ctx, wh, MonthQuery(LevelAgent, month))
	if err != nil {
		return nil, err
	}
	out := rows[:0]
	for _, r := range rows {
		if r.Contacts > 0 {
			out = append(out, r)
		}
	}
	return out, nil
}
