package scorecard

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

// GradeRow is one agent's current grade for a month as stored (the monthly_grades_current view).
type GradeRow struct {
	Month            time.Time `json:"month"`
	AgentID          string    `json:"agent_id"`
	AgentName        string    `json:"agent_name"`
	Team             string    `json:"team"`
	ComponentsTotal  float64   `json:"components_total"`
	AdjustmentsTotal float64   `json:"adjustments_total"`
	RawTotal         float64   `json:"raw_total"`
	TotalScore       float64   `json:"total_score"`
	Score            uint8     `json:"score"`
	Grade            string    `json:"grade"`
	GradeEn          string    `json:"grade_en"`
	Failing          uint8     `json:"failing"`
	PayFactor        float64   `json:"pay_factor"`
	RankInTeam       uint32    `json:"rank_in_team"`
	TeamSize         uint32    `json:"team_size"`
	FirstPlace       uint8     `json:"first_place"`
	LastPlace        uint8     `json:"last_place"`
	TopStreak3       uint8     `json:"top_streak_3"`
	FailStreak3      uint8     `json:"fail_streak_3"`
	LastPlace12m     uint32    `json:"last_place_12m"`
	OpenDisputes     uint32    `json:"open_disputes"`
	PolicyVersion    string    `json:"policy_version"`
	ComputedAt       time.Time `json:"computed_at"`
	RunID            uint64    `json:"run_id"`
	Revision         uint32    `json:"revision"`
	Approved         uint8     `json:"approved"`
	ComputedBy       string    `json:"computed_by"`
	ApprovedBy       string    `json:"approved_by"`
	ApprovedAt       time.Time `json:"approved_at"`
}

// GradeColumns are GradeRow's column names, in order.
var GradeColumns = []string{"month", "agent_id", "agent_name", "team", "components_total", "adjustments_total", "raw_total",
	"total_score", "score", "grade", "grade_en", "failing", "pay_factor", "rank_in_team", "team_size", "first_place",
	"last_place", "top_streak_3", "fail_streak_3", "last_place_12m", "open_disputes", "policy_version", "computed_at",
	"run_id", "revision", "approved", "computed_by", "approved_by", "approved_at"}

// Values returns the row's values in GradeColumns order.
func (g *GradeRow) Values() []any {
	return []any{g.Month, g.AgentID, g.AgentName, g.Team, g.ComponentsTotal, g.AdjustmentsTotal, g.RawTotal,
		g.TotalScore, g.Score, g.Grade, g.GradeEn, g.Failing, g.PayFactor, g.RankInTeam, g.TeamSize, g.FirstPlace,
		g.LastPlace, g.TopStreak3, g.FailStreak3, g.LastPlace12m, g.OpenDisputes, g.PolicyVersion, g.ComputedAt,
		g.RunID, g.Revision, g.Approved, g.ComputedBy, g.ApprovedBy, g.ApprovedAt}
}

func (g *GradeRow) dest() []any {
	return []any{&g.AgentID, &g.AgentName, &g.Team, &g.ComponentsTotal, &g.AdjustmentsTotal, &g.RawTotal,
		&g.TotalScore, &g.Score, &g.Grade, &g.GradeEn, &g.Failing, &g.PayFactor, &g.RankInTeam, &g.TeamSize, &g.FirstPlace,
		&g.LastPlace, &g.TopStreak3, &g.FailStreak3, &g.LastPlace12m, &g.OpenDisputes, &g.PolicyVersion, &g.ComputedAt,
		&g.RunID, &g.Revision, &g.Approved, &g.ComputedBy, &g.ApprovedBy, &g.ApprovedAt}
}

