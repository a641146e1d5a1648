package scorecard_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ccqa/ccqa/event"
	"github.com/ccqa/ccqa/ingest"
	"github.com/ccqa/ccqa/internal/itest"
	"github.com/ccqa/ccqa/qa"
	"github.com/ccqa/ccqa/reference"
	"github.com/ccqa/ccqa/scorecard"
	"github.com/ccqa/ccqa/warehouse"
)

var shanghai = mustLoad("Asia/Shanghai")

func mustLoad(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

func month(s string) time.Time {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		panic(err)
	}
	return t
}

// traffic builds calls and surveys for a month and writes them through ingest's backfill path.
type traffic struct {
	calls, surveys [][]byte
	n              int
}

// call adds an answered call on day d of month m at 10:00 Shanghai time. resolveAfter > 0 marks
// it resolved that long after it was offered; survey > 0 adds a survey with that score.
func (tr *traffic) call(m time.Time, d int, agent string, resolveAfter time.Duration, complaint bool, survey int) {
	tr.n++
	id := fmt.Sprintf("call-%s-%d", agent, tr.n)
	offered := time.Date(m.Year(), m.Month(), d, 10, 0, 0, 0, shanghai)
	answered := offered.Add(15 * time.Second)
	c := event.Call{CallID: id, AgentID: agent, CustomerID: "cust-" + id, Queue: "aftersale", Direction: "inbound",
		OfferedAt: offered, AnsweredAt: &answered, EndedAt: answered.Add(5 * time.Minute), Complaint: complaint}
	if resolveAfter > 0 {
		r := offered.Add(resolveAfter)
		c.Resolved, c.ResolvedAt = true, &r
	}
	b, err := json.Marshal(c)
	if err != nil {
		panic(err)
	}
	tr.calls = append(tr.calls, b)
	if survey > 0 {
		s := event.Survey{SurveyID: "s-" + id, InteractionID: id, Channel: "call", Score: survey, AnsweredAt: answered.Add(time.Hour)}
		b, err := json.Marshal(s)
		if err != nil {
			panic(err)
		}
		tr.surveys = append(tr.surveys, b)
	}
}

