package web

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ccqa/ccqa/qa"
)

// The scoring form's field names: s.ID.score, s.ID.na, s.ID.comment for sections; d.ID.count,
// d.ID.comment for deduction items; c.ID.on, c.ID.comment for critical items; f.FINDING for a
// finding's decision; comment; base_version. Errors use the qa field names (sections.ID.score…)
// so the API and the form report the same thing.

type sectionField struct {
	qa.Section
	Score, Comment      string
	NA                  bool
	ScoreErr, CommentEr string
}

type itemField struct {
	ID                  string
	Label               qa.Text
	Points, MaxCount    int
	Count, Comment      string
	Findings            []qa.Finding
	CountErr, CommentEr string
}

type criticalField struct {
	ID                string
	Label             qa.Text
	On                bool
	Comment           string
	Findings          []qa.Finding
	OnErr, CommentErr string
}

type findingField struct {
	qa.Finding
	Label    qa.Text
	Decision string
	Err      string
}

// formView is the scoring form: generated from the rubric, filled from a review, from the
// contact's auto-QA findings (pre-filled deductions) or from what was just submitted.
type formView struct {
	Action        string
	BaseVersion   uint32
	RubricVersion string
	Sections      []sectionField
	Deductions    []itemField
	Criticals     []criticalField
	Findings      []findingField
	Comment       string
	CommentErr    string
	Errors        qa.Errors
	// Resolve turns the form into a QA lead's dispute resolution (decision and reason).
	Resolve    bool
	Resolution string
}

// newForm builds the form. raw holds submitted values (nil for a fresh form), review the
// current version (nil for a new review).
func newForm(r *qa.Rubric, loc *time.Location, action string, review *qa.Review, findings []qa.Finding, raw url.Values, errs qa.Errors) *formView {
	f := &formView{Action: action, RubricVersion: r.Version, Errors: errs}
	if review != nil {
		f.BaseVersion = review.Version
	}
	byItem := map[string][]qa.Finding{}
	for _, fd := range findings {
		byItem[fd.ItemID] = append(byItem[fd.ItemID], fd)
	}
	var sc qa.Scores
	if review != nil {
		sc = review.Scores
	}
	for _, sec := range r.Sections {
		sf := sectionField{Section: sec}
		switch {
		case raw != nil:
			sf.Score, sf.NA, sf.Comment = raw.Get("s."+sec.ID+".score"), raw.Get("s."+sec.ID+".na") == "on", raw.Get("s."+sec.ID+".comment")
		case review != nil:
			m, ok := sc.Sections[sec.ID]
			if ok && !m.NA {
				sf.Score = strconv.Itoa(m.Score)
			}
			sf.NA, sf.Comment = m.NA, m.Comment
		}
		sf.ScoreErr = firstNonEmpty(errs.ByField("sections."+sec.ID+".score"), errs.ByField("sections."+sec.ID+".na"))
		sf.CommentEr = errs.ByField("sections." + sec.ID + ".comment")
		f.Sections = append(f.Sections, sf)
	}
	for _, d := range r.Deductions {
		it := itemField{ID: d.ID, Label: d.Label, Points: d.Points, MaxCount: d.MaxCount, Findings: byItem[d.ID]}
		switch {
		case raw != nil:
			it.Count, it.Comment = raw.Get("d."+d.ID+".count"), raw.Get("d."+d.ID+".comment")
		case review != nil:
			m := sc.Deductions[d.ID]
			it.Count, it.Comment = strconv.Itoa(m.Count), m.Comment
		default:
			// A new review starts with each auto-QA finding as a pre-filled deduction, which the
			// reviewer confirms or rejects below.
			it.Count = strconv.Itoa(min(len(it.Findings), d.MaxCount))
			it.Comment = findingsComment(it.Findings, loc)
		}
		it.CountErr = firstNonEmpty(errs.ByField("deductions."+d.ID+".count"), errs.ByField("deductions."+d.ID))
		it.CommentEr = errs.ByField("deductions." + d.ID + ".comment")
		f.Deductions = append(f.Deductions, it)
	}
	for _, c := range r.Criticals {
		cf := criticalField{ID: c.ID, Label: c.Label, Findings: byItem[c.ID]}
		switch {
		case raw != nil:
			cf.On, cf.Comment = raw.Get("c."+c.ID+".on") == "on", raw.Get("c."+c.ID+".comment")
		case review != nil:
			cf.Comment, cf.On = sc.Criticals[c.ID]
		default:
			cf.On, cf.Comment = len(cf.Findings) > 0, findingsComment(cf.Findings, loc)
		}
		cf.OnErr = firstNonEmpty(errs.ByField("criticals."+c.ID), errs.ByField("criticals."+c.ID+".on"))
		cf.CommentErr = errs.ByField("criticals." + c.ID + ".comment")
		f.Criticals = append(f.Criticals, cf)
	}
	for _, fd := range findings {
		ff := findingField{Finding: fd, Label: r.ItemLabel(fd.ItemID), Err: errs.ByField("findings." + fd.ID)}
		switch {
		case raw != nil:
			ff.Decision = raw.Get("f." + fd.ID)
		case review != nil:
			ff.Decision = sc.Findings[fd.ID]
		}
		f.Findings = append(f.Findings, ff)
	}
	switch {
	case raw != nil:
		f.Comment, f.Resolution = raw.Get("comment"), raw.Get("resolution")
	case review != nil:
		f.Comment = sc.Comment
	}
	f.CommentErr = errs.ByField("comment")
	return f
}

