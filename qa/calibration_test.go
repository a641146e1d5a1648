package qa

import (
	"math"
	"testing"
)

func review(contact, reviewer string, total float64, expression int) *Review {
	s := marks(full)
	s["expression"] = SectionScore{Score: expression}
	return &Review{ContactID: contact, Reviewer: reviewer, Result: Result{Total: total}, Scores: Scores{Sections: s}}
}

func near(p *float64, want float64) bool { return p != nil && math.Abs(*p-want) < 1e-9 }

func TestCalibrate(t *testing.T) {
	// Three double-scored contacts; totals (10,12), (8,8), (14,11) and one single-scored contact.
	// Worked by hand: means 11, 8, 12.5; grand mean 10.5; SSB = 2(0.25+6.25+4) = 21, MSB = 10.5;
	// SSW = 2 + 0 + 4.5 = 6.5, MSW = 6.5/3; ICC(1,1) = (10.5 − 6.5/3)/(10.5 + 6.5/3) = 25/38.
	// MAD = (2 + 0 + 3)/3 = 5/3.
	rs := []*Review{
		review("c1", "ann", 10, 12), review("c1", "bob", 12, 13),
		review("c2", "ann", 8, 10), review("c2", "cat", 8, 10),
		review("c3", "bob", 14, 15), review("c3", "cat", 11, 11),
		review("c4", "ann", 50, 1),
	}
	cal := Calibrate(nov, DefaultRubric(), rs)
	if cal.Total.Contacts != 3 || cal.Total.Pairs != 3 || !near(cal.Total.MAD, 5.0/3) || !near(cal.Total.ICC, 25.0/38) {
		t.Fatalf("total agreement %+v (mad %v icc %v)", cal.Total, deref(cal.Total.MAD), deref(cal.Total.ICC))
	}
	// Expression points: (12,13), (10,10), (15,11): MAD = (1+0+4)/3 = 5/3.
	var expr *SectionAgreement
	for i := range cal.Sections {
		if cal.Sections[i].SectionID == "expression" {
			expr = &cal.Sections[i]
		}
	}
	if expr == nil || !near(expr.MAD, 5.0/3) {
		t.Fatalf("expression agreement %+v", expr)
	}
	// Every other section was scored identically: MAD 0, and no variance, so no ICC.
	for _, s := range cal.Sections {
		if s.SectionID == "listening" && (!near(s.MAD, 0) || s.ICC != nil) {
			t.Errorf("listening: mad %v icc %v", deref(s.MAD), deref(s.ICC))
		}
	}
	// Per reviewer: ann was paired on c1 (10 vs 12) and c2 (8 vs 8): MAD 1, bias −1.
	// bob on c1 (12 vs 10) and c3 (14 vs 11): MAD 2.5, bias +2.5.
	want := map[string][2]float64{"ann": {1, -1}, "bob": {2.5, 2.5}, "cat": {1.5, -1.5}}
	if len(cal.Reviewers) != 3 {
		t.Fatalf("reviewers %+v", cal.Reviewers)
	}
	for _, ra := range cal.Reviewers {
		w := want[ra.Reviewer]
		if !near(ra.Total.MAD, w[0]) || !near(ra.Bias, w[1]) || ra.Total.Contacts != 2 {
			t.Errorf("%s: mad %v bias %v contacts %d, want %v", ra.Reviewer, deref(ra.Total.MAD), deref(ra.Bias), ra.Total.Contacts, w)
		}
	}
	// ann's expression MAD: c1 |12−13| = 1, c2 0 → 0.5.
	if !near(cal.Reviewers[0].Sections["expression"], 0.5) {
		t.Errorf("ann expression MAD %v", deref(cal.Reviewers[0].Sections["expression"]))
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
