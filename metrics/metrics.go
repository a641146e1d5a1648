// Package metrics reads the agent metrics of SPEC §5 from the ClickHouse views the warehouse
// package creates. The definitions live in SQL (warehouse/views); this package only selects,
// filters and shapes them.
package metrics

import (
	"context"
	_ "embed"
	"fmt"
	"time"

	"github.com/ccqa/ccqa/warehouse"
)

//go:embed sql/agent_month.sql
var agentMonthSQL string

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

// AgentMonth is one agent's metrics for one month. Pointer fields are NULL (nil) when there is no
// data; every mean carries its sample size (the _n fields).
type AgentMonth struct {
	Month      Month    `json:"month"`
	AgentID    string   `json:"agent_id"`
	AgentName  string   `json:"agent_name"`
	Team       string   `json:"team"`
	Contacts   uint64   `json:"contacts"`
	ASASeconds *float64 `json:"asa_seconds"`
	ASAN       uint64   `json:"asa_n"`
	AHTSeconds *float64 `json:"aht_seconds"`
	AHTN       uint64   `json:"aht_n"`
	CSAT       *float64 `json:"csat"`
	CSATMean   *float64 `json:"csat_mean"`
	CSATN      uint64   `json:"csat_n"`
}

// AgentMonthly returns every agent's metrics for the month, ordered by team and agent id. Agents
// without handled contacts that month are absent.
func AgentMonthly(ctx context.Context, wh *warehouse.Warehouse, month Month) ([]AgentMonth, error) {
	rows, err := wh.Conn().Query(ctx, wh.Expand(agentMonthSQL, nil), month.Format("2006-01-02"))
	if err != nil {
		return nil, fmt.Errorf("agent metrics for %s: %w", month, err)
	}
	defer rows.Close()
	var out []AgentMonth
	for rows.Next() {
		var a AgentMonth
		var m time.Time
		if err := rows.Scan(&m, &a.AgentID, &a.AgentName, &a.Team, &a.Contacts, &a.ASASeconds, &a.ASAN,
			&a.AHTSeconds, &a.AHTN, &a.CSAT, &a.CSATMean, &a.CSATN); err != nil {
			return nil, fmt.Errorf("agent metrics for %s: %w", month, err)
		}
		a.Month = Month{time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, time.UTC)}
		out = append(out, a)
	}
	return out, rows.Err()
}
