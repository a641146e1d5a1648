package scorecard

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Entry is one manager entry (即时考核) for an agent and month: points for an adjustment item or
// a manual component. A reversal is an entry of its own with the opposite points and Reverses
// naming the entry it cancels; nothing is ever deleted.
type Entry struct {
	ID       string    `json:"id"`
	AgentID  string    `json:"agent_id"`
	Month    time.Time `json:"-"`
	Item     string    `json:"item"`
	Points   Points    `json:"-"`
	Reason   string    `json:"reason"`
	User     string    `json:"user"`
	At       time.Time `json:"at"`
	Reverses string    `json:"reverses,omitempty"`
}

// Inputs is what is known of one agent's month.
type Inputs struct {
	// Metrics maps a metric (or sample column) name to its value; nil is "no data" (NULL). A
	// metric the policy reads that is absent from the map is not provided by the warehouse at
	// all, which is an error rather than "no data".
	Metrics map[string]*float64
	// Entries are the month's manager entries for the agent, reversals included.
	Entries []Entry
}

// ComponentScore is one line of an agent's scorecard.
type ComponentScore struct {
	ID     string
	Label  Text
	Group  string
	Method string
	Metric string
	// Value is the metric value read (nil without data, and for manual components).
	Value *float64
	// Points is what the component adds to the total (after its weight); Max is max × weight.
	Points Points
	Max    Points
	// Rule says how Points came about, in words a manager can read to an agent.
	Rule string
	// Entries are the manager entries a manual component counted.
	Entries []Entry
}

// AdjustmentScore is the month's sum of the entries of one adjustment item.
type AdjustmentScore struct {
	Item    string
	Label   Text
	Entries []Entry
	// Sum is the entries' sum; Applied is what counts after the item's monthly cap.
	Sum, Applied Points
	Rule         string
}

// Score is one agent's scored month.
type Score struct {
	Components  []ComponentScore
	Adjustments []AdjustmentScore
	// ComponentsTotal + AdjustmentsTotal = Raw; Total is Raw clamped to 0–policy total (the
	// payroll total_score), and Rounded is Total rounded half up (the payroll score).
	ComponentsTotal, AdjustmentsTotal, Raw, Total Points
	Rounded                                       int64
	Grade                                         GradeBand
	PayFactor                                     float64
}

// MissingMetricError says that the warehouse does not provide a metric the policy reads.
type MissingMetricError struct {
	Metric, Component string
}

func (e *MissingMetricError) Error() string {
	return fmt.Sprintf("component %s reads metric %q, which this warehouse does not provide", e.Component, e.Metric)
}

