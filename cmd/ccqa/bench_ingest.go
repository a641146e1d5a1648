package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ccqa/ccqa/event"
	"github.com/ccqa/ccqa/ingest"
	"github.com/ccqa/ccqa/traffic"
	"github.com/ccqa/ccqa/warehouse"
)

// errStopGenerating ends generation once enough events were produced.
var errStopGenerating = errors.New("enough events")

// benchResult is one measured run of `ccqa bench ingest`.
type benchResult struct {
	mix          string
	events       int // messages produced (duplicates and invalid ones included)
	meanBytes    float64
	wall         time.Duration // partitions assigned (first fetch) to last commit
	cpu          time.Duration // CPU of the ingest process over the same span
	cpuTotal     time.Duration // CPU of the ingest process over its whole life
	peakRSS      int64         // bytes, VmHWM of the ingest process
	rawRows      int
	rawTook      time.Duration
	rowsInserted int64
	ingestCPU    cpuUse // machine CPU from first fetch to last commit, per process
	rawCPU       cpuUse // machine CPU over the raw ceiling's inserts, per process
}

func (r benchResult) rate() float64 { return float64(r.events) / r.wall.Seconds() }

// rowRate is the ingest's rows per second, compared with the raw ceiling's (invalid messages
// are not rows in either).
func (r benchResult) rowRate() float64 { return float64(r.rowsInserted) / r.wall.Seconds() }

func (r benchResult) perCPU() float64 { return float64(r.events) / r.cpu.Seconds() }

func (r benchResult) rawRate() float64 { return float64(r.rawRows) / r.rawTook.Seconds() }

// runBench runs a benchmark by name; `ingest` is the only one.
func runBench(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "ingest" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(e.stderr, "Usage: ccqa bench ingest [flags]  (see `ccqa bench ingest --help`)")
			return errHelp
		}
		return usagef("bench: the benchmark to run is required: `ccqa bench ingest [flags]`")
	}
	return runBenchIngest(ctx, e, args[1:])
}

func runBenchIngest(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench ingest", "bench ingest [flags]\n\nMeasures ingest end to end on a real broker and ClickHouse: produces --events generated events to fresh\n"+
		"topics, runs `ccqa ingest` as a child process over the backlog, and reports rows/s from first fetch to last\n"+
		"commit, the child's CPU-seconds (from /proc, its own accounting) and peak RSS; then inserts the same rows\n"+
		"straight into ClickHouse with clickhouse-go (no Kafka) as the ceiling, and prints the ratio.")
	var ch chFlags
	ch.register(fs)
	brokers := fs.String("brokers", envOr("CCQA_BROKERS", "127.0.0.1:9092"), "Kafka bootstrap brokers (env CCQA_BROKERS)")
	events := fs.Int("events", 1_000_000, "events to produce for each run")
	mix := fs.String("mix", "both", "traffic of each run: calls (call events only), mixed (calls, chats, surveys, orders), or both")
	partitions := fs.Int("partitions", 4, "partitions of each benchmark topic")
	ceiling := fs.Bool("ceiling", true, "also measure the raw clickhouse-go insert ceiling (keeps the produced messages in memory)")
	parallel := fs.Int("raw-parallel", 2, "concurrent INSERTs of the raw ceiling")
	rawBatch := fs.Int("raw-batch-rows", 50000, "rows per INSERT of the raw ceiling")
	keep := fs.Bool("keep", false, "keep the benchmark databases and topics")
	steadyRate := fs.Int("steady-rate", 5000, "after the backlog runs, produce call events at this steady rate to measure visibility latency (0 skips it)")
	steadyFor := fs.Duration("steady-for", 20*time.Second, "how long the steady-rate run produces")
	warmRun := fs.Bool("warm-run", true, "before the measured run, run the same ingest once over the backlog into a scratch database (not counted), so that the broker and ClickHouse have served this consumer before, as in production")
	warmPasses := fs.Int("warm-passes", 3, "times the backlog is read (and discarded) before the measured ingest, so that the broker's JIT has compiled its fetch path as in a broker that has been running for a while (0 measures a cold broker)")
	ingestBin := fs.String("ingest-binary", "", "run the ingest child from this ccqa binary instead of this one, to compare builds under the same benchmark")
	ingestArgs := fs.String("ingest-flags", "", "extra flags for the ingest child, space-separated, e.g. \"--max-buffered-bytes 33554432\"")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var mixes []string
	switch *mix {
	case "calls", "mixed":
		mixes = []string{*mix}
	case "both":
		mixes = []string{"calls", "mixed"}
	default:
		return usagef("bench ingest: --mix: %q is not one of calls, mixed, both", *mix)
	}
	switch {
	case *events <= 0:
		return usagef("bench ingest: --events: must be positive, got %d", *events)
	case *partitions <= 0:
		return usagef("bench ingest: --partitions: must be positive, got %d", *partitions)
	case *steadyRate < 0 || *steadyFor <= 0:
		return usagef("bench ingest: --steady-rate must not be negative and --steady-for must be positive")
	case *warmPasses < 0:
		return usagef("bench ingest: --warm-passes: must not be negative, got %d", *warmPasses)
	case *parallel <= 0 || *rawBatch <= 0:
		return usagef("bench ingest: --raw-parallel and --raw-batch-rows: must be positive")
	}
	bl := splitList(*brokers)
	if len(bl) == 0 {
		return usagef("bench ingest: --brokers: at least one broker is required")
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if *ingestBin != "" {
		if _, err := os.Stat(*ingestBin); err != nil {
			return usagef("bench ingest: --ingest-binary: %v", err)
		}
		self = *ingestBin
	}
	var results []benchResult
	for _, m := range mixes {
		r, err := benchOnce(ctx, e, benchRun{
			self: self, brokers: bl, ch: ch, mix: m, events: *events, partitions: *partitions,
			ceiling: *ceiling, parallel: *parallel, rawBatch: *rawBatch, keep: *keep, extra: strings.Fields(*ingestArgs),
			warmPasses: *warmPasses, warmRun: *warmRun,
		})
		if err != nil {
			return err
		}
		results = append(results, r)
	}
	var lat *latencyResult
	if *steadyRate > 0 {
		l, err := benchLatency(ctx, e, benchRun{self: self, brokers: bl, ch: ch, partitions: *partitions, keep: *keep,
			extra: strings.Fields(*ingestArgs)}, *steadyRate, *steadyFor)
		if err != nil {
			return err
		}
		lat = &l
	}
	fmt.Fprintln(e.stdout, "\nccqa bench ingest results")
	fmt.Fprintf(e.stdout, "%-6s %9s %6s %8s %10s %10s %7s %12s %9s %11s %6s\n",
		"mix", "events", "bytes", "wall s", "events/s", "rows/s", "cpu s", "events/cpu-s", "peak RSS", "raw rows/s", "ratio")
	for _, r := range results {
		raw, ratio := "-", "-"
		if r.rawRows > 0 {
			raw = fmt.Sprintf("%.0f", r.rawRate())
			ratio = fmt.Sprintf("%.0f%%", 100*r.rowRate()/r.rawRate())
		}
		fmt.Fprintf(e.stdout, "%-6s %9d %6.0f %8.2f %10.0f %10.0f %7.2f %12.0f %6.0fMiB %11s %6s\n",
			r.mix, r.events, r.meanBytes, r.wall.Seconds(), r.rate(), r.rowRate(), r.cpu.Seconds(), r.perCPU(),
			float64(r.peakRSS)/(1<<20), raw, ratio)
	}
	for _, r := range results {
		printCPU(e.stdout, r)
	}
	if lat != nil {
		fmt.Fprintf(e.stdout, "visibility latency at a steady %d call events/s for %s (%d events, produce ack to first seen in ClickHouse, polled every %s): p50 %.2fs  p99 %.2fs  max %.2fs\n",
			lat.rate, lat.dur, lat.events, latencyPoll, lat.p50.Seconds(), lat.p99.Seconds(), lat.max.Seconds())
	}
	return nil
}

