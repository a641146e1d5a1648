// Package ingest consumes the ccqa event topics from Kafka with a consumer group and writes them
// to ClickHouse in batches.
//
// Delivery is at-least-once, and duplicates never reach a metric:
//   - kafka-go's ConsumerGroup assigns partitions; each assigned partition is read by its own
//     goroutine from the group's committed offset, through a kafka.Conn to the partition leader
//     (never Reader.ReadMessage, which commits before processing);
//   - messages are decoded into a batch over a contiguous range of offsets, cut when it holds
//     BatchRows messages or BatchBytes bytes, BatchWait after its first message, when the
//     partition has read up to the end of its log after a backlog (nothing more to wait for),
//     or when the process-wide memory budget (MaxBufferedBytes) runs out;
//   - a full batch goes to the partition's writer goroutine while the next one fills; the
//     writer sends its valid rows into the open INSERT of its table (stream.go: one INSERT
//     takes the batches of every partition of the table until it holds BatchRows rows) and its
//     invalid messages to the dead-letter topic and into the open INSERT of ingest_errors; the
//     batch's memory goes back once it is sent;
//   - a committer goroutine takes the partition's sent batches in order, waits until
//     ClickHouse has acknowledged the INSERTs that carry them (and the dead-letter topic its
//     messages), and only then commits last+1 through the generation that owns the partition
//     (a member whose generation has ended cannot commit);
//   - when an INSERT fails, nothing from its batches on is committed: the partition drops what
//     it read after its last commit, waits (capped exponential backoff, for as long as it
//     takes) and reads again from that commit, as a restarted process would;
//   - a crash at any point re-delivers the uncommitted range, and the warehouse de-duplicates
//     re-delivered events by their id (ReplacingMergeTree plus views that keep one row per id).
//
// When the generation ends (a rebalance) or the process shuts down (context cancelled), each
// partition stops fetching, sends its last batch (which closes its INSERT at once), and keeps
// committing for at most DrainTimeout more; what is not committed by then is counted as
// abandoned and stays uncommitted, so it is re-delivered to the next owner of the partition.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/ccqa/ccqa/event"
	"github.com/ccqa/ccqa/warehouse"
)

// Config holds the process settings of an ingester.
type Config struct {
	// Brokers are the Kafka bootstrap addresses.
	Brokers []string
	// GroupID is the consumer group; replicas with the same id share the partitions.
	GroupID string
	// Topics maps each event kind to its topic; missing kinds get event.DefaultTopic.
	Topics map[event.Kind]string
	// DeadLetterTopic receives invalid messages with the reason in headers.
	DeadLetterTopic string
	// BatchRows, BatchBytes and BatchWait cut a batch, whichever is reached first.
	BatchRows  int
	BatchBytes int
	BatchWait  time.Duration
	// MaxBufferedBytes bounds the message bytes (keys and values) held in memory by all
	// partitions together, in batches being filled or waiting to be sent. A batch's bytes come
	// back as soon as it has been sent into its INSERT (ClickHouse holds the rows of an open
	// INSERT), so this does not limit the rows per INSERT. The process's memory is a small
	// multiple of it, whatever the backlog.
	MaxBufferedBytes int64
	// MaxInserts bounds the ClickHouse INSERTs finishing at once over all tables: the moment
	// the server writes an INSERT's parts, on one core each. More than the server's cores
	// rarely helps. (Each table also has at most one INSERT taking batches and one finishing.)
	MaxInserts int
	// FetchBytes is the most a fetch of one partition returns; FetchWait is how long the broker
	// may wait for data before answering an empty fetch.
	FetchBytes int
	FetchWait  time.Duration
	// DrainTimeout bounds the writing that continues after a partition is revoked or the
	// process shuts down.
	DrainTimeout time.Duration
	// RetryMin and RetryMax bound the exponential backoff between retries of a failed write or
	// Kafka connection.
	RetryMin, RetryMax time.Duration
	// CreateTopics creates missing topics (with Partitions partitions) at start.
	CreateTopics bool
	Partitions   int
	// Dialer connects to Kafka; nil uses kafka-go's default.
	Dialer *kafka.Dialer
}

