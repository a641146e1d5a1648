package qa

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// SectionScore is a reviewer's mark for one section: whole points within its bounds, or N/A
// where the rubric allows it.
type SectionScore struct {
	Score   int    `json:"score"`
	NA      bool   `json:"na,omitempty"`
	Comment string `json:"comment,omitempty"`
}

// ItemMark is a deduction item as marked: how many times it happened and why.
type ItemMark struct {
	Count   int    `json:"count"`
	Comment string `json:"comment,omitempty"`
}

// Finding decisions a reviewer gives each auto-QA finding of the contact.
const (
	FindingConfirmed = "confirmed"
	FindingRejected  = "rejected"
)

// Scores is what a reviewer fills in: one entry per section, the deduction items that
// happened, the critical items that happened (id → comment), a decision on every auto-QA
// finding (finding id → confirmed|rejected) and an overall comment.
type Scores struct {
	Sections   map[string]SectionScore `json:"sections"`
	Deductions map[string]ItemMark     `json:"deductions,omitempty"`
	Criticals  map[string]string       `json:"criticals,omitempty"`
	Findings   map[string]string       `json:"findings,omitempty"`
	Comment    string                  `json:"comment,omitempty"`
}

// Result is the score a set of marks earns under a rubric (SPEC §6): the applicable sections,
// rescaled to 100 when some are N/A, minus the deductions, floored at 0; 0 with a critical item.
type Result struct {
	// Sections is the sum of the applicable sections' points, Possible their max points.
	Sections int `json:"sections"`
	Possible int `json:"possible"`
	// Base is Sections rescaled to 100 (equal to Sections when nothing is N/A).
	Base float64 `json:"base"`
	// Deducted is the points the deduction items take off.
	Deducted int `json:"deducted"`
	// Critical is set when a critical item zeroed the review.
	Critical bool `json:"critical"`
	// Total is the review score, 0..100, rounded half up to two decimals.
	Total float64 `json:"total"`
}

// MaxCommentRunes bounds every comment and reason, so one request cannot store megabytes.
const MaxCommentRunes = 4000

// Errors is a list of field errors, all found at once so a form can show each beside its field.
type Errors []FieldError

func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// ByField returns the message for a field, or "".
func (es Errors) ByField(field string) string {
	for _, e := range es {
		if e.Field == field {
			return e.Msg
		}
	}
	return ""
}

