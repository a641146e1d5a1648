package qa

import (
	"context"
	"math"
	"sort"
	"time"
)

// Agreement is how closely reviewers agreed on the contacts they both scored.
type Agreement struct {
	// Contacts is the number of contacts scored by two or more reviewers; Pairs the number of
	// reviewer pairs compared over them.
	Contacts int `json:"contacts"`
	Pairs    int `json:"pairs"`
	// MAD is the mean absolute difference between two reviewers' points for the same contact
	// (nil without pairs).
	MAD *float64 `json:"mad"`
	// ICC is the intraclass correlation ICC(1,1) — one-way random effects, single rater,
	// absolute agreement — over the contacts: 1 is perfect agreement, 0 or below none beyond
	// chance. It is nil with fewer than two contacts or when every score is identical (no
	// variance to explain).
	ICC *float64 `json:"icc"`
}

// SectionAgreement is the agreement on one rubric section.
type SectionAgreement struct {
	SectionID string `json:"section_id"`
	Label     Text   `json:"label"`
	Max       int    `json:"max"`
	Agreement
}

// ReviewerAgreement is one reviewer's agreement with the others they were paired with.
type ReviewerAgreement struct {
	Reviewer string `json:"reviewer"`
	// Total is agreement on the review score; Bias the mean of (this reviewer − the other), a
	// reviewer who scores high has a positive bias.
	Total Agreement `json:"total"`
	Bias  *float64  `json:"bias"`
	// Sections is the MAD per section, by section id.
	Sections map[string]*float64 `json:"sections"`
}

// Calibration is the month's calibration report (SPEC §6): agreement on double-scored
// contacts, overall, per section and per reviewer.
type Calibration struct {
	Month     string              `json:"month"`
	Total     Agreement           `json:"total"`
	Sections  []SectionAgreement  `json:"sections"`
	Reviewers []ReviewerAgreement `json:"reviewers"`
}

// Calibrate computes the calibration report for the current reviews of a month; reviews of
// contacts with a single reviewer are ignored. Sections are those of the rubric, compared in
// points; a section N/A in one of two reviews is not compared for that contact.
func Calibrate(month time.Time, r *Rubric, reviews []*Review) *Calibration {
	byContact := map[string][]*Review{}
	for _, rv := range reviews {
		byContact[rv.ContactID] = append(byContact[rv.ContactID], rv)
	}
	var contacts []string
	for id, rs := range byContact {
		if len(rs) >= 2 {
			contacts = append(contacts, id)
		}
	}
	sort.Strings(contacts)
	cal := &Calibration{Month: month.Format("2006-01")}
	total := func(rv *Review) (float64, bool) { return rv.Result.Total, true }
	cal.Total = agreement(contacts, byContact, total, "")
	for _, sec := range r.Sections {
		points := sectionPoints(sec.ID)
		cal.Sections = append(cal.Sections, SectionAgreement{
			SectionID: sec.ID, Label: sec.Label, Max: sec.Max,
			Agreement: agreement(contacts, byContact, points, ""),
		})
	}
	reviewers := map[string]bool{}
	for _, id := range contacts {
		for _, rv := range byContact[id] {
			reviewers[rv.Reviewer] = true
		}
	}
	for _, name := range sortedKeys(reviewers) {
		ra := ReviewerAgreement{Reviewer: name, Sections: map[string]*float64{}}
		ra.Total = agreement(contacts, byContact, total, name)
		ra.Bias = bias(contacts, byContact, name)
		for _, sec := range r.Sections {
			ra.Sections[sec.ID] = agreement(contacts, byContact, sectionPoints(sec.ID), name).MAD
		}
		cal.Reviewers = append(cal.Reviewers, ra)
	}
	return cal
}

func sectionPoints(id string) func(*Review) (float64, bool) {
	return func(rv *Review) (float64, bool) {
		m, ok := rv.Scores.Sections[id]
		if !ok || m.NA {
			return 0, false
		}
		return float64(m.Score), true
	}
}

// agreement compares the values of the reviews of each contact. With focus set, only contacts
// the focus reviewer scored count, and only pairs that include the focus reviewer.
func agreement(contacts []string, by map[string][]*Review, value func(*Review) (float64, bool), focus string) Agreement {
	var a Agreement
	var groups [][]float64
	var absSum float64
	for _, id := range contacts {
		type rv struct {
			who string
			x   float64
		}
		var vs []rv
		hasFocus := false
		for _, r := range by[id] {
			if x, ok := value(r); ok {
				vs = append(vs, rv{r.Reviewer, x})
				hasFocus = hasFocus || r.Reviewer == focus
			}
		}
		if len(vs) < 2 || (focus != "" && !hasFocus) {
			continue
		}
		a.Contacts++
		g := make([]float64, len(vs))
		for i := range vs {
			g[i] = vs[i].x
			for j := i + 1; j < len(vs); j++ {
				if focus != "" && vs[i].who != focus && vs[j].who != focus {
					continue
				}
				a.Pairs++
				absSum += math.Abs(vs[i].x - vs[j].x)
			}
		}
		groups = append(groups, g)
	}
	if a.Pairs > 0 {
		a.MAD = ptr(absSum / float64(a.Pairs))
	}
	a.ICC = icc1(groups)
	return a
}

func bias(contacts []string, by map[string][]*Review, focus string) *float64 {
	var sum float64
	n := 0
	for _, id := range contacts {
		var mine *Review
		for _, r := range by[id] {
			if r.Reviewer == focus {
				mine = r
			}
		}
		if mine == nil {
			continue
		}
		for _, r := range by[id] {
			if r.Reviewer != focus {
				sum += mine.Result.Total - r.Result.Total
				n++
			}
		}
	}
	if n == 0 {
		return nil
	}
	return ptr(sum / float64(n))
}

// icc1 is ICC(1,1) from a one-way analysis of variance, with the usual correction k0 for
// subjects rated by different numbers of raters:
//
//	ICC = (MSB − MSW) / (MSB + (k0 − 1)·MSW)
func icc1(groups [][]float64) *float64 {
	n := len(groups)
	if n < 2 {
		return nil
	}
	var total, sumSq float64
	N := 0
	for _, g := range groups {
		for _, x := range g {
			total += x
		}
		N += len(g)
		sumSq += float64(len(g) * len(g))
	}
	grand := total / float64(N)
	var ssb, ssw float64
	for _, g := range groups {
		var m float64
		for _, x := range g {
			m += x
		}
		m /= float64(len(g))
		ssb += float64(len(g)) * (m - grand) * (m - grand)
		for _, x := range g {
			ssw += (x - m) * (x - m)
		}
	}
	dfW := N - n
	if dfW <= 0 {
		return nil
	}
	msb := ssb / float64(n-1)
	msw := ssw / float64(dfW)
	k0 := (float64(N) - sumSq/float64(N)) / float64(n-1)
	den := msb + (k0-1)*msw
	if den == 0 {
		return nil
	}
	return ptr((msb - msw) / den)
}

func ptr(x float64) *float64 { return &x }

// Calibration computes the month's calibration report from the stored current reviews.
func (s *Store) Calibration(ctx context.Context, month time.Time, r *Rubric) (*Calibration, error) {
	rs, err := s.MonthReviews(ctx, month)
	if err != nil {
		return nil, err
	}
	return Calibrate(month, r, rs), nil
}
