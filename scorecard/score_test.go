package scorecard

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func f(v float64) *float64 { return &v }

func pts(t *testing.T, s string) Points {
	t.Helper()
	p, err := ParsePoints(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func entry(item, points string) Entry {
	p, err := ParsePoints(points)
	if err != nil {
		panic(err)
	}
	return Entry{ID: item + points, Item: item, Points: p}
}

// fullMetrics are the default policy's metrics at their best: every metric component full.
func fullMetrics() map[string]*float64 {
	return map[string]*float64{"csat": f(1), "resolution_seconds": f(3600), "qa_score": f(100), "complaints": f(0)}
}

func withMetric(m map[string]*float64, k string, v *float64) map[string]*float64 {
	m[k] = v
	return m
}

func component(t *testing.T, s Score, id string) ComponentScore {
	t.Helper()
	for _, c := range s.Components {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no component %s", id)
	return ComponentScore{}
}

// TestDefaultPolicyComponents checks single components of the seed's 客服考核制度细则 against values
// worked out by hand from its rules.
func TestDefaultPolicyComponents(t *testing.T) {
	p := DefaultPolicy()
	cases := []struct {
		name      string
		component string
		metric    string
		value     *float64
		want      string
		rule      string // a part of the explanation
	}{
		// 2.1.1 满意率高于90%的，得10分；满意率低于90%的，不得分.
		{"csat exactly 90%", "csat", "csat", f(0.90), "10", "0.9 ≥ 0.9 → 10"},
		{"csat 9 of 10 surveys, computed", "csat", "csat", f(9.0 / 10.0), "10", "≥ 0.9"},
		{"csat 27 of 30 surveys, computed", "csat", "csat", f(27.0 / 30.0), "10", "≥ 0.9"},
		{"csat 89.99%", "csat", "csat", f(0.8999), "0", "0.8999 reaches no tier"},
		{"csat 100%", "csat", "csat", f(1), "10", ""},
		{"csat without surveys", "csat", "csat", nil, "0", "no data for csat"},
		// 2.1.2 规定时间(24 h)内解决得10分；每超过1小时扣除5分 (every started hour).
		{"resolution exactly at the limit", "resolution_speed", "resolution_seconds", f(86400), "10", "within the limit"},
		{"resolution 1 s over: one started hour", "resolution_speed", "resolution_seconds", f(86401), "5", "1 started unit(s)"},
		{"resolution 24.5 h: one started hour", "resolution_speed", "resolution_seconds", f(88200), "5", ""},
		{"resolution exactly 25 h: one hour", "resolution_speed", "resolution_seconds", f(90000), "5", ""},
		{"resolution 25 h 10 min: two started hours", "resolution_speed", "resolution_seconds", f(90600), "0", "2 started unit(s)"},
		{"resolution 30 h: floor 0", "resolution_speed", "resolution_seconds", f(108000), "0", "(floor 0)"},
		{"resolution without resolved contacts", "resolution_speed", "resolution_seconds", nil, "10", "no data"},
		// 2.1.3 via QA: 10 × score / 100.
		{"qa 87.5", "accuracy", "qa_score", f(87.5), "8.75", "10 × qa_score 87.5 / 100 = 8.75"},
		{"qa 95", "accuracy", "qa_score", f(95), "9.5", ""},
		{"qa 0", "accuracy", "qa_score", f(0), "0", ""},
		// 2.1.4 每次投诉扣5分.
		{"no complaint", "service_standards", "complaints", f(0), "10", ""},
		{"one complaint", "service_standards", "complaints", f(1), "5", ""},
		{"three complaints, floor 0", "service_standards", "complaints", f(3), "0", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := p.Score(Inputs{Metrics: withMetric(fullMetrics(), tc.metric, tc.value)})
			if err != nil {
				t.Fatal(err)
			}
			c := component(t, s, tc.component)
			if c.Points != pts(t, tc.want) {
				t.Errorf("points = %s, want %s (rule: %s)", c.Points, tc.want, c.Rule)
			}
			if !strings.Contains(c.Rule, tc.rule) {
				t.Errorf("rule %q does not contain %q", c.Rule, tc.rule)
			}
		})
	}
}

// TestDefaultPolicyTotals works whole months through the default policy. Components at full
// marks add up to 95 (40 + 30 + 15 + 10); the manual ones default to full marks.
func TestDefaultPolicyTotals(t *testing.T) {
	p := DefaultPolicy()
	cases := []struct {
		name      string
		metrics   map[string]*float64
		entries   []Entry
		raw       string
		total     string
		score     int64
		grade     string
		payFactor float64
	}{
		{"everything full: 95 优秀", fullMetrics(), nil, "95", "95", 95, "优秀", 1.00},
		// 10 + 10 + 9.5 (QA 95) + 10 + 55 (manual defaults) = 94.5, late −5 → 89.5 → 90.
		{"89.5 rounds half up to 90 (优秀)", withMetric(fullMetrics(), "qa_score", f(95)),
			[]Entry{entry("late", "-5")}, "89.5", "89.5", 90, "优秀", 1.00},
		// QA 94.99 → 9.499; 94.499 − 5 = 89.499 → 89.
		{"89.499 rounds down to 89 (良好)", withMetric(fullMetrics(), "qa_score", f(94.99)),
			[]Entry{entry("late", "-5")}, "89.499", "89.499", 89, "良好", 0.90},
		// 95 + 20 (banner) + 10 (written praise) = 125 → clamped to 100.
		{"clamped to 100", fullMetrics(), []Entry{entry("banner", "20"), entry("praise_written", "10")}, "125", "100", 100, "优秀", 1.00},
		// Every metric component 0, every manual one entered down to 0, then −10 −10: −20 → 0.
		{"clamped to 0", map[string]*float64{"csat": f(0.5), "resolution_seconds": f(200000), "qa_score": f(0), "complaints": f(2)},
			[]Entry{entry("tasks", "-15"), entry("knowledge", "-10"), entry("overtime", "-5"), entry("attendance", "-5"),
				entry("initiative", "-5"), entry("peer_review", "-5"), entry("collaboration", "-5"), entry("sharing", "-5"),
				entry("argue_with_customer", "-10"), entry("late", "-10")},
			"-20", "0", 0, "不合格", 0.50},
		// csat 0.85 → 0; 25 h → 5; QA 80 → 8; 1 complaint → 5; tasks 15 − 5 − 5 = 5; others 40:
		// 0 + 5 + 8 + 5 + 5 + 40 = 63; late −2 → 61 → 合格, 0.70.
		{"合格 at 61", map[string]*float64{"csat": f(0.85), "resolution_seconds": f(90000), "qa_score": f(80), "complaints": f(1)},
			[]Entry{entry("tasks", "-5"), entry("tasks", "-5"), entry("late", "-2")}, "61", "61", 61, "合格", 0.70},
		// Same without the late entry and with QA 90: 0 + 5 + 9 + 5 + 5 + 40 = 64, +5 verbal praise
		// → 69 → 合格 but pay 0.70; one more point (QA 100) → 70 → 0.80.
		{"69 pays 0.70", map[string]*float64{"csat": f(0.85), "resolution_seconds": f(90000), "qa_score": f(90), "complaints": f(1)},
			[]Entry{entry("tasks", "-5"), entry("tasks", "-5"), entry("praise_verbal", "5")}, "69", "69", 69, "合格", 0.70},
		{"70 pays 0.80", map[string]*float64{"csat": f(0.85), "resolution_seconds": f(90000), "qa_score": f(100), "complaints": f(1)},
			[]Entry{entry("tasks", "-5"), entry("tasks", "-5"), entry("praise_verbal", "5")}, "70", "70", 70, "合格", 0.80},
		// 59.5 rounds to 60: 合格 and 0.70; csat 0 → 95 − 10 = 85, late −10, argue −10, other −5.5.
		{"59.5 rounds to 60 (合格)", withMetric(fullMetrics(), "csat", f(0.5)),
			[]Entry{entry("late", "-10"), entry("argue_with_customer", "-10"), entry("other", "-5.5")}, "59.5", "59.5", 60, "合格", 0.70},
		{"59.4 is 59 (不合格)", withMetric(fullMetrics(), "csat", f(0.5)),
			[]Entry{entry("late", "-10"), entry("argue_with_customer", "-10"), entry("other", "-5.6")}, "59.4", "59.4", 59, "不合格", 0.50},
		// A manual component is kept within 0–max: tasks 15 − 20 → 0, so 95 − 15 = 80.
		{"manual component floor 0", fullMetrics(),
			[]Entry{entry("tasks", "-5"), entry("tasks", "-5"), entry("tasks", "-5"), entry("tasks", "-5")}, "80", "80", 80, "良好", 0.90},
		// An entry and its reversal cancel: 95.
		{"reversed entry", fullMetrics(), []Entry{entry("late", "-5"), {ID: "r", Item: "late", Points: 5 * PointScale, Reverses: "late-5"}},
			"95", "95", 95, "优秀", 1.00},
		// Metric components all 0, manual defaults 55; outstanding +30 +30 = 60 is capped at +50
		// a month: 55 + 50 = 105 → 100 (not 115).
		{"monthly cap on an item", map[string]*float64{"csat": f(0.5), "resolution_seconds": f(200000), "qa_score": f(0), "complaints": f(2)},
			[]Entry{entry("outstanding", "30"), entry("outstanding", "30")}, "105", "100", 100, "优秀", 1.00},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := p.Score(Inputs{Metrics: tc.metrics, Entries: tc.entries})
			if err != nil {
				t.Fatal(err)
			}
			if s.Raw != pts(t, tc.raw) || s.Total != pts(t, tc.total) || s.Rounded != tc.score {
				t.Errorf("raw %s total %s score %d, want %s %s %d", s.Raw, s.Total, s.Rounded, tc.raw, tc.total, tc.score)
				for _, c := range s.Components {
					t.Logf("  %s %s: %s", c.ID, c.Points, c.Rule)
				}
				for _, a := range s.Adjustments {
					t.Logf("  %s %s: %s", a.Item, a.Applied, a.Rule)
				}
			}
			if s.Grade.Zh != tc.grade || s.PayFactor != tc.payFactor {
				t.Errorf("grade %s pay factor %v, want %s %v", s.Grade.Zh, s.PayFactor, tc.grade, tc.payFactor)
			}
		})
	}
}

