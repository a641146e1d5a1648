// Package ingest consumes the ccqa event topics from Kafka with a consumer group and writes them
// to ClickHouse in batches.
//
// Delivery is at-least-once, and duplicates never reach a metric:
//   - each assigned partition is read by its own goroutine into a batch over a contiguous range
//     of offsets;
//   - a batch is flushed when it holds BatchRows messages or BatchBytes bytes, or BatchWait after
//     its first message, whichever comes first;
//   - a flush inserts the valid rows into ClickHouse, sends the invalid messages to the
//     dead-letter topic and the ingest_errors table, and only then commits last+1 for the
//     partition, through the consumer-group generation that owns it (a member whose generation
//     has ended cannot commit);
//   - when anything fails, the flush retries with capped exponential backoff and commits
//     nothing meanwhile; a crash at any point re-delivers the uncommitted range, and the
//     warehouse de-duplicates re-delivered events by their id (ReplacingMergeTree plus views
//     that keep the latest version of each id).
//
// On shutdown (context cancelled) every partition flushes its batch within DrainTimeout, commits
// what was written, and the group is left; what could not be written in time is counted as
// abandoned and stays uncommitted, so it is re-delivered to the next consumer.
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
	// DrainTimeout bounds the final flush on shutdown or partition revocation.
	DrainTimeout time.Duration
	// RetryMin and RetryMax bound the exponential backoff between retries of a failed flush.
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
		GroupID:         "ccqa-ingest",
		DeadLetterTopic: event.DeadLetterTopic,
		BatchRows:       50000,
		BatchBytes:      16 << 20,
		BatchWait:       time.Second,
		DrainTimeout:    10 * time.Second,
		RetryMin:        100 * time.Millisecond,
		RetryMax:        10 * time.Second,
		CreateTopics:    true,
		Partitions:      4,
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
	case c.BatchBytes <= 0:
		return fmt.Errorf("batch-bytes: must be positive, got %d", c.BatchBytes)
	case c.BatchWait <= 0:
		return fmt.Errorf("batch-wait: must be positive, got %s", c.BatchWait)
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
	Consumed     int64 // messages fetched
	Inserted     int64 // rows acknowledged by ClickHouse
	DeadLettered int64 // invalid messages written to the dead-letter topic and ingest_errors
	Committed    int64 // messages whose offsets were committed
	Abandoned    int64 // messages left uncommitted at shutdown (they will be re-delivered)
	Lag          int64 // sum of the last known lag of the partitions this process reads
}