// findingsComment quotes the findings of an item, with their time in the business time zone
// like the transcript shows it.
func findingsComment(fs []qa.Finding, loc *time.Location) string {
	var parts []string
	for _, f := range fs {
		parts = append(parts, fmt.Sprintf("自动质检 auto-QA: 「%s」 %s", f.Match, f.At.In(loc).Format("2006-01-02 15:04:05")))
	}
	return strings.Join(parts, "; ")
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// parseScores reads the scoring form. Values that are not whole numbers are reported here;
// the rest (bounds, comments, findings) is qa.Score's job.
func parseScores(r *qa.Rubric, v url.Values, findings []qa.Finding) (base uint32, sc qa.Scores, errs qa.Errors) {
	sc = qa.Scores{Sections: map[string]qa.SectionScore{}, Deductions: map[string]qa.ItemMark{},
		Criticals: map[string]string{}, Findings: map[string]string{}, Comment: v.Get("comment")}
	if b := v.Get("base_version"); b != "" {
		n, err := strconv.ParseUint(b, 10, 32)
		if err != nil {
			errs = append(errs, qa.FieldError{Field: "base_version", Msg: "must be a whole number"})
		}
		base = uint32(n)
	}
	for _, sec := range r.Sections {
		m := qa.SectionScore{NA: v.Get("s."+sec.ID+".na") == "on", Comment: v.Get("s." + sec.ID + ".comment")}
		raw := strings.TrimSpace(v.Get("s." + sec.ID + ".score"))
		switch {
		case m.NA:
		case raw == "":
			continue // missing: qa.Score says it is required
		default:
			n, err := strconv.Atoi(raw)
			if err != nil {
				errs = append(errs, qa.FieldError{Field: "sections." + sec.ID + ".score", Msg: fmt.Sprintf("%q is not a whole number of points (0–%d)", raw, sec.Max)})
				continue
			}
			m.Score = n
		}
		sc.Sections[sec.ID] = m
	}
	for _, d := range r.Deductions {
		raw := strings.TrimSpace(v.Get("d." + d.ID + ".count"))
		m := qa.ItemMark{Comment: v.Get("d." + d.ID + ".comment")}
		if raw != "" {
			n, err := strconv.Atoi(raw)
			if err != nil {
				errs = append(errs, qa.FieldError{Field: "deductions." + d.ID + ".count", Msg: fmt.Sprintf("%q is not a whole number", raw)})
				continue
			}
			m.Count = n
		}
		if m.Count != 0 || strings.TrimSpace(m.Comment) != "" {
			sc.Deductions[d.ID] = m
		}
	}
	for _, c := range r.Criticals {
		if v.Get("c."+c.ID+".on") == "on" {
			sc.Criticals[c.ID] = v.Get("c." + c.ID + ".comment")
		}
	}
	for _, f := range findings {
		if d := v.Get("f." + f.ID); d != "" {
			sc.Findings[f.ID] = d
		}
	}
	return base, sc, errs
}

// mergeErrors adds qa.Score's errors to the form's parse errors, one message per field.
func mergeErrors(parse, score qa.Errors) qa.Errors {
	out := append(qa.Errors{}, parse...)
	for _, e := range score {
		if parse.ByField(e.Field) == "" {
			out = append(out, e)
		}
	}
	return out
}