// benchRun is the setting of one measured run.
type benchRun struct {
	self       string
	brokers    []string
	ch         chFlags
	mix        string
	events     int
	partitions int
	ceiling    bool
	parallel   int
	rawBatch   int
	keep       bool
	extra      []string
	warmPasses int
	warmRun    bool
}

func benchOnce(ctx context.Context, e *env, b benchRun) (benchResult, error) {
	res := benchResult{mix: b.mix}
	stamp := strconv.FormatInt(time.Now().UnixNano()%1e10, 10)
	prefix := "bench-" + stamp + "-" + b.mix
	topics := map[event.Kind]string{}
	var names []string
	for _, k := range event.Kinds {
		topics[k] = prefix + "." + string(k) + "s"
		names = append(names, topics[k])
	}
	if err := ingest.EnsureTopics(ctx, b.brokers, append(names, prefix+".dead-letter"), b.partitions, nil); err != nil {
		return res, err
	}
	if !b.keep {
		defer func() {
			c := &kafka.Client{Addr: kafka.TCP(b.brokers...), Timeout: 30 * time.Second}
			_, _ = c.DeleteTopics(context.Background(), &kafka.DeleteTopicsRequest{Topics: append(names, prefix+".dead-letter")})
		}()
	}

	// Produce the backlog.
	fmt.Fprintf(e.stderr, "bench-ingest %s: producing %d events to %s.*\n", b.mix, b.events, prefix)
	kept := map[event.Kind][][]byte{}
	t0 := time.Now()
	n, bytes, err := benchProduce(ctx, b.brokers, topics, b.mix, b.events, func(k event.Kind, v []byte) {
		if b.ceiling {
			kept[k] = append(kept[k], v)
		}
	}, nil)
	if err != nil {
		return res, err
	}
	res.events, res.meanBytes = n, float64(bytes)/float64(n)
	fmt.Fprintf(e.stderr, "bench-ingest %s: produced %d events (%.0f bytes mean) in %.1fs\n", b.mix, n, res.meanBytes, time.Since(t0).Seconds())

	// A fresh database for the ingest, another for the ceiling.
	openDB := func(name string) (*warehouse.Warehouse, error) {
		o := b.ch.options()
		o.Database = name
		w, err := warehouse.Open(ctx, o)
		if err != nil {
			return nil, err
		}
		if _, err := w.Migrate(ctx, warehouse.MigrateOptions{}); err != nil {
			w.Close()
			return nil, err
		}
		return w, nil
	}
	dbName := "ccqa_bench_" + stamp + "_" + b.mix
	w, err := openDB(dbName)
	if err != nil {
		return res, err
	}
	defer w.Close()
	if !b.keep {
		defer dropBenchDatabase(w, dbName)
	}

	if err := warmBroker(ctx, e, b, topics); err != nil {
		return res, err
	}
	if b.warmRun {
		// A warm-up run of the same ingest over the same backlog, into a scratch database and
		// with its own consumer group, so that the measured run meets a broker and a ClickHouse
		// that have served this consumer before (as in production), not ones still compiling
		// (the broker's JIT) or growing their caches.
		warmDB := dbName + "_warm"
		ww, err := openDB(warmDB)
		if err != nil {
			return res, err
		}
		waitQuiet(ctx, e, ww, b.mix+" warm-up run")
		wr, err := runIngestChild(ctx, e, b, topics, prefix, warmDB, prefix+"-warm", n)
		dropBenchDatabase(ww, warmDB)
		ww.Close()
		if err != nil {
			return res, fmt.Errorf("warm-up run: %w", err)
		}
		fmt.Fprintf(e.stderr, "bench-ingest %s: warm-up run: %d events in %.2fs (%.0f events/s), not counted\n", b.mix, n, wr.wall.Seconds(), wr.rate())
	}
	// Each measured phase starts on a quiet ClickHouse (see waitQuiet).
	waitQuiet(ctx, e, w, b.mix+" ingest")
	m, err := runIngestChild(ctx, e, b, topics, prefix, dbName, prefix+"-group", n)
	if err != nil {
		return res, err
	}
	res.wall, res.cpu, res.cpuTotal, res.ingestCPU, res.peakRSS, res.rowsInserted = m.wall, m.cpu, m.cpuTotal, m.ingestCPU, m.peakRSS, m.rowsInserted
	fmt.Fprintf(e.stderr, "bench-ingest %s: ingested %d events (%d rows) in %.2fs: %.0f events/s, %.2f CPU-s (%.2f over the process life), peak RSS %.0f MiB\n",
		b.mix, n, res.rowsInserted, res.wall.Seconds(), res.rate(), res.cpu.Seconds(), res.cpuTotal.Seconds(), float64(res.peakRSS)/(1<<20))

	if b.ceiling {
		rawName := dbName + "_raw"
		rw, err := openDB(rawName)
		if err != nil {
			return res, err
		}
		defer rw.Close()
		if !b.keep {
			defer dropBenchDatabase(rw, rawName)
		}
		// Decode everything first, so that the clock and the CPU accounting cover the inserts.
		var prepared []*ingest.DirectBatches
		for _, k := range event.Kinds {
			if len(kept[k]) == 0 {
				continue
			}
			d, err := ingest.PrepareDirect(k, kept[k], b.rawBatch)
			if err != nil {
				return res, fmt.Errorf("raw ceiling: %w", err)
			}
			prepared = append(prepared, d)
			delete(kept, k)
		}
		waitQuiet(ctx, e, rw, b.mix+" raw ceiling")
		watch := newCPUWatch(b.brokers[0], b.ch.addr)
		before := watch.snap()
		for _, d := range prepared {
			took, err := d.Insert(ctx, rw, b.parallel)
			if err != nil {
				return res, fmt.Errorf("raw ceiling: %w", err)
			}
			res.rawRows += d.Rows()
			res.rawTook += took
		}
		res.rawCPU = watch.snap().sub(before)
		fmt.Fprintf(e.stderr, "bench-ingest %s: raw clickhouse-go ceiling %.0f rows/s\n", b.mix, res.rawRate())
	}
	return res, nil
}