// Grades returns every agent's current grade for the month, by team and rank.
func (s *Store) Grades(ctx context.Context, month time.Time) ([]GradeRow, error) {
	m := monthStart(month)
	rows, err := s.wh.Conn().Query(ctx, s.sql("grades.sql", nil), m.Format("2006-01-02"))
	if err != nil {
		return nil, fmt.Errorf("read grades of %s: %w", m.Format("2006-01"), err)
	}
	defer rows.Close()
	var out []GradeRow
	for rows.Next() {
		g := GradeRow{Month: m}
		if err := rows.Scan(g.dest()...); err != nil {
			return nil, fmt.Errorf("read grades: %w", err)
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// Line is one stored scorecard line: a component, or an adjustment item with its entries.
type Line struct {
	Kind      string // "component" or "adjustment"
	ID        string
	Label     Text
	Group     string
	Method    string
	Metric    string
	Value     *float64
	Points    float64
	Max       float64
	EntrySum  float64
	EntryIDs  []string
	Rule      string
	ItemEntry []Entry // the entries behind an adjustment line
}

// Explanation is everything behind one agent's current grade for a month.
type Explanation struct {
	Grade GradeRow
	Lines []Line
	// Newer is the month's newest run when it is not the current one (a revision computed after
	// the approval, waiting for its own).
	Newer *RunInfo
	// Pending are the agent's entries for the month that the current run does not count
	// (entered after it was computed): the next rollup will.
	Pending []Entry
}

// Explain reads back how an agent's current grade for the month was computed: the stored lines
// of the current run (as computed then, whatever the policy file says today) and the entries
// behind them.
func (s *Store) Explain(ctx context.Context, month time.Time, agent string) (*Explanation, error) {
	m := monthStart(month)
	ex := &Explanation{Grade: GradeRow{Month: m}}
	rows, err := s.wh.Conn().Query(ctx, s.sql("grade.sql", nil), m.Format("2006-01-02"), agent)
	if err != nil {
		return nil, fmt.Errorf("read grade: %w", err)
	}
	found := rows.Next()
	if found {
		err = rows.Scan(ex.Grade.dest()...)
	} else {
		err = rows.Err()
	}
	rows.Close()
	if err != nil {
		return nil, fmt.Errorf("read grade: %w", err)
	}
	if !found {
		run, err := s.LatestRun(ctx, m)
		if err != nil {
			return nil, err
		}
		if run == nil {
			return nil, &FieldError{"month", fmt.Sprintf("%s was never rolled up: run `ccqa rollup --month %s`", m.Format("2006-01"), m.Format("2006-01"))}
		}
		return nil, &FieldError{"agent", fmt.Sprintf("%q has no grade in %s (no metrics and no adjustments that month, or not in the current revision)", agent, m.Format("2006-01"))}
	}
	lrows, err := s.wh.Conn().Query(ctx, s.sql("lines.sql", nil), m.Format("2006-01-02"), ex.Grade.RunID, agent)
	if err != nil {
		return nil, fmt.Errorf("read scorecard lines: %w", err)
	}
	defer lrows.Close()
	for lrows.Next() {
		var l Line
		if err := lrows.Scan(&l.Kind, &l.ID, &l.Label.Zh, &l.Label.En, &l.Group, &l.Method, &l.Metric, &l.Value,
			&l.Points, &l.Max, &l.EntrySum, &l.EntryIDs, &l.Rule); err != nil {
			return nil, fmt.Errorf("read scorecard lines: %w", err)
		}
		ex.Lines = append(ex.Lines, l)
	}
	if err := lrows.Err(); err != nil {
		return nil, err
	}
	entries, err := s.Adjustments(ctx, m, agent)
	if err != nil {
		return nil, err
	}
	used := map[string]bool{}
	byID := map[string]Entry{}
	for _, e := range entries {
		byID[e.ID] = e
	}
	for i := range ex.Lines {
		for _, id := range ex.Lines[i].EntryIDs {
			used[id] = true
			if e, ok := byID[id]; ok {
				ex.Lines[i].ItemEntry = append(ex.Lines[i].ItemEntry, e)
			}
		}
	}
	for _, e := range entries {
		if !used[e.ID] {
			ex.Pending = append(ex.Pending, e)
		}
	}
	if latest, err := s.LatestRun(ctx, m); err != nil {
		return nil, err
	} else if latest != nil && latest.RunID != ex.Grade.RunID {
		ex.Newer = latest
	}
	return ex, nil
}

// WriteExplanation prints an explanation for a manager to read to the agent.
func WriteExplanation(w io.Writer, ex *Explanation) error {
	g := &ex.Grade
	var b strings.Builder
	name := g.AgentName
	if name == "" {
		name = "(no name on record)"
	}
	fmt.Fprintf(&b, "考核说明 / Scorecard explanation: %s, agent %s %s, team %q\n", g.Month.Format("2006-01"), g.AgentID, name, g.Team)
	status := "not approved (draft)"
	if g.Approved == 1 {
		status = fmt.Sprintf("approved by %s at %s", g.ApprovedBy, g.ApprovedAt.UTC().Format("2006-01-02 15:04 UTC"))
	}
	fmt.Fprintf(&b, "revision %d, %s; computed by %s at %s with policy %s\n", g.Revision, status, g.ComputedBy,
		g.ComputedAt.UTC().Format("2006-01-02 15:04 UTC"), g.PolicyVersion)
	if ex.Newer != nil {
		fmt.Fprintf(&b, "a newer revision %d (computed by %s at %s) waits for approval; payroll sees this one until then\n",
			ex.Newer.Revision, ex.Newer.ComputedBy, ex.Newer.ComputedAt.UTC().Format("2006-01-02 15:04 UTC"))
	}
	b.WriteString("\n")
	n := 0
	for _, l := range ex.Lines {
		if l.Kind != "component" {
			continue
		}
		n++
		fmt.Fprintf(&b, "%2d. %s  %s / %s points\n", n, l.Label, fmtFloat(l.Points), fmtFloat(l.Max))
		what := l.Method
		if l.Metric != "" {
			v := "no data"
			if l.Value != nil {
				v = fmtFloat(*l.Value)
			}
			what += fmt.Sprintf(" on %s = %s", l.Metric, v)
		}
		fmt.Fprintf(&b, "    %s: %s\n", what, l.Rule)
		for _, e := range l.ItemEntry {
			fmt.Fprintf(&b, "    entry %s %s by %s on %s: %s\n", e.ID, signed(e.Points), e.User, e.At.UTC().Format("2006-01-02"), entryReason(e))
		}
	}
	fmt.Fprintf(&b, "    components total: %s\n\n", fmtFloat(g.ComponentsTotal))
	adj := 0
	for _, l := range ex.Lines {
		if l.Kind != "adjustment" {
			continue
		}
		if adj == 0 {
			b.WriteString("即时考核 / Adjustments:\n")
		}
		adj++
		fmt.Fprintf(&b, "  %s  %s (%s)\n", l.Label, signedFloat(l.Points), l.Rule)
		for _, e := range l.ItemEntry {
			fmt.Fprintf(&b, "    entry %s %s by %s on %s: %s\n", e.ID, signed(e.Points), e.User, e.At.UTC().Format("2006-01-02"), entryReason(e))
		}
	}
	if adj == 0 {
		b.WriteString("即时考核 / Adjustments: none\n")
	} else {
		fmt.Fprintf(&b, "    adjustments total: %s\n", signedFloat(g.AdjustmentsTotal))
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "total: components %s, adjustments %s: %s", fmtFloat(g.ComponentsTotal), signedFloat(g.AdjustmentsTotal), fmtFloat(g.RawTotal))
	if g.TotalScore != g.RawTotal {
		fmt.Fprintf(&b, ", kept within 0–100: %s", fmtFloat(g.TotalScore))
	}
	fmt.Fprintf(&b, "; rounded half up (四舍五入): %d\n", g.Score)
	fmt.Fprintf(&b, "grade: %s / %s; pay factor (考核工资比例): %s\n", g.Grade, g.GradeEn, fmtFloat(g.PayFactor))
	fmt.Fprintf(&b, "rank in team: %d of %d (ties share a rank)\n", g.RankInTeam, g.TeamSize)
	fmt.Fprintf(&b, "flags: top_streak_3 %s, fail_streak_3 %s, last place %d time(s) in the last 12 months\n",
		yesNo(g.TopStreak3), yesNo(g.FailStreak3), g.LastPlace12m)
	if g.OpenDisputes > 0 {
		fmt.Fprintf(&b, "open QA disputes when computed: %d (the QA score may still change)\n", g.OpenDisputes)
	}
	if len(ex.Pending) > 0 {
		fmt.Fprintf(&b, "\nentries not counted in this revision (entered after it was computed; the next rollup counts them):\n")
		for _, e := range ex.Pending {
			fmt.Fprintf(&b, "  %s %s %s by %s on %s: %s\n", e.ID, e.Item, signed(e.Points), e.User, e.At.UTC().Format("2006-01-02 15:04"), entryReason(e))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func entryReason(e Entry) string {
	if e.Reverses != "" {
		return fmt.Sprintf("reverses %s: %s", e.Reverses, e.Reason)
	}
	return e.Reason
}

func fmtFloat(v float64) string { return PointsOf(v).String() }

func signedFloat(v float64) string { return signed(PointsOf(v)) }

func yesNo(v uint8) string {
	if v == 1 {
		return "yes"
	}
	return "no"
}
