package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// ccqaBin is the ccqa binary built once for the tests that run it as a separate process.
var ccqaBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ccqa-bin")
	if err != nil {
		panic(err)
	}
	ccqaBin = filepath.Join(dir, "ccqa")
	if out, err := exec.Command("go", "build", "-o", ccqaBin, ".").CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func runCLI(args ...string) (stdout, stderr string, err error) {
	var o, e bytes.Buffer
	err = run(context.Background(), args, &env{stdout: &o, stderr: &e, stdin: strings.NewReader("")})
	return o.String(), e.String(), err
}

// TestUsageErrors checks that invalid CLI input is a usage error (exit 2) whose message names
// the offending flag or field.
func TestUsageErrors(t *testing.T) {
	csvDir := t.TempDir()
	badAgents := filepath.Join(csvDir, "agents.csv")
	os.WriteFile(badAgents, []byte("agent_id,name,team,level,hired_on\na-1,张三,售前,junior,2024-13-01\n"), 0o644)
	badTargets := filepath.Join(csvDir, "targets.csv")
	os.WriteFile(badTargets, []byte("agent_id,month,sales_target\na-1,2026-11,-5\n"), 0o644)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no subcommand", nil, "subcommand is required"},
		{"unknown subcommand", []string{"frobnicate"}, `unknown subcommand "frobnicate"`},
		{"metrics without month", []string{"metrics"}, "--month or --from/--to is required"},
		{"metrics bad month", []string{"metrics", "--month", "2026-13"}, "--month"},
		{"metrics bad format", []string{"metrics", "--month", "2026-11", "--format", "xml"}, "--format"},
		{"metrics unknown flag", []string{"metrics", "--bogus"}, "bogus"},
		{"metrics bad clickhouse address", []string{"metrics", "--month", "2026-11", "--clickhouse", "nohostport"}, "clickhouse address"},
		{"gen bad month", []string{"gen", "--month", "11/2026", "--out", t.TempDir()}, "--month"},
		{"gen bad tz", []string{"gen", "--tz", "Mars/Base", "--out", t.TempDir()}, "--tz"},
		{"gen too many teams", []string{"gen", "--agents", "2", "--teams", "5", "--out", t.TempDir()}, "Teams"},
		{"ingest no brokers", []string{"ingest", "--brokers", ""}, "brokers"},
		{"ingest bad batch", []string{"ingest", "--brokers", "127.0.0.1:1", "--batch-rows", "0"}, "batch-rows"},
		{"ingest bad log level", []string{"ingest", "--brokers", "127.0.0.1:1", "--log-level", "loud"}, "--log-level"},
		{"agents without import", []string{"agents"}, "ccqa agents import"},
		{"agents missing file", []string{"agents", "import", filepath.Join(csvDir, "nope.csv")}, "nope.csv"},
		{"agents bad date", []string{"agents", "import", badAgents}, "line 2: hired_on"},
		{"targets bad amount", []string{"targets", "import", badTargets}, "line 2: sales_target"},
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
}

// TestExitCodes runs the real binary: 2 for a usage error with the message on stderr, 0 for help.
func TestExitCodes(t *testing.T) {
	cmd := exec.Command(ccqaBin, "metrics", "--format", "xml", "--month", "2026-11")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("exit = %v, want 2; output %s", err, out)
	}
	if !strings.Contains(string(out), "--format") {
		t.Errorf("stderr %q does not name the flag", out)
	}
	for _, args := range [][]string{{"--help"}, {"metrics", "--help"}, {"ingest", "-h"}} {
		out, err := exec.Command(ccqaBin, args...).CombinedOutput()
		if err != nil {
			t.Errorf("%v: exit %v, want 0; %s", args, err, out)
		}
		if !strings.Contains(string(out), "Usage") {
			t.Errorf("%v: no usage text in %q", args, out)
		}
	}
}

// TestGenFiles checks that `ccqa gen --out` writes the four JSON-lines files and the reference
// CSVs, and that the same seed gives the same bytes.
func TestGenFiles(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for _, dir := range []string{a, b} {
		if _, _, err := runCLI("gen", "--out", dir, "--month", "2026-11", "--days", "3", "--agents", "6", "--teams", "2", "--seed", "42"); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"calls.jsonl", "chats.jsonl", "surveys.jsonl", "orders.jsonl", "agents.csv", "targets.csv"} {
		x, err := os.ReadFile(filepath.Join(a, f))
		if err != nil {
			t.Fatal(err)
		}
		y, _ := os.ReadFile(filepath.Join(b, f))
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s: empty or differs between two runs with the same seed", f)
		}
	}
}