// warmBroker reads the backlog b.warmPasses times with plain fetches (the same Fetch API
// version as ingest) and discards it. A freshly started broker spends much of its CPU in its JIT
// compilers over the first gigabytes it serves: 2.2 µs per mixed message on the first read of a
// fresh broker, 0.9 after eight reads, of which the compiler threads still took 0.2. A
// production broker has been running for weeks, so charging that one-time warm-up to the
// measured run would measure the broker's start, not the ingest. The broker's CPU per pass is
// printed, so that the warm-up is visible.
func warmBroker(ctx context.Context, e *env, b benchRun, topics map[event.Kind]string) error {
	watch := newCPUWatch(b.brokers[0], "")
	for pass := 1; pass <= b.warmPasses; pass++ {
		before := watch.snap()
		t0 := time.Now()
		var msgs int64
		for _, k := range event.Kinds {
			for p := range b.partitions {
				n, err := readPartition(ctx, b.brokers[0], topics[k], p)
				if err != nil {
					return fmt.Errorf("bench-ingest: warming the broker: %w", err)
				}
				msgs += n
			}
		}
		used := watch.snap().sub(before)
		brokerCPU := "unknown"
		if used.broker >= 0 {
			brokerCPU = fmt.Sprintf("%.2f CPU-s (%.2f µs per message)", used.broker.Seconds(), float64(used.broker.Microseconds())/float64(msgs))
		}
		fmt.Fprintf(e.stderr, "bench-ingest %s: warm-up pass %d read %d messages in %.1fs; broker %s\n", b.mix, pass, msgs, time.Since(t0).Seconds(), brokerCPU)
	}
	return nil
}

