// Package qa is the QA review of SPEC §6: the rubric reviewers score against (a versioned YAML
// file), the monthly sample of contacts and its assignment to reviewers, the reviews themselves
// (every version kept in ClickHouse), auto-QA findings in chat transcripts, calibration between
// reviewers and disputes (申诉). The web app that reviewers use is in qa/web.
package qa

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
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed rubrics/default.yaml
var rubricFiles embed.FS

// Text is a label in Chinese and English.
type Text struct {
	Zh string `yaml:"zh" json:"zh"`
	En string `yaml:"en" json:"en"`
}

// String returns "中文 / English", or whichever half is set.
func (t Text) String() string {
	switch {
	case t.Zh != "" && t.En != "":
		return t.Zh + " / " + t.En
	case t.Zh != "":
		return t.Zh
	}
	return t.En
}

// Band is a score range of a section with what it means (评分标准). Bounds are inclusive whole
// points.
type Band struct {
	Min int    `yaml:"min" json:"min"`
	Max int    `yaml:"max" json:"max"`
	Zh  string `yaml:"zh" json:"zh"`
	En  string `yaml:"en" json:"en"`
}

// Section is one scored part of the rubric (e.g. 语言表达能力, 15 points).
type Section struct {
	ID    string `yaml:"id" json:"id"`
	Label Text   `yaml:"label" json:"label"`
	Max   int    `yaml:"max" json:"max"`
	// NAAllowed lets a reviewer mark the section not applicable: it is then left out of the
	// total and the other sections are rescaled to 100.
	NAAllowed bool   `yaml:"na_allowed" json:"na_allowed"`
	Bands     []Band `yaml:"bands" json:"bands"`
}

// Deduction is an item that takes points off the total per occurrence (扣分项), such as a
// forbidden phrase (服务忌语).
type Deduction struct {
	ID       string   `yaml:"id" json:"id"`
	Label    Text     `yaml:"label" json:"label"`
	Points   int      `yaml:"points" json:"points"`
	MaxCount int      `yaml:"max_count" json:"max_count"`
	Phrases  []string `yaml:"phrases" json:"phrases,omitempty"`
	Patterns []string `yaml:"patterns" json:"patterns,omitempty"`
}

// Critical is an item that sets the whole review to 0 (致命项), such as insulting the customer.
type Critical struct {
	ID       string   `yaml:"id" json:"id"`
	Label    Text     `yaml:"label" json:"label"`
	Phrases  []string `yaml:"phrases" json:"phrases,omitempty"`
	Patterns []string `yaml:"patterns" json:"patterns,omitempty"`
}

// Rubric is a QA scoring rubric (评分细则). Load it with ParseRubric or DefaultRubric, which
// validate it and set Version.
type Rubric struct {
	ID         string      `yaml:"id" json:"id"`
	Title      Text        `yaml:"title" json:"title"`
	Sections   []Section   `yaml:"sections" json:"sections"`
	Deductions []Deduction `yaml:"deductions" json:"deductions"`
	Criticals  []Critical  `yaml:"criticals" json:"criticals"`

	// Version is the first 16 hex digits of the SHA-256 of the file's bytes: two files with the
	// same version are the same rubric, and every review records the version it used.
	Version string `yaml:"-" json:"version"`
	// Source is the file's text, kept so that the rubric a review used can be stored beside it.
	Source string `yaml:"-" json:"-"`
}

// RubricTotal is what the sections of every rubric add up to: a review is scored out of 100.
const RubricTotal = 100

// FieldError is a problem with one field of a rubric, a users file or a review; Field is its
// path, such as sections[2].bands[1].max.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

var idRe = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// DefaultRubric returns the rubric shipped in the binary (qa/rubrics/default.yaml).
func DefaultRubric() *Rubric {
	b, err := rubricFiles.ReadFile("rubrics/default.yaml")
	if err != nil {
		panic(err)
	}
	r, err := ParseRubric(b)
	if err != nil {
		panic(fmt.Sprintf("embedded rubric: %v", err))
	}
	return r
}

// LoadRubric reads and validates a rubric file; an empty path means the default.
func LoadRubric(path string) (*Rubric, error) {
	if path == "" {
		return DefaultRubric(), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r, err := ParseRubric(b)
	if err != nil {
		return nil, fmt.Errorf("rubric %s: %w", path, err)
	}
	return r, nil
}

// ParseRubric decodes a rubric strictly (unknown fields are errors) and validates it.
func ParseRubric(b []byte) (*Rubric, error) {
	var r Rubric
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&r); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fieldErr("rubric", "the file is empty")
		}
		return nil, fmt.Errorf("yaml: %w", err)
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	r.Version = hex.EncodeToString(sum[:])[:16]
	r.Source = string(b)
	return &r, nil
}

