package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/ccqa/ccqa/backfill"
	"github.com/ccqa/ccqa/event"
)

func runImport(ctx context.Context, e *env, args []string) error {
	const cmd = "import"
	fs := newFlags(e, cmd, `import [--kind calls|chats|surveys|orders] [flags] FILE...

Backfills events from Parquet (.parquet), Arrow IPC (.arrow, file or stream format) or JSON lines
(.jsonl) files, with the SPEC §3 field names as columns. Records go through the same decoders and
inserts as ingest: re-importing a file changes nothing, and an invalid record is recorded in
ingest_errors (source "import:FILE", offset = record number) and counted. The kind comes from
--kind or from the file name (calls*.parquet …). Exits 1 when any record was invalid.`)
	var ch chFlags
	ch.register(fs)
	kindFlag := fs.String("kind", "", "event kind of every file: calls, chats, surveys or orders (default: from each file name)")
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usagef("%s: at least one file is required", cmd)
	}
	var kind event.Kind
	if *kindFlag != "" {
		k := event.Kind(strings.TrimSuffix(*kindFlag, "s"))
		if !slices.Contains(event.Kinds, k) {
			return usagef("%s: --kind: %q is not one of calls, chats, surveys, orders", cmd, *kindFlag)
		}
		kind = k
	}
	type job struct {
		path string
		kind event.Kind
	}
	var jobs []job
	for _, path := range files {
		if _, err := backfill.FormatOf(path); err != nil {
			return usagef("%s: %v", cmd, err)
		}
		if _, err := os.Stat(path); err != nil {
			return usagef("%s: %v", cmd, err)
		}
		k := kind
		if k == "" {
			var ok bool
			if k, ok = backfill.KindOf(path); !ok {
				return usagef("%s: %s: cannot tell the event kind from the name; pass --kind", cmd, path)
			}
		}
		jobs = append(jobs, job{path, k})
	}
	w, err := ch.open(ctx)
	if err != nil {
		return err
	}
	defer w.Close()
	invalid := 0
	for _, j := range jobs {
		// The number of records is known only at the end: the bar counts records read.
		bar := newProgressBar(e.stderr, "import", 0)
		res, err := backfill.Import(ctx, w, j.kind, j.path, func(n int) { bar.total = n; bar.set(n) })
		bar.done(res.Records)
		if err != nil {
			return fmt.Errorf("%s: %s: %w (%d records stored before the error)", cmd, j.path, err, res.Valid)
		}
		fmt.Fprintf(e.stdout, "%s: %d %ss stored, %d invalid recorded in ingest_errors (of %d records)\n", j.path, res.Valid, j.kind, res.Invalid, res.Records)
		invalid += res.Invalid
	}
	if invalid > 0 {
		return fmt.Errorf("%s: %d invalid record(s); see `SELECT * FROM %s.ingest_errors WHERE src_topic LIKE 'import:%%'`", cmd, invalid, w.Database())
	}
	return nil
}
