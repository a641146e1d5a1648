package scorecard

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Points is a number of scorecard points in millionths of a point. Every component's points,
// every adjustment and every total is kept in this unit so that sums are exact: 10 × 0.95 is
// 9.5 points, not 9.499999999999998, and 89.5 rounds half up to 90 every time. A millionth is far
// below any precision a policy states, so quantizing a computed value (a QA score scaled to a
// component, a linear interpolation) to it changes nothing anyone could see.
type Points int64

// PointScale is the number of Points in one point.
const PointScale = 1_000_000

// PointsOf returns whole (or fractional) points as Points, rounded half away from zero to the
// nearest millionth.
func PointsOf(v float64) Points { return Points(math.Round(v * PointScale)) }

// Float returns the points as a float64 (for storage and display).
func (p Points) Float() float64 { return float64(p) / PointScale }

// String prints the points with as many decimals as they need, at most six: 10, 9.5, -0.25.
func (p Points) String() string {
	s := strconv.FormatFloat(p.Float(), 'f', 6, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// RoundHalfUp rounds non-negative points to a whole number, halves up (四舍五入): 89.5 → 90,
// 89.499999 → 89. Negative values round half away from zero; totals are clamped to 0–100 before
// they are rounded, so they never are.
func (p Points) RoundHalfUp() int64 {
	if p < 0 {
		return -(-p).RoundHalfUp()
	}
	return int64((p + PointScale/2) / PointScale)
}

// ParsePoints parses a decimal number of points such as "-5", "10", "0.5" or "+20" exactly, with
// at most six decimals.
func ParsePoints(s string) (Points, error) {
	t := strings.TrimSpace(s)
	neg := false
	switch {
	case strings.HasPrefix(t, "-"):
		neg, t = true, t[1:]
	case strings.HasPrefix(t, "+"):
		t = t[1:]
	}
	whole, frac, hasDot := strings.Cut(t, ".")
	if whole == "" || (hasDot && frac == "") || len(frac) > 6 {
		return 0, fmt.Errorf("%q is not a number of points like -5, 10 or 0.5 (at most six decimals)", s)
	}
	for len(frac) < 6 {
		frac += "0"
	}
	var v int64
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%q is not a number of points like -5, 10 or 0.5", s)
		}
		if v > (math.MaxInt64-9)/10 {
			return 0, fmt.Errorf("%q is too large", s)
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return Points(v), nil
}

func clampPoints(p, lo, hi Points) Points {
	return max(lo, min(hi, p))
}
