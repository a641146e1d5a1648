// Package scorecard is the monthly scorecard of SPEC §7 (月度考核): a policy file says how each
// component of an agent's month is scored from the metrics, the QA score and the manager's
// entries (即时考核, adjustments); the rollup turns a month into every agent's components, total,
// grade, pay factor, rank in team and streak flags, stored as revisions that an approval freezes;
// payroll reads the current revision through the payroll views with SQL.
//
// Scoring is plain Go over exact Points (millionths of a point), so a month can be explained line
// by line and recomputed to the same result; the warehouse only stores inputs and results.
package scorecard

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed policies/*.yaml
var policyFiles embed.FS

// DefaultPolicyFile is the embedded policy used when none is given: the seed's 客服考核制度细则
// (百分制, 工作质量 40 / 工作量 30 / 工作态度 15 / 团队协作 10, plus adjustments).
const DefaultPolicyFile = "policies/default.yaml"

// Scoring methods (SPEC §7.2, the seed's 计分方法).
const (
	MethodTiered    = "tiered"    // 分档计分法: the first tier the value reaches gives the points
	MethodDeduction = "deduction" // 扣分法: max minus a deduction per unit over a limit, floor 0
	MethodPassFail  = "pass_fail" // 否定法: all or nothing
	MethodQA        = "qa"        // max × QA score / 100
	MethodManual    = "manual"    // 定性评价法: a supervisor's rating, entered as adjustments
	MethodLinear    = "linear"    // points scale linearly between two values of a metric
)

var methods = []string{MethodTiered, MethodDeduction, MethodPassFail, MethodQA, MethodManual, MethodLinear}

// Text is a label in Chinese and English.
type Text struct {
	Zh string `yaml:"zh" json:"zh"`
	En string `yaml:"en" json:"en"`
}

// String returns "中文 / English".
func (t Text) String() string {
	if t.En == "" {
		return t.Zh
	}
	return t.Zh + " / " + t.En
}

// Policy is a scorecard policy (考核制度): the components that add up to the total, the
// adjustment items managers may enter, the grade bands and the pay factors. It is loaded from
// YAML and identified by Version, a hash of the file's bytes.
type Policy struct {
	ID    string `yaml:"id"`
	Label Text   `yaml:"label"`
	// Total is the full score (百分制: 100): totals are clamped to 0–Total. The components' max ×
	// weight may add up to less (the seed's 40/30/15/10 make 95), the rest being reachable only
	// through adjustments, but never to more.
	Total int `yaml:"total"`
	// Groups optionally bundle components (工作质量 40 …); a group's max must equal the sum of
	// its components' max × weight.
	Groups      []Group          `yaml:"groups"`
	Components  []Component      `yaml:"components"`
	Adjustments []AdjustmentItem `yaml:"adjustments"`
	Grades      []GradeBand      `yaml:"grades"`
	PayFactors  []PayFactor      `yaml:"pay_factors"`

	version string
	source  []byte
}

// Group is a named bundle of components with the points it is worth.
type Group struct {
	ID    string  `yaml:"id"`
	Label Text    `yaml:"label"`
	Max   Decimal `yaml:"max"`
}

// Component is one scored line of the scorecard.
type Component struct {
	ID     string   `yaml:"id"`
	Group  string   `yaml:"group"`
	Label  Text     `yaml:"label"`
	Max    Decimal  `yaml:"max"`
	Weight *float64 `yaml:"weight"`
	Method string   `yaml:"method"`
	// Metric names the SPEC §5 metric the component reads (csat, resolution_seconds, qa_score …).
	Metric string `yaml:"metric"`
	// Section, for a qa component, scores one section of the QA rubric (e.g. problem_solving)
	// instead of the whole review: the agent's points in that section over the month's reviews
	// as a percentage of the section's maximum.
	Section string `yaml:"section"`
	// NoData is the points given when the metric has no value for the agent that month (NULL:
	// no surveys, no resolved contacts, no reviews …), or fewer than MinSample samples.
	NoData *Decimal `yaml:"no_data"`
	// Sample and MinSample optionally require a minimum sample size: the metric counts as having
	// no data when the Sample column (e.g. csat_n) is below MinSample.
	Sample    string `yaml:"sample"`
	MinSample int    `yaml:"min_sample"`

	// tiered
	Tiers     []Tier   `yaml:"tiers"`
	Otherwise *Decimal `yaml:"otherwise"`
	// deduction
	Limit  *float64 `yaml:"limit"`
	Per    *float64 `yaml:"per"`
	Deduct *Decimal `yaml:"deduct"`
	Units  string   `yaml:"units"`
	// pass_fail
	Pass *Condition `yaml:"pass"`
	// linear
	From *LinearPoint `yaml:"from"`
	To   *LinearPoint `yaml:"to"`
	// manual
	Default *Decimal `yaml:"default"`
	Entry   *Range   `yaml:"entry"`

	// Note is shown by explain next to the rule: the policy's own words, e.g. the seed's text.
	Note string `yaml:"note"`
}

// Tier is one step of a tiered component: the points when the value is at least (or at most) a
// threshold.
type Tier struct {
	AtLeast *float64 `yaml:"at_least"`
	AtMost  *float64 `yaml:"at_most"`
	Points  Decimal  `yaml:"points"`
}

// Condition is the test of a pass_fail component.
type Condition struct {
	AtLeast *float64 `yaml:"at_least"`
	AtMost  *float64 `yaml:"at_most"`
}

// LinearPoint is one end of a linear component's scale.
type LinearPoint struct {
	Value  *float64 `yaml:"value"`
	Points *Decimal `yaml:"points"`
}

// Range bounds points: a single entry's, or a month's sum of entries.
type Range struct {
	Min *Decimal `yaml:"min"`
	Max *Decimal `yaml:"max"`
}

// AdjustmentItem is a kind of manager entry (即时考核) that adds to or takes from the total, such
// as lateness (迟到) or a customer's banner (锦旗). Entry bounds each entry; Month, when set,
// caps the sum of the month's entries for the item.
type AdjustmentItem struct {
	ID    string `yaml:"id"`
	Label Text   `yaml:"label"`
	Entry *Range `yaml:"entry"`
	Month *Range `yaml:"month"`
	Note  string `yaml:"note"`
}

// GradeBand is a grade (优秀 …) for integer scores from AtLeast up to the next band.
type GradeBand struct {
	AtLeast int    `yaml:"at_least"`
	Zh      string `yaml:"zh"`
	En      string `yaml:"en"`
	// Failing marks the failing band (不合格 / 不及格) that fail_streak_3 counts.
	Failing bool `yaml:"failing"`
}

// PayFactor is the share of the 考核工资 paid for integer scores from AtLeast up to the next step.
type PayFactor struct {
	AtLeast int     `yaml:"at_least"`
	Factor  float64 `yaml:"factor"`
}

// Decimal is a number of points written in the policy, parsed exactly (0.5 is 500000 Points).
type Decimal struct{ Points }

// UnmarshalYAML reads a YAML number as exact Points.
func (d *Decimal) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") {
		return fmt.Errorf("line %d: %q is not a number", n.Line, n.Value)
	}
	p, err := ParsePoints(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	d.Points = p
	return nil
}

// FieldError is a policy problem; Field is the path to the bad field, such as
// `components[2] (resolution_speed).deduct`.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// Version identifies the policy by its content: "<id>@<first 12 hex digits of the SHA-256 of the
// file>". Any change to the file, even a comment, is a new version.
func (p *Policy) Version() string { return p.version }

// Source returns the policy file's bytes.
func (p *Policy) Source() []byte { return p.source }

// DefaultPolicy returns the embedded default policy.
func DefaultPolicy() *Policy {
	b, err := policyFiles.ReadFile(DefaultPolicyFile)
	if err != nil {
		panic("scorecard: embedded default policy: " + err.Error())
	}
	p, err := ParsePolicy(b)
	if err != nil {
		panic("scorecard: embedded default policy: " + err.Error())
	}
	return p
}

// EmbeddedPolicy returns one of the policies shipped in the binary by file name, e.g.
// "default.yaml" or "five_grades.yaml".
func EmbeddedPolicy(name string) (*Policy, error) {
	b, err := policyFiles.ReadFile("policies/" + name)
	if err != nil {
		return nil, fmt.Errorf("no embedded policy %q", name)
	}
	return ParsePolicy(b)
}

// LoadPolicy reads and validates a policy file.
func LoadPolicy(path string) (*Policy, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p, err := ParsePolicy(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// ParsePolicy decodes a policy strictly (unknown fields are errors) and validates it.
func ParsePolicy(b []byte) (*Policy, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var p Policy
	if err := dec.Decode(&p); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &FieldError{Field: "policy", Msg: "file is empty"}
		}
		return nil, fmt.Errorf("policy YAML: %w", err)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	p.version = p.ID + "@" + hex.EncodeToString(sum[:])[:12]
	p.source = append([]byte(nil), b...)
	return &p, nil
}

var idRe = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Validate checks the whole policy and returns the first problem, naming the field.
func (p *Policy) Validate() error {
	if !idRe.MatchString(p.ID) {
		return &FieldError{"id", fmt.Sprintf("%q must be a lower-case identifier (a-z, 0-9, _)", p.ID)}
	}
	if err := checkText("label", p.Label); err != nil {
		return err
	}
	if p.Total <= 0 {
		return &FieldError{"total", "must be a positive number of points (100 for 百分制)"}
	}
	total := Points(p.Total) * PointScale
	groups := map[string]int{}
	for i, g := range p.Groups {
		f := fmt.Sprintf("groups[%d]", i)
		if !idRe.MatchString(g.ID) {
			return &FieldError{f + ".id", fmt.Sprintf("%q must be a lower-case identifier", g.ID)}
		}
		if _, dup := groups[g.ID]; dup {
			return &FieldError{f + ".id", fmt.Sprintf("%q is used twice", g.ID)}
		}
		groups[g.ID] = i
		if err := checkText(f+".label", g.Label); err != nil {
			return err
		}
		if g.Max.Points <= 0 {
			return &FieldError{f + ".max", "must be positive"}
		}
	}
	if len(p.Components) == 0 {
		return &FieldError{"components", "at least one component is required"}
	}
	ids := map[string]string{}
	groupSum := make([]Points, len(p.Groups))
	var sum Points
	for i := range p.Components {
		c := &p.Components[i]
		f := fmt.Sprintf("components[%d]", i)
		if c.ID != "" {
			f += " (" + c.ID + ")"
		}
		if err := c.validate(f); err != nil {
			return err
		}
		if prev, dup := ids[c.ID]; dup {
			return &FieldError{f + ".id", fmt.Sprintf("%q is already used by %s", c.ID, prev)}
		}
		ids[c.ID] = f
		weighted := c.MaxWeighted()
		sum += weighted
		if len(p.Groups) > 0 {
			gi, ok := groups[c.Group]
			if !ok {
				return &FieldError{f + ".group", fmt.Sprintf("%q is not one of the groups", c.Group)}
			}
			groupSum[gi] += weighted
		} else if c.Group != "" {
			return &FieldError{f + ".group", "is set but the policy declares no groups"}
		}
	}
	for i, g := range p.Groups {
		if groupSum[i] != g.Max.Points {
			return &FieldError{fmt.Sprintf("groups[%d] (%s).max", i, g.ID),
				fmt.Sprintf("is %s but its components add up to %s", g.Max.Points, groupSum[i])}
		}
	}
	if sum > total {
		return &FieldError{"components", fmt.Sprintf("max × weight adds up to %s, more than total %d", sum, p.Total)}
	}
	for i, a := range p.Adjustments {
		f := fmt.Sprintf("adjustments[%d]", i)
		if a.ID != "" {
			f += " (" + a.ID + ")"
		}
		if !idRe.MatchString(a.ID) {
			return &FieldError{f + ".id", fmt.Sprintf("%q must be a lower-case identifier", a.ID)}
		}
		if prev, dup := ids[a.ID]; dup {
			return &FieldError{f + ".id", fmt.Sprintf("%q is already used by %s", a.ID, prev)}
		}
		ids[a.ID] = f
		if err := checkText(f+".label", a.Label); err != nil {
			return err
		}
		if err := checkRange(f+".entry", a.Entry, true); err != nil {
			return err
		}
		if a.Entry.Min.Points == 0 && a.Entry.Max.Points == 0 {
			return &FieldError{f + ".entry", "min and max are both 0: an entry could never change anything"}
		}
		if err := checkRange(f+".month", a.Month, false); err != nil {
			return err
		}
	}
	if err := checkSteps("grades", len(p.Grades), func(i int) int { return p.Grades[i].AtLeast }, p.Total); err != nil {
		return err
	}
	for i, g := range p.Grades {
		f := fmt.Sprintf("grades[%d]", i)
		if g.Zh == "" || g.En == "" {
			return &FieldError{f, "zh and en names are both required"}
		}
	}
	if err := checkSteps("pay_factors", len(p.PayFactors), func(i int) int { return p.PayFactors[i].AtLeast }, p.Total); err != nil {
		return err
	}
	for i, pf := range p.PayFactors {
		if pf.Factor < 0 || pf.Factor > 10 {
			return &FieldError{fmt.Sprintf("pay_factors[%d].factor", i), fmt.Sprintf("%v is outside 0–10", pf.Factor)}
		}
	}
	return nil
}

func checkText(f string, t Text) error {
	if strings.TrimSpace(t.Zh) == "" {
		return &FieldError{f + ".zh", "the Chinese label is required"}
	}
	if strings.TrimSpace(t.En) == "" {
		return &FieldError{f + ".en", "the English label is required"}
	}
	return nil
}

// checkRange checks min ≤ max; required says both must be present.
func checkRange(f string, r *Range, required bool) error {
	if r == nil {
		if required {
			return &FieldError{f, "is required (min and max points of one entry)"}
		}
		return nil
	}
	if r.Min == nil {
		return &FieldError{f + ".min", "is required"}
	}
	if r.Max == nil {
		return &FieldError{f + ".max", "is required"}
	}
	if r.Min.Points > r.Max.Points {
		return &FieldError{f, fmt.Sprintf("min %s is above max %s", r.Min.Points, r.Max.Points)}
	}
	return nil
}

// checkSteps checks a list of thresholds: strictly descending, the first at most total, the
// last 0, so that every score from 0 to total falls in exactly one step.
func checkSteps(f string, n int, at func(int) int, total int) error {
	if n == 0 {
		return &FieldError{f, "at least one entry is required"}
	}
	for i := 0; i < n; i++ {
		if at(i) < 0 || at(i) > total {
			return &FieldError{fmt.Sprintf("%s[%d].at_least", f, i), fmt.Sprintf("%d is outside 0–%d", at(i), total)}
		}
		if i > 0 && at(i) >= at(i-1) {
			return &FieldError{fmt.Sprintf("%s[%d].at_least", f, i), fmt.Sprintf("%d must be below the previous entry's %d (list from best to worst)", at(i), at(i-1))}
		}
	}
	if at(n-1) != 0 {
		return &FieldError{fmt.Sprintf("%s[%d].at_least", f, n-1), "the last entry must start at 0 so that every score has one"}
	}
	return nil
}

// ComponentsMax is what the components add up to at most (95 in the default policy).
func (p *Policy) ComponentsMax() Points {
	var sum Points
	for i := range p.Components {
		sum += p.Components[i].MaxWeighted()
	}
	return sum
}

// MaxWeighted is the most the component can add to the total: max × weight.
func (c *Component) MaxWeighted() Points { return c.weigh(c.Max.Points) }

// WeightValue returns the weight, 1 when not set.
func (c *Component) WeightValue() float64 {
	if c.Weight == nil {
		return 1
	}
	return *c.Weight
}

func (c *Component) weigh(p Points) Points {
	if c.Weight == nil || *c.Weight == 1 {
		return p
	}
	return PointsOf(p.Float() * *c.Weight)
}

// usesMetric reports whether the component reads a metric.
func (c *Component) usesMetric() bool { return c.Method != MethodManual }

// QASectionPrefix starts the input name of a QA section score: "qa_section:problem_solving".
const QASectionPrefix = "qa_section:"

// MetricName returns the metric the component reads ("" for manual components); qa components
// read qa_score unless they name another metric, or qa_section:<id> for a section.
func (c *Component) MetricName() string {
	if c.Method == MethodQA && c.Section != "" {
		return QASectionPrefix + c.Section
	}
	if c.Method == MethodQA && c.Metric == "" {
		return "qa_score"
	}
	if c.Method == MethodManual {
		return ""
	}
	return c.Metric
}

func (c *Component) validate(f string) error {
	if !idRe.MatchString(c.ID) {
		return &FieldError{f + ".id", fmt.Sprintf("%q must be a lower-case identifier (a-z, 0-9, _)", c.ID)}
	}
	if err := checkText(f+".label", c.Label); err != nil {
		return err
	}
	if c.Max.Points <= 0 {
		return &FieldError{f + ".max", "must be a positive number of points"}
	}
	if c.Weight != nil && !(*c.Weight > 0) {
		return &FieldError{f + ".weight", "must be positive (leave it out for 1)"}
	}
	known := false
	for _, m := range methods {
		known = known || c.Method == m
	}
	if !known {
		return &FieldError{f + ".method", fmt.Sprintf("%q is not one of %s", c.Method, strings.Join(methods, ", "))}
	}
	inRange := func(name string, d *Decimal) error {
		if d != nil && (d.Points < 0 || d.Points > c.Max.Points) {
			return &FieldError{f + "." + name, fmt.Sprintf("%s is outside 0–%s (the component's max)", d.Points, c.Max.Points)}
		}
		return nil
	}
	// Fields of other methods are refused, so that a typo in the method cannot silently ignore
	// the rule the author meant.
	set := map[string]bool{
		"tiers": c.Tiers != nil, "otherwise": c.Otherwise != nil,
		"limit": c.Limit != nil, "per": c.Per != nil, "deduct": c.Deduct != nil, "units": c.Units != "",
		"pass": c.Pass != nil, "from": c.From != nil, "to": c.To != nil,
		"default": c.Default != nil, "entry": c.Entry != nil,
	}
	allowed := map[string][]string{
		MethodTiered:    {"tiers", "otherwise"},
		MethodDeduction: {"limit", "per", "deduct", "units"},
		MethodPassFail:  {"pass"},
		MethodQA:        {},
		MethodLinear:    {"from", "to"},
		MethodManual:    {"default", "entry"},
	}[c.Method]
	for _, name := range []string{"tiers", "otherwise", "limit", "per", "deduct", "units", "pass", "from", "to", "default", "entry"} {
		if !set[name] {
			continue
		}
		ok := false
		for _, a := range allowed {
			ok = ok || a == name
		}
		if !ok {
			return &FieldError{f + "." + name, fmt.Sprintf("does not apply to method %s", c.Method)}
		}
	}
	if c.usesMetric() {
		if c.MetricName() == "" {
			return &FieldError{f + ".metric", "is required: the SPEC §5 metric this component reads, e.g. csat"}
		}
		if c.Section != "" {
			if c.Method != MethodQA {
				return &FieldError{f + ".section", "applies to method qa only"}
			}
			if c.Metric != "" {
				return &FieldError{f + ".metric", "a qa component reads either a metric or a rubric section, not both"}
			}
			if !idRe.MatchString(c.Section) {
				return &FieldError{f + ".section", fmt.Sprintf("%q is not a rubric section id", c.Section)}
			}
		} else if !idRe.MatchString(c.MetricName()) {
			return &FieldError{f + ".metric", fmt.Sprintf("%q is not a metric name", c.Metric)}
		}
		if c.NoData == nil {
			return &FieldError{f + ".no_data", "is required: the points when the metric has no value for an agent (write 0 for none)"}
		}
		if err := inRange("no_data", c.NoData); err != nil {
			return err
		}
		if (c.Sample == "") != (c.MinSample == 0) {
			return &FieldError{f + ".min_sample", "sample and min_sample go together (e.g. sample: csat_n, min_sample: 10)"}
		}
		if c.Sample != "" && !idRe.MatchString(c.Sample) {
			return &FieldError{f + ".sample", fmt.Sprintf("%q is not a column name", c.Sample)}
		}
		if c.MinSample < 0 {
			return &FieldError{f + ".min_sample", "must be positive"}
		}
	} else {
		if c.Metric != "" || c.Section != "" {
			return &FieldError{f + ".metric", "a manual component reads no metric"}
		}
		if c.NoData != nil || c.Sample != "" || c.MinSample != 0 {
			return &FieldError{f + ".no_data", "a manual component has a default instead"}
		}
	}
	switch c.Method {
	case MethodTiered:
		if len(c.Tiers) == 0 {
			return &FieldError{f + ".tiers", "at least one tier is required"}
		}
		for i, t := range c.Tiers {
			tf := fmt.Sprintf("%s.tiers[%d]", f, i)
			if (t.AtLeast == nil) == (t.AtMost == nil) {
				return &FieldError{tf, "exactly one of at_least and at_most is required"}
			}
			if err := inRange(fmt.Sprintf("tiers[%d].points", i), &t.Points); err != nil {
				return err
			}
		}
		if err := inRange("otherwise", c.Otherwise); err != nil {
			return err
		}
	case MethodDeduction:
		if c.Limit == nil {
			return &FieldError{f + ".limit", "is required: the value up to which nothing is deducted (0 to deduct per occurrence)"}
		}
		if c.Per == nil || !(*c.Per > 0) {
			return &FieldError{f + ".per", "is required and must be positive: the size of one unit over the limit (1 per occurrence, 3600 per hour)"}
		}
		if c.Deduct == nil || c.Deduct.Points <= 0 {
			return &FieldError{f + ".deduct", "is required and must be positive: the points taken per unit"}
		}
		if c.Units != "" && c.Units != "started" && c.Units != "whole" {
			return &FieldError{f + ".units", fmt.Sprintf("%q is not started or whole", c.Units)}
		}
	case MethodPassFail:
		if c.Pass == nil || (c.Pass.AtLeast == nil) == (c.Pass.AtMost == nil) {
			return &FieldError{f + ".pass", "exactly one of at_least and at_most is required"}
		}
	case MethodLinear:
		for _, e := range []struct {
			name string
			p    *LinearPoint
		}{{"from", c.From}, {"to", c.To}} {
			if e.p == nil || e.p.Value == nil || e.p.Points == nil {
				return &FieldError{f + "." + e.name, "value and points are required"}
			}
			if err := inRange(e.name+".points", e.p.Points); err != nil {
				return err
			}
		}
		if *c.From.Value == *c.To.Value {
			return &FieldError{f + ".to.value", "must differ from from.value"}
		}
	case MethodManual:
		if c.Default == nil {
			return &FieldError{f + ".default", "is required: the points when the manager enters nothing (state why in note)"}
		}
		if err := inRange("default", c.Default); err != nil {
			return err
		}
		if err := checkRange(f+".entry", c.Entry, true); err != nil {
			return err
		}
		if c.Entry.Min.Points < -c.Max.Points || c.Entry.Max.Points > c.Max.Points {
			return &FieldError{f + ".entry", fmt.Sprintf("must lie within ±%s (the component's max)", c.Max.Points)}
		}
	}
	return nil
}

// Component returns the component with the id, or nil.
func (p *Policy) Component(id string) *Component {
	for i := range p.Components {
		if p.Components[i].ID == id {
			return &p.Components[i]
		}
	}
	return nil
}

// AdjustmentItem returns the adjustment item with the id, or nil.
func (p *Policy) AdjustmentItem(id string) *AdjustmentItem {
	for i := range p.Adjustments {
		if p.Adjustments[i].ID == id {
			return &p.Adjustments[i]
		}
	}
	return nil
}

// EntryRange returns the bounds of one manager entry for an item: an adjustment item or a manual
// component. ok is false when the policy has no such item.
func (p *Policy) EntryRange(item string) (lo, hi Points, label Text, ok bool) {
	if a := p.AdjustmentItem(item); a != nil {
		return a.Entry.Min.Points, a.Entry.Max.Points, a.Label, true
	}
	if c := p.Component(item); c != nil && c.Method == MethodManual {
		return c.Entry.Min.Points, c.Entry.Max.Points, c.Label, true
	}
	return 0, 0, Text{}, false
}

// Items lists every id a manager may enter an adjustment for: manual components, then adjustment
// items, in policy order.
func (p *Policy) Items() []string {
	var out []string
	for _, c := range p.Components {
		if c.Method == MethodManual {
			out = append(out, c.ID)
		}
	}
	for _, a := range p.Adjustments {
		out = append(out, a.ID)
	}
	return out
}

// Metrics lists the metrics (and sample columns) the policy reads, without duplicates, in policy
// order.
func (p *Policy) Metrics() []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range p.Components {
		for _, m := range []string{c.MetricName(), c.Sample} {
			if m != "" && !seen[m] {
				seen[m] = true
				out = append(out, m)
			}
		}
	}
	return out
}

// Grade returns the band of an integer score.
func (p *Policy) Grade(score int64) GradeBand {
	for _, g := range p.Grades {
		if score >= int64(g.AtLeast) {
			return g
		}
	}
	return p.Grades[len(p.Grades)-1]
}

// PayFactor returns the pay factor of an integer score.
func (p *Policy) PayFactor(score int64) float64 {
	for _, f := range p.PayFactors {
		if score >= int64(f.AtLeast) {
			return f.Factor
		}
	}
	return p.PayFactors[len(p.PayFactors)-1].Factor
}
