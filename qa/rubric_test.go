package qa

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func TestDefaultRubric(t *testing.T) {
	r := DefaultRubric()
	total := 0
	for _, s := range r.Sections {
		total += s.Max
	}
	if total != 100 {
		t.Fatalf("sections add up to %d", total)
	}
	// The seed's named sections and their points.
	want := map[string]int{"expression": 15, "service_language": 5, "problem_solving": 15, "conflict": 15}
	for id, max := range want {
		if s := r.Section(id); s == nil || s.Max != max {
			t.Errorf("section %s: got %+v, want max %d", id, s, max)
		}
	}
	if d := r.Deduction("taboo_phrase"); d == nil || !strings.Contains(strings.Join(d.Phrases, ","), "我不知道") {
		t.Errorf("taboo_phrase deduction missing 我不知道: %+v", d)
	}
	for _, id := range []string{"argue_insult", "privacy_leak"} {
		if r.Critical(id) == nil {
			t.Errorf("critical item %s missing", id)
		}
	}
	if len(r.Version) != 16 {
		t.Errorf("version %q, want 16 hex digits", r.Version)
	}
	b, _ := os.ReadFile("rubrics/default.yaml")
	r2, err := ParseRubric(append(b, []byte("\n# a comment changes the bytes\n")...))
	if err != nil {
		t.Fatal(err)
	}
	if r2.Version == r.Version {
		t.Error("a changed file kept the same version")
	}
	r3, _ := ParseRubric(b)
	if r3.Version != r.Version {
		t.Error("the same bytes gave another version")
	}
}

func TestRubricValidateNamesField(t *testing.T) {
	b, err := os.ReadFile("rubrics/default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	tests := []struct {
		name, old, new, field string
	}{
		{"max changes the total", "    max: 15\n    bands:\n      - {min: 13, max: 15, zh: 能够流畅", "    max: 16\n    bands:\n      - {min: 13, max: 16, zh: 能够流畅", "sections"},
		{"band gap", "{min: 10, max: 12, zh: 表达基本", "{min: 10, max: 11, zh: 表达基本", "sections[0].bands[1].max"},
		{"lowest band not at 0", "{min: 0, max: 5, zh: 表达混乱", "{min: 1, max: 5, zh: 表达混乱", "sections[0].bands[3].min"},
		{"missing english label", "label: {zh: 倾听能力, en: \"Listening\"}", "label: {zh: 倾听能力, en: \"\"}", "sections[2].label.en"},
		{"duplicate id", "  - id: knowledge\n", "  - id: listening\n", "sections[3].id"},
		{"bad pattern", `patterns: ['不(关|归)我(们)?(的事|管)']`, `patterns: ['不(关|归']`, "deductions[0].patterns[0]"},
		{"pattern matching everything", `patterns: ['不(关|归)我(们)?(的事|管)']`, `patterns: ['x*']`, "deductions[0].patterns[0]"},
		{"zero points", "    points: 3\n", "    points: 0\n", "deductions[1].points"},
		{"unknown field", "    max_count: 3\n", "    max_count: 3\n    weight: 2\n", "yaml"},
		{"empty phrase", "phrases: [你有病,", "phrases: ['',", "criticals[0].phrases[0]"},
		{"bad id", "id: cs_qa", "id: CS QA", "id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(src, tt.old) {
				t.Fatalf("fixture text %q not in the default rubric", tt.old)
			}
			_, err := ParseRubric([]byte(strings.Replace(src, tt.old, tt.new, 1)))
			if err == nil {
				t.Fatal("accepted")
			}
			var fe *FieldError
			if tt.field == "yaml" {
				if !strings.Contains(err.Error(), "weight") {
					t.Fatalf("error %q does not name the unknown field", err)
				}
				return
			}
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Fatalf("error %v, want field %s", err, tt.field)
			}
		})
	}
}
