package scorecard

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ccqa/ccqa/qa"
)

// RunInfo describes one rollup of a month and its approval.
type RunInfo struct {
	RunID         uint64
	Revision      uint32
	PolicyVersion string
	ComputedAt    time.Time
	ComputedBy    string
	Approved      bool
	ApprovedBy    string
	ApprovedAt    time.Time
}

// Dispute is a QA dispute (申诉) still open for a contact of the month: its review score may
// change, and with it the agent's QA score and grade.
type Dispute struct {
	ID, ContactID, AgentID, Reviewer, OpenedBy string
	OpenedAt                                   time.Time
	Reason                                     string
}

// RollupOptions says which month to compute, under which policy, for whom.
type RollupOptions struct {
	Month  time.Time
	Policy *Policy
	// User is who runs the rollup; it is recorded with the run.
	User string
	// Note is recorded with the run (why it was recomputed, say).
	Note string
	// Now is the computation time recorded with the run and its grades.
	Now time.Time
}

// RollupResult is what a rollup computed and stored.
type RollupResult struct {
	Month time.Time
	Run   RunInfo
	// Previous is the month's newest run before this one, if any. When it was approved, this run
	// is a new revision that payroll does not see until it is approved in turn (NewRevision).
	Previous    *RunInfo
	NewRevision bool
	Graded      []Graded
	// Disputes are the month's open QA disputes; DisputesTracked is false when the warehouse has
	// no QA dispute tables (the qa package is not installed).
	Disputes        []Dispute
	DisputesTracked bool
	// Warnings are things a person should look at: agents without reference data, say.
	Warnings []string
}

// minorMetrics are SPEC §5 money metrics that the warehouse keeps in minor units (分) under the
// name with a _minor suffix; a policy names them in currency units.
var minorMetrics = map[string]bool{"paid_amount": true, "avg_order_value": true, "sales_target": true}

// metricExpr returns the SQL expression reading a metric from agent_metrics_month, given its
// columns, and whether the view provides it.
func metricExpr(name string, cols map[string]bool) (string, bool) {
	if !idRe.MatchString(name) {
		return "", false
	}
	if cols[name] {
		return "CAST(" + name + " AS Nullable(Float64))", true
	}
	if minorMetrics[name] && cols[name+"_minor"] {
		return "CAST(" + name + "_minor AS Nullable(Float64)) / 100", true
	}
	return "", false
}

// MissingMetrics returns the metrics the policy reads that this warehouse does not provide,
// each with the component that reads it. An empty result means every component can be scored.
func (s *Store) MissingMetrics(ctx context.Context, p *Policy) ([]string, error) {
	cols, err := s.columns(ctx, "agent_metrics_month")
	if err != nil {
		return nil, err
	}
	qaView, err := s.tableExists(ctx, "qa_scores")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range p.Components {
		for _, m := range []string{c.MetricName(), c.Sample} {
			if m == "" {
				continue
			}
			if _, ok := metricExpr(m, cols); ok || ((m == "qa_score" || m == "qa_n") && qaView) {
				continue
			}
			if strings.HasPrefix(m, QASectionPrefix) {
				if ok, err := s.qaSectionsAvailable(ctx); err != nil {
					return nil, err
				} else if ok {
					continue
				}
			}
			out = append(out, fmt.Sprintf("%s (component %s)", m, c.ID))
		}
	}
	return out, nil
}