func TestMonthlyCapRule(t *testing.T) {
	p := DefaultPolicy()
	s, err := p.Score(Inputs{Metrics: fullMetrics(), Entries: []Entry{entry("outstanding", "30"), entry("outstanding", "30")}})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Adjustments) != 1 || s.Adjustments[0].Sum != 60*PointScale || s.Adjustments[0].Applied != 50*PointScale {
		t.Fatalf("adjustments = %+v, want sum 60 applied 50", s.Adjustments)
	}
	if !strings.Contains(s.Adjustments[0].Rule, "capped to +50") {
		t.Errorf("rule %q does not say it was capped", s.Adjustments[0].Rule)
	}
}

// TestFiveGradesPolicy works a month through the second shipped policy, which uses linear,
// pass_fail, weights and a minimum sample.
func TestFiveGradesPolicy(t *testing.T) {
	p, err := EmbeddedPolicy("five_grades.yaml")
	if err != nil {
		t.Fatal(err)
	}
	base := func() map[string]*float64 {
		return map[string]*float64{"target_completion": f(0.9), "inquiry_conversion": f(0.45), "inquiry_customers": f(20),
			"order_pay_rate": f(0.85), "qa_score": f(90), "complaints": f(0)}
	}
	cases := []struct {
		name    string
		metrics map[string]*float64
		entries []Entry
		total   string
		score   int64
		grade   string
	}{
		// target 0.9 on 0.6→0 … 1.0→30: 30 × 0.75 = 22.5; conversion 0.45 → 15; pay rate 0.85 → 6;
		// QA 90 → 100 × 0.9 × 0.2 = 18; no complaints → 10; attendance 10: 81.5 → 82 良好.
		{"worked example", base(), nil, "81.5", 82, "良好"},
		// Conversion from 9 customers is below min_sample 10: no data → 10; 76.5 → 77 良好.
		{"small sample", withMetric(base(), "inquiry_customers", f(9)), nil, "76.5", 77, "良好"},
		// One complaint: 否定法 → 0: 71.5 → 72 一般.
		{"pass_fail fails", withMetric(base(), "complaints", f(1)), nil, "71.5", 72, "一般"},
		// Target 120% is capped at the top of the line (30), 60% and below gives 0.
		{"linear above the top", withMetric(base(), "target_completion", f(1.2)), nil, "89", 89, "优秀"},
		{"linear below the bottom", withMetric(base(), "target_completion", f(0.5)), nil, "59", 59, "不及格"},
		// 89 + 20 (banner) = 109 → 100 卓越; 95 exactly is 卓越, 94.4 is 优秀.
		{"卓越", withMetric(base(), "target_completion", f(1.2)), []Entry{entry("banner", "20")}, "100", 100, "卓越"},
		{"95 is 卓越", withMetric(base(), "target_completion", f(1.2)), []Entry{entry("praise_written", "10"), entry("misconduct", "-4")}, "95", 95, "卓越"},
		{"64.5 rounds to 65 一般", withMetric(base(), "target_completion", f(0.5)), []Entry{entry("praise_written", "10"), entry("misconduct", "-4.5")}, "64.5", 65, "一般"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := p.Score(Inputs{Metrics: tc.metrics, Entries: tc.entries})
			if err != nil {
				t.Fatal(err)
			}
			if s.Total != pts(t, tc.total) || s.Rounded != tc.score || s.Grade.Zh != tc.grade {
				t.Errorf("total %s score %d grade %s, want %s %d %s", s.Total, s.Rounded, s.Grade.Zh, tc.total, tc.score, tc.grade)
				for _, c := range s.Components {
					t.Logf("  %s %s: %s", c.ID, c.Points, c.Rule)
				}
			}
		})
	}
}