func (tr *traffic) write(t *testing.T, w *warehouse.Warehouse) {
	t.Helper()
	ctx := context.Background()
	for kind, msgs := range map[event.Kind][][]byte{event.KindCall: tr.calls, event.KindSurvey: tr.surveys} {
		b := ingest.NewBackfill(w, kind, "test")
		for i, m := range msgs {
			if err := b.Add(int64(i), nil, m); err != nil {
				t.Fatalf("fixture %s %d invalid: %v", kind, i, err)
			}
		}
		if _, _, err := b.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// payrollRow is a row of ccqa.payroll_monthly_grades.
type payrollRow struct {
	Month                    time.Time
	AgentID, AgentName, Team string
	TotalScore               float64
	Score                    uint8
	Grade, GradeEn           string
	PayFactor                float64
	RankInTeam, TeamSize     uint32
	Approved                 uint8
	Revision                 uint32
	PolicyVersion            string
	ComputedAt               time.Time
}

func payroll(t *testing.T, w *warehouse.Warehouse, db string, m time.Time) map[string]payrollRow {
	t.Helper()
	rows, err := w.Conn().Query(context.Background(), "SELECT month, agent_id, agent_name, team, total_score, score, grade, grade_en, pay_factor, rank_in_team, team_size, approved, revision, policy_version, computed_at FROM "+db+".payroll_monthly_grades WHERE month = toDate(?)", m.Format("2006-01-02"))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]payrollRow{}
	for rows.Next() {
		var r payrollRow
		if err := rows.Scan(&r.Month, &r.AgentID, &r.AgentName, &r.Team, &r.TotalScore, &r.Score, &r.Grade, &r.GradeEn, &r.PayFactor,
			&r.RankInTeam, &r.TeamSize, &r.Approved, &r.Revision, &r.PolicyVersion, &r.ComputedAt); err != nil {
			t.Fatal(err)
		}
		if _, dup := out[r.AgentID]; dup {
			t.Errorf("payroll_monthly_grades has two rows for %s in %s", r.AgentID, m.Format("2006-01"))
		}
		out[r.AgentID] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

type wantRow struct {
	total          float64
	score          uint8
	grade, gradeEn string
	pay            float64
	rank, size     uint32
	revision       uint32
	approved       uint8
}

func checkPayroll(t *testing.T, got map[string]payrollRow, want map[string]wantRow, policy string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("payroll has %d agents, want %d: %v", len(got), len(want), got)
	}
	for agent, w := range want {
		g, ok := got[agent]
		if !ok {
			t.Errorf("payroll has no row for %s", agent)
			continue
		}
		if g.TotalScore != w.total || g.Score != w.score || g.Grade != w.grade || g.GradeEn != w.gradeEn || g.PayFactor != w.pay ||
			g.RankInTeam != w.rank || g.TeamSize != w.size || g.Revision != w.revision || g.Approved != w.approved || g.PolicyVersion != policy {
			t.Errorf("%s: got total %v score %d %s/%s pay %v rank %d/%d revision %d approved %d policy %s\n          want total %v score %d %s/%s pay %v rank %d/%d revision %d approved %d",
				agent, g.TotalScore, g.Score, g.Grade, g.GradeEn, g.PayFactor, g.RankInTeam, g.TeamSize, g.Revision, g.Approved, g.PolicyVersion,
				w.total, w.score, w.grade, w.gradeEn, w.pay, w.rank, w.size, w.revision, w.approved)
		}
	}
}

// TestRollupOnClickHouse runs three months through the real warehouse and the default policy,
// with expected grades worked out by hand from the seed's rules (see each agent's comment).
func TestRollupOnClickHouse(t *testing.T) {
	w := itest.Warehouse(t)
	ctx := context.Background()
	db := w.Database()
	st := scorecard.NewStore(w, nil)
	p := scorecard.DefaultPolicy()
	sep, oct, nov := month("2026-09"), month("2026-10"), month("2026-11")
	if err := reference.SaveAgents(ctx, w, []reference.Agent{
		{ID: "a-01", Name: "张三", Team: "A"}, {ID: "a-02", Name: "李四", Team: "A"}, {ID: "a-03", Name: "王五", Team: "A"},
		{ID: "b-01", Name: "赵六", Team: "B"}, {ID: "b-02", Name: "钱七", Team: "B"},
	}); err != nil {
		t.Fatal(err)
	}
	var tr traffic
	for _, m := range []time.Time{sep, oct} {
		// a-01: one call with a 5-star survey: csat 1 → 10; nothing resolved → 10; no complaint
		// → 10; no QA review → 10; manual defaults 55: 95.
		tr.call(m, 10, "a-01", 0, false, 5)
		// a-02: one call with a complaint, no survey: csat no data → 0; 10; −5 → 5; 10; 55: 80.
		tr.call(m, 10, "a-02", 0, true, 0)
	}
	// November.
	// a-01: 10 calls resolved after 10 h, 9 of 10 surveys satisfied (csat exactly 0.9 → 10):
	// 10 + 10 + 10 + 10 + 55 = 95 → 优秀, 1.00.
	for i := 0; i < 10; i++ {
		score := 5
		if i == 0 {
			score = 2
		}
		tr.call(nov, 3+i, "a-01", 10*time.Hour, false, score)
	}
	// a-02: 9 calls resolved after exactly 25 h (one hour over the 24 h limit → 5), 8 of 9
	// surveys satisfied (0.889 → 0), one complaint (→ 5): 0 + 5 + 10 + 5 + 55 = 75; late −5.5
	// → 69.5 → 70 合格, pay 0.80.
	for i := 0; i < 9; i++ {
		score := 4
		if i == 0 {
			score = 1
		}
		tr.call(nov, 3+i, "a-02", 25*time.Hour, i == 1, score)
	}
	// a-03: two calls with surveys 5 and 4 (csat 1.0): 95, tied with a-01.
	tr.call(nov, 5, "a-03", 0, false, 5)
	tr.call(nov, 6, "a-03", 0, false, 4)
	// b-01: two calls without surveys: 0 + 10 + 10 + 10 + 55 = 85; banner +20 → 105 → clamped
	// to 100 优秀.
	tr.call(nov, 7, "b-01", 0, false, 0)
	tr.call(nov, 8, "b-01", 0, false, 0)
	tr.write(t, w)

	add := func(agent string, m time.Time, item, points, reason string) scorecard.Entry {
		t.Helper()
		pt, err := scorecard.ParsePoints(points)
		if err != nil {
			t.Fatal(err)
		}
		e, err := st.AddAdjustment(ctx, p, scorecard.AdjustmentInput{AgentID: agent, Month: m, Item: item, Points: pt, Reason: reason, User: "mgr"}, time.Now())
		if err != nil {
			t.Fatalf("add %s %s %s: %v", agent, item, points, err)
		}
		return e
	}
	// b-02: no contacts, only entries, −40 every month: no-data defaults 0 + 10 + 10 + 10 + 55 =
	// 85 − 40 = 45 → 不合格 three months running (fail_streak_3 in November).
	for _, m := range []time.Time{sep, oct, nov} {
		add("b-02", m, "other", "-20", "严重违纪")
		add("b-02", m, "argue_with_customer", "-10", "与客户争吵")
		add("b-02", m, "late", "-10", "迟到超过一小时")
	}
	add("a-02", nov, "late", "-5.5", "迟到30分钟")
	add("b-01", nov, "banner", "20", "客户赠送锦旗")
	// c-01: not in agents.csv, one entry only: 85 + 5 = 90 优秀, alone in team "".
	add("c-01", nov, "praise_verbal", "5", "客户来电表扬")

	for _, m := range []time.Time{sep, oct} {
		if _, err := st.Rollup(ctx, scorecard.RollupOptions{Month: m, Policy: p, User: "ops", Now: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	res, err := st.Rollup(ctx, scorecard.RollupOptions{Month: nov, Policy: p, User: "ops", Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if res.Run.Revision != 1 || res.Previous != nil || res.NewRevision {
		t.Errorf("first rollup: revision %d previous %v new %v", res.Run.Revision, res.Previous, res.NewRevision)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "c-01") {
		t.Errorf("warnings %q, want one naming c-01 (no reference data)", res.Warnings)
	}
	want := map[string]wantRow{
		"a-01": {95, 95, "优秀", "Excellent", 1, 1, 3, 1, 0},
		"a-03": {95, 95, "优秀", "Excellent", 1, 1, 3, 1, 0},
		"a-02": {69.5, 70, "合格", "Pass", 0.8, 3, 3, 1, 0},
		"b-01": {100, 100, "优秀", "Excellent", 1, 1, 2, 1, 0},
		"b-02": {45, 45, "不合格", "Fail", 0.5, 2, 2, 1, 0},
		"c-01": {90, 90, "优秀", "Excellent", 1, 1, 1, 1, 0},
	}
	checkPayroll(t, payroll(t, w, db, nov), want, p.Version())
	if got := payroll(t, w, db, nov)["a-01"]; got.AgentName != "张三" || got.Team != "A" || got.Month.Format("2006-01-02") != "2026-11-01" {
		t.Errorf("a-01 name/team/month: %q %q %v", got.AgentName, got.Team, got.Month)
	}

	// Flags across months: a-01 first in Sep, Oct, Nov (tied first counts); a-02 last three
	// times; b-02 failing three months; b-02 last in November only (alone in B before).
	grades, err := st.Grades(ctx, nov)
	if err != nil {
		t.Fatal(err)
	}
	flags := map[string][3]uint32{}
	for _, g := range grades {
		flags[g.AgentID] = [3]uint32{uint32(g.TopStreak3), uint32(g.FailStreak3), g.LastPlace12m}
	}
	wantFlags := map[string][3]uint32{"a-01": {1, 0, 0}, "a-03": {0, 0, 0}, "a-02": {0, 0, 3}, "b-01": {0, 0, 0}, "b-02": {0, 1, 1}, "c-01": {0, 0, 0}}
	for a, wf := range wantFlags {
		if flags[a] != wf {
			t.Errorf("%s: top_streak_3, fail_streak_3, last_place_12m = %v, want %v", a, flags[a], wf)
		}
	}

	// The component breakdown: one row per line; for a-02 the points add up to the raw total
	// and the resolution line says one started hour over.
	var lines uint64
	var sum float64
	var resolution float64
	if err := w.Conn().QueryRow(ctx, "SELECT count(), sum(points), sumIf(points, component = 'resolution_speed') FROM "+db+".payroll_grade_components WHERE month = toDate('2026-11-01') AND agent_id = 'a-02'").
		Scan(&lines, &sum, &resolution); err != nil {
		t.Fatal(err)
	}
	if lines != 13 || sum != 69.5 || resolution != 5 {
		t.Errorf("a-02 breakdown: %d lines summing to %v, resolution %v; want 13 (12 components + late), 69.5, 5", lines, sum, resolution)
	}

	// Recomputing a draft month keeps revision 1 and one row per agent.
	res2, err := st.Rollup(ctx, scorecard.RollupOptions{Month: nov, Policy: p, User: "ops", Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if res2.Run.Revision != 1 || res2.Previous == nil || res2.Previous.RunID != res.Run.RunID || res2.NewRevision {
		t.Errorf("second draft rollup: revision %d new %v previous %+v", res2.Run.Revision, res2.NewRevision, res2.Previous)
	}
	checkPayroll(t, payroll(t, w, db, nov), want, p.Version())

	// Approve: payroll sees approved = 1.
	if _, err := st.Approve(ctx, nov, "lead", 0, time.Now()); err != nil {
		t.Fatal(err)
	}
	for a, r := range want {
		r.approved = 1
		want[a] = r
	}
	checkPayroll(t, payroll(t, w, db, nov), want, p.Version())

	// A later entry and rollup: a new revision; payroll still sees the approved revision 1.
	add("a-02", nov, "praise_verbal", "5", "客户来电表扬")
	res3, err := st.Rollup(ctx, scorecard.RollupOptions{Month: nov, Policy: p, User: "ops2", Note: "late praise", Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if res3.Run.Revision != 2 || !res3.NewRevision || res3.Previous == nil || !res3.Previous.Approved || res3.Previous.Revision != 1 {
		t.Errorf("rollup after approval: revision %d new %v previous %+v", res3.Run.Revision, res3.NewRevision, res3.Previous)
	}
	checkPayroll(t, payroll(t, w, db, nov), want, p.Version())
	ex, err := st.Explain(ctx, nov, "a-02")
	if err != nil {
		t.Fatal(err)
	}
	if ex.Grade.Revision != 1 || len(ex.Pending) != 1 || ex.Pending[0].Item != "praise_verbal" {
		t.Errorf("explain after the new revision: revision %d pending %+v; want revision 1 with the praise pending", ex.Grade.Revision, ex.Pending)
	}
	var revisions, current uint64
	if err := w.Conn().QueryRow(ctx, "SELECT count(), sum(current) FROM "+db+".grade_revisions WHERE month = toDate('2026-11-01')").Scan(&revisions, &current); err != nil {
		t.Fatal(err)
	}
	if revisions != 3 || current != 1 {
		t.Errorf("grade_revisions: %d runs, %d current; want 3 runs (nothing overwritten), 1 current", revisions, current)
	}

	// Approving with a stale revision number is refused; approving the newest makes it current:
	// a-02 is now 69.5 + 5 = 74.5 → 75, still 合格 at 0.80.
	if _, err := st.Approve(ctx, nov, "lead", 1, time.Now()); !isField(err, "revision") {
		t.Errorf("approve --revision 1 when 2 is newest: %v", err)
	}
	ap, err := st.Approve(ctx, nov, "lead", 2, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if ap.Replaced == nil || ap.Replaced.Revision != 1 || ap.Run.Revision != 2 {
		t.Errorf("approve revision 2: %+v", ap)
	}
	for a, r := range want {
		r.revision = 2
		want[a] = r
	}
	want["a-02"] = wantRow{74.5, 75, "合格", "Pass", 0.8, 3, 3, 2, 1}
	checkPayroll(t, payroll(t, w, db, nov), want, p.Version())
	if ap, err := st.Approve(ctx, nov, "lead", 0, time.Now()); err != nil || !ap.AlreadyApproved {
		t.Errorf("approving again: %+v %v", ap, err)
	}

	// Earlier months are untouched by November's revisions: one row per agent each.
	for m, n := range map[time.Time]int{sep: 3, oct: 3} {
		if got := payroll(t, w, db, m); len(got) != n {
			t.Errorf("%s: %d payroll rows, want %d", m.Format("2006-01"), len(got), n)
		}
	}
}

func isField(err error, field string) bool {
	var fe *scorecard.FieldError
	return errors.As(err, &fe) && fe.Field == field
}

// TestPayrollViewColumns checks the SPEC §7.5 contract: exactly these columns, names and types,
// in this order, in both databases payroll may read from.
func TestPayrollViewColumns(t *testing.T) {
	w := itest.Warehouse(t)
	want := "month Date, agent_id String, agent_name String, team String, total_score Float64, score UInt8, grade String, " +
		"grade_en String, pay_factor Float64, rank_in_team UInt32, team_size UInt32, approved UInt8, revision UInt32, " +
		"policy_version String, computed_at DateTime"
	wantComponents := "month Date, agent_id String, component String, value Nullable(Float64), points Float64, max_points Float64"
	for _, tc := range []struct{ table, want string }{
		{w.Database() + ".payroll_monthly_grades", want},
		{w.Database() + "_payroll.payroll_monthly_grades", want},
		{w.Database() + ".payroll_grade_components", wantComponents},
		{w.Database() + "_payroll.payroll_grade_components", wantComponents},
	} {
		rows, err := w.Conn().Query(context.Background(), "DESCRIBE TABLE "+tc.table)
		if err != nil {
			t.Fatal(err)
		}
		var cols []string
		for rows.Next() {
			var name, typ, defKind, defExpr string
			rest := make([]any, len(rows.Columns())-4)
			for i := range rest {
				rest[i] = new(string)
			}
			if err := rows.Scan(append([]any{&name, &typ, &defKind, &defExpr}, rest...)...); err != nil {
				t.Fatal(err)
			}
			cols = append(cols, name+" "+typ)
		}
		rows.Close()
		if got := strings.Join(cols, ", "); got != tc.want {
			t.Errorf("%s:\n got  %s\n want %s", tc.table, got, tc.want)
		}
	}
}

// TestAdjustmentsOnClickHouse checks entry validation against the policy and reversals.
func TestAdjustmentsOnClickHouse(t *testing.T) {
	w := itest.Warehouse(t)
	ctx := context.Background()
	st := scorecard.NewStore(w, nil)
	p := scorecard.DefaultPolicy()
	nov := month("2026-11")
	in := func(item, points string) scorecard.AdjustmentInput {
		pt, err := scorecard.ParsePoints(points)
		if err != nil {
			t.Fatal(err)
		}
		return scorecard.AdjustmentInput{AgentID: "a-01", Month: nov, Item: item, Points: pt, Reason: "迟到", User: "mgr"}
	}
	bad := []struct {
		name  string
		in    scorecard.AdjustmentInput
		field string
	}{
		{"unknown item", in("lunch", "-1"), "item"},
		{"below the entry bound", in("late", "-11"), "points"},
		{"above the entry bound", in("late", "0.5"), "points"},
		{"banner is exactly +20", in("banner", "10"), "points"},
		{"manual component above its range", in("tasks", "5"), "points"},
		{"no reason", func() scorecard.AdjustmentInput { x := in("late", "-2"); x.Reason = " "; return x }(), "reason"},
		{"no user", func() scorecard.AdjustmentInput { x := in("late", "-2"); x.User = ""; return x }(), "user"},
		{"no agent", func() scorecard.AdjustmentInput { x := in("late", "-2"); x.AgentID = ""; return x }(), "agent"},
	}
	for _, tc := range bad {
		if _, err := st.AddAdjustment(ctx, p, tc.in, time.Now()); !isField(err, tc.field) {
			t.Errorf("%s: err = %v, want a FieldError for %s", tc.name, err, tc.field)
		}
	}
	e, err := st.AddAdjustment(ctx, p, in("late", "-2"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddAdjustment(ctx, p, in("tasks", "-5"), time.Now()); err != nil {
		t.Fatalf("manual component entry: %v", err)
	}
	r, err := st.ReverseAdjustment(ctx, e.ID, "录错了", "mgr2", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if r.Reverses != e.ID || r.Points != -e.Points || r.Item != "late" || r.AgentID != "a-01" || r.User != "mgr2" {
		t.Errorf("reversal %+v of %+v", r, e)
	}
	if _, err := st.ReverseAdjustment(ctx, e.ID, "again", "mgr2", time.Now()); !isField(err, "id") {
		t.Errorf("second reversal: %v", err)
	}
	if _, err := st.ReverseAdjustment(ctx, r.ID, "undo the undo", "mgr2", time.Now()); !isField(err, "id") {
		t.Errorf("reversing a reversal: %v", err)
	}
	if _, err := st.ReverseAdjustment(ctx, "adj-nope", "x", "mgr2", time.Now()); !isField(err, "id") {
		t.Errorf("reversing a missing id: %v", err)
	}
	list, err := st.Adjustments(ctx, nov, "a-01")
	if err != nil {
		t.Fatal(err)
	}
	var sum scorecard.Points
	for _, x := range list {
		sum += x.Points
	}
	if len(list) != 3 || sum != -5*scorecard.PointScale {
		t.Errorf("entries %d summing to %s; want 3 (entry, manual, reversal: nothing deleted) summing to -5", len(list), sum)
	}
}

// TestRollupRefusesMissingMetric: a policy reading a metric the warehouse lacks fails before
// anything is stored.
func TestRollupRefusesMissingMetric(t *testing.T) {
	w := itest.Warehouse(t)
	ctx := context.Background()
	st := scorecard.NewStore(w, nil)
	src := strings.Replace(string(scorecard.DefaultPolicy().Source()), "    metric: resolution_seconds\n", "    metric: resolution_hours\n", 1)
	p, err := scorecard.ParsePolicy([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.Rollup(ctx, scorecard.RollupOptions{Month: month("2026-11"), Policy: p, User: "ops", Now: time.Now()})
	var me *scorecard.MissingMetricError
	if !errors.As(err, &me) || me.Metric != "resolution_hours" || me.Component != "resolution_speed" {
		t.Fatalf("err = %v, want a MissingMetricError naming resolution_hours and resolution_speed", err)
	}
	missing, err := st.MissingMetrics(ctx, p)
	if err != nil || len(missing) != 1 || !strings.Contains(missing[0], "resolution_hours") {
		t.Errorf("MissingMetrics = %v, %v", missing, err)
	}
	if run, err := st.LatestRun(ctx, month("2026-11")); err != nil || run != nil {
		t.Errorf("a run was stored: %+v %v", run, err)
	}
	// The shipped policies read only metrics this warehouse provides.
	for _, name := range []string{"default.yaml", "five_grades.yaml"} {
		q, err := scorecard.EmbeddedPolicy(name)
		if err != nil {
			t.Fatal(err)
		}
		if missing, err := st.MissingMetrics(ctx, q); err != nil || len(missing) > 0 {
			t.Errorf("%s reads metrics the warehouse lacks: %v %v", name, missing, err)
		}
	}
}

// BenchmarkRollupClickHouse is a whole `ccqa rollup` of 2,000 agents on the real warehouse
// (reads, scoring, ranking, history, and the writes of grades and 13 lines per agent).
func BenchmarkRollupClickHouse(b *testing.B) {
	w := itest.Warehouse(b)
	ctx := context.Background()
	st := scorecard.NewStore(w, nil)
	p := scorecard.DefaultPolicy()
	nov := month("2026-11")
	var agents []reference.Agent
	for i := 0; i < 2000; i++ {
		agents = append(agents, reference.Agent{ID: fmt.Sprintf("a-%04d", i), Name: "坐席", Team: fmt.Sprintf("t%02d", i/20)})
	}
	if err := reference.SaveAgents(ctx, w, agents); err != nil {
		b.Fatal(err)
	}
	for _, a := range agents {
		if _, err := st.AddAdjustment(ctx, p, scorecard.AdjustmentInput{AgentID: a.ID, Month: nov, Item: "late", Points: -2 * scorecard.PointScale, Reason: "迟到", User: "mgr"}, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := st.Rollup(ctx, scorecard.RollupOptions{Month: nov, Policy: p, User: "bench", Now: time.Now()}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/rollup")
}

// TestRollupReportsOpenDisputes: an open QA dispute (package qa's qa_disputes table) of the month
// is listed by the rollup and counted on the agent's grade; a resolved one is not.
func TestRollupReportsOpenDisputes(t *testing.T) {
	w := itest.Warehouse(t)
	ctx := context.Background()
	st := scorecard.NewStore(w, nil)
	p := scorecard.DefaultPolicy()
	nov := month("2026-11")
	b, err := w.Conn().PrepareBatch(ctx, w.Expand(`INSERT INTO ${db}.qa_disputes (dispute_id, contact_id, reviewer, review_version, agent_id,
month, status, reason, opened_by, opened_at, resolution, resolved_by, resolved_at, new_version, seq)`, nil))
	if err != nil {
		t.Fatalf("the QA dispute table is not there: %v", err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	for _, d := range []struct {
		id, agent, status string
		seq               uint64
	}{{"d1", "a-01", "open", 1}, {"d2", "a-02", "open", 1}, {"d2", "a-02", "rejected", 2}} {
		if err := b.Append(d.id, "c-"+d.id, "r1", uint32(1), d.agent, nov, d.status, "扣分不合理", "mgr", now, "", "", (*time.Time)(nil), uint32(0), d.seq); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"a-01", "a-02"} {
		if _, err := st.AddAdjustment(ctx, p, scorecard.AdjustmentInput{AgentID: a, Month: nov, Item: "late", Points: -1 * scorecard.PointScale, Reason: "迟到", User: "mgr"}, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	res, err := st.Rollup(ctx, scorecard.RollupOptions{Month: nov, Policy: p, User: "ops", Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if !res.DisputesTracked || len(res.Disputes) != 1 || res.Disputes[0].ID != "d1" || res.Disputes[0].AgentID != "a-01" {
		t.Fatalf("disputes: tracked %v %+v; want only d1 of a-01 open", res.DisputesTracked, res.Disputes)
	}
	grades, err := st.Grades(ctx, nov)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range grades {
		want := uint32(0)
		if g.AgentID == "a-01" {
			want = 1
		}
		if g.OpenDisputes != want {
			t.Errorf("%s: open_disputes %d, want %d", g.AgentID, g.OpenDisputes, want)
		}
	}
}

// TestRollupQASection scores a rubric section from real QA reviews (package qa): two reviews of
// a-01 give problem_solving 12 and 9 of 15 and full marks elsewhere, so the section is at
// 21 / 30 = 70 % and the review totals are 97 and 94 (QA score 95.5).
func TestRollupQASection(t *testing.T) {
	w := itest.Warehouse(t)
	ctx := context.Background()
	var tr traffic
	tr.call(month("2026-11"), 3, "a-01", 0, false, 0)
	tr.call(month("2026-11"), 4, "a-01", 0, false, 0)
	tr.write(t, w)
	qs, err := qa.NewStore(ctx, w, nil)
	if err != nil {
		t.Fatal(err)
	}
	rubric := qa.DefaultRubric()
	if err := qs.SaveRubric(ctx, rubric); err != nil {
		t.Fatal(err)
	}
	for i, solving := range []int{12, 9} {
		sc := qa.Scores{Sections: map[string]qa.SectionScore{}}
		for _, sec := range rubric.Sections {
			sc.Sections[sec.ID] = qa.SectionScore{Score: sec.Max}
		}
		sc.Sections["problem_solving"] = qa.SectionScore{Score: solving, Comment: "处理方案欠妥"}
		if _, err := qs.WriteReview(ctx, qa.ReviewWrite{ContactID: fmt.Sprintf("call-a-01-%d", i+1), Reviewer: "r1", Scores: sc, Rubric: rubric, By: "r1"}); err != nil {
			t.Fatal(err)
		}
	}
	p, err := scorecard.ParsePolicy([]byte(`id: qa_sections
label: {zh: 质检分项, en: QA sections}
total: 100
components:
  - id: qa_total
    label: {zh: 质检总分, en: QA total}
    max: 50
    method: qa
    no_data: 0
  - id: solving
    label: {zh: 处理问题能力, en: Problem solving}
    max: 50
    method: qa
    section: problem_solving
    no_data: 0
grades:
  - {at_least: 60, zh: 合格, en: Pass}
  - {at_least: 0, zh: 不合格, en: Fail, failing: true}
pay_factors:
  - {at_least: 0, factor: 1}
`))
	if err != nil {
		t.Fatal(err)
	}
	res, err := scorecard.NewStore(w, nil).Rollup(ctx, scorecard.RollupOptions{Month: month("2026-11"), Policy: p, User: "ops", Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Graded) != 1 {
		t.Fatalf("graded %d agents, want 1", len(res.Graded))
	}
	got := map[string]string{}
	for _, c := range res.Graded[0].Score.Components {
		got[c.ID] = c.Points.String()
		t.Logf("%s: %s", c.ID, c.Rule)
	}
	// 50 × 95.5 / 100 = 47.75; 50 × 70 / 100 = 35; 82.75 → 83.
	if got["qa_total"] != "47.75" || got["solving"] != "35" || res.Graded[0].Score.Rounded != 83 {
		t.Errorf("components %v, score %d; want qa_total 47.75, solving 35, score 83", got, res.Graded[0].Score.Rounded)
	}
}