// DefaultConfig returns the settings ccqa ingest starts from.
func DefaultConfig() Config {
	return Config{
		GroupID:          "ccqa-ingest",
		DeadLetterTopic:  event.DeadLetterTopic,
		BatchRows:        50000,
		BatchBytes:       16 << 20,
		BatchWait:        time.Second,
		MaxBufferedBytes: 64 << 20,
		MaxInserts:       2,
		FetchBytes:       4 << 20,
		FetchWait:        250 * time.Millisecond,
		DrainTimeout:     10 * time.Second,
		RetryMin:         100 * time.Millisecond,
		RetryMax:         10 * time.Second,
		CreateTopics:     true,
		Partitions:       4,
	}
}

// Validate checks the configuration and names the bad field.
func (c *Config) Validate() error {
	switch {
	case len(c.Brokers) == 0:
		return errors.New("brokers: at least one Kafka broker address is required")
	case c.GroupID == "":
		return errors.New("group: the consumer group id must not be empty")
	case c.DeadLetterTopic == "":
		return errors.New("dead-letter-topic: must not be empty")
	case c.BatchRows <= 0:
		return fmt.Errorf("batch-rows: must be positive, got %d", c.BatchRows)
	case c.BatchBytes <= 0 || c.BatchBytes > 1<<30:
		// A batch's columns address their bytes with 32-bit offsets (columns.go).
		return fmt.Errorf("batch-bytes: must be between 1 and 1 GiB, got %d", c.BatchBytes)
	case c.BatchWait <= 0:
		return fmt.Errorf("batch-wait: must be positive, got %s", c.BatchWait)
	case c.MaxBufferedBytes < 1<<20:
		return fmt.Errorf("max-buffered-bytes: must be at least 1 MiB, got %d", c.MaxBufferedBytes)
	case c.MaxInserts <= 0:
		return fmt.Errorf("max-inserts: must be positive, got %d", c.MaxInserts)
	case c.FetchBytes < 1024 || c.FetchBytes > 256<<20:
		return fmt.Errorf("fetch-bytes: must be between 1 KiB and 256 MiB, got %d", c.FetchBytes)
	case c.FetchWait < 10*time.Millisecond || c.FetchWait > time.Minute:
		return fmt.Errorf("fetch-wait: must be between 10ms and 1m, got %s", c.FetchWait)
	case c.DrainTimeout <= 0:
		return fmt.Errorf("drain-timeout: must be positive, got %s", c.DrainTimeout)
	case c.RetryMin <= 0 || c.RetryMax < c.RetryMin:
		return fmt.Errorf("retry: need 0 < min <= max, got %s and %s", c.RetryMin, c.RetryMax)
	case c.CreateTopics && c.Partitions <= 0:
		return fmt.Errorf("partitions: must be positive, got %d", c.Partitions)
	}
	for k, t := range c.Topics {
		if t == "" {
			return fmt.Errorf("topic for %ss: must not be empty", k)
		}
	}
	return nil
}

func (c *Config) topic(k event.Kind) string {
	if t, ok := c.Topics[k]; ok {
		return t
	}
	return event.DefaultTopic(k)
}

// Stats are running totals of an ingester, for progress displays and tests.
type Stats struct {
	Consumed      int64 // messages fetched
	Inserted      int64 // rows acknowledged by ClickHouse
	DeadLettered  int64 // invalid messages written to the dead-letter topic and ingest_errors
	Committed     int64 // messages whose offsets were committed
	Abandoned     int64 // messages read but left uncommitted when a partition stopped (they will be re-delivered)
	Retries       int64 // failed writes or fetches that were retried
	Lag           int64 // sum of the last known lag of the partitions this process reads
	Partitions    int   // partitions assigned now
	Retrying      int   // partitions whose write is failing and being retried now
	BufferedBytes int64 // message bytes held in batches not yet written
}