func TestScoreErrors(t *testing.T) {
	p := DefaultPolicy()
	m := fullMetrics()
	delete(m, "resolution_seconds")
	_, err := p.Score(Inputs{Metrics: m})
	var me *MissingMetricError
	if !errors.As(err, &me) || me.Metric != "resolution_seconds" || me.Component != "resolution_speed" {
		t.Errorf("missing metric: err = %v, want a MissingMetricError for resolution_seconds", err)
	}
	_, err = p.Score(Inputs{Metrics: fullMetrics(), Entries: []Entry{entry("no_such_item", "-3")}})
	if err == nil || !strings.Contains(err.Error(), "no_such_item (-3 points)") {
		t.Errorf("unknown item: err = %v", err)
	}
	// An unknown item whose entries cancel out does not block the month.
	_, err = p.Score(Inputs{Metrics: fullMetrics(), Entries: []Entry{entry("no_such_item", "-3"), entry("no_such_item", "3")}})
	if err != nil {
		t.Errorf("cancelled unknown item: %v", err)
	}
}

func TestRank(t *testing.T) {
	g := func(agent, team string, score int64) Graded {
		return Graded{AgentID: agent, Team: team, Score: Score{Rounded: score}}
	}
	gs := []Graded{
		g("a1", "A", 85), g("a2", "A", 90), g("a3", "A", 80), g("a4", "A", 90),
		g("b1", "B", 70),
		g("c1", "C", 75), g("c2", "C", 75),
		g("d1", "D", 60), g("d2", "D", 88), g("d3", "D", 60),
	}
	Rank(gs)
	want := map[string]struct {
		rank, size  uint32
		first, last bool
	}{
		// Ties share the rank and the next rank skips: 90, 90, 85, 80 → 1, 1, 3, 4.
		"a1": {3, 4, false, false}, "a2": {1, 4, true, false}, "a3": {4, 4, false, true}, "a4": {1, 4, true, false},
		// A team of one has no first or last place.
		"b1": {1, 1, false, false},
		// A team where everyone ties: all first, nobody last.
		"c1": {1, 2, true, false}, "c2": {1, 2, true, false},
		// Two tied for last: both last.
		"d1": {2, 3, false, true}, "d2": {1, 3, true, false}, "d3": {2, 3, false, true},
	}
	for _, x := range gs {
		w := want[x.AgentID]
		if x.RankInTeam != w.rank || x.TeamSize != w.size || x.First != w.first || x.LastPlace != w.last {
			t.Errorf("%s: rank %d/%d first %v last %v, want %d/%d %v %v", x.AgentID, x.RankInTeam, x.TeamSize, x.First, x.LastPlace, w.rank, w.size, w.first, w.last)
		}
	}
}

