package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ccqa/ccqa/metrics"
)

func runMetrics(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "metrics", "metrics --month 2026-11 [--format table|json] [flags]\n\nPrints each agent's metrics for a month (SPEC §5). JSON is one object per agent per line.")
	var ch chFlags
	ch.register(fs)
	month := fs.String("month", "", "month to report, YYYY-MM (required)")
	format := fs.String("format", "table", "output format: table or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *month == "" {
		return usagef("metrics: --month is required (YYYY-MM)")
	}
	m, err := metrics.ParseMonth(*month)
	if err != nil {
		return usagef("metrics: --month: %v", err)
	}
	if *format != "table" && *format != "json" {
		return usagef("metrics: --format: %q is not one of table, json", *format)
	}
	w, err := ch.open(ctx)
	if err != nil {
		return err
	}
	defer w.Close()
	rows, err := metrics.AgentMonthly(ctx, w, m)
	if err != nil {
		return err
	}
	return printMetrics(e, rows, *format)
}

func printMetrics(e *env, rows []metrics.AgentMonth, format string) error {
	if format == "json" {
		enc := json.NewEncoder(e.stdout)
		for _, r := range rows {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	if len(rows) == 0 {
		fmt.Fprintln(e.stderr, "no agent has handled contacts in this month")
		return nil
	}
	return metrics.WriteTable(e.stdout, rows)
}
