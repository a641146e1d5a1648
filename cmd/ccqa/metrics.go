package main

import (
	"context"
	"fmt"
	"time"

	"github.com/ccqa/ccqa/metrics"
)

func runMetrics(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "metrics", `metrics (--month 2026-11 | --from 2026-11-01 --to 2026-12-01) [--by day|week|month]
               [--level agent|team|queue] [--agent ID] [--team NAME] [--queue NAME]
               [--format table|json|csv] [flags]

Prints the SPEC §5 metrics per agent, team or queue, by day, ISO week or month in the business
time zone, with sample sizes (_n). JSON is one object per row and line; CSV has a header row;
a metric without data is null (JSON), an empty cell (CSV) or "-" (table). Money is in yuan.`)
	var ch chFlags
	ch.register(fs)
	month := fs.String("month", "", "month to report, YYYY-MM (or use --from/--to)")
	from := fs.String("from", "", "first day to report, YYYY-MM-DD (business time zone)")
	to := fs.String("to", "", "day after the last day to report, YYYY-MM-DD (exclusive)")
	by := fs.String("by", "", "period: day, week (ISO, Monday first) or month; default month")
	level := fs.String("level", "agent", "rows per agent, team or queue")
	agent := fs.String("agent", "", "only this agent's contacts and orders")
	team := fs.String("team", "", "only the contacts and orders of this team's agents")
	queue := fs.String("queue", "", "only this queue's contacts (no order metrics: orders have no queue)")
	format := fs.String("format", "table", "output format: table, json or csv")
	sl := fs.Int("sl-seconds", metrics.DefaultServiceLevelSeconds, "service level T: a call answered within T seconds is in service level")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	q, err := metricsQuery(*month, *from, *to, *by, *level, *sl)
	if err != nil {
		return err
	}
	q.Agent, q.Team, q.Queue = *agent, *team, *queue
	switch *format {
	case "table", "json", "csv":
	default:
		return usagef("metrics: --format: %q is not one of table, json, csv", *format)
	}
	w, err := ch.open(ctx)
	if err != nil {
		return err
	}
	defer w.Close()
	rows, err := metrics.Rows(ctx, w, q)
	if err != nil {
		return err
	}
	if *format == "csv" {
		return metrics.WriteCSV(e.stdout, q.Level, q.By, rows)
	}
	return printMetrics(e, rows, *format)
}

// metricsQuery turns the period flags into a query, naming the bad flag on error.
func metricsQuery(month, from, to, by, level string, sl int) (metrics.Query, error) {
	var q metrics.Query
	switch {
	case month != "" && (from != "" || to != ""):
		return q, usagef("metrics: --month and --from/--to exclude each other")
	case month != "":
		m, err := metrics.ParseMonth(month)
		if err != nil {
			return q, usagef("metrics: --month: %v", err)
		}
		q = metrics.MonthQuery(metrics.LevelAgent, m)
	case from != "" || to != "":
		if from == "" || to == "" {
			return q, usagef("metrics: --from and --to go together (YYYY-MM-DD, --to exclusive)")
		}
		f, err := time.Parse(time.DateOnly, from)
		if err != nil {
			return q, usagef("metrics: --from %q: want YYYY-MM-DD", from)
		}
		t, err := time.Parse(time.DateOnly, to)
		if err != nil {
			return q, usagef("metrics: --to %q: want YYYY-MM-DD", to)
		}
		if !f.Before(t) {
			return q, usagef("metrics: --to %s must be after --from %s (--to is exclusive)", to, from)
		}
		q = metrics.Query{By: metrics.ByMonth, From: f, To: t}
	default:
		return q, usagef("metrics: --month or --from/--to is required")
	}
	switch metrics.Period(by) {
	case "":
	case metrics.ByDay, metrics.ByWeek, metrics.ByMonth:
		q.By = metrics.Period(by)
	default:
		return q, usagef("metrics: --by: %q is not one of day, week, month", by)
	}
	switch metrics.Level(level) {
	case metrics.LevelAgent, metrics.LevelTeam, metrics.LevelQueue:
		q.Level = metrics.Level(level)
	default:
		return q, usagef("metrics: --level: %q is not one of agent, team, queue", level)
	}
	if sl < 1 {
		return q, usagef("metrics: --sl-seconds: %d must be at least 1", sl)
	}
	q.ServiceLevelSeconds = sl
	return q, nil
}

func printMetrics(e *env, rows []metrics.Row, format string) error {
	if format == "json" {
		return metrics.WriteJSON(e.stdout, rows)
	}
	if len(rows) == 0 {
		fmt.Fprintln(e.stderr, "no data in this period")
		return nil
	}
	return metrics.WriteTable(e.stdout, rows)
}
