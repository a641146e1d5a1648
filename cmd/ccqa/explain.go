package main

import (
	"context"
	"strings"

	"github.com/ccqa/ccqa/scorecard"
)

func runExplain(ctx context.Context, e *env, args []string) error {
	const cmd = "explain"
	fs := newFlags(e, cmd, `explain --agent a-01 --month 2026-11 [flags]

Prints how the agent's current grade for the month was computed: each component with the metric
value, the rule applied and the points, the adjustments with their entries, the total, rounding,
grade, pay factor, rank and flags, and any entries made after the grade was computed.`)
	var ch chFlags
	ch.register(fs)
	agent := fs.String("agent", "", "agent id (required)")
	month := fs.String("month", "", "month, YYYY-MM (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	m, err := parseMonthFlag(cmd, *month)
	if err != nil {
		return err
	}
	if strings.TrimSpace(*agent) == "" {
		return usagef("%s: --agent is required", cmd)
	}
	w, err := ch.open(ctx)
	if err != nil {
		return err
	}
	defer w.Close()
	ex, err := scorecard.NewStore(w, nil).Explain(ctx, m, strings.TrimSpace(*agent))
	if err != nil {
		return fieldUsage(cmd, err)
	}
	return scorecard.WriteExplanation(e.stdout, ex)
}