// Ingester runs the consumer group. Create it with New and start it with Run.
type Ingester struct {
	cfg    Config
	wh     *warehouse.Warehouse
	log    *slog.Logger
	prom   *promMetrics
	kinds  map[string]event.Kind // topic -> kind
	dlq    *kafka.Writer
	stats  struct{ consumed, inserted, deadLettered, committed, abandoned atomic.Int64 }
	lagMu  sync.Mutex
	lagOf  map[string]int64
	nowFn  func() time.Time
	sleepF func(context.Context, time.Duration) error
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
	pm, err := newPromMetrics(reg)
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
	transport := kafka.DefaultTransport
	if cfg.Dialer != nil {
		transport = &kafka.Transport{Dial: cfg.Dialer.DialFunc, SASL: cfg.Dialer.SASLMechanism, TLS: cfg.Dialer.TLS}
	}
	in := &Ingester{
		cfg: cfg, wh: wh, log: log, prom: pm, kinds: kinds, lagOf: map[string]int64{},
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
	return in, nil
}

// Stats returns the running totals.
func (in *Ingester) Stats() Stats {
	in.lagMu.Lock()
	var lag int64
	for _, l := range in.lagOf {
		lag += l
	}
	in.lagMu.Unlock()
	return Stats{
		Consumed:     in.stats.consumed.Load(),
		Inserted:     in.stats.inserted.Load(),
		DeadLettered: in.stats.deadLettered.Load(),
		Committed:    in.stats.committed.Load(),
		Abandoned:    in.stats.abandoned.Load(),
		Lag:          lag,
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
		Dialer:                in.cfg.Dialer,
		Topics:                in.Topics(),
		StartOffset:           kafka.FirstOffset,
		WatchPartitionChanges: true,
		JoinGroupBackoff:      time.Second,
		HeartbeatInterval:     time.Second,
		SessionTimeout:        10 * time.Second,
		RebalanceTimeout:      in.cfg.DrainTimeout + 20*time.Second,
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

// batch is the in-progress batch of one partition.
type batch struct {
	rows     rowBuffer
	dead     []deadLetter
	msgs     int
	bytes    int
	first    time.Time // when its first message arrived
	last     int64     // offset of its last message
	topicLbl string
}

func (b *batch) empty() bool { return b.msgs == 0 }

func (b *batch) reset() {
	b.rows.reset()
	b.dead = b.dead[:0]
	b.msgs, b.bytes = 0, 0
}

// consumePartition reads one partition for one generation until the generation ends or the
// process shuts down, flushing and committing batch by batch.
func (in *Ingester) consumePartition(root, genCtx context.Context, gen *kafka.Generation, topic string, partition int, offset int64) {
	kind := in.kinds[topic]
	stopCtx, cancel := context.WithCancel(genCtx)
	defer cancel()
	stopOnRoot := context.AfterFunc(root, cancel)
	defer stopOnRoot()

	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:       in.cfg.Brokers,
		Topic:         topic,
		Partition:     partition,
		Dialer:        in.cfg.Dialer,
		MinBytes:      1,
		MaxBytes:      8 << 20,
		MaxWait:       200 * time.Millisecond,
		QueueCapacity: 1024,
	})
	defer r.Close()
	if err := r.SetOffset(offset); err != nil {
		in.log.Error("set offset", "topic", topic, "partition", partition, "offset", offset, "err", err)
		<-stopCtx.Done()
		return
	}
	log := in.log.With("topic", topic, "partition", partition)
	lagKey := topic + "/" + strconv.Itoa(partition)
	lagGauge := in.prom.lag.WithLabelValues(topic, strconv.Itoa(partition))
	consumed := in.prom.consumed.WithLabelValues(topic)
	b := &batch{rows: newRowBuffer(kind), topicLbl: topic}

	for {
		fetchCtx, cancelFetch := stopCtx, context.CancelFunc(func() {})
		if !b.empty() {
			fetchCtx, cancelFetch = context.WithDeadline(stopCtx, b.first.Add(in.cfg.BatchWait))
		}
		m, err := r.FetchMessage(fetchCtx)
		cancelFetch()
		if err != nil {
			if stopCtx.Err() != nil {
				in.drain(log, gen, topic, partition, b)
				return
			}
			if errors.Is(err, context.DeadlineExceeded) {
				in.flush(stopCtx, log, gen, topic, partition, b)
				continue
			}
			log.Warn("fetch failed, retrying", "err", err)
			_ = in.sleepF(stopCtx, in.cfg.RetryMin)
			continue
		}
		consumed.Inc()
		in.stats.consumed.Add(1)
		if b.empty() {
			b.first = in.nowFn()
		}
		b.msgs++
		b.bytes += len(m.Value) + len(m.Key)
		b.last = m.Offset
		if err := b.rows.add(&m); err != nil {
			b.dead = append(b.dead, newDeadLetter(m, err))
		}
		st := r.Stats()
		lagGauge.Set(float64(st.Lag))
		in.lagMu.Lock()
		in.lagOf[lagKey] = st.Lag
		in.lagMu.Unlock()
		if b.msgs >= in.cfg.BatchRows || b.bytes >= in.cfg.BatchBytes {
			in.flush(stopCtx, log, gen, topic, partition, b)
		}
	}
}

func newDeadLetter(m kafka.Message, err error) deadLetter {
	d := deadLetter{msg: m, code: "invalid", err: err.Error()}
	if ve, ok := event.AsValidation(err); ok {
		d.code, d.field = ve.Code, ve.Field
	}
	return d
}

// drain flushes the batch on shutdown or revocation within DrainTimeout. What it cannot write in
// time stays uncommitted and is counted as abandoned.
func (in *Ingester) drain(log *slog.Logger, gen *kafka.Generation, topic string, partition int, b *batch) {
	if b.empty() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), in.cfg.DrainTimeout)
	defer cancel()
	if !in.flush(ctx, log, gen, topic, partition, b) {
		n := b.msgs
		in.stats.abandoned.Add(int64(n))
		in.prom.abandoned.Add(float64(n))
		log.Warn("drain deadline passed: batch abandoned uncommitted (it will be re-delivered)", "messages", n)
		b.reset()
	}
}