// readPartition fetches one partition from its first offset to its high-water mark and
// returns how many messages it read.
func readPartition(ctx context.Context, broker, topic string, partition int) (int64, error) {
	conn, err := kafka.DialLeader(ctx, "tcp", broker, topic, partition)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	first, last, err := conn.ReadOffsets()
	if err != nil {
		return 0, err
	}
	if _, err := conn.Seek(first, kafka.SeekAbsolute); err != nil {
		return 0, err
	}
	var n int64
	for off := first; off < last; {
		_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		kb := conn.ReadBatchWith(kafka.ReadBatchConfig{MinBytes: 1, MaxBytes: 8 << 20, MaxWait: time.Second})
		for {
			m, err := kb.ReadMessage()
			if err != nil {
				break
			}
			off = m.Offset + 1
			n++
		}
		if err := kb.Close(); err != nil {
			return n, err
		}
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
	}
	return n, nil
}

// benchProduce generates events of the mix and produces them (keyed by id, lz4-compressed as
// produce does) until n are sent. keep sees every message.
// With collect set, messages are handed to it instead of being produced (brokers unused), and
// duplicates and invalid messages are left out: the latency run follows each event once.
func benchProduce(ctx context.Context, brokers []string, topics map[event.Kind]string, mix string, n int, keep func(event.Kind, []byte), collect func(kafka.Message)) (int, int64, error) {
	w := &kafka.Writer{
		Addr: kafka.TCP(brokers...), Balancer: &kafka.Hash{}, RequiredAcks: kafka.RequireAll,
		BatchSize: 5000, BatchBytes: 4 << 20, BatchTimeout: 20 * time.Millisecond, Compression: kafka.Lz4,
	}
	defer w.Close()
	cfg := traffic.DefaultConfig(7)
	cfg.Days = traffic.MaxDays
	// A large call center: about 40,000 events a day, so a million events span under a month
	// and each batch touches one or two monthly ClickHouse partitions, as in production.
	cfg.Agents = 1000
	cfg.Teams = 50
	g, err := traffic.New(cfg)
	if err != nil {
		return 0, 0, err
	}
	var (
		sent  int
		bytes int64
		buf   []kafka.Message
	)
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		if collect != nil {
			for _, m := range buf {
				collect(m)
			}
			buf = buf[:0]
			return nil
		}
		if err := w.WriteMessages(ctx, buf...); err != nil {
			return fmt.Errorf("produce: %w", err)
		}
		buf = buf[:0]
		return nil
	}
	err = g.Generate(ctx, func(r traffic.Record) error {
		if mix == "calls" && r.Kind != event.KindCall {
			return nil
		}
		if collect != nil && (r.Duplicate || r.Invalid) {
			return nil
		}
		buf = append(buf, kafka.Message{Topic: topics[r.Kind], Key: r.Key, Value: r.Value})
		keep(r.Kind, r.Value)
		sent++
		bytes += int64(len(r.Value))
		if len(buf) == 20000 {
			if err := flush(); err != nil {
				return err
			}
		}
		if sent == n {
			return errStopGenerating
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStopGenerating) {
		return sent, bytes, err
	}
	return sent, bytes, flush()
}

// dropBenchDatabase drops a benchmark database and the payroll database its migrations create
// beside it (<name>_payroll). Left behind, hundreds of them slowed ClickHouse down run after
// run (its background threads visit every table).
func dropBenchDatabase(w *warehouse.Warehouse, name string) {
	for _, db := range []string{name, name + "_payroll"} {
		_ = w.Conn().Exec(context.Background(), "DROP DATABASE IF EXISTS "+db)
	}
}

// waitQuiet waits (up to a minute) until ClickHouse runs no merge, so that a measured phase
// neither pays for the merges of the data written before it (the other phase's, on the same
// server) nor has them counted against its CPU. Without it, the phase that came second was
// charged with up to a second of the first one's merges on a 2-core machine.
func waitQuiet(ctx context.Context, e *env, w *warehouse.Warehouse, phase string) {
	start := time.Now()
	quiet := 0
	for time.Since(start) < time.Minute && quiet < 5 {
		var n uint64
		if err := w.Conn().QueryRow(ctx, "SELECT count() FROM system.merges").Scan(&n); err != nil {
			return
		}
		if n == 0 {
			quiet++
		} else {
			quiet = 0
		}
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Fprintf(e.stderr, "bench-ingest %s: ClickHouse quiet (no merges) after %.1fs\n", phase, time.Since(start).Seconds())
}

// scrape reads the ccqa_ingest_* counters from a Prometheus text endpoint, summing labelled
// series by name.
func scrape(addr string) (map[string]float64, error) {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 16<<20))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "ccqa_ingest_") {
			continue
		}
		name, rest, _ := strings.Cut(line, " ")
		if i := strings.IndexByte(name, '{'); i >= 0 {
			name = name[:i]
		}
		if sp := strings.LastIndexByte(line, ' '); sp >= 0 {
			rest = line[sp+1:]
		}
		v, err := strconv.ParseFloat(rest, 64)
		if err == nil {
			out[name] += v
		}
	}
	return out, sc.Err()
}