// Ingester runs the consumer group. Create it with New and start it with Run.
type Ingester struct {
	cfg    Config
	wh     *warehouse.Warehouse
	log    *slog.Logger
	prom   *promMetrics
	kinds  map[string]event.Kind // topic -> kind
	dlq    *kafka.Writer
	dialer *kafka.Dialer
	budget *budget
	slots  chan struct{} // one per INSERT allowed to finish at once (MaxInserts)
	// pools keep the column slices of written batches for reuse, per kind: a sync.Pool rather
	// than a per-partition free list, so that the capacity kept follows the batches in use now
	// (and is dropped by the garbage collector when idle), not the number of partitions.
	pools map[event.Kind]*sync.Pool
	// inserters write the batches of each event table through open INSERTs (stream.go);
	// errors does the same for the ingest_errors rows of every table's batches.
	inserters map[event.Kind]*streamInserter
	errors    *streamInserter
	// behind counts the partitions reading a backlog, of each kind and in all.
	behind    map[event.Kind]*atomic.Int32
	behindAll atomic.Int32
	stats     struct {
		consumed, inserted, deadLettered, committed, abandoned, retries atomic.Int64
		partitions, retrying                                            atomic.Int32
	}
	// writing counts the batches handed to writers and not yet sent (or dropped): while it is
	// zero, no memory budget is coming back, so waiting for some is pointless.
	writing atomic.Int32
	lagMu   sync.Mutex
	lagOf   map[string]int64
	nowFn   func() time.Time
	sleepF  func(context.Context, time.Duration) error
}

// New returns an ingester writing to wh. Metrics are registered on reg.
func New(cfg Config, wh *warehouse.Warehouse, log *slog.Logger, reg prometheus.Registerer) (*Ingester, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	bud := newBudget(cfg.MaxBufferedBytes)
	pm, err := newPromMetrics(reg, func() float64 { return float64(bud.used()) })
	if err != nil {
		return nil, fmt.Errorf("register metrics: %w", err)
	}
	kinds := map[string]event.Kind{}
	for _, k := range event.Kinds {
		t := cfg.topic(k)
		if other, dup := kinds[t]; dup {
			return nil, fmt.Errorf("topic %q: used for both %ss and %ss", t, other, k)
		}
		kinds[t] = k
	}
	dialer := cfg.Dialer
	if dialer == nil {
		dialer = &kafka.Dialer{Timeout: 10 * time.Second, DualStack: true}
	}
	transport := &kafka.Transport{Dial: dialer.DialFunc, SASL: dialer.SASLMechanism, TLS: dialer.TLS}
	in := &Ingester{
		cfg: cfg, wh: wh, log: log, prom: pm, kinds: kinds, lagOf: map[string]int64{}, dialer: dialer, budget: bud,
		slots: make(chan struct{}, cfg.MaxInserts),
		dlq: &kafka.Writer{
			Addr:                   kafka.TCP(cfg.Brokers...),
			Topic:                  cfg.DeadLetterTopic,
			Balancer:               &kafka.Hash{},
			RequiredAcks:           kafka.RequireAll,
			BatchTimeout:           5 * time.Millisecond,
			AllowAutoTopicCreation: true,
			Transport:              transport,
		},
		nowFn:  time.Now,
		sleepF: sleepCtx,
	}
	in.pools = map[event.Kind]*sync.Pool{}
	in.inserters = map[event.Kind]*streamInserter{}
	in.behind = map[event.Kind]*atomic.Int32{}
	for _, k := range event.Kinds {
		in.behind[k] = &atomic.Int32{}
		in.inserters[k] = newStreamInserter(in, table(k), in.behind[k])
	}
	in.errors = newStreamInserter(in, "ingest_errors", &in.behindAll)
	for _, k := range event.Kinds {
		in.pools[k] = &sync.Pool{New: func() any { return newRowBuffer(k) }}
	}
	// One series per topic and reason from the start, so dashboards show zeros, not gaps.
	for t := range kinds {
		pm.consumed.WithLabelValues(t)
		for _, code := range event.Codes {
			pm.deadLettered.WithLabelValues(t, code)
		}
	}
	for _, k := range event.Kinds {
		pm.inserted.WithLabelValues(table(k))
	}
	for _, op := range []string{opInsert, opDeadLetter, opErrorsInsert, opCommit, opFetch} {
		pm.retries.WithLabelValues(op)
	}
	return in, nil
}

// Operation names, as the op label of ccqa_ingest_retries_total and in logs.
const (
	opInsert       = "insert"
	opDeadLetter   = "dead_letter"
	opErrorsInsert = "errors_insert"
	opCommit       = "commit"
	opFetch        = "fetch"
)

// table returns the ClickHouse table of a kind, which is also the inserted-rows label.
func table(k event.Kind) string { return string(k) + "s" }

