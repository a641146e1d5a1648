package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccqa/ccqa/internal/itest"
)

// TestScorecardUsageErrors: invalid input to the scorecard commands exits 2 with the flag or
// policy field named, before any connection is made.
func TestScorecardUsageErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	src, err := os.ReadFile("../../scorecard/policies/default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(bad, []byte(strings.Replace(string(src), "    deduct: 5\n", "    deduct: 0\n", 1)), 0o644)
	noCH := []string{"--clickhouse", "127.0.0.1:1"} // nothing listens: a usage error must come first
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"policy without command", []string{"policy"}, "a command is required"},
		{"policy check without file", []string{"policy", "check"}, "exactly one policy file"},
		{"policy check bad field", []string{"policy", "check", bad}, "components[1] (resolution_speed).deduct"},
		{"policy check missing file", []string{"policy", "check", filepath.Join(dir, "nope.yaml")}, "nope.yaml"},
		{"adjust without command", []string{"adjust"}, "a command is required"},
		{"adjust add bad points", append([]string{"adjust", "add", "--agent", "a-1", "--month", "2026-11", "--item", "late", "--points", "-2.5.1", "--reason", "x", "--user", "m"}, noCH...), "--points"},
		{"adjust add points out of bounds", append([]string{"adjust", "add", "--agent", "a-1", "--month", "2026-11", "--item", "late", "--points", "-30", "--reason", "x", "--user", "m"}, noCH...), "--points: -30 is outside -10 to -1"},
		{"adjust add unknown item", append([]string{"adjust", "add", "--agent", "a-1", "--month", "2026-11", "--item", "nap", "--points", "-1", "--reason", "x", "--user", "m"}, noCH...), `--item: "nap" is not an item`},
		{"adjust add without user", append([]string{"adjust", "add", "--agent", "a-1", "--month", "2026-11", "--item", "late", "--points", "-1", "--reason", "x", "--user", ""}, noCH...), "--user"},
		{"adjust add without reason", append([]string{"adjust", "add", "--agent", "a-1", "--month", "2026-11", "--item", "late", "--points", "-1", "--user", "m"}, noCH...), "--reason"},
		{"adjust add bad month", append([]string{"adjust", "add", "--agent", "a-1", "--month", "2026/11", "--item", "late", "--points", "-1", "--reason", "x", "--user", "m"}, noCH...), "--month"},
		{"adjust reverse without id", append([]string{"adjust", "reverse", "--reason", "x", "--user", "m"}, noCH...), "--id is required"},
		{"adjust list bad format", append([]string{"adjust", "list", "--month", "2026-11", "--format", "xml"}, noCH...), "--format"},
		{"rollup without month", append([]string{"rollup", "--user", "ops"}, noCH...), "--month is required"},
		{"rollup without user", append([]string{"rollup", "--month", "2026-11", "--user", ""}, noCH...), "--user is required"},
		{"rollup bad policy", append([]string{"rollup", "--month", "2026-11", "--user", "ops", "--policy", bad}, noCH...), "--policy"},
		{"approve without user", append([]string{"approve", "--month", "2026-11", "--user", ""}, noCH...), "--user is required"},
		{"explain without agent", append([]string{"explain", "--month", "2026-11"}, noCH...), "--agent is required"},
		{"export bad what", append([]string{"export", "--month", "2026-11", "--what", "salaries"}, noCH...), "--what"},
		{"export bad format", append([]string{"export", "--month", "2026-11", "--what", "grades", "--format", "xlsx"}, noCH...), "--format"},
		{"export parquet to stdout", append([]string{"export", "--month", "2026-11", "--what", "grades", "--format", "parquet"}, noCH...), "--out is required"},
		{"import without files", append([]string{"import"}, noCH...), "at least one file"},
		{"import unknown format", append([]string{"import", "calls.csv"}, noCH...), "unknown format"},
		{"import unknown kind", append([]string{"import", "--kind", "emails", "x.jsonl"}, noCH...), "--kind"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runCLI(tc.args...)
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Fatalf("err = %v, want a usage error", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

// TestScorecardCommands runs the scorecard commands as a payroll month would, through the
// binary: import, adjust, rollup, explain, approve, a new revision, export.
func TestScorecardCommands(t *testing.T) {
	w := itest.Warehouse(t)
	dir := t.TempDir()
	calls := filepath.Join(dir, "calls-2026-11.jsonl")
	// One answered call with a 5-star survey; a second record is invalid (ended before offered).
	os.WriteFile(calls, []byte(`{"call_id":"c1","agent_id":"a-01","customer_id":"u1","offered_at":"2026-11-03T10:00:00+08:00","answered_at":"2026-11-03T10:00:20+08:00","ended_at":"2026-11-03T10:05:20+08:00"}
{"call_id":"c2","agent_id":"a-01","customer_id":"u2","offered_at":"2026-11-03T10:00:00+08:00","ended_at":"2026-11-03T09:00:00+08:00"}
`), 0o644)
	surveys := filepath.Join(dir, "surveys.jsonl")
	os.WriteFile(surveys, []byte(`{"survey_id":"s1","interaction_id":"c1","channel":"call","score":5,"answered_at":"2026-11-03T12:00:00+08:00"}`+"\n"), 0o644)
	ch := []string{"--clickhouse", itest.ClickHouseAddr(t), "--database", w.Database()}
	run := func(wantCode int, args ...string) string {
		t.Helper()
		out, err := exec.Command(ccqaBin, append(args, ch...)...).CombinedOutput()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != wantCode {
			t.Fatalf("ccqa %s: exit %d, want %d\n%s", strings.Join(args, " "), code, wantCode, out)
		}
		return string(out)
	}
	// The invalid call makes import exit 1 after storing the valid one.
	out := run(1, "import", calls)
	if !strings.Contains(out, "1 calls stored, 1 invalid recorded in ingest_errors") {
		t.Errorf("import output:\n%s", out)
	}
	run(0, "import", surveys)
	run(0, "adjust", "add", "--agent", "a-01", "--month", "2026-11", "--item", "late", "--points", "-2", "--reason", "迟到 8 分钟", "--user", "mgr")
	// a-01: csat 1 → 10, no resolved contact → 10, no QA → 10, no complaint → 10, manual 55:
	// 95, late −2 → 93 优秀.
	out = run(0, "rollup", "--month", "2026-11", "--user", "ops")
	if !strings.Contains(out, "revision 1 (first rollup of 2026-11)") || !strings.Contains(out, "93") || !strings.Contains(out, "优秀") {
		t.Errorf("rollup output:\n%s", out)
	}
	out = run(0, "explain", "--agent", "a-01", "--month", "2026-11")
	for _, want := range []string{"csat = 1 ≥ 0.9 → 10", "迟到 8 分钟", "rounded half up (四舍五入): 93", "grade: 优秀 / Excellent"} {
		if !strings.Contains(out, want) {
			t.Errorf("explain output lacks %q:\n%s", want, out)
		}
	}
	run(2, "explain", "--agent", "nobody", "--month", "2026-11")
	run(0, "approve", "--month", "2026-11", "--user", "lead")
	run(0, "adjust", "add", "--agent", "a-01", "--month", "2026-11", "--item", "praise_verbal", "--points", "5", "--reason", "表扬", "--user", "mgr")
	out = run(0, "rollup", "--month", "2026-11", "--user", "ops")
	if !strings.Contains(out, "NEW REVISION 2") {
		t.Errorf("rollup after approval does not say it made a new revision:\n%s", out)
	}
	run(2, "approve", "--month", "2026-11", "--user", "lead", "--revision", "1")
	csv := filepath.Join(dir, "grades.csv")
	run(0, "export", "--month", "2026-11", "--what", "grades", "--out", csv)
	b, err := os.ReadFile(csv)
	if err != nil {
		t.Fatal(err)
	}
	// Payroll still sees the approved revision 1 (93) until revision 2 is approved.
	if !strings.HasPrefix(string(b), "\ufeffmonth,agent_id,") || !strings.Contains(string(b), ",93,") {
		t.Errorf("exported CSV:\n%s", b)
	}
}