// Validate checks the rubric and returns the first problem, naming its field.
func (r *Rubric) Validate() error {
	if !idRe.MatchString(r.ID) {
		return fieldErr("id", "%q must be lower-case letters, digits and _, starting with a letter", r.ID)
	}
	if err := checkText("title", r.Title); err != nil {
		return err
	}
	if len(r.Sections) == 0 {
		return fieldErr("sections", "at least one section is required")
	}
	seen := map[string]string{}
	checkID := func(field, id string) error {
		if !idRe.MatchString(id) {
			return fieldErr(field, "%q must be lower-case letters, digits and _, starting with a letter", id)
		}
		if prev, ok := seen[id]; ok {
			return fieldErr(field, "%q is already used by %s", id, prev)
		}
		seen[id] = field
		return nil
	}
	total, applicable := 0, false
	for i, s := range r.Sections {
		f := fmt.Sprintf("sections[%d]", i)
		if err := checkID(f+".id", s.ID); err != nil {
			return err
		}
		if err := checkText(f+".label", s.Label); err != nil {
			return err
		}
		if s.Max <= 0 {
			return fieldErr(f+".max", "must be a positive number of points, got %d", s.Max)
		}
		if err := checkBands(f, s); err != nil {
			return err
		}
		total += s.Max
		if !s.NAAllowed {
			applicable = true
		}
	}
	if total != RubricTotal {
		return fieldErr("sections", "the sections' max points add up to %d, want %d", total, RubricTotal)
	}
	if !applicable {
		return fieldErr("sections", "every section allows N/A; at least one must always apply")
	}
	for i, d := range r.Deductions {
		f := fmt.Sprintf("deductions[%d]", i)
		if err := checkID(f+".id", d.ID); err != nil {
			return err
		}
		if err := checkText(f+".label", d.Label); err != nil {
			return err
		}
		if d.Points <= 0 || d.Points > RubricTotal {
			return fieldErr(f+".points", "must be 1..%d points per occurrence, got %d", RubricTotal, d.Points)
		}
		if d.MaxCount <= 0 || d.MaxCount > 100 {
			return fieldErr(f+".max_count", "must be 1..100 occurrences, got %d", d.MaxCount)
		}
		if err := checkPatterns(f, d.Phrases, d.Patterns); err != nil {
			return err
		}
	}
	for i, c := range r.Criticals {
		f := fmt.Sprintf("criticals[%d]", i)
		if err := checkID(f+".id", c.ID); err != nil {
			return err
		}
		if err := checkText(f+".label", c.Label); err != nil {
			return err
		}
		if err := checkPatterns(f, c.Phrases, c.Patterns); err != nil {
			return err
		}
	}
	return nil
}

func checkText(field string, t Text) error {
	if strings.TrimSpace(t.Zh) == "" {
		return fieldErr(field+".zh", "the Chinese label is required")
	}
	if strings.TrimSpace(t.En) == "" {
		return fieldErr(field+".en", "the English label is required")
	}
	return nil
}

// checkBands requires bands that cover 0..max exactly once: listed from the best down, each
// starting one point below where the previous one ended.
func checkBands(f string, s Section) error {
	if len(s.Bands) == 0 {
		return fieldErr(f+".bands", "at least one score band is required")
	}
	next := s.Max
	for j, b := range s.Bands {
		bf := fmt.Sprintf("%s.bands[%d]", f, j)
		if b.Max != next {
			return fieldErr(bf+".max", "is %d, want %d (bands run from the section's max down to 0 without gaps or overlaps)", b.Max, next)
		}
		if b.Min < 0 || b.Min > b.Max {
			return fieldErr(bf+".min", "is %d, want 0..%d", b.Min, b.Max)
		}
		if strings.TrimSpace(b.Zh) == "" {
			return fieldErr(bf+".zh", "the Chinese description is required")
		}
		if strings.TrimSpace(b.En) == "" {
			return fieldErr(bf+".en", "the English description is required")
		}
		next = b.Min - 1
	}
	if next != -1 {
		return fieldErr(fmt.Sprintf("%s.bands[%d].min", f, len(s.Bands)-1), "is %d, want 0 (the lowest band must start at 0)", next+1)
	}
	return nil
}

func checkPatterns(f string, phrases, patterns []string) error {
	for k, p := range phrases {
		if strings.TrimSpace(p) == "" {
			return fieldErr(fmt.Sprintf("%s.phrases[%d]", f, k), "must not be empty")
		}
	}
	for k, p := range patterns {
		re, err := regexp.Compile(p)
		if err != nil {
			return fieldErr(fmt.Sprintf("%s.patterns[%d]", f, k), "not a valid RE2 regular expression: %v", err)
		}
		if re.MatchString("") {
			return fieldErr(fmt.Sprintf("%s.patterns[%d]", f, k), "matches the empty string, so it would flag every message")
		}
	}
	return nil
}

// Section returns the section with the id, or nil.
func (r *Rubric) Section(id string) *Section {
	for i := range r.Sections {
		if r.Sections[i].ID == id {
			return &r.Sections[i]
		}
	}
	return nil
}

// Deduction returns the deduction item with the id, or nil.
func (r *Rubric) Deduction(id string) *Deduction {
	for i := range r.Deductions {
		if r.Deductions[i].ID == id {
			return &r.Deductions[i]
		}
	}
	return nil
}

// Critical returns the critical item with the id, or nil.
func (r *Rubric) Critical(id string) *Critical {
	for i := range r.Criticals {
		if r.Criticals[i].ID == id {
			return &r.Criticals[i]
		}
	}
	return nil
}

// ItemLabel returns the label of a deduction or critical item, or the id when the rubric has
// no such item (an older rubric's item).
func (r *Rubric) ItemLabel(id string) Text {
	if d := r.Deduction(id); d != nil {
		return d.Label
	}
	if c := r.Critical(id); c != nil {
		return c.Label
	}
	if s := r.Section(id); s != nil {
		return s.Label
	}
	return Text{En: id}
}

// BandOf returns the band a score falls in, or nil when out of range.
func (s *Section) BandOf(score int) *Band {
	for i := range s.Bands {
		if score >= s.Bands[i].Min && score <= s.Bands[i].Max {
			return &s.Bands[i]
		}
	}
	return nil
}

// sortedKeys returns a map's keys in order, for deterministic output.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
