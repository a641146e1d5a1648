package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/ccqa/ccqa/export"
)

func runExport(ctx context.Context, e *env, args []string) error {
	const cmd = "export"
	fs := newFlags(e, cmd, `export --month 2026-11 --what grades|metrics --format csv|parquet [--out FILE] [flags]

Writes a month's grades (the current revision, with flags: monthly_grades_current) or metrics
(agent_metrics_month) as CSV with a UTF-8 byte order mark, which Excel opens with Chinese text
intact, or as Parquet. Without --out, CSV goes to standard output; Parquet needs --out.`)
	var ch chFlags
	ch.register(fs)
	month := fs.String("month", "", "month, YYYY-MM (required)")
	what := fs.String("what", "", "grades or metrics (required)")
	format := fs.String("format", "csv", "csv or parquet")
	out := fs.String("out", "", "output file (default: standard output, CSV only)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q", cmd, fs.Arg(0))
	}
	m, err := parseMonthFlag(cmd, *month)
	if err != nil {
		return err
	}
	if !slices.Contains(export.What, *what) {
		return usagef("%s: --what: %q is not one of %s", cmd, *what, strings.Join(export.What, ", "))
	}
	if *format != "csv" && *format != "parquet" {
		return usagef("%s: --format: %q is not one of csv, parquet", cmd, *format)
	}
	if *format == "parquet" && *out == "" {
		return usagef("%s: --out is required for --format parquet", cmd)
	}
	w, err := ch.open(ctx)
	if err != nil {
		return err
	}
	defer w.Close()
	t, err := export.Month(ctx, w, *what, m)
	if err != nil {
		return err
	}
	var dst io.Writer = e.stdout
	var f *os.File
	if *out != "" {
		// Write next to the target and rename, so a failed export never leaves half a file
		// where a payroll script expects a whole one.
		f, err = os.CreateTemp(dirOf(*out), ".ccqa-export-*")
		if err != nil {
			return usagef("%s: --out: %v", cmd, err)
		}
		defer os.Remove(f.Name())
		defer f.Close()
		dst = f
	}
	bw := bufio.NewWriter(dst)
	if *format == "csv" {
		err = export.WriteCSV(bw, t)
	} else {
		err = export.WriteParquet(bw, t)
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return fmt.Errorf("%s: %w", cmd, err)
		}
		if err := os.Rename(f.Name(), *out); err != nil {
			return fmt.Errorf("%s: %w", cmd, err)
		}
		fmt.Fprintf(e.stderr, "%s: %d rows of %s for %s written to %s\n", cmd, len(t.Rows), *what, m.Format("2006-01"), *out)
	}
	if len(t.Rows) == 0 {
		fmt.Fprintf(e.stderr, "%s: no %s for %s (was it rolled up?)\n", cmd, *what, m.Format("2006-01"))
	}
	return nil
}

func dirOf(path string) string {
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		return path[:i+1]
	}
	return "."
}