// Score computes one agent's month under the policy.
func (p *Policy) Score(in Inputs) (Score, error) {
	var s Score
	byItem := map[string][]Entry{}
	for _, e := range in.Entries {
		byItem[e.Item] = append(byItem[e.Item], e)
	}
	for i := range p.Components {
		c := &p.Components[i]
		cs, err := c.score(in.Metrics, byItem[c.ID])
		if err != nil {
			return Score{}, err
		}
		s.Components = append(s.Components, cs)
		s.ComponentsTotal += cs.Points
	}
	for _, a := range p.Adjustments {
		es := byItem[a.ID]
		if len(es) == 0 {
			continue
		}
		as := AdjustmentScore{Item: a.ID, Label: a.Label, Entries: es}
		for _, e := range es {
			as.Sum += e.Points
		}
		as.Applied = as.Sum
		as.Rule = fmt.Sprintf("%d %s, sum %s", len(es), plural(len(es), "entry", "entries"), signed(as.Sum))
		if a.Month != nil {
			as.Applied = clampPoints(as.Sum, a.Month.Min.Points, a.Month.Max.Points)
			if as.Applied != as.Sum {
				as.Rule += fmt.Sprintf(", capped to %s (monthly cap %s to %s)", signed(as.Applied), signed(a.Month.Min.Points), signed(a.Month.Max.Points))
			}
		}
		s.Adjustments = append(s.Adjustments, as)
		s.AdjustmentsTotal += as.Applied
	}
	// Entries for items this policy does not know must not vanish silently: unless they cancel
	// out (an entry and its reversal), the month cannot be scored under this policy.
	var unknown []string
	for item, es := range byItem {
		if p.AdjustmentItem(item) != nil || (p.Component(item) != nil && p.Component(item).Method == MethodManual) {
			continue
		}
		var sum Points
		for _, e := range es {
			sum += e.Points
		}
		if sum != 0 {
			unknown = append(unknown, fmt.Sprintf("%s (%s points)", item, signed(sum)))
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return Score{}, fmt.Errorf("adjustments for items that policy %s does not have: %s", p.Version(), strings.Join(unknown, ", "))
	}
	s.Raw = s.ComponentsTotal + s.AdjustmentsTotal
	s.Total = clampPoints(s.Raw, 0, Points(p.Total)*PointScale)
	s.Rounded = s.Total.RoundHalfUp()
	s.Grade = p.Grade(s.Rounded)
	s.PayFactor = p.PayFactor(s.Rounded)
	return s, nil
}

func (c *Component) score(metrics map[string]*float64, entries []Entry) (ComponentScore, error) {
	cs := ComponentScore{ID: c.ID, Label: c.Label, Group: c.Group, Method: c.Method, Metric: c.MetricName(), Max: c.MaxWeighted()}
	var pts Points
	if c.Method == MethodManual {
		var sum Points
		for _, e := range entries {
			sum += e.Points
		}
		pts = clampPoints(c.Default.Points+sum, 0, c.Max.Points)
		cs.Entries = entries
		if len(entries) == 0 {
			cs.Rule = fmt.Sprintf("no manager entry: default %s", c.Default.Points)
		} else {
			cs.Rule = fmt.Sprintf("default %s %s from %d %s", c.Default.Points, signed(sum), len(entries), plural(len(entries), "entry", "entries"))
			if c.Default.Points+sum != pts {
				cs.Rule += fmt.Sprintf(", kept within 0–%s", c.Max.Points)
			}
			cs.Rule += " = " + pts.String()
		}
		return c.finish(cs, pts), nil
	}
	v, ok := metrics[cs.Metric]
	if !ok {
		return cs, &MissingMetricError{Metric: cs.Metric, Component: c.ID}
	}
	if c.Sample != "" {
		n, ok := metrics[c.Sample]
		if !ok {
			return cs, &MissingMetricError{Metric: c.Sample, Component: c.ID}
		}
		if v != nil && (n == nil || *n < float64(c.MinSample)) {
			got := "none"
			if n != nil {
				got = num(*n)
			}
			cs.Value = v
			cs.Rule = fmt.Sprintf("%s = %s from only %s = %s samples (< %d): no data → %s", cs.Metric, num(*v), c.Sample, got, c.MinSample, c.NoData.Points)
			return c.finish(cs, c.NoData.Points), nil
		}
	}
	if v == nil {
		cs.Rule = fmt.Sprintf("no data for %s this month → %s", cs.Metric, c.NoData.Points)
		return c.finish(cs, c.NoData.Points), nil
	}
	x := *v
	cs.Value = v
	switch c.Method {
	case MethodTiered:
		matched := false
		for _, t := range c.Tiers {
			if t.AtLeast != nil && x >= *t.AtLeast {
				pts, matched = t.Points.Points, true
				cs.Rule = fmt.Sprintf("%s = %s ≥ %s → %s", cs.Metric, num(x), num(*t.AtLeast), pts)
				break
			}
			if t.AtMost != nil && x <= *t.AtMost {
				pts, matched = t.Points.Points, true
				cs.Rule = fmt.Sprintf("%s = %s ≤ %s → %s", cs.Metric, num(x), num(*t.AtMost), pts)
				break
			}
		}
		if !matched {
			if c.Otherwise != nil {
				pts = c.Otherwise.Points
			}
			cs.Rule = fmt.Sprintf("%s = %s reaches no tier (%s) → %s", cs.Metric, num(x), c.tierText(), pts)
		}
	case MethodDeduction:
		over := x - *c.Limit
		var units float64
		if over > 0 {
			if c.Units == "whole" {
				units = math.Floor(over / *c.Per)
			} else {
				units = math.Ceil(over / *c.Per)
			}
		}
		if over <= 0 {
			pts = c.Max.Points
			cs.Rule = fmt.Sprintf("%s = %s is within the limit %s → %s", cs.Metric, num(x), num(*c.Limit), pts)
			break
		}
		kind := "started"
		if c.Units == "whole" {
			kind = "whole"
		}
		deducted := c.Deduct.Points * Points(units)
		if units > float64(math.MaxInt32) {
			deducted = c.Max.Points
		}
		pts = max(0, c.Max.Points-deducted)
		cs.Rule = fmt.Sprintf("%s = %s is %s over the limit %s: %s %s unit(s) of %s × %s = %s off %s → %s",
			cs.Metric, num(x), num(over), num(*c.Limit), num(units), kind, num(*c.Per), c.Deduct.Points, deducted, c.Max.Points, pts)
		if deducted > c.Max.Points {
			cs.Rule += " (floor 0)"
		}
	case MethodPassFail:
		pass := (c.Pass.AtLeast != nil && x >= *c.Pass.AtLeast) || (c.Pass.AtMost != nil && x <= *c.Pass.AtMost)
		cond := ""
		if c.Pass.AtLeast != nil {
			cond = "≥ " + num(*c.Pass.AtLeast)
		} else {
			cond = "≤ " + num(*c.Pass.AtMost)
		}
		if pass {
			pts = c.Max.Points
			cs.Rule = fmt.Sprintf("%s = %s %s: pass → %s", cs.Metric, num(x), cond, pts)
		} else {
			cs.Rule = fmt.Sprintf("%s = %s is not %s: fail → 0", cs.Metric, num(x), cond)
		}
	case MethodQA:
		q := max(0, min(100, x))
		pts = PointsOf(c.Max.Points.Float() * q / 100)
		what := cs.Metric
		if c.Section != "" {
			what = "QA section " + c.Section + " %"
		}
		cs.Rule = fmt.Sprintf("%s × %s %s / 100 = %s", c.Max.Points, what, num(x), pts)
	case MethodLinear:
		x0, x1 := *c.From.Value, *c.To.Value
		p0, p1 := c.From.Points.Points, c.To.Points.Points
		t := (x - x0) / (x1 - x0)
		switch {
		case t <= 0:
			pts = p0
		case t >= 1:
			pts = p1
		default:
			pts = PointsOf(p0.Float() + t*(p1.Float()-p0.Float()))
		}
		cs.Rule = fmt.Sprintf("%s = %s on the line from %s (%s points) to %s (%s points) → %s",
			cs.Metric, num(x), num(x0), p0, num(x1), p1, pts)
	}
	return c.finish(cs, pts), nil
}

// finish applies the weight and records the points.
func (c *Component) finish(cs ComponentScore, pts Points) ComponentScore {
	cs.Points = c.weigh(pts)
	if c.Weight != nil && *c.Weight != 1 {
		cs.Rule += fmt.Sprintf(" × weight %s = %s", num(*c.Weight), cs.Points)
	}
	return cs
}

func (c *Component) tierText() string {
	var parts []string
	for _, t := range c.Tiers {
		if t.AtLeast != nil {
			parts = append(parts, fmt.Sprintf("≥ %s → %s", num(*t.AtLeast), t.Points.Points))
		} else {
			parts = append(parts, fmt.Sprintf("≤ %s → %s", num(*t.AtMost), t.Points.Points))
		}
	}
	return strings.Join(parts, "; ")
}

// num prints a metric value exactly as stored, without trailing zeros.
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// signed prints points with their sign: +20, -5, 0.
func signed(p Points) string {
	if p > 0 {
		return "+" + p.String()
	}
	return p.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