// Stats returns the running totals.
func (in *Ingester) Stats() Stats {
	in.lagMu.Lock()
	var lag int64
	for _, l := range in.lagOf {
		lag += l
	}
	in.lagMu.Unlock()
	return Stats{
		Consumed:      in.stats.consumed.Load(),
		Inserted:      in.stats.inserted.Load(),
		DeadLettered:  in.stats.deadLettered.Load(),
		Committed:     in.stats.committed.Load(),
		Abandoned:     in.stats.abandoned.Load(),
		Retries:       in.stats.retries.Load(),
		Lag:           lag,
		Partitions:    int(in.stats.partitions.Load()),
		Retrying:      int(in.stats.retrying.Load()),
		BufferedBytes: in.budget.used(),
	}
}

// Topics returns the topics this ingester consumes, sorted.
func (in *Ingester) Topics() []string {
	out := make([]string, 0, len(in.kinds))
	for t := range in.kinds {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Run consumes until ctx is cancelled, then drains (see the package comment) and returns nil.
// It returns an error only if it cannot start.
func (in *Ingester) Run(ctx context.Context) error {
	defer in.dlq.Close()
	if in.cfg.CreateTopics {
		if err := EnsureTopics(ctx, in.cfg.Brokers, append(in.Topics(), in.cfg.DeadLetterTopic), in.cfg.Partitions, in.cfg.Dialer); err != nil {
			return err
		}
	}
	group, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{
		ID:                    in.cfg.GroupID,
		Brokers:               in.cfg.Brokers,
		Dialer:                in.dialer,
		Topics:                in.Topics(),
		StartOffset:           kafka.FirstOffset,
		WatchPartitionChanges: true,
		JoinGroupBackoff:      time.Second,
		HeartbeatInterval:     time.Second,
		SessionTimeout:        10 * time.Second,
		// A member gets this long to finish its drain and rejoin before the group goes on
		// without it; the drain itself is bounded by DrainTimeout.
		RebalanceTimeout: in.cfg.DrainTimeout + 20*time.Second,
		ErrorLogger: kafka.LoggerFunc(func(msg string, args ...any) {
			in.log.Debug("kafka consumer group", "msg", fmt.Sprintf(msg, args...))
		}),
	})
	if err != nil {
		return fmt.Errorf("consumer group %s: %w", in.cfg.GroupID, err)
	}
	in.log.Info("ingest started", "group", in.cfg.GroupID, "topics", in.Topics(), "brokers", in.cfg.Brokers)
	for {
		gen, err := group.Next(ctx)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, kafka.ErrGroupClosed) {
				break
			}
			in.log.Warn("consumer group: joining failed, retrying", "err", err)
			continue
		}
		in.prom.generations.Inc()
		var parts []string
		for topic, as := range gen.Assignments {
			for _, a := range as {
				parts = append(parts, topic+"/"+strconv.Itoa(a.ID))
				topic, a := topic, a
				gen.Start(func(genCtx context.Context) {
					in.consumePartition(ctx, genCtx, gen, topic, a.ID, a.Offset)
				})
			}
		}
		sort.Strings(parts)
		in.log.Info("consumer group generation", "generation", gen.ID, "member", gen.MemberID, "partitions", parts)
	}
	// Closing the group ends the current generation, waits for every partition goroutine to
	// finish its drain and commit, then leaves the group so the partitions move at once.
	if err := group.Close(); err != nil {
		in.log.Debug("consumer group close", "err", err)
	}
	st := in.Stats()
	in.log.Info("ingest stopped", "consumed", st.Consumed, "inserted", st.Inserted, "dead_lettered", st.DeadLettered,
		"committed", st.Committed, "abandoned", st.Abandoned)
	return nil
}

// setLag records a partition's lag for Stats and the gauge; a negative lag removes it (the
// partition is no longer ours).
func (in *Ingester) setLag(topic string, partition int, lag int64) {
	key := topic + "/" + strconv.Itoa(partition)
	in.lagMu.Lock()
	if lag < 0 {
		delete(in.lagOf, key)
	} else {
		in.lagOf[key] = lag
	}
	in.lagMu.Unlock()
	if lag < 0 {
		in.prom.lag.DeleteLabelValues(topic, strconv.Itoa(partition))
	} else {
		in.prom.lag.WithLabelValues(topic, strconv.Itoa(partition)).Set(float64(lag))
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
