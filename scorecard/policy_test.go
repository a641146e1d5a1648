package scorecard

import (
	"os"
	"strings"
	"testing"
)

func defaultSource(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("policies/default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestPolicyCheckNamesTheField breaks the default policy one way at a time and checks that the
// error names the bad field.
func TestPolicyCheckNamesTheField(t *testing.T) {
	cases := []struct {
		name, old, new, want string
	}{
		{"unknown field", "total: 100\n", "total: 100\ncolour: red\n", "field colour not found"},
		{"missing metric", "    metric: csat\n", "", "components[0] (csat).metric: is required"},
		{"method typo", "    method: tiered\n", "    method: tierd\n", `components[0] (csat).method: "tierd" is not one of`},
		{"tier points above max", "{at_least: 0.90, points: 10}", "{at_least: 0.90, points: 12}", "components[0] (csat).tiers[0].points: 12 is outside 0–10"},
		{"tier with both bounds", "{at_least: 0.90, points: 10}", "{at_least: 0.90, at_most: 1, points: 10}", "components[0] (csat).tiers[0]: exactly one of"},
		{"field of another method", "    otherwise: 0\n    no_data: 0\n", "    otherwise: 0\n    deduct: 5\n    no_data: 0\n", "components[0] (csat).deduct: does not apply to method tiered"},
		{"no_data missing", "    otherwise: 0\n    no_data: 0\n", "    otherwise: 0\n", "components[0] (csat).no_data: is required"},
		{"deduction without per", "    per: 3600\n", "", "components[1] (resolution_speed).per: is required"},
		{"bad units", "    units: started\n", "    units: partial\n", `components[1] (resolution_speed).units: "partial" is not started or whole`},
		{"manual without default", "    default: 15\n", "", "components[4] (tasks).default: is required"},
		{"manual default above max", "    default: 15\n", "    default: 16\n", "components[4] (tasks).default: 16 is outside 0–15"},
		{"manual entry beyond max", "    entry: {min: -15, max: 0}\n", "    entry: {min: -20, max: 0}\n", "components[4] (tasks).entry: must lie within ±15"},
		{"group max mismatch", "    max: 40\n", "    max: 45\n", "groups[0] (quality).max: is 45 but its components add up to 40"},
		{"unknown group", "    group: teamwork\n", "    group: team\n", `components[10] (collaboration).group: "team" is not one of the groups`},
		{"duplicate id", "  - id: sharing\n", "  - id: collaboration\n", `components[11] (collaboration).id: "collaboration" is already used by components[10]`},
		{"more than total", "total: 100\n", "total: 90\n", "components: max × weight adds up to 95, more than total 90"},
		{"grades out of order", "{at_least: 80, zh: 良好, en: Good}", "{at_least: 95, zh: 良好, en: Good}", "grades[1].at_least: 95 must be below the previous entry's 90"},
		{"grades not down to 0", "{at_least: 0, zh: 不合格, en: Fail, failing: true}", "{at_least: 10, zh: 不合格, en: Fail, failing: true}", "grades[3].at_least: the last entry must start at 0"},
		{"pay factor negative", "{at_least: 0, factor: 0.50}", "{at_least: 0, factor: -0.5}", "pay_factors[4].factor: -0.5 is outside 0–10"},
		{"adjustment without entry", "    entry: {min: -5, max: -5}\n", "", "adjustments[1] (absent_post).entry: is required"},
		{"adjustment min above max", "    entry: {min: -5, max: -5}\n", "    entry: {min: -5, max: -6}\n", "adjustments[1] (absent_post).entry: min -5 is above max -6"},
		{"adjustment id clashes with a component", "  - id: banner\n", "  - id: csat\n", `adjustments[6] (csat).id: "csat" is already used by components[0] (csat)`},
		{"points not a number", "    max: 10\n    method: tiered\n", "    max: ten\n    method: tiered\n", `"ten" is not a number`},
		{"section on a tiered component", "    metric: csat\n", "    metric: csat\n    section: listening\n", "components[0] (csat).section: applies to method qa only"},
		{"section and metric together", "    metric: qa_score\n", "    metric: qa_score\n    section: listening\n", "components[2] (accuracy).metric: a qa component reads either a metric or a rubric section"},
		{"missing English label", "  en: Customer service appraisal rules (100-point scale)\n", "", "label.en: the English label is required"},
	}
	src := defaultSource(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(src, tc.old) {
				t.Fatalf("fixture: %q not in the default policy", tc.old)
			}
			bad := strings.Replace(src, tc.old, tc.new, 1)
			_, err := ParsePolicy([]byte(bad))
			if err == nil {
				t.Fatalf("accepted; want an error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestShippedPolicies(t *testing.T) {
	entries, err := os.ReadDir("policies")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < 2 {
		t.Fatalf("want at least two shipped policies, have %d", len(entries))
	}
	for _, e := range entries {
		p, err := LoadPolicy("policies/" + e.Name())
		if err != nil {
			t.Errorf("%s: %v", e.Name(), err)
			continue
		}
		if !strings.HasPrefix(p.Version(), p.ID+"@") || len(p.Version()) != len(p.ID)+13 {
			t.Errorf("%s: version %q is not id@12-hex", e.Name(), p.Version())
		}
	}
	p := DefaultPolicy()
	// SPEC §7.1: 工作质量 40 (10 each), 工作量 30 (15, 10, 5), 工作态度 15 (5 each), 团队协作 10 (5 each).
	wantMax := map[string]string{"csat": "10", "resolution_speed": "10", "accuracy": "10", "service_standards": "10",
		"tasks": "15", "knowledge": "10", "overtime": "5", "attendance": "5", "initiative": "5", "peer_review": "5",
		"collaboration": "5", "sharing": "5"}
	if len(p.Components) != len(wantMax) {
		t.Fatalf("default policy has %d components, want %d", len(p.Components), len(wantMax))
	}
	for _, c := range p.Components {
		if c.Max.Points.String() != wantMax[c.ID] {
			t.Errorf("component %s max %s, want %s", c.ID, c.Max.Points, wantMax[c.ID])
		}
	}
	if p.ComponentsMax() != 95*PointScale {
		t.Errorf("components add up to %s, want 95", p.ComponentsMax())
	}
	// SPEC §7.4 bands and pay factors, at every boundary.
	for _, tc := range []struct {
		score int64
		grade string
		en    string
		pay   float64
	}{{100, "优秀", "Excellent", 1}, {90, "优秀", "Excellent", 1}, {89, "良好", "Good", 0.9}, {80, "良好", "Good", 0.9},
		{79, "合格", "Pass", 0.8}, {70, "合格", "Pass", 0.8}, {69, "合格", "Pass", 0.7}, {60, "合格", "Pass", 0.7},
		{59, "不合格", "Fail", 0.5}, {0, "不合格", "Fail", 0.5}} {
		g := p.Grade(tc.score)
		if g.Zh != tc.grade || g.En != tc.en || p.PayFactor(tc.score) != tc.pay {
			t.Errorf("score %d: %s/%s pay %v, want %s/%s %v", tc.score, g.Zh, g.En, p.PayFactor(tc.score), tc.grade, tc.en, tc.pay)
		}
	}
	// The second scheme's five bands: 95 / 85 / 75 / 65.
	q, err := EmbeddedPolicy("five_grades.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for score, grade := range map[int64]string{100: "卓越", 95: "卓越", 94: "优秀", 85: "优秀", 84: "良好", 75: "良好", 74: "一般", 65: "一般", 64: "不及格", 0: "不及格"} {
		if g := q.Grade(score); g.Zh != grade {
			t.Errorf("five grades: score %d is %s, want %s", score, g.Zh, grade)
		}
	}
}

func TestPolicyVersionChangesWithContent(t *testing.T) {
	src := defaultSource(t)
	a, err := ParsePolicy([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParsePolicy([]byte(src + "\n# a comment\n"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Version() == b.Version() {
		t.Errorf("a comment did not change the version %s", a.Version())
	}
	if a.Version() != DefaultPolicy().Version() {
		t.Errorf("file and embedded default differ: %s vs %s", a.Version(), DefaultPolicy().Version())
	}
}