// readMetrics returns the policy's metrics per agent for the month. Every agent present has
// every metric as a key (nil for NULL).
func (s *Store) readMetrics(ctx context.Context, p *Policy, month time.Time) (map[string]map[string]*float64, error) {
	cols, err := s.columns(ctx, "agent_metrics_month")
	if err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("the warehouse has no agent_metrics_month view: run `ccqa migrate`")
	}
	names := p.Metrics()
	var fromView, fromQA, sections []string
	var exprs strings.Builder
	qaView := false
	for _, m := range names {
		if strings.HasPrefix(m, QASectionPrefix) {
			ok, err := s.qaSectionsAvailable(ctx)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, &MissingMetricError{Metric: m, Component: componentsReading(p, m)}
			}
			sections = append(sections, m)
			continue
		}
		if e, ok := metricExpr(m, cols); ok {
			fromView = append(fromView, m)
			exprs.WriteString(", " + e)
			continue
		}
		if m == "qa_score" || m == "qa_n" {
			if !qaView {
				if qaView, err = s.tableExists(ctx, "qa_scores"); err != nil {
					return nil, err
				}
			}
			if qaView {
				fromQA = append(fromQA, m)
				continue
			}
		}
		return nil, &MissingMetricError{Metric: m, Component: componentsReading(p, m)}
	}
	out := map[string]map[string]*float64{}
	day := monthStart(month).Format("2006-01-02")
	rows, err := s.wh.Conn().Query(ctx, s.sql("metrics.sql", map[string]string{"columns": exprs.String()}), day)
	if err != nil {
		return nil, fmt.Errorf("read metrics for %s: %w", month.Format("2006-01"), err)
	}
	defer rows.Close()
	for rows.Next() {
		var agent string
		vals := make([]*float64, len(fromView))
		dest := []any{&agent}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("read metrics: %w", err)
		}
		m := map[string]*float64{}
		for i, name := range fromView {
			m[name] = vals[i]
		}
		for _, name := range fromQA {
			m[name] = nil
		}
		for _, name := range sections {
			m[name] = nil
		}
		out[agent] = m
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read metrics: %w", err)
	}
	if len(fromQA) > 0 {
		qrows, err := s.wh.Conn().Query(ctx, s.sql("qa_scores.sql", nil), day)
		if err != nil {
			return nil, fmt.Errorf("read QA scores: %w", err)
		}
		defer qrows.Close()
		for qrows.Next() {
			var agent string
			var score float64
			var n uint64
			if err := qrows.Scan(&agent, &score, &n); err != nil {
				return nil, fmt.Errorf("read QA scores: %w", err)
			}
			m := out[agent]
			if m == nil {
				m = noData(names)
				out[agent] = m
			}
			nf := float64(n)
			for _, name := range fromQA {
				if name == "qa_score" {
					m[name] = &score
				} else {
					m[name] = &nf
				}
			}
		}
		if err := qrows.Err(); err != nil {
			return nil, err
		}
	}
	if len(sections) > 0 {
		pct, err := s.qaSections(ctx, month)
		if err != nil {
			return nil, err
		}
		for agent, bySection := range pct {
			m := out[agent]
			if m == nil {
				m = noData(names)
				out[agent] = m
			}
			for _, name := range sections {
				if v, ok := bySection[strings.TrimPrefix(name, QASectionPrefix)]; ok {
					m[name] = &v
				}
			}
		}
	}
	return out, nil
}

// noData returns every name with no value.
func noData(names []string) map[string]*float64 {
	m := make(map[string]*float64, len(names))
	for _, n := range names {
		m[n] = nil
	}
	return m
}

func componentsReading(p *Policy, metric string) string {
	var comps []string
	for _, c := range p.Components {
		if c.MetricName() == metric || c.Sample == metric {
			comps = append(comps, c.ID)
		}
	}
	return strings.Join(comps, ", ")
}

