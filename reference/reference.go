// Package reference loads the reference data of SPEC §3 — agents.csv and targets.csv — and saves
// it to the warehouse. A later load of the same agent (or agent and month) replaces the earlier
// one.
package reference

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/ccqa/ccqa/warehouse"
)

// Agent is one row of agents.csv.
type Agent struct {
	ID      string
	Name    string
	Team    string
	Level   string
	HiredOn time.Time
}

// Target is one row of targets.csv: an agent's sales target for a month, in minor units (分).
type Target struct {
	AgentID          string
	Month            time.Time // first day of the month
	SalesTargetMinor int64
}

// LineError is a problem with one CSV line; it names the line and the column.
type LineError struct {
	Line  int
	Field string
	Msg   string
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %s: %s", e.Line, e.Field, e.Msg) }

// readCSV reads a CSV with a header row that must hold exactly the given columns, in any order,
// and calls fn with each record's values by column name.
func readCSV(r io.Reader, cols []string, fn func(line int, get func(string) string) error) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return &LineError{Line: 1, Field: "header", Msg: "file is empty; want the header " + strings.Join(cols, ",")}
	}
	if err != nil {
		return fmt.Errorf("line 1: %w", err)
	}
	idx := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")) // Excel writes a BOM
		idx[h] = i
	}
	for _, c := range cols {
		if _, ok := idx[c]; !ok {
			return &LineError{Line: 1, Field: c, Msg: "column missing from the header (want " + strings.Join(cols, ",") + ")"}
		}
	}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		get := func(c string) string {
			if i := idx[c]; i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if err := fn(line, get); err != nil {
			return err
		}
	}
}

// ReadAgentsCSV parses agents.csv: agent_id,name,team,level,hired_on (hired_on as 2024-03-01,
// may be empty).
func ReadAgentsCSV(r io.Reader) ([]Agent, error) {
	var out []Agent
	seen := map[string]int{}
	err := readCSV(r, []string{"agent_id", "name", "team", "level", "hired_on"}, func(line int, get func(string) string) error {
		a := Agent{ID: get("agent_id"), Name: get("name"), Team: get("team"), Level: get("level")}
		if a.ID == "" {
			return &LineError{line, "agent_id", "must not be empty"}
		}
		if prev, dup := seen[a.ID]; dup {
			return &LineError{line, "agent_id", fmt.Sprintf("%q already on line %d", a.ID, prev)}
		}
		seen[a.ID] = line
		if h := get("hired_on"); h != "" {
			t, err := time.Parse("2006-01-02", h)
			if err != nil {
				return &LineError{line, "hired_on", fmt.Sprintf("%q is not a date like 2024-03-01", h)}
			}
			a.HiredOn = t
		}
		out = append(out, a)
		return nil
	})
	return out, err
}

// ReadTargetsCSV parses targets.csv: agent_id,month,sales_target (month as 2026-11, sales_target
// a decimal amount in the currency unit with at most two decimals).
func ReadTargetsCSV(r io.Reader) ([]Target, error) {
	var out []Target
	seen := map[string]int{}
	err := readCSV(r, []string{"agent_id", "month", "sales_target"}, func(line int, get func(string) string) error {
		t := Target{AgentID: get("agent_id")}
		if t.AgentID == "" {
			return &LineError{line, "agent_id", "must not be empty"}
		}
		m, err := time.Parse("2006-01", get("month"))
		if err != nil {
			return &LineError{line, "month", fmt.Sprintf("%q is not a month like 2026-11", get("month"))}
		}
		t.Month = m
		key := t.AgentID + "|" + get("month")
		if prev, dup := seen[key]; dup {
			return &LineError{line, "agent_id", fmt.Sprintf("target for %s in %s already on line %d", t.AgentID, get("month"), prev)}
		}
		seen[key] = line
		v, err := ParseMinor(get("sales_target"))
		if err != nil {
			return &LineError{line, "sales_target", err.Error()}
		}
		t.SalesTargetMinor = v
		out = append(out, t)
		return nil
	})
	return out, err
}

// ParseMinor parses a non-negative decimal amount such as "12000" or "12000.50" into minor units
// (1/100), exactly.
func ParseMinor(s string) (int64, error) {
	if s == "" {
		return 0, errors.New("must not be empty")
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || (hasDot && (frac == "" || len(frac) > 2)) {
		return 0, fmt.Errorf("%q is not an amount with at most two decimals, like 12000.50", s)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	var v int64
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%q is not a non-negative amount with at most two decimals", s)
		}
		d := int64(c - '0')
		if v > (math.MaxInt64-d)/10 {
			return 0, fmt.Errorf("%q is too large", s)
		}
		v = v*10 + d
	}
	return v, nil
}

// SaveAgents writes agents to the warehouse; each replaces an earlier row with the same id.
func SaveAgents(ctx context.Context, wh *warehouse.Warehouse, agents []Agent) error {
	if len(agents) == 0 {
		return nil
	}
	now := time.Now()
	b, err := wh.Conn().PrepareBatch(ctx, wh.Expand("INSERT INTO ${db}.agents (agent_id, name, team, level, hired_on, updated_at, version)", nil))
	if err != nil {
		return fmt.Errorf("save agents: %w", err)
	}
	for _, a := range agents {
		if err := b.Append(a.ID, a.Name, a.Team, a.Level, a.HiredOn, now.UTC(), uint64(now.UnixNano())); err != nil {
			_ = b.Abort()
			return fmt.Errorf("save agent %s: %w", a.ID, err)
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("save agents: %w", err)
	}
	return nil
}

// SaveTargets writes targets to the warehouse; each replaces an earlier row for the same agent
// and month.
func SaveTargets(ctx context.Context, wh *warehouse.Warehouse, targets []Target) error {
	if len(targets) == 0 {
		return nil
	}
	now := time.Now()
	b, err := wh.Conn().PrepareBatch(ctx, wh.Expand("INSERT INTO ${db}.targets (agent_id, month, sales_target_minor, updated_at, version)", nil))
	if err != nil {
		return fmt.Errorf("save targets: %w", err)
	}
	for _, t := range targets {
		if err := b.Append(t.AgentID, t.Month, t.SalesTargetMinor, now.UTC(), uint64(now.UnixNano())); err != nil {
			_ = b.Abort()
			return fmt.Errorf("save target %s %s: %w", t.AgentID, t.Month.Format("2006-01"), err)
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("save targets: %w", err)
	}
	return nil
}
