package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/ccqa/ccqa/dashboards"
	"github.com/ccqa/ccqa/qa"
	"github.com/ccqa/ccqa/warehouse"
)

func runDashboards(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(e.stderr, `Usage: ccqa dashboards export --month 2026-11 --out DIR [flags]

Writes the managers' dashboards of a month as static HTML that opens offline from disk: DIR/index.html,
DIR/zh/ and DIR/en/ (team, agent, QA and ingest health pages) and DIR/assets/ (ECharts, embedded in
ccqa). The same pages are served live by `+"`ccqa serve`"+` at /dashboards/.
`)
		if len(args) == 0 {
			return usagef("dashboards: a subcommand is required (export)")
		}
		return nil
	}
	if args[0] != "export" {
		return usagef("dashboards: unknown subcommand %q (want export)", args[0])
	}
	return runDashboardsExport(ctx, e, args[1:])
}

func runDashboardsExport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "dashboards export", `dashboards export --month 2026-11 --out DIR [flags]

Writes every dashboard page of the month reachable from the index (one team page per heat-map
metric, every agent, QA per team and agent, ingest health) with relative links, so DIR opens from
disk with no server and no network.`)
	var ch chFlags
	ch.register(fs)
	month := fs.String("month", "", "month of the pages, YYYY-MM (required)")
	out := fs.String("out", "", "folder to write (required; created if missing)")
	months := fs.Int("months", 6, "months of history on the agent pages, up to --month (1-24)")
	hours := fs.Int("hours", 24, "ingest health window in hours, ending now (1-744)")
	langs := fs.String("langs", "zh,en", "languages to write: zh, en or both")
	teams := fs.String("teams", "", "only these teams, comma-separated (default every team)")
	rubric := fs.String("rubric", "", "rubric YAML for the QA section labels (default: the shipped rubric)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("dashboards export: unexpected argument %q", fs.Arg(0))
	}
	if *month == "" {
		return usagef("dashboards export: --month is required (YYYY-MM)")
	}
	m, err := dashboards.ParseMonth(*month)
	if err != nil {
		return usagef("dashboards export: --month: %v", err)
	}
	if *out == "" {
		return usagef("dashboards export: --out is required (a folder)")
	}
	if *months < 1 || *months > 24 {
		return usagef("dashboards export: --months %d: want 1 to 24", *months)
	}
	if *hours < 1 || *hours > 744 {
		return usagef("dashboards export: --hours %d: want 1 to 744", *hours)
	}
	var ls []dashboards.Lang
	for _, s := range splitList(*langs) {
		l, err := dashboards.ParseLang(s)
		if err != nil || s == "" {
			return usagef("dashboards export: --langs: %v", err)
		}
		ls = append(ls, l)
	}
	if len(ls) == 0 {
		return usagef("dashboards export: --langs: name at least one of zh, en")
	}
	r, err := qa.LoadRubric(*rubric)
	if err != nil {
		return usagef("dashboards export: --rubric: %v", err)
	}
	w, err := ch.open(ctx)
	if err != nil {
		return err
	}
	defer w.Close()
	d, err := dashboards.New(ctx, dashboards.Config{Warehouse: w, Rubric: r, Logger: e.logger(slog.LevelWarn)})
	if err != nil {
		return err
	}
	bar := newProgressBar(e.stderr, "export", 1)
	res, err := d.Export(ctx, dashboards.ExportOptions{Month: m, Months: *months, Out: *out, Langs: ls,
		Teams: splitList(*teams), Hours: *hours, Progress: func(done, known int) {
			bar.total = known
			bar.set(done)
		}})
	if err != nil {
		// A team that does not exist is a bad flag, not a failure of the export.
		if errors.Is(err, dashboards.ErrUnknownTeam) {
			return usagef("dashboards export: --teams: %v", err)
		}
		return err
	}
	bar.done(bar.total)
	abs, _ := filepath.Abs(res.Dir)
	fmt.Fprintf(e.stdout, "wrote %d pages (%.1f MB) to %s; open %s\n", res.Pages, float64(res.Bytes)/1e6, abs, filepath.Join(abs, "index.html"))
	return nil
}

// dashboardsMount builds the dashboards that `ccqa serve` mounts at /dashboards/, behind the QA
// app's sign-in (auth is the QA web server: one session covers both).
func dashboardsMount(ctx context.Context, w *warehouse.Warehouse, r *qa.Rubric, auth dashboards.Authenticator, log *slog.Logger) (mount, error) {
	d, err := dashboards.New(ctx, dashboards.Config{Warehouse: w, Rubric: r, Auth: auth, Logger: log})
	if err != nil {
		return mount{}, err
	}
	return mount{prefix: "/dashboards/", handler: d.Handler()}, nil
}