func TestApplyHistory(t *testing.T) {
	m := func(s string) time.Time {
		t, err := time.Parse("2006-01", s)
		if err != nil {
			panic(err)
		}
		return t
	}
	failing := GradeBand{Zh: "不合格", Failing: true}
	pass := GradeBand{Zh: "合格"}
	gs := []Graded{
		{AgentID: "top3", First: true, Score: Score{Grade: pass}},
		{AgentID: "top_gap", First: true, Score: Score{Grade: pass}},
		{AgentID: "top_not_now", First: false, Score: Score{Grade: pass}},
		{AgentID: "fail3", Score: Score{Grade: failing}},
		{AgentID: "fail2", Score: Score{Grade: failing}},
		{AgentID: "last", LastPlace: true, Score: Score{Grade: pass}},
	}
	past := []PastMonth{
		{Month: m("2026-10"), AgentID: "top3", First: true}, {Month: m("2026-09"), AgentID: "top3", First: true},
		// Never rolled up in October: the streak is broken.
		{Month: m("2026-09"), AgentID: "top_gap", First: true}, {Month: m("2026-08"), AgentID: "top_gap", First: true},
		{Month: m("2026-10"), AgentID: "top_not_now", First: true}, {Month: m("2026-09"), AgentID: "top_not_now", First: true},
		{Month: m("2026-10"), AgentID: "fail3", Failing: true}, {Month: m("2026-09"), AgentID: "fail3", Failing: true},
		{Month: m("2026-10"), AgentID: "fail2", Failing: true}, {Month: m("2026-09"), AgentID: "fail2", Failing: false},
		// Last in December 2025 (within the 12 months ending November 2026) and in March 2026;
		// November 2025 is 12 months back and does not count.
		{Month: m("2025-12"), AgentID: "last", LastPlace: true}, {Month: m("2026-03"), AgentID: "last", LastPlace: true},
		{Month: m("2025-11"), AgentID: "last", LastPlace: true}, {Month: m("2026-05"), AgentID: "last", LastPlace: false},
	}
	ApplyHistory(m("2026-11"), gs, past)
	want := map[string][3]any{
		"top3": {true, false, uint32(0)}, "top_gap": {false, false, uint32(0)}, "top_not_now": {false, false, uint32(0)},
		"fail3": {false, true, uint32(0)}, "fail2": {false, false, uint32(0)}, "last": {false, false, uint32(3)},
	}
	for _, g := range gs {
		got := [3]any{g.TopStreak3, g.FailStreak3, g.LastPlace12m}
		if got != want[g.AgentID] {
			t.Errorf("%s: top_streak_3, fail_streak_3, last_place_12m = %v, want %v", g.AgentID, got, want[g.AgentID])
		}
	}
}

