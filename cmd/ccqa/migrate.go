package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/ccqa/ccqa/warehouse"
)

func runMigrate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "migrate", "migrate [flags]\n\nCreates the database, applies pending schema migrations in order and recreates the views.\nSafe to run any number of times.")
	var ch chFlags
	ch.register(fs)
	tz := fs.String("tz", "Asia/Shanghai", "business time zone for day, week and month buckets (baked into the views)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	w, err := ch.open(ctx)
	if err != nil {
		return err
	}
	defer w.Close()
	res, err := w.Migrate(ctx, warehouse.MigrateOptions{TimeZone: *tz, Logger: e.logger(slog.LevelInfo)})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "database %s at schema version %d: %d migration(s) applied, %d view(s) recreated, time zone %s\n",
		w.Database(), res.Current, len(res.Applied), res.Views, *tz)
	return nil
}
