package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	httppprof "net/http/pprof"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ccqa/ccqa/event"
	"github.com/ccqa/ccqa/ingest"
)

// ingestFlags are the flags of `ccqa ingest`, shared with `ccqa demo`.
type ingestFlags struct {
	brokers                 string
	group                   string
	topics                  map[event.Kind]*string
	deadLetter              string
	batchRows, batchBytes   int
	batchWait, drainTimeout time.Duration
	maxBuffered, fetchBytes int
	maxInserts              int
	fetchWait               time.Duration
	createTopics            bool
	partitions              int
}

func (f *ingestFlags) register(fs interface {
	StringVar(*string, string, string, string)
	IntVar(*int, string, int, string)
	DurationVar(*time.Duration, string, time.Duration, string)
	BoolVar(*bool, string, bool, string)
}, withBrokers bool) {
	d := ingest.DefaultConfig()
	if withBrokers {
		fs.StringVar(&f.brokers, "brokers", envOr("CCQA_BROKERS", "127.0.0.1:9092"), "Kafka bootstrap brokers, comma-separated (env CCQA_BROKERS)")
	}
	fs.StringVar(&f.group, "group", d.GroupID, "Kafka consumer group id; replicas with the same id share the partitions")
	f.topics = map[event.Kind]*string{}
	for _, k := range event.Kinds {
		s := new(string)
		fs.StringVar(s, "topic-"+string(k)+"s", event.DefaultTopic(k), "topic of "+string(k)+" events")
		f.topics[k] = s
	}
	fs.StringVar(&f.deadLetter, "dead-letter-topic", d.DeadLetterTopic, "topic that receives invalid messages")
	fs.IntVar(&f.batchRows, "batch-rows", d.BatchRows, "flush a partition's batch at this many messages")
	fs.IntVar(&f.batchBytes, "batch-bytes", d.BatchBytes, "flush a partition's batch at this many bytes")
	fs.DurationVar(&f.batchWait, "batch-wait", d.BatchWait, "flush a partition's batch this long after its first message")
	fs.DurationVar(&f.drainTimeout, "drain-timeout", d.DrainTimeout, "on shutdown or rebalance, time allowed to write the in-flight batches")
	fs.IntVar(&f.maxBuffered, "max-buffered-bytes", int(d.MaxBufferedBytes), "message bytes all partitions together may hold in unwritten batches (bounds memory)")
	fs.IntVar(&f.maxInserts, "max-inserts", d.MaxInserts, "ClickHouse INSERTs finishing (writing their parts) at once over all tables (bounds server load)")
	fs.IntVar(&f.fetchBytes, "fetch-bytes", d.FetchBytes, "most bytes one fetch of a partition returns")
	fs.DurationVar(&f.fetchWait, "fetch-wait", d.FetchWait, "how long the broker may hold an empty fetch")
	fs.BoolVar(&f.createTopics, "create-topics", d.CreateTopics, "create missing topics at start")
	fs.IntVar(&f.partitions, "partitions", d.Partitions, "partitions of topics created at start")
}

func (f *ingestFlags) config() ingest.Config {
	c := ingest.DefaultConfig()
	c.Brokers = splitList(f.brokers)
	c.GroupID = f.group
	c.Topics = map[event.Kind]string{}
	for k, t := range f.topics {
		c.Topics[k] = *t
	}
	c.DeadLetterTopic = f.deadLetter
	c.BatchRows, c.BatchBytes, c.BatchWait, c.DrainTimeout = f.batchRows, f.batchBytes, f.batchWait, f.drainTimeout
	c.MaxBufferedBytes, c.FetchBytes, c.FetchWait = int64(f.maxBuffered), f.fetchBytes, f.fetchWait
	c.MaxInserts = f.maxInserts
	c.CreateTopics, c.Partitions = f.createTopics, f.partitions
	return c
}