// flush writes the batch and commits it. It retries until it succeeds or ctx ends; it reports
// whether the batch was written (and, if so, empties it).
func (in *Ingester) flush(ctx context.Context, log *slog.Logger, gen *kafka.Generation, topic string, partition int, b *batch) bool {
	if b.empty() {
		return true
	}
	start := in.nowFn()
	conn, db := in.wh.Conn(), in.wh.Database()
	if b.rows.len() > 0 {
		err := in.retry(ctx, log, "insert", func(ctx context.Context) error {
			now := in.nowFn()
			return b.rows.insert(ctx, conn, db, uint64(now.UnixNano()), now.UTC())
		})
		if err != nil {
			return false
		}
		in.stats.inserted.Add(int64(b.rows.len()))
		in.prom.inserted.WithLabelValues(string(in.kinds[topic]) + "s").Add(float64(b.rows.len()))
	}
	if len(b.dead) > 0 {
		if err := in.retry(ctx, log, "dead_letter", func(ctx context.Context) error { return in.sendDeadLetters(ctx, b.dead) }); err != nil {
			return false
		}
		err := in.retry(ctx, log, "errors_insert", func(ctx context.Context) error {
			now := in.nowFn()
			return insertErrors(ctx, conn, db, b.dead, uint64(now.UnixNano()), now.UTC())
		})
		if err != nil {
			return false
		}
		in.stats.deadLettered.Add(int64(len(b.dead)))
		for _, d := range b.dead {
			in.prom.deadLettered.WithLabelValues(topic, d.code).Inc()
		}
		log.Info("invalid messages dead-lettered", "count", len(b.dead), "first_reason", b.dead[0].err)
	}
	// The rows are in ClickHouse: now, and only now, the offsets may be committed.
	if err := gen.CommitOffsets(map[string]map[int]int64{topic: {partition: b.last + 1}}); err != nil {
		in.prom.commitErrors.Inc()
		log.Warn("offset commit refused; the batch will be re-delivered and de-duplicated", "offset", b.last+1, "err", err)
	} else {
		in.prom.commits.Inc()
		in.stats.committed.Add(int64(b.msgs))
	}
	in.prom.batchRows.Observe(float64(b.msgs))
	in.prom.batchSeconds.Observe(in.nowFn().Sub(start).Seconds())
	b.reset()
	return true
}

// retry runs op until it succeeds or ctx ends, sleeping with capped exponential backoff between
// attempts. Every failure is treated as transient: a ClickHouse restart or a broker failover
// must not lose the batch, and nothing is committed while it fails.
func (in *Ingester) retry(ctx context.Context, log *slog.Logger, op string, fn func(context.Context) error) error {
	wait := in.cfg.RetryMin
	for attempt := 1; ; attempt++ {
		err := fn(ctx)
		if err == nil {
			if attempt > 1 {
				log.Info("recovered", "op", op, "attempts", attempt)
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		in.prom.retries.WithLabelValues(op).Inc()
		log.Warn("write failed, retrying", "op", op, "attempt", attempt, "backoff", wait, "err", err)
		if err := in.sleepF(ctx, wait); err != nil {
			return err
		}
		wait = min(wait*2, in.cfg.RetryMax)
	}
}

func (in *Ingester) sendDeadLetters(ctx context.Context, dls []deadLetter) error {
	msgs := make([]kafka.Message, len(dls))
	for i, d := range dls {
		msgs[i] = kafka.Message{
			Key:   d.msg.Key,
			Value: d.msg.Value,
			Headers: []kafka.Header{
				{Key: "ccqa-error-code", Value: []byte(d.code)},
				{Key: "ccqa-error-field", Value: []byte(d.field)},
				{Key: "ccqa-error-reason", Value: []byte(d.err)},
				{Key: "ccqa-source-topic", Value: []byte(d.msg.Topic)},
				{Key: "ccqa-source-partition", Value: []byte(strconv.Itoa(d.msg.Partition))},
				{Key: "ccqa-source-offset", Value: []byte(strconv.FormatInt(d.msg.Offset, 10))},
			},
		}
	}
	return in.dlq.WriteMessages(ctx, msgs...)
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