// procCPU returns the user plus system CPU time of a process, from /proc/PID/stat (fields 14
// and 15, in clock ticks of 1/100 s on Linux).
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; the fields after it follow its ')'.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(ut+st) * 10 * time.Millisecond, nil
}

// procPeakRSS returns the peak resident set size of a process (VmHWM in /proc/PID/status).
func procPeakRSS(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no VmHWM", pid)
}

// latencyPoll is how often the latency run looks for newly visible events; it is part of the
// measured latency (an upper bound, never an underestimate).
const latencyPoll = 100 * time.Millisecond

// latencyResult is the visibility latency run of `ccqa bench ingest`.
type latencyResult struct {
	rate          int
	dur           time.Duration
	events        int
	p50, p99, max time.Duration
}

// benchLatency starts an ingest on fresh topics, produces call events at a steady rate, and
// measures for each event the time from its produce acknowledgement to the first poll of
// ClickHouse that sees it.
func benchLatency(ctx context.Context, e *env, b benchRun, rate int, dur time.Duration) (latencyResult, error) {
	res := latencyResult{rate: rate, dur: dur}
	stamp := strconv.FormatInt(time.Now().UnixNano()%1e10, 10)
	prefix := "bench-" + stamp + "-latency"
	topics := map[event.Kind]string{}
	var names []string
	for _, k := range event.Kinds {
		topics[k] = prefix + "." + string(k) + "s"
		names = append(names, topics[k])
	}
	names = append(names, prefix+".dead-letter")
	if err := ingest.EnsureTopics(ctx, b.brokers, names, b.partitions, nil); err != nil {
		return res, err
	}
	if !b.keep {
		defer func() {
			c := &kafka.Client{Addr: kafka.TCP(b.brokers...), Timeout: 30 * time.Second}
			_, _ = c.DeleteTopics(context.Background(), &kafka.DeleteTopicsRequest{Topics: names})
		}()
	}
	o := b.ch.options()
	o.Database = "ccqa_bench_" + stamp + "_latency"
	w, err := warehouse.Open(ctx, o)
	if err != nil {
		return res, err
	}
	defer w.Close()
	if _, err := w.Migrate(ctx, warehouse.MigrateOptions{}); err != nil {
		return res, err
	}
	if !b.keep {
		defer dropBenchDatabase(w, o.Database)
	}

	// Collect the call events first, so that generating them costs nothing during the run.
	need := int(float64(rate) * dur.Seconds())
	var msgs []kafka.Message
	if _, _, err := benchProduce(ctx, nil, topics, "calls", need, func(k event.Kind, v []byte) {}, func(m kafka.Message) {
		msgs = append(msgs, m)
	}); err != nil {
		return res, err
	}

	metricsAddr := freeLocalAddr()
	cmd, err := startIngestChild(ctx, e, b, topics, prefix, o.Database, prefix+"-group", metricsAddr)
	if err != nil {
		return res, err
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	// Wait until the group has assigned every partition, so that joining is not measured.
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		m, err := scrape(metricsAddr)
		if err == nil && m["ccqa_ingest_partitions_assigned"] >= float64(4*b.partitions) {
			break
		}
		if time.Since(start) > time.Minute {
			return res, errors.New("bench ingest: the latency run's ingest got no partitions within a minute")
		}
	}

	fmt.Fprintf(e.stderr, "bench-ingest latency: producing %d call events at %d/s\n", len(msgs), rate)
	acked := make(map[string]time.Time, len(msgs))
	seen := make(map[string]time.Time, len(msgs))
	var mu sync.Mutex
	pw := &kafka.Writer{Addr: kafka.TCP(b.brokers...), Balancer: &kafka.Hash{}, RequiredAcks: kafka.RequireAll,
		BatchTimeout: time.Millisecond, Compression: kafka.Lz4}
	defer pw.Close()
	prodErr := make(chan error, 1)
	go func() {
		const tick = 20 * time.Millisecond
		per := max(1, rate*int(tick)/int(time.Second))
		start := time.Now()
		for i := 0; i < len(msgs); i += per {
			chunk := msgs[i:min(i+per, len(msgs))]
			if err := pw.WriteMessages(ctx, chunk...); err != nil {
				prodErr <- err
				return
			}
			now := time.Now()
			mu.Lock()
			for _, m := range chunk {
				if _, ok := acked[string(m.Key)]; !ok {
					acked[string(m.Key)] = now
				}
			}
			mu.Unlock()
			time.Sleep(time.Until(start.Add(time.Duration(i/per+1) * tick)))
		}
		prodErr <- nil
	}()
	// Each partition's batches are written one after another, so within a partition rows
	// become visible in offset order: polling for offsets at or past the next unseen one of
	// each partition finds every newly visible event (a version or time cut-off would not, as
	// concurrent inserts from different partitions finish out of order).
	next := map[int32]int64{}
	deadline := time.Now().Add(dur + 60*time.Second)
	for len(seen) < len(msgs) && time.Now().Before(deadline) {
		time.Sleep(latencyPoll)
		cond := "1"
		if len(next) > 0 {
			var parts []string
			for p, off := range next {
				parts = append(parts, fmt.Sprintf("(src_partition = %d AND src_offset >= %d)", p, off))
			}
			for p := 0; p < b.partitions; p++ {
				if _, ok := next[int32(p)]; !ok {
					parts = append(parts, fmt.Sprintf("src_partition = %d", p))
				}
			}
			cond = strings.Join(parts, " OR ")
		}
		rows, err := w.Conn().Query(ctx, "SELECT call_id, src_partition, src_offset FROM "+o.Database+".calls WHERE "+cond)
		if err != nil {
			return res, err
		}
		now := time.Now()
		for rows.Next() {
			var id string
			var p int32
			var off int64
			if err := rows.Scan(&id, &p, &off); err != nil {
				rows.Close()
				return res, err
			}
			next[p] = max(next[p], off+1)
			if _, ok := seen[id]; !ok {
				seen[id] = now
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return res, err
		}
	}
	if err := <-prodErr; err != nil {
		return res, err
	}
	var lats []time.Duration
	mu.Lock()
	for id, at := range acked {
		if s, ok := seen[id]; ok {
			lats = append(lats, max(s.Sub(at), 0))
		}
	}
	mu.Unlock()
	if len(lats) < len(msgs)*99/100 {
		return res, fmt.Errorf("bench ingest: only %d of %d events became visible", len(lats), len(msgs))
	}
	slices.Sort(lats)
	res.events = len(lats)
	res.p50, res.p99, res.max = lats[len(lats)/2], lats[len(lats)*99/100], lats[len(lats)-1]
	return res, nil
}

func freeLocalAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "127.0.0.1:0"
	}
	defer ln.Close()
	return ln.Addr().String()
}