func runIngest(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "ingest", "ingest [flags]\n\nConsumes the event topics with a consumer group and writes them to ClickHouse until SIGINT or SIGTERM,\nthen writes the in-flight batches, commits and exits 0. Invalid messages go to the dead-letter topic\nand the ingest_errors table.")
	var ch chFlags
	ch.register(fs)
	var inf ingestFlags
	inf.register(fs, true)
	metricsAddr := fs.String("metrics-addr", "", "serve Prometheus /metrics on this address, e.g. 127.0.0.1:9464 (off when empty)")
	status := fs.Duration("status-every", 5*time.Second, "print a status line (rate, lag) to stderr this often; 0 turns it off")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	memLimit := fs.Int("memory-limit", 256<<20, "soft limit of the Go heap in bytes (GOMEMLIMIT), so the garbage collector works harder before memory grows past it; 0 leaves the runtime default")
	gcPercent := fs.Int("gc-percent", 100, "garbage collector target (GOGC): collect when the heap grows this many percent over the live data; -1 turns that trigger off, so that only --memory-limit starts a collection")
	cpuProfile := fs.String("cpu-profile", "", "write a CPU profile of the whole run to this file (for pprof)")
	memProfile := fs.String("mem-profile", "", "write a heap profile to this file when ingest stops (for pprof)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return usagef("ingest: --cpu-profile: %v", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("ingest: cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	if *memLimit < 0 {
		return usagef("ingest: --memory-limit: must not be negative, got %d", *memLimit)
	}
	if *gcPercent < -1 {
		return usagef("ingest: --gc-percent: must be -1 (off) or at least 0, got %d", *gcPercent)
	}
	if *gcPercent < 0 && *memLimit == 0 && os.Getenv("GOMEMLIMIT") == "" {
		return usagef("ingest: --gc-percent: -1 (off) needs a --memory-limit, or the heap would grow without bound")
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return usagef("ingest: --log-level: %q is not one of debug, info, warn, error", *logLevel)
	}
	cfg := inf.config()
	if err := cfg.Validate(); err != nil {
		return usagef("ingest: %v", err)
	}
	log := e.logger(level)
	if *memLimit > 0 && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(int64(*memLimit))
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(*gcPercent)
	}
	w, err := ch.open(ctx)
	if err != nil {
		return err
	}
	defer w.Close()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	in, err := ingest.New(cfg, w, log, reg)
	if err != nil {
		return err
	}
	if *metricsAddr != "" {
		stop, err := serveMetrics(*metricsAddr, reg, log)
		if err != nil {
			return err
		}
		defer stop()
	}
	if *status > 0 {
		stopStatus := startStatus(e, in, *status)
		defer stopStatus()
	}
	err = in.Run(ctx)
	if *memProfile != "" {
		if f, ferr := os.Create(*memProfile); ferr == nil {
			_ = pprof.Lookup("heap").WriteTo(f, 0)
			f.Close()
		}
	}
	return err
}

// serveMetrics serves /metrics in the background; the returned func stops the server.
func serveMetrics(addr string, reg *prometheus.Registry, log *slog.Logger) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, usagef("ingest: --metrics-addr: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	// Profiles on the same (operator-only) address: where memory or CPU goes in production is
	// otherwise guesswork.
	mux.HandleFunc("/debug/pprof/", httppprof.Index)
	mux.HandleFunc("/debug/pprof/profile", httppprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", httppprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server", "err", err)
		}
	}()
	log.Info("serving Prometheus metrics", "addr", ln.Addr().String()+"/metrics")
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}

// startStatus prints a status line every interval for a person watching: rates since the last
// line, totals, lag, memory held, and whether writes are failing (ingest paused). The returned
// func stops it.
func startStatus(e *env, in *ingest.Ingester, every time.Duration) func() {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(every)
		defer t.Stop()
		prev, prevAt := in.Stats(), time.Now()
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				st := in.Stats()
				fmt.Fprintln(e.stderr, statusLine(st, prev, now.Sub(prevAt)))
				prev, prevAt = st, now
			}
		}
	}()
	return func() { close(done); <-stopped }
}

// statusLine formats one status line from two snapshots taken dt apart.
func statusLine(st, prev ingest.Stats, dt time.Duration) string {
	secs := dt.Seconds()
	state := "ok"
	if st.Retrying > 0 {
		state = fmt.Sprintf("PAUSED: writes failing on %d partitions, retrying", st.Retrying)
	} else if st.Partitions == 0 {
		state = "no partitions assigned"
	}
	return fmt.Sprintf("ingest: %7.0f msg/s in, %7.0f rows/s out | lag %d | consumed %d inserted %d dead-lettered %d committed %d | %d partitions, %.1f MiB buffered | %s",
		float64(st.Consumed-prev.Consumed)/secs, float64(st.Inserted-prev.Inserted)/secs, st.Lag,
		st.Consumed, st.Inserted, st.DeadLettered, st.Committed, st.Partitions, float64(st.BufferedBytes)/(1<<20), state)
}
