package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/ccqa/ccqa/warehouse"
)

func runMigrate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "migrate", "migrate [flags]\n\nCreates the database, applies pending schema migrations in order and recreates the views.\nSafe to run any number of times.\nWith --cluster NAME, creates the schema on that ClickHouse cluster: replicated tables, Distributed\ntables over the sharded ones, everything ON CLUSTER (README \"Scale-out\").")
	var ch chFlags
	ch.register(fs)
	tz := fs.String("tz", "Asia/Shanghai", "business time zone for day, week and month buckets (baked into the views)")
	cluster := fs.String("cluster", "", "create the schema on this ClickHouse cluster (a <remote_servers> name, see system.clusters); a database keeps the mode it was created in")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	w, err := ch.open(ctx)
	if err != nil {
		return err
	}
	defer w.Close()
	res, err := w.Migrate(ctx, warehouse.MigrateOptions{TimeZone: *tz, Logger: e.logger(slog.LevelInfo), Cluster: *cluster})
	if errors.Is(err, warehouse.ErrUnknownCluster) || errors.Is(err, warehouse.ErrClusterMode) {
		return usagef("%v", err)
	}
	if err != nil {
		return err
	}
	where := "single node"
	if res.Cluster != "" {
		where = "cluster " + res.Cluster
	}
	fmt.Fprintf(e.stdout, "database %s at schema version %d (%s): %d migration(s) applied, %d view(s) recreated, time zone %s\n",
		w.Database(), res.Current, where, len(res.Applied), res.Views, *tz)
	return nil
}