// Score validates marks against the rubric and the contact's auto-QA findings and computes
// the result. Every problem is returned, each naming its field (sections.ID.score,
// deductions.ID.comment, criticals.ID.comment, findings.ID, comment).
func Score(r *Rubric, s Scores, findings []Finding) (Result, Errors) {
	var errs Errors
	add := func(field, format string, args ...any) {
		errs = append(errs, FieldError{Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	checkComment := func(field, c string) {
		if utf8.RuneCountInString(c) > MaxCommentRunes {
			add(field, "is longer than %d characters", MaxCommentRunes)
		}
	}
	var res Result
	for _, id := range sortedKeys(s.Sections) {
		if r.Section(id) == nil {
			add("sections."+id, "the rubric has no section %q", id)
		}
	}
	for _, sec := range r.Sections {
		f := "sections." + sec.ID
		m, ok := s.Sections[sec.ID]
		checkComment(f+".comment", m.Comment)
		switch {
		case !ok:
			add(f+".score", "required: score 0–%d", sec.Max)
		case m.NA && !sec.NAAllowed:
			add(f+".na", "this section always applies; give a score 0–%d", sec.Max)
		case m.NA:
		case m.Score < 0 || m.Score > sec.Max:
			add(f+".score", "%d is out of range: score 0–%d", m.Score, sec.Max)
		default:
			res.Sections += m.Score
			res.Possible += sec.Max
		}
	}
	confirmed := map[string]int{}
	known := map[string]bool{}
	for _, fd := range findings {
		known[fd.ID] = true
		switch d := s.Findings[fd.ID]; d {
		case FindingConfirmed:
			confirmed[fd.ItemID]++
		case FindingRejected:
		case "":
			add("findings."+fd.ID, "confirm or reject this auto-QA finding")
		default:
			add("findings."+fd.ID, "%q is not confirmed or rejected", d)
		}
	}
	for _, id := range sortedKeys(s.Findings) {
		if !known[id] {
			add("findings."+id, "no such auto-QA finding on this contact")
		}
	}
	for _, id := range sortedKeys(s.Deductions) {
		m := s.Deductions[id]
		f := "deductions." + id
		d := r.Deduction(id)
		if d == nil {
			add(f, "the rubric has no deduction item %q", id)
			continue
		}
		checkComment(f+".comment", m.Comment)
		switch {
		case m.Count < 0 || m.Count > d.MaxCount:
			add(f+".count", "%d is out of range: 0–%d", m.Count, d.MaxCount)
		case m.Count > 0 && strings.TrimSpace(m.Comment) == "":
			add(f+".comment", "a comment is required for a deduction")
		default:
			res.Deducted += m.Count * d.Points
		}
	}
	for _, d := range r.Deductions {
		if n := confirmed[d.ID]; n > 0 && s.Deductions[d.ID].Count < n {
			add("deductions."+d.ID+".count", "%d auto-QA finding(s) confirmed, so the count must be at least %d", n, n)
		}
	}
	for _, id := range sortedKeys(s.Criticals) {
		f := "criticals." + id
		if r.Critical(id) == nil {
			add(f, "the rubric has no critical item %q", id)
			continue
		}
		checkComment(f+".comment", s.Criticals[id])
		if strings.TrimSpace(s.Criticals[id]) == "" {
			add(f+".comment", "a comment is required for a critical item")
		}
		res.Critical = true
	}
	for _, c := range r.Criticals {
		if _, on := s.Criticals[c.ID]; confirmed[c.ID] > 0 && !on {
			add("criticals."+c.ID, "an auto-QA finding for this item was confirmed, so the item must be marked")
		}
	}
	checkComment("comment", s.Comment)
	if res.Possible == 0 && len(errs) == 0 {
		add("sections", "every section is N/A; at least one must be scored")
	}
	if len(errs) > 0 {
		return Result{}, errs
	}
	res.Base = float64(res.Sections) * RubricTotal / float64(res.Possible)
	switch {
	case res.Critical:
		res.Total = 0
	default:
		res.Total = round2(math.Max(0, res.Base-float64(res.Deducted)))
	}
	res.Base = round2(res.Base)
	return res, nil
}

// round2 rounds half up to two decimals. Scores are small and positive, so adding half a unit
// of the last place and truncating is exact enough; the tiny epsilon keeps 12.345 (stored as
// 12.34499…) rounding up as a person computing by hand would.
func round2(x float64) float64 {
	return math.Floor(x*100+0.5+1e-9) / 100
}

// Review is one stored version of a reviewer's review of a contact. Versions of the same
// (contact, reviewer) count up from 1; nothing is ever overwritten.
type Review struct {
	ContactID     string    `json:"contact_id"`
	Reviewer      string    `json:"reviewer"`
	Version       uint32    `json:"version"`
	RubricVersion string    `json:"rubric_version"`
	Scores        Scores    `json:"scores"`
	Result        Result    `json:"result"`
	AgentID       string    `json:"agent_id"`
	Channel       string    `json:"channel"`
	ContactStart  time.Time `json:"contact_start"`
	// WrittenBy and WrittenAt attribute the version; Reason says why it exists: "created",
	// "edited", or "dispute DISPUTE_ID accepted".
	WrittenBy string    `json:"written_by"`
	WrittenAt time.Time `json:"written_at"`
	Reason    string    `json:"reason"`
	WriteID   string    `json:"write_id"`
}