// cpuSnap is the CPU used so far by each process of a benchmark run, and by the whole machine.
// A process that could not be found is -1.
type cpuSnap struct {
	ingest, broker, ch, self time.Duration
	busy, total              time.Duration // all CPUs of the machine, from /proc/stat
}

// cpuUse is the CPU used over a window of a benchmark run, per process and for the machine.
type cpuUse struct {
	ok                       bool
	ingest, broker, ch, self time.Duration // -1 when the process is not known
	busy, total              time.Duration
}

// sub returns the CPU used between an earlier snapshot and this one.
func (s cpuSnap) sub(earlier cpuSnap) cpuUse {
	d := func(a, b time.Duration) time.Duration {
		if a < 0 || b < 0 {
			return -1
		}
		return a - b
	}
	return cpuUse{ok: s.total > 0, ingest: d(s.ingest, earlier.ingest), broker: d(s.broker, earlier.broker), ch: d(s.ch, earlier.ch),
		self: d(s.self, earlier.self), busy: s.busy - earlier.busy, total: s.total - earlier.total}
}

// other is the CPU used by processes outside the benchmark (other work on the machine).
func (u cpuUse) other() time.Duration {
	o := u.busy
	for _, d := range []time.Duration{u.ingest, u.broker, u.ch, u.self} {
		o -= max(d, 0)
	}
	return max(o, 0)
}

// cpuWatch accounts the CPU of the processes a benchmark run involves: the ingest child, and
// the broker and ClickHouse when they run on this machine (found by the port they listen on),
// so that a run can show where the machine's CPU went, and what was left idle.
type cpuWatch struct {
	ingest, broker, ch int // pids, -1 when unknown
}

func newCPUWatch(broker, chAddr string) cpuWatch {
	return cpuWatch{ingest: -1, broker: localListenerPID(broker), ch: localListenerPID(chAddr)}
}

func (w cpuWatch) snap() cpuSnap {
	get := func(pid int) time.Duration {
		if pid <= 0 {
			return -1
		}
		d, err := procCPU(pid)
		if err != nil {
			return -1
		}
		return d
	}
	s := cpuSnap{ingest: get(w.ingest), broker: get(w.broker), ch: get(w.ch), self: get(os.Getpid())}
	s.busy, s.total = machineCPU()
	return s
}

