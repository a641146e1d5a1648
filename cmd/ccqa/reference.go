package main

import (
	"context"
	"fmt"
	"os"

	"github.com/ccqa/ccqa/reference"
)

func runAgents(ctx context.Context, e *env, args []string) error {
	return runImportCSV(ctx, e, "agents", args, func(ctx context.Context, ch *chFlags, f *os.File) (int, error) {
		agents, err := reference.ReadAgentsCSV(f)
		if err != nil {
			return 0, usagef("agents import %s: %v", f.Name(), err)
		}
		w, err := ch.open(ctx)
		if err != nil {
			return 0, err
		}
		defer w.Close()
		return len(agents), reference.SaveAgents(ctx, w, agents)
	})
}

func runTargets(ctx context.Context, e *env, args []string) error {
	return runImportCSV(ctx, e, "targets", args, func(ctx context.Context, ch *chFlags, f *os.File) (int, error) {
		targets, err := reference.ReadTargetsCSV(f)
		if err != nil {
			return 0, usagef("targets import %s: %v", f.Name(), err)
		}
		w, err := ch.open(ctx)
		if err != nil {
			return 0, err
		}
		defer w.Close()
		return len(targets), reference.SaveTargets(ctx, w, targets)
	})
}

// runImportCSV is `ccqa agents import FILE` and `ccqa targets import FILE`: the file is checked
// whole before anything is written, so a bad line changes nothing.
func runImportCSV(ctx context.Context, e *env, what string, args []string,
	load func(context.Context, *chFlags, *os.File) (int, error)) error {
	if len(args) == 0 || args[0] != "import" {
		return usagef("%s: usage: ccqa %s import [flags] FILE.csv", what, what)
	}
	fs := newFlags(e, what+" import", what+" import [flags] FILE.csv")
	var ch chFlags
	ch.register(fs)
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("%s import: exactly one CSV file is required", what)
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return usagef("%s import: %v", what, err)
	}
	defer f.Close()
	n, err := load(ctx, &ch, f)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d %s imported from %s\n", n, what, fs.Arg(0))
	return nil
}