// qaSectionsAvailable reports whether the warehouse has the QA reviews and rubrics.
func (s *Store) qaSectionsAvailable(ctx context.Context) (bool, error) {
	for _, t := range []string{"qa_reviews_current", "qa_rubrics"} {
		ok, err := s.tableExists(ctx, t)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// qaSections returns, per agent and rubric section, the points the agent's current reviews of
// the month gave the section as a percentage of what they could give: the sum of the points
// over the sum of the section's maximum in the rubric each review used. A double-scored contact
// counts with both reviews.
func (s *Store) qaSections(ctx context.Context, month time.Time) (map[string]map[string]float64, error) {
	maxOf := map[string]map[string]float64{} // rubric version → section → max
	rrows, err := s.wh.Conn().Query(ctx, s.sql("qa_rubrics.sql", nil))
	if err != nil {
		return nil, fmt.Errorf("read QA rubrics: %w", err)
	}
	for rrows.Next() {
		var version, content string
		if err := rrows.Scan(&version, &content); err != nil {
			rrows.Close()
			return nil, err
		}
		r, err := qa.ParseRubric([]byte(content))
		if err != nil {
			rrows.Close()
			return nil, fmt.Errorf("QA rubric %s: %w", version, err)
		}
		maxOf[version] = map[string]float64{}
		for _, sec := range r.Sections {
			maxOf[version][sec.ID] = float64(sec.Max)
		}
	}
	rrows.Close()
	if err := rrows.Err(); err != nil {
		return nil, err
	}
	loc, err := s.wh.TimeZone(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.wh.Conn().Query(ctx, s.sql("qa_sections.sql", map[string]string{"tz": loc.String()}), monthStart(month).Format("2006-01-02"))
	if err != nil {
		return nil, fmt.Errorf("read QA section scores: %w", err)
	}
	defer rows.Close()
	type sums struct{ points, possible float64 }
	acc := map[string]map[string]*sums{}
	for rows.Next() {
		var agent, version, section string
		var points float64
		var reviews uint64
		if err := rows.Scan(&agent, &version, &section, &points, &reviews); err != nil {
			return nil, err
		}
		mx, ok := maxOf[version][section]
		if !ok {
			return nil, fmt.Errorf("QA reviews of %s use rubric %s section %s, which is not in qa_rubrics", agent, version, section)
		}
		if acc[agent] == nil {
			acc[agent] = map[string]*sums{}
		}
		if acc[agent][section] == nil {
			acc[agent][section] = &sums{}
		}
		acc[agent][section].points += points
		acc[agent][section].possible += mx * float64(reviews)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := map[string]map[string]float64{}
	for agent, bySection := range acc {
		out[agent] = map[string]float64{}
		for sec, x := range bySection {
			if x.possible > 0 {
				out[agent][sec] = x.points / x.possible * 100
			}
		}
	}
	return out, nil
}

type agentRef struct{ name, team string }

func (s *Store) agents(ctx context.Context) (map[string]agentRef, error) {
	rows, err := s.wh.Conn().Query(ctx, s.sql("agents.sql", nil))
	if err != nil {
		return nil, fmt.Errorf("read agents: %w", err)
	}
	defer rows.Close()
	out := map[string]agentRef{}
	for rows.Next() {
		var id string
		var a agentRef
		if err := rows.Scan(&id, &a.name, &a.team); err != nil {
			return nil, err
		}
		out[id] = a
	}
	return out, rows.Err()
}

// LatestRun returns the month's newest run, or nil if it was never rolled up.
func (s *Store) LatestRun(ctx context.Context, month time.Time) (*RunInfo, error) {
	rows, err := s.wh.Conn().Query(ctx, s.sql("latest_run.sql", nil), monthStart(month).Format("2006-01-02"))
	if err != nil {
		return nil, fmt.Errorf("read runs of %s: %w", month.Format("2006-01"), err)
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, rows.Err()
	}
	var r RunInfo
	var approved uint8
	if err := rows.Scan(&r.RunID, &r.Revision, &r.PolicyVersion, &r.ComputedAt, &r.ComputedBy, &approved, &r.ApprovedBy, &r.ApprovedAt); err != nil {
		return nil, err
	}
	r.Approved = approved == 1
	return &r, nil
}

func (s *Store) history(ctx context.Context, month time.Time) ([]PastMonth, error) {
	m := monthStart(month)
	rows, err := s.wh.Conn().Query(ctx, s.sql("history.sql", nil), m.AddDate(0, -11, 0).Format("2006-01-02"), m.Format("2006-01-02"))
	if err != nil {
		return nil, fmt.Errorf("read earlier months: %w", err)
	}
	defer rows.Close()
	var out []PastMonth
	for rows.Next() {
		var p PastMonth
		var first, failing, last uint8
		if err := rows.Scan(&p.Month, &p.AgentID, &first, &failing, &last); err != nil {
			return nil, err
		}
		p.First, p.Failing, p.LastPlace = first == 1, failing == 1, last == 1
		out = append(out, p)
	}
	return out, rows.Err()
}

// OpenDisputes returns the month's open QA disputes; tracked is false when the warehouse has no
// QA dispute view.
func (s *Store) OpenDisputes(ctx context.Context, month time.Time) (ds []Dispute, tracked bool, err error) {
	ok, err := s.tableExists(ctx, "qa_disputes_open")
	if err != nil || !ok {
		return nil, false, err
	}
	rows, err := s.wh.Conn().Query(ctx, s.sql("disputes.sql", nil), monthStart(month).Format("2006-01-02"))
	if err != nil {
		return nil, true, fmt.Errorf("read QA disputes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d Dispute
		if err := rows.Scan(&d.ID, &d.ContactID, &d.AgentID, &d.Reviewer, &d.OpenedBy, &d.OpenedAt, &d.Reason); err != nil {
			return nil, true, err
		}
		ds = append(ds, d)
	}
	return ds, true, rows.Err()
}

// Rollup computes every agent's month under the policy and stores it as a new run. Agents graded
// are those with metrics that month (any handled contact, order or review) and those with a
// manager entry. Before the month's first approval every rollup is revision 1 (the newest run is
// current); after an approval a rollup is the next revision, and the approved one stays current
// until that is approved in turn. Nothing is overwritten: every run stays in grade_revisions.
func (s *Store) Rollup(ctx context.Context, opt RollupOptions) (RollupResult, error) {
	p := opt.Policy
	month := monthStart(opt.Month)
	res := RollupResult{Month: month}
	if strings.TrimSpace(opt.User) == "" {
		return res, &FieldError{"user", "is required: who runs the rollup"}
	}
	metrics, err := s.readMetrics(ctx, p, month)
	if err != nil {
		return res, err
	}
	entries, err := s.Adjustments(ctx, month, "")
	if err != nil {
		return res, err
	}
	byAgent := map[string][]Entry{}
	for _, e := range entries {
		byAgent[e.AgentID] = append(byAgent[e.AgentID], e)
	}
	ids := map[string]bool{}
	for a := range metrics {
		ids[a] = true
	}
	for a := range byAgent {
		ids[a] = true
	}
	refs, err := s.agents(ctx)
	if err != nil {
		return res, err
	}
	names := p.Metrics()
	var noRef []string
	for _, a := range sortedKeys(ids) {
		m := metrics[a]
		if m == nil {
			m = map[string]*float64{}
			for _, n := range names {
				m[n] = nil
			}
		}
		sc, err := p.Score(Inputs{Metrics: m, Entries: byAgent[a]})
		if err != nil {
			return res, fmt.Errorf("agent %s: %w", a, err)
		}
		ref, ok := refs[a]
		if !ok {
			noRef = append(noRef, a)
		}
		res.Graded = append(res.Graded, Graded{AgentID: a, AgentName: ref.name, Team: ref.team, Score: sc})
	}
	if len(noRef) > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%d agent(s) without reference data (no name, ranked together in team \"\"): %s; load agents.csv with `ccqa agents import`",
			len(noRef), strings.Join(noRef, ", ")))
	}
	Rank(res.Graded)
	past, err := s.history(ctx, month)
	if err != nil {
		return res, err
	}
	ApplyHistory(month, res.Graded, past)
	res.Disputes, res.DisputesTracked, err = s.OpenDisputes(ctx, month)
	if err != nil {
		return res, err
	}
	disputes := map[string]uint32{}
	for _, d := range res.Disputes {
		disputes[d.AgentID]++
	}
	prev, err := s.LatestRun(ctx, month)
	if err != nil {
		return res, err
	}
	res.Previous = prev
	now := opt.Now.UTC().Truncate(time.Second)
	run := RunInfo{RunID: uint64(opt.Now.UnixNano()), Revision: 1, PolicyVersion: p.Version(), ComputedAt: now, ComputedBy: strings.TrimSpace(opt.User)}
	if prev != nil {
		run.Revision = prev.Revision
		if prev.Approved {
			run.Revision = prev.Revision + 1
			res.NewRevision = true
		}
		if run.RunID <= prev.RunID {
			run.RunID = prev.RunID + 1 // clocks can step back; runs must stay ordered
		}
	}
	res.Run = run
	if err := s.writeRun(ctx, p, month, run, res.Graded, disputes, opt.Note); err != nil {
		return res, err
	}
	s.log.Info("rollup stored", "month", month.Format("2006-01"), "revision", run.Revision, "run", run.RunID, "agents", len(res.Graded), "policy", p.Version())
	return res, nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// writeRun stores a run: the policy, the scorecard lines, the grades and last the run row, which
// makes the run visible.
func (s *Store) writeRun(ctx context.Context, p *Policy, month time.Time, run RunInfo, gs []Graded, disputes map[string]uint32, note string) error {
	conn := s.wh.Conn()
	pb, err := conn.PrepareBatch(ctx, s.wh.Expand("INSERT INTO ${db}.scorecard_policies (version, policy_id, content, loaded_at)", nil))
	if err != nil {
		return fmt.Errorf("save policy: %w", err)
	}
	if err := pb.Append(p.Version(), p.ID, string(p.Source()), run.ComputedAt); err != nil {
		_ = pb.Abort()
		return fmt.Errorf("save policy: %w", err)
	}
	if err := pb.Send(); err != nil {
		return fmt.Errorf("save policy: %w", err)
	}
	if len(gs) > 0 {
		lb, err := conn.PrepareBatch(ctx, s.wh.Expand(`INSERT INTO ${db}_payroll.grade_components (month, run_id, agent_id, position, kind,
component, label, label_en, component_group, method, metric, value, points, max_points, entry_sum, entry_ids, rule)`, nil))
		if err != nil {
			return fmt.Errorf("save scorecard lines: %w", err)
		}
		for _, g := range gs {
			pos := uint16(0)
			for _, c := range g.Score.Components {
				ids := make([]string, len(c.Entries))
				var sum Points
				for i, e := range c.Entries {
					ids[i] = e.ID
					sum += e.Points
				}
				if err := lb.Append(month, run.RunID, g.AgentID, pos, "component", c.ID, c.Label.Zh, c.Label.En, c.Group, c.Method, c.Metric,
					c.Value, c.Points.Float(), c.Max.Float(), sum.Float(), ids, c.Rule); err != nil {
					_ = lb.Abort()
					return fmt.Errorf("save scorecard lines: %w", err)
				}
				pos++
			}
			for _, a := range g.Score.Adjustments {
				ids := make([]string, len(a.Entries))
				for i, e := range a.Entries {
					ids[i] = e.ID
				}
				if err := lb.Append(month, run.RunID, g.AgentID, pos, "adjustment", a.Item, a.Label.Zh, a.Label.En, "", "", "",
					(*float64)(nil), a.Applied.Float(), 0.0, a.Sum.Float(), ids, a.Rule); err != nil {
					_ = lb.Abort()
					return fmt.Errorf("save scorecard lines: %w", err)
				}
				pos++
			}
		}
		if err := lb.Send(); err != nil {
			return fmt.Errorf("save scorecard lines: %w", err)
		}
		gb, err := conn.PrepareBatch(ctx, s.wh.Expand(`INSERT INTO ${db}_payroll.monthly_grades (month, run_id, revision, agent_id, agent_name, team,
components_total, adjustments_total, raw_total, total_score, score, grade, grade_en, failing, pay_factor, rank_in_team, team_size,
first_place, last_place, top_streak_3, fail_streak_3, last_place_12m, open_disputes, policy_version, computed_at)`, nil))
		if err != nil {
			return fmt.Errorf("save grades: %w", err)
		}
		for _, g := range gs {
			sc := g.Score
			if err := gb.Append(month, run.RunID, run.Revision, g.AgentID, g.AgentName, g.Team,
				sc.ComponentsTotal.Float(), sc.AdjustmentsTotal.Float(), sc.Raw.Float(), sc.Total.Float(), uint8(sc.Rounded),
				sc.Grade.Zh, sc.Grade.En, b2u(sc.Grade.Failing), sc.PayFactor, g.RankInTeam, g.TeamSize,
				b2u(g.First), b2u(g.LastPlace), b2u(g.TopStreak3), b2u(g.FailStreak3), g.LastPlace12m, disputes[g.AgentID],
				run.PolicyVersion, run.ComputedAt); err != nil {
				_ = gb.Abort()
				return fmt.Errorf("save grades: %w", err)
			}
		}
		if err := gb.Send(); err != nil {
			return fmt.Errorf("save grades: %w", err)
		}
	}
	rb, err := conn.PrepareBatch(ctx, s.wh.Expand("INSERT INTO ${db}_payroll.grade_runs (month, run_id, revision, policy_version, computed_at, computed_by, agents, note)", nil))
	if err != nil {
		return fmt.Errorf("save run: %w", err)
	}
	if err := rb.Append(month, run.RunID, run.Revision, run.PolicyVersion, run.ComputedAt, run.ComputedBy, uint32(len(gs)), note); err != nil {
		_ = rb.Abort()
		return fmt.Errorf("save run: %w", err)
	}
	if err := rb.Send(); err != nil {
		return fmt.Errorf("save run: %w", err)
	}
	return nil
}

// ApproveResult says what an approval did.
type ApproveResult struct {
	Run RunInfo
	// AlreadyApproved is true when the newest run was approved before: nothing was written.
	AlreadyApproved bool
	// Replaced is the revision payroll saw before this approval, if another one was approved.
	Replaced *RunInfo
}

// Approve freezes the month's newest run: payroll sees it from now on, and a later rollup is a
// new revision. revision, when not 0, must be the newest run's, so that nobody approves a run
// they have not seen.
func (s *Store) Approve(ctx context.Context, month time.Time, user string, revision uint32, now time.Time) (ApproveResult, error) {
	user = strings.TrimSpace(user)
	if user == "" {
		return ApproveResult{}, &FieldError{"user", "is required: who approves"}
	}
	month = monthStart(month)
	run, err := s.LatestRun(ctx, month)
	if err != nil {
		return ApproveResult{}, err
	}
	if run == nil {
		return ApproveResult{}, &FieldError{"month", fmt.Sprintf("%s was never rolled up: run `ccqa rollup --month %s` first", month.Format("2006-01"), month.Format("2006-01"))}
	}
	if revision != 0 && revision != run.Revision {
		return ApproveResult{}, &FieldError{"revision", fmt.Sprintf("%d is not the newest revision of %s, which is %d", revision, month.Format("2006-01"), run.Revision)}
	}
	if run.Approved {
		return ApproveResult{Run: *run, AlreadyApproved: true}, nil
	}
	var replaced *RunInfo
	if cur, err := s.currentRun(ctx, month); err != nil {
		return ApproveResult{}, err
	} else if cur != nil && cur.Approved && cur.RunID != run.RunID {
		replaced = cur
	}
	at := now.UTC().Truncate(time.Second)
	b, err := s.wh.Conn().PrepareBatch(ctx, s.wh.Expand("INSERT INTO ${db}_payroll.grade_approvals (month, run_id, revision, approved_by, approved_at)", nil))
	if err != nil {
		return ApproveResult{}, fmt.Errorf("save approval: %w", err)
	}
	if err := b.Append(month, run.RunID, run.Revision, user, at); err != nil {
		_ = b.Abort()
		return ApproveResult{}, fmt.Errorf("save approval: %w", err)
	}
	if err := b.Send(); err != nil {
		return ApproveResult{}, fmt.Errorf("save approval: %w", err)
	}
	run.Approved, run.ApprovedBy, run.ApprovedAt = true, user, at
	s.log.Info("month approved", "month", month.Format("2006-01"), "revision", run.Revision, "run", run.RunID, "user", user)
	return ApproveResult{Run: *run, Replaced: replaced}, nil
}

// currentRun returns the run payroll sees for the month, or nil.
func (s *Store) currentRun(ctx context.Context, month time.Time) (*RunInfo, error) {
	rows, err := s.wh.Conn().Query(ctx, s.sql("current_run.sql", nil), month.Format("2006-01-02"))
	if err != nil {
		return nil, fmt.Errorf("read current run: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, rows.Err()
	}
	var r RunInfo
	var approved uint8
	if err := rows.Scan(&r.RunID, &r.Revision, &r.PolicyVersion, &r.ComputedAt, &r.ComputedBy, &approved, &r.ApprovedBy, &r.ApprovedAt); err != nil {
		return nil, err
	}
	r.Approved = approved == 1
	return &r, nil
}
