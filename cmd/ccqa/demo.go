package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/ccqa/ccqa/ingest"
	"github.com/ccqa/ccqa/metrics"
	"github.com/ccqa/ccqa/reference"
	"github.com/ccqa/ccqa/traffic"
	"github.com/ccqa/ccqa/warehouse"
)

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "demo", "demo [flags]\n\nRuns the main job end to end on one machine: an embedded Kafka broker (unless --brokers),\nthe local ClickHouse (started if installed, unless --clickhouse), a month of synthetic traffic\nproduced to Kafka, ingested into ClickHouse with progress shown, then the per-agent metrics table.")
	brokers := fs.String("brokers", "", "use this Kafka instead of the embedded broker (comma-separated bootstrap addresses)")
	chAddr := fs.String("clickhouse", "", "use this ClickHouse (host:port, native protocol) instead of the local one")
	db := fs.String("database", warehouse.DefaultDatabase, "ClickHouse database")
	var gf genFlags
	gf.register(fs)
	logLevel := fs.String("log-level", "warn", "log level of the pipeline: debug, info, warn, error")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return usagef("demo: --log-level: %q is not one of debug, info, warn, error", *logLevel)
	}
	log := e.logger(level)
	cfg, month, err := gf.config()
	if err != nil {
		return err
	}
	gen, err := traffic.New(cfg)
	if err != nil {
		return usagef("%v", err)
	}

	// 1. Services.
	if *chAddr == "" {
		if *chAddr, _, err = startLocalClickHouse(ctx, e); err != nil {
			return err
		}
	}
	bl := splitList(*brokers)
	if len(bl) == 0 {
		cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(4))
		if err != nil {
			return fmt.Errorf("embedded Kafka: %w", err)
		}
		defer cluster.Close()
		bl = cluster.ListenAddrs()
		fmt.Fprintf(e.stderr, "embedded Kafka broker on %v\n", bl)
	}
	ch := chFlags{addr: *chAddr, db: *db, user: envOr("CCQA_CLICKHOUSE_USER", "default"), password: envOr("CCQA_CLICKHOUSE_PASSWORD", "")}
	w, err := ch.open(ctx)
	if err != nil {
		return err
	}
	defer w.Close()
	res, err := w.Migrate(ctx, warehouse.MigrateOptions{TimeZone: gf.tz, Logger: log})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "ClickHouse %s, database %s at schema version %d\n", *chAddr, *db, res.Current)

	// 2. Reference data, through the same CSV path as `ccqa agents import`.
	if err := loadReference(ctx, w, gen); err != nil {
		return err
	}

	// 3. Traffic into Kafka.
	icfg := ingest.DefaultConfig()
	icfg.Brokers = bl
	icfg.GroupID = fmt.Sprintf("ccqa-demo-%d", time.Now().UnixNano())
	icfg.BatchWait = 500 * time.Millisecond
	in, err := ingest.New(icfg, w, log, prometheus.NewRegistry())
	if err != nil {
		return err
	}
	if err := ingest.EnsureTopics(ctx, bl, append(in.Topics(), icfg.DeadLetterTopic), icfg.Partitions, nil); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "generating %s: %d agents in %d teams, %d days, seed %d\n", month, cfg.Agents, cfg.Teams, cfg.Days, cfg.Seed)
	pbar := newProgressBar(e.stderr, "produce", 0)
	pc, err := produce(ctx, bl, nil, gen, func(n int) { pbar.total = n; pbar.set(n) })
	if err != nil {
		return err
	}
	total := pc.Total().Records
	pbar.done(total)

	// 4. Ingest until every produced message is committed.
	runCtx, stopIngest := context.WithCancel(ctx)
	defer stopIngest()
	runErr := make(chan error, 1)
	go func() { runErr <- in.Run(runCtx) }()
	ibar := newProgressBar(e.stderr, "ingest", total)
	lastProgress, lastCommitted := time.Now(), int64(-1)
	for {
		st := in.Stats()
		ibar.set(int(st.Committed))
		if st.Committed >= int64(total) {
			break
		}
		if st.Committed != lastCommitted {
			lastCommitted, lastProgress = st.Committed, time.Now()
		} else if time.Since(lastProgress) > 2*time.Minute {
			stopIngest()
			return fmt.Errorf("ingest made no progress for 2 minutes (%d of %d committed)", st.Committed, total)
		}
		select {
		case <-ctx.Done():
			stopIngest()
			<-runErr
			return ctx.Err()
		case err := <-runErr:
			return fmt.Errorf("ingest stopped early: %w", errors.Join(err, errors.New("see the log above")))
		case <-time.After(200 * time.Millisecond):
		}
	}
	stopIngest()
	if err := <-runErr; err != nil {
		return err
	}
	st := in.Stats()
	ibar.done(int(st.Committed))

	// 5. The result.
	rows, err := metrics.AgentMonthly(ctx, w, month)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\nPer-agent metrics for %s (business time zone %s)\n\n", month, gf.tz)
	if err := printMetrics(e, rows, "table"); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\nproduced %s.\n", pc)
	fmt.Fprintf(e.stdout, "%d rows inserted into ClickHouse (duplicates collapse in the views), %d invalid messages sent to %s and %s.ingest_errors.\n",
		st.Inserted, st.DeadLettered, icfg.DeadLetterTopic, *db)
	fmt.Fprintf(e.stdout, "Query again with: ccqa metrics --clickhouse %s --database %s --month %s\n", *chAddr, *db, month)
	return nil
}

// loadReference saves the generator's agents and targets by writing and re-reading the CSV
// files that `ccqa agents import` and `ccqa targets import` take.
func loadReference(ctx context.Context, w *warehouse.Warehouse, gen *traffic.Generator) error {
	var buf bytes.Buffer
	if err := traffic.WriteAgentsCSV(&buf, gen.Agents()); err != nil {
		return err
	}
	agents, err := reference.ReadAgentsCSV(&buf)
	if err != nil {
		return fmt.Errorf("generated agents.csv: %w", err)
	}
	if err := reference.SaveAgents(ctx, w, agents); err != nil {
		return err
	}
	buf.Reset()
	if err := traffic.WriteTargetsCSV(&buf, gen.Targets()); err != nil {
		return err
	}
	targets, err := reference.ReadTargetsCSV(&buf)
	if err != nil {
		return fmt.Errorf("generated targets.csv: %w", err)
	}
	return reference.SaveTargets(ctx, w, targets)
}