// machineCPU returns the busy and total CPU time of all CPUs since boot, from the first line
// of /proc/stat (in clock ticks of 1/100 s); zero when it cannot be read.
func machineCPU() (busy, total time.Duration) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return 0, 0
	}
	var ticks [10]int64
	for i := 1; i < len(f) && i <= 10; i++ {
		ticks[i-1], _ = strconv.ParseInt(f[i], 10, 64)
	}
	// user nice system idle iowait irq softirq steal guest guest_nice; guest time is already
	// counted in user.
	idle := ticks[3] + ticks[4]
	all := ticks[0] + ticks[1] + ticks[2] + idle + ticks[5] + ticks[6] + ticks[7]
	return time.Duration(all-idle) * 10 * time.Millisecond, time.Duration(all) * 10 * time.Millisecond
}

// localListenerPID returns the pid of the process listening on addr's port on this machine,
// or -1 when addr is not a local address or the listener cannot be seen (another user's
// process, or no /proc).
func localListenerPID(addr string) int {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return -1
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || !isLocalHost(host) {
		return -1
	}
	inodes := map[string]bool{}
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			fs := strings.Fields(line)
			if len(fs) < 10 || fs[3] != "0A" { // 0A: LISTEN
				continue
			}
			_, hexPort, _ := strings.Cut(fs[1], ":")
			if p, err := strconv.ParseInt(hexPort, 16, 32); err == nil && int(p) == port {
				inodes["socket:["+fs[9]+"]"] = true
			}
		}
	}
	if len(inodes) == 0 {
		return -1
	}
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		fds, _ := os.ReadDir("/proc/" + p.Name() + "/fd")
		for _, fd := range fds {
			if l, err := os.Readlink("/proc/" + p.Name() + "/fd/" + fd.Name()); err == nil && inodes[l] {
				return pid
			}
		}
	}
	return -1
}

func isLocalHost(host string) bool {
	if host == "" || host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return false
	}
	if ip.IsLoopback() || ip.IsUnspecified() {
		return true
	}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.Equal(ip) {
			return true
		}
	}
	return false
}

// cpuSecs formats a CPU time in seconds, or "n/a" for an unknown process.
func cpuSecs(d time.Duration) string {
	if d < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", d.Seconds())
}

// perRow formats CPU microseconds per row, or "n/a".
func perRow(d time.Duration, rows int64) string {
	if d < 0 || rows <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", float64(d.Microseconds())/float64(rows))
}

// scrapeEvery is how often the benchmark reads the ingest child's /metrics.
const scrapeEvery = 50 * time.Millisecond

// printCPU shows where the machine's CPU went during a run's ingest and its raw ceiling: per
// process (the broker and ClickHouse when they run on this machine), other processes, and idle
// time; and per row, so that the two can be compared whatever else the machine was doing. The
// CPU-bound ratio is the ceiling's CPU per row over the ingest run's: what the throughput ratio
// would be if both runs had the whole machine and used all of it.
func printCPU(w io.Writer, r benchResult) {
	u := r.ingestCPU
	if !u.ok {
		return
	}
	rows := r.rowsInserted
	fmt.Fprintf(w, "%s: machine CPU from first fetch to last commit (%.2f s x CPUs = %.2f CPU-s): ingest %s, broker %s, ClickHouse %s, bench %s, other processes %.2f, idle %.2f\n",
		r.mix, r.wall.Seconds(), u.total.Seconds(), cpuSecs(u.ingest), cpuSecs(u.broker), cpuSecs(u.ch), cpuSecs(u.self),
		u.other().Seconds(), (u.total - u.busy).Seconds())
	sum := max(u.ingest, 0) + max(u.broker, 0) + max(u.ch, 0)
	fmt.Fprintf(w, "%s:   CPU per row (us): ingest %s + broker %s + ClickHouse %s = %s\n",
		r.mix, perRow(u.ingest, rows), perRow(u.broker, rows), perRow(u.ch, rows), perRow(sum, rows))
	c := r.rawCPU
	if !c.ok || r.rawRows == 0 {
		return
	}
	raw := int64(r.rawRows)
	fmt.Fprintf(w, "%s: machine CPU over the raw ceiling's inserts (%.2f s x CPUs = %.2f CPU-s): ClickHouse %s, driver (bench) %s, other processes %.2f, idle %.2f\n",
		r.mix, r.rawTook.Seconds(), c.total.Seconds(), cpuSecs(c.ch), cpuSecs(c.self), c.other().Seconds(), (c.total - c.busy).Seconds())
	rawSum := max(c.ch, 0) + max(c.self, 0)
	fmt.Fprintf(w, "%s:   CPU per row (us): ClickHouse %s + driver %s = %s\n", r.mix, perRow(c.ch, raw), perRow(c.self, raw), perRow(rawSum, raw))
	if u.ingest >= 0 && u.broker >= 0 && u.ch >= 0 && c.ch >= 0 && sum > 0 {
		perIngest := float64(sum) / float64(rows)
		perRaw := float64(rawSum) / float64(raw)
		fmt.Fprintf(w, "%s:   CPU-bound ratio (ceiling CPU per row / ingest run CPU per row): %.0f%%\n", r.mix, 100*perRaw/perIngest)
	}
}

