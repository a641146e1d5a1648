package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
)

// env is what a subcommand may touch of the process: its streams. Subcommands never exit; they
// return an error and main decides the exit code.
type env struct {
	stdout io.Writer
	stderr io.Writer
	stdin  io.Reader
}

// logger returns the structured logger subcommands log with: text to stderr at the given level.
func (e *env) logger(level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
}

// usageError is an invalid invocation: a bad flag or argument. main exits 2 on it.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{msg: fmt.Sprintf(format, args...)} }

// errHelp is returned after printing help that was asked for; main exits 0.
var errHelp = errors.New("help requested")

type command struct {
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

func commands() map[string]command {
	return map[string]command{
		"migrate": {"create or upgrade the ClickHouse schema (idempotent, versioned)", runMigrate},
		"gen":     {"generate realistic synthetic traffic to Kafka or JSON-lines files", runGen},
		"ingest":  {"consume the event topics and write them to ClickHouse", runIngest},
		"bench":   {"benchmarks on real services: `ccqa bench ingest`", runBench},
		"metrics": {"print SPEC §5 metrics by agent, team or queue and day, week or month", runMetrics},
		"demo":    {"run everything on one machine: embedded Kafka, local ClickHouse, a month of traffic", runDemo},
		"agents":  {"reference data: `ccqa agents import FILE.csv`", runAgents},
		"targets": {"reference data: `ccqa targets import FILE.csv`", runTargets},
		"qa":      {"QA review: rubric check, auto-QA scan, sampling, calibration, disputes", runQA},
		"serve":   {"serve the web apps: QA review (/qa/), dashboards (/dashboards/), adjustments API (/scorecard/api/)", runServe},
		"policy":  {"scorecard policies: `ccqa policy check FILE`, `ccqa policy print`", runPolicy},
		"adjust":  {"manager entries (即时考核): add, list, reverse", runAdjust},
		"rollup":  {"compute every agent's monthly grade and pay factor (a new revision after approval)", runRollup},
		"approve": {"approve (freeze) a month's grades for payroll", runApprove},
		"explain": {"explain an agent's monthly grade line by line", runExplain},
		"export":  {"write a month's grades or metrics as CSV (Excel-ready) or Parquet", runExport},
		"import":  {"backfill events from Parquet, Arrow IPC or JSON-lines files", runImport},

		"dashboards": {"managers' dashboards: `ccqa dashboards export --month 2026-11 --out DIR` (served live by serve at /dashboards/)", runDashboards},
	}
}

// run is the whole program behind main: it picks the subcommand and runs it.
func run(ctx context.Context, args []string, e *env) error {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printUsage(e.stdout, cmds)
		if len(args) == 0 {
			return usagef("a subcommand is required")
		}
		return nil
	}
	c, ok := cmds[args[0]]
	if !ok {
		printUsage(e.stderr, cmds)
		return usagef("unknown subcommand %q", args[0])
	}
	return c.run(ctx, e, args[1:])
}

func printUsage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "ccqa — call-center QA analytics\n\nUsage: ccqa <subcommand> [flags]\n\nSubcommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	for _, n := range names {
		fmt.Fprintf(w, "  %-*s  %s\n", width, n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun `ccqa <subcommand> --help` for its flags.")
}

// newFlags returns a flag set for a subcommand that reports errors instead of exiting.
func newFlags(e *env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: ccqa %s\n\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and turns flag errors into usage errors and -h into errHelp.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return usagef("%s: %v", fs.Name(), err)
	}
	return nil
}

// envOr returns the environment variable if set, else def: the default of a connection flag.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