func TestPoints(t *testing.T) {
	cases := []struct {
		in      string
		want    Points
		str     string
		rounded int64
	}{
		{"89.5", 89_500_000, "89.5", 90},
		{"89.499999", 89_499_999, "89.499999", 89},
		{"-5", -5_000_000, "-5", -5},
		{"+20", 20_000_000, "20", 20},
		{"0.000001", 1, "0.000001", 0},
		{"0", 0, "0", 0},
	}
	for _, tc := range cases {
		p, err := ParsePoints(tc.in)
		if err != nil || p != tc.want || p.String() != tc.str || p.RoundHalfUp() != tc.rounded {
			t.Errorf("ParsePoints(%q) = %d (%s, rounds to %d), %v; want %d (%s, %d)", tc.in, p, p, p.RoundHalfUp(), err, tc.want, tc.str, tc.rounded)
		}
	}
	for _, bad := range []string{"", "1.", ".5", "1.2345678", "five", "1e3", "--1", "99999999999999999"} {
		if _, err := ParsePoints(bad); err == nil {
			t.Errorf("ParsePoints(%q) accepted", bad)
		}
	}
	// The reason for Points: 10 × 0.95 in floating point is not 9.5.
	if PointsOf(10*0.95) != 9_500_000 || PointsOf(0.1+0.2) != 300_000 {
		t.Errorf("PointsOf does not absorb float noise")
	}
}