// startIngestChild starts `ccqa ingest` (b.self) as a child process reading the topics into
// database db with consumer group group, serving its /metrics on metricsAddr.
func startIngestChild(ctx context.Context, e *env, b benchRun, topics map[event.Kind]string, prefix, db, group, metricsAddr string) (*exec.Cmd, error) {
	args := []string{"ingest", "--brokers", strings.Join(b.brokers, ","), "--clickhouse", b.ch.addr, "--database", db,
		"--clickhouse-user", b.ch.user, "--group", group, "--dead-letter-topic", prefix + ".dead-letter",
		"--metrics-addr", metricsAddr, "--status-every", "0", "--log-level", "warn", "--create-topics=false"}
	for k, t := range topics {
		args = append(args, "--topic-"+string(k)+"s", t)
	}
	args = append(args, b.extra...)
	cmd := exec.CommandContext(ctx, b.self, args...)
	cmd.Stdout, cmd.Stderr = e.stderr, e.stderr
	cmd.Env = append(os.Environ(), "CCQA_CLICKHOUSE_PASSWORD="+b.ch.password)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return cmd, nil
}

// childRun is what runIngestChild measured.
type childRun struct {
	events       int
	wall, cpu    time.Duration
	cpuTotal     time.Duration
	ingestCPU    cpuUse
	peakRSS      int64
	rowsInserted int64
}

func (r childRun) rate() float64 { return float64(r.events) / r.wall.Seconds() }

// runIngestChild runs `ccqa ingest` as a child process over the topics into database db with
// consumer group group, watches it through its /metrics until it has committed n messages,
// stops it with SIGTERM and returns what it measured.
func runIngestChild(ctx context.Context, e *env, b benchRun, topics map[event.Kind]string, prefix, db, group string, n int) (childRun, error) {
	res := childRun{events: n}
	// Run the ingest as a child process and watch it through its /metrics.
	metricsAddr := freeLocalAddr()
	cmd, err := startIngestChild(ctx, e, b, topics, prefix, db, group, metricsAddr)
	if err != nil {
		return res, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	pid := cmd.Process.Pid
	fail := func(err error) (childRun, error) {
		_ = cmd.Process.Kill()
		<-exited
		return res, err
	}

	var firstAt time.Time
	var cpuAtFirst time.Duration
	watch := newCPUWatch(b.brokers[0], b.ch.addr)
	watch.ingest = pid
	var snapAtFirst cpuSnap
	deadline := time.Now().Add(time.Duration(n/1000+120) * time.Second)
	for {
		if time.Now().After(deadline) {
			return fail(fmt.Errorf("bench-ingest: the ingest did not commit %d messages in time", n))
		}
		select {
		case err := <-exited:
			return res, fmt.Errorf("bench-ingest: ingest exited early: %v", err)
		default:
		}
		m, err := scrape(metricsAddr)
		if err != nil {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		// The clock starts when every partition is assigned (its readers start fetching), or at
		// the first consumed message if that is seen first: consumption is counted after a
		// fetch is decoded, so starting there would leave the first fetches out.
		if firstAt.IsZero() && (m["ccqa_ingest_partitions_assigned"] >= float64(len(event.Kinds)*b.partitions) || m["ccqa_ingest_messages_consumed_total"] > 0) {
			firstAt = time.Now()
			cpuAtFirst, _ = procCPU(pid)
			snapAtFirst = watch.snap()
		}
		if m["ccqa_ingest_messages_committed_total"] >= float64(n) {
			res.wall = time.Since(firstAt)
			cpu, err := procCPU(pid)
			if err != nil {
				return fail(err)
			}
			res.cpu, res.cpuTotal = cpu-cpuAtFirst, cpu
			res.ingestCPU = watch.snap().sub(snapAtFirst)
			res.peakRSS, _ = procPeakRSS(pid)
			res.rowsInserted = int64(m["ccqa_ingest_rows_inserted_total"])
			fmt.Fprintf(e.stderr, "bench-ingest %s: %.0f batches of %.0f messages (%.1f MiB) on average; %.0f INSERTs (events and ingest_errors), %.0f rows each, %.0f ms on average\n", b.mix,
				m["ccqa_ingest_batch_messages_count"], m["ccqa_ingest_batch_messages_sum"]/m["ccqa_ingest_batch_messages_count"],
				m["ccqa_ingest_batch_bytes_sum"]/m["ccqa_ingest_batch_bytes_count"]/(1<<20),
				m["ccqa_ingest_insert_seconds_count"], m["ccqa_ingest_rows_inserted_total"]/m["ccqa_ingest_insert_seconds_count"],
				1000*m["ccqa_ingest_insert_seconds_sum"]/m["ccqa_ingest_insert_seconds_count"])
			break
		}
		// Scraping costs the ingest CPU (the Go and process collectors), so not too often: the
		// wall time is an upper bound by at most one interval.
		time.Sleep(scrapeEvery)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			return res, fmt.Errorf("bench-ingest: ingest exited with %v after SIGTERM", err)
		}
	case <-time.After(60 * time.Second):
		return fail(errors.New("bench-ingest: ingest did not exit within 60 s of SIGTERM"))
	}
	return res, nil
}
