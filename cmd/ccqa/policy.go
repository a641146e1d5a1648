package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/ccqa/ccqa/scorecard"
)

const policyUsage = `policy <command> [flags]

Scorecard policies (SPEC §7.1). Commands:
  check FILE [--warehouse]   validate a policy file, naming the bad field; with --warehouse also
                             check that the warehouse provides every metric it reads
  print [POLICY]             print a policy (the shipped default without POLICY)

POLICY is a file, or embedded:NAME for a policy shipped in the binary (embedded:default.yaml,
embedded:five_grades.yaml).`

func runPolicy(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(e.stderr, "Usage: ccqa "+policyUsage)
		if len(args) == 0 {
			return usagef("policy: a command is required (check or print)")
		}
		return errHelp
	}
	switch args[0] {
	case "check":
		return runPolicyCheck(ctx, e, args[1:])
	case "print":
		fs := newFlags(e, "policy print", "policy print [POLICY]")
		if err := parseFlags(fs, args[1:]); err != nil {
			return err
		}
		if fs.NArg() > 1 {
			return usagef("policy print: at most one policy")
		}
		p, err := loadPolicy(fs.Arg(0))
		if err != nil {
			return usagef("policy print: %v", err)
		}
		_, err = e.stdout.Write(p.Source())
		return err
	}
	fmt.Fprintln(e.stderr, "Usage: ccqa "+policyUsage)
	return usagef("policy: unknown command %q", args[0])
}

func runPolicyCheck(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "policy check", "policy check [--warehouse [flags]] FILE")
	var ch chFlags
	ch.register(fs)
	againstWarehouse := fs.Bool("warehouse", false, "also check that the ClickHouse warehouse provides every metric the policy reads")
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return usagef("policy check: exactly one policy file is required")
	}
	p, err := loadPolicy(files[0])
	if err != nil {
		// A bad policy is bad input: exit 2 with the field named.
		return usagef("policy check: %v", err)
	}
	fmt.Fprintf(e.stdout, "%s: ok, policy %s (%s)\n", files[0], p.Version(), p.Label)
	fmt.Fprintf(e.stdout, "  %d components worth %s of %d points, %d adjustment items, %d grades, %d pay factors\n",
		len(p.Components), p.ComponentsMax(), p.Total, len(p.Adjustments), len(p.Grades), len(p.PayFactors))
	if len(p.Metrics()) > 0 {
		fmt.Fprintf(e.stdout, "  reads metrics: %s\n", strings.Join(p.Metrics(), ", "))
	}
	if !*againstWarehouse {
		return nil
	}
	w, err := ch.open(ctx)
	if err != nil {
		return err
	}
	defer w.Close()
	missing, err := scorecard.NewStore(w, nil).MissingMetrics(ctx, p)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return fmt.Errorf("policy check: the warehouse %s does not provide: %s", w.Database(), strings.Join(missing, "; "))
	}
	fmt.Fprintf(e.stdout, "  the warehouse %s provides every metric it reads\n", w.Database())
	return nil
}

// parseInterspersed parses flags that may come before, between or after the positional
// arguments (`ccqa import a.parquet b.parquet --kind calls`), and returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// loadPolicy loads the policy a --policy flag names: "" for the shipped default, embedded:NAME
// for another shipped one, else a file.
func loadPolicy(name string) (*scorecard.Policy, error) {
	switch {
	case name == "":
		return scorecard.DefaultPolicy(), nil
	case strings.HasPrefix(name, "embedded:"):
		return scorecard.EmbeddedPolicy(strings.TrimPrefix(name, "embedded:"))
	}
	return scorecard.LoadPolicy(name)
}

// policyFlag registers --policy (env CCQA_POLICY).
func policyFlag(fs *flag.FlagSet) *string {
	return fs.String("policy", os.Getenv("CCQA_POLICY"), "scorecard policy: a YAML file or embedded:NAME (env CCQA_POLICY; default: the shipped 客服考核制度细则)")
}

// userFlag registers --user (env CCQA_USER): who does something, recorded with it.
func userFlag(fs *flag.FlagSet, what string) *string {
	return fs.String("user", os.Getenv("CCQA_USER"), "who "+what+", recorded with it (env CCQA_USER; required)")
}
