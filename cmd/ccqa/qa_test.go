package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccqa/ccqa/internal/itest"
	fx "github.com/ccqa/ccqa/qa/qafixture"
)

// TestQAUsageErrors checks that bad input to the qa and serve commands is a usage error (exit 2)
// that names the flag or field.
func TestQAUsageErrors(t *testing.T) {
	dir := t.TempDir()
	def, err := os.ReadFile("../../qa/rubrics/default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	badRubric := filepath.Join(dir, "rubric.yaml")
	os.WriteFile(badRubric, []byte(strings.Replace(string(def), "    points: 3\n", "    points: -3\n", 1)), 0o644)
	badUsers := filepath.Join(dir, "users.yaml")
	os.WriteFile(badUsers, []byte("users:\n  - {username: a, role: boss, password_bcrypt: x}\n"), 0o644)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"qa without command", []string{"qa"}, "a command is required"},
		{"qa unknown command", []string{"qa", "frob"}, `unknown command "frob"`},
		{"rubric check without file", []string{"qa", "rubric", "check"}, "exactly one rubric file"},
		{"rubric check bad field", []string{"qa", "rubric", "check", badRubric}, "deductions[1].points"},
		{"rubric check missing file", []string{"qa", "rubric", "check", filepath.Join(dir, "nope.yaml")}, "nope.yaml"},
		{"sample without month", []string{"qa", "sample", "--reviewers", "a"}, "--month is required"},
		{"sample bad month", []string{"qa", "sample", "--month", "2026/11", "--reviewers", "a"}, "--month"},
		{"sample without reviewers", []string{"qa", "sample", "--month", "2026-11"}, "reviewers"},
		{"sample bad share", []string{"qa", "sample", "--month", "2026-11", "--reviewers", "a,b", "--double", "1.5"}, "--double"},
		{"sample double with one reviewer", []string{"qa", "sample", "--month", "2026-11", "--reviewers", "a"}, "--double"},
		{"sample negative N", []string{"qa", "sample", "--month", "2026-11", "--reviewers", "a", "--double", "0", "--per-agent", "-1"}, "--per-agent"},
		{"sample bad users file", []string{"qa", "sample", "--month", "2026-11", "--users", badUsers}, "users[0].role"},
		{"sample reviewer not in users", []string{"qa", "sample", "--month", "2026-11", "--users", "../../qa/users.example.yaml", "--reviewers", "qalead"}, `"qalead" is not a reviewer`},
		{"sample bad rubric", []string{"qa", "sample", "--month", "2026-11", "--reviewers", "a", "--double", "0", "--rubric", badRubric}, "--rubric"},
		{"scan without month", []string{"qa", "scan"}, "--month is required"},
		{"calibration bad format", []string{"qa", "calibration", "--month", "2026-11", "--format", "xml"}, "--format"},
		{"disputes bad status", []string{"qa", "disputes", "--status", "maybe"}, "--status"},
		{"passwd empty", []string{"qa", "passwd"}, "no password"},
		{"serve without users", []string{"serve"}, "--users is required"},
		{"serve bad users", []string{"serve", "--users", badUsers}, "users[0].role"},
		{"serve bad addr", []string{"serve", "--users", "../../qa/users.example.yaml", "--addr", "nowhere"}, "--addr"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runCLI(tc.args...)
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Fatalf("err = %v, want a usage error", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
	out, _, err := runCLI("qa", "rubric", "check", "../../qa/rubrics/default.yaml")
	if err != nil || !strings.Contains(out, "ok, rubric cs_qa version ") {
		t.Fatalf("check of the default rubric: %q %v", out, err)
	}
}

// TestQASampleCLI runs scan, sample (dry run, real, again) and calibration against a real
// ClickHouse with the hand-made November fixture.
func TestQASampleCLI(t *testing.T) {
	w := itest.Warehouse(t)
	fx.November(t, w)
	ch := []string{"--clickhouse", itest.ClickHouseAddr(t), "--database", w.Database()}
	args := func(a ...string) []string { return append(a, ch...) }
	out, _, err := runCLI(args("qa", "scan", "--month", "2026-11")...)
	if err != nil || !strings.Contains(out, "3 chats, 3 scanned now, 2 new findings") {
		t.Fatalf("scan: %q %v", out, err)
	}
	sample := args("qa", "sample", "--month", "2026-11", "--users", "../../qa/users.example.yaml", "--per-agent", "1", "--double", "0", "--seed", "3")
	dry, _, err := runCLI(append(sample, "--dry-run")...)
	if err != nil || !strings.Contains(dry, "4 contacts would be sampled") {
		t.Fatalf("dry run: %q %v", dry, err)
	}
	out, _, err = runCLI(sample...)
	if err != nil || !strings.Contains(out, "4 contacts sampled") || !strings.Contains(out, "reviewer1=2 reviewer2=2") {
		t.Fatalf("sample: %q %v", out, err)
	}
	// The picks printed by the dry run are the ones stored.
	if strings.Split(dry, "dry run:")[0] != strings.Split(out, "2026-11: 4 contacts sampled")[0] {
		t.Errorf("dry run and real run differ:\n%s\n%s", dry, out)
	}
	for _, want := range []string{"k1", "complaint", "c2", "low_survey", "c1", "auto_qa", "c3"} {
		if !strings.Contains(out, want) {
			t.Errorf("sample output lacks %s:\n%s", want, out)
		}
	}
	out, _, err = runCLI(sample...)
	if err != nil || !strings.Contains(out, "0 contacts sampled") || !strings.Contains(out, "4 in the month's sample") {
		t.Fatalf("second sample: %q %v", out, err)
	}
	out, _, err = runCLI(args("qa", "calibration", "--month", "2026-11")...)
	if err != nil || !strings.Contains(out, "0 double-scored contacts") {
		t.Fatalf("calibration: %q %v", out, err)
	}
}
