package ingest

import (
	"github.com/prometheus/client_golang/prometheus"
)

// promMetrics are the Prometheus series of one Ingester. They are registered on the Registerer
// given to New, so a process can run several ingesters (tests do) on separate registries.
type promMetrics struct {
	consumed     *prometheus.CounterVec
	inserted     *prometheus.CounterVec
	deadLettered *prometheus.CounterVec
	retries      *prometheus.CounterVec
	commits      prometheus.Counter
	committed    prometheus.Counter
	commitErrors prometheus.Counter
	abandoned    prometheus.Counter
	batchRows    prometheus.Histogram
	batchBytes   prometheus.Histogram
	batchSeconds prometheus.Histogram
	insertSecs   prometheus.Histogram
	lag          *prometheus.GaugeVec
	fetchErrors  *prometheus.CounterVec
	fetches      *prometheus.CounterVec
	offsetResets *prometheus.CounterVec
	partitions   prometheus.Gauge
	generations  prometheus.Counter
	retrying     prometheus.Gauge
	buffered     prometheus.GaugeFunc
}

func newPromMetrics(reg prometheus.Registerer, bufferedBytes func() float64) (*promMetrics, error) {
	m := &promMetrics{
		consumed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ccqa_ingest_messages_consumed_total", Help: "Kafka messages fetched, by topic.",
		}, []string{"topic"}),
		inserted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ccqa_ingest_rows_inserted_total", Help: "Rows acknowledged by ClickHouse, by table.",
		}, []string{"table"}),
		deadLettered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ccqa_ingest_dead_letters_total", Help: "Invalid messages sent to the dead-letter topic and ingest_errors, by topic and reason code.",
		}, []string{"topic", "reason"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ccqa_ingest_retries_total", Help: "Retried operations after a failure, by operation (insert: a partition read again after a failed INSERT; dead_letter, errors_insert, commit, fetch).",
		}, []string{"op"}),
		commits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ccqa_ingest_commits_total", Help: "Offset commits after a successful insert.",
		}),
		committed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ccqa_ingest_messages_committed_total", Help: "Messages whose offsets were committed after their batch was written.",
		}),
		commitErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ccqa_ingest_commit_errors_total", Help: "Offset commits given up (for example refused after a rebalance); the rows are re-delivered and de-duplicated.",
		}),
		abandoned: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ccqa_ingest_abandoned_messages_total", Help: "Messages read but not committed when a partition stopped (drain deadline passed, or stopped while ClickHouse was failing); they are re-delivered.",
		}),
		batchRows: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "ccqa_ingest_batch_messages", Help: "Messages per flushed batch.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 10),
		}),
		batchBytes: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "ccqa_ingest_batch_bytes", Help: "Message bytes (key and value) per flushed batch.",
			Buckets: prometheus.ExponentialBuckets(1024, 4, 9),
		}),
		batchSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "ccqa_ingest_batch_flush_seconds", Help: "Time from a batch being handed to its writer to its commit: sending, the INSERT (which may wait for other batches), dead letters and the commit.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}),
		insertSecs: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "ccqa_ingest_insert_seconds", Help: "Time of one successful ClickHouse INSERT, from opening it (it then takes batches for up to --batch-wait) to its acknowledgement.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ccqa_ingest_consumer_lag", Help: "Messages between the consumer position and the end of the partition, for the partitions this process reads.",
		}, []string{"topic", "partition"}),
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ccqa_ingest_fetches_total", Help: "Fetch requests sent to partition leaders, by topic (with messages_consumed: messages per fetch).",
		}, []string{"topic"}),
		fetchErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ccqa_ingest_fetch_errors_total", Help: "Failed Kafka fetches or connections to a partition leader, by topic; the partition reconnects with backoff.",
		}, []string{"topic"}),
		offsetResets: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ccqa_ingest_offset_resets_total", Help: "Committed offsets outside the partition's log (deleted by retention) reset to its first offset, by topic.",
		}, []string{"topic"}),
		partitions: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ccqa_ingest_partitions_assigned", Help: "Partitions assigned to this process in the current consumer-group generation.",
		}),
		generations: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ccqa_ingest_generations_total", Help: "Consumer-group generations joined (one per rebalance).",
		}),
		retrying: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ccqa_ingest_partitions_retrying", Help: "Partitions whose current write is failing and being retried (ingest is paused for them).",
		}),
		buffered: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "ccqa_ingest_buffered_bytes", Help: "Message bytes held in memory in batches not yet written, bounded by --max-buffered-bytes.",
		}, bufferedBytes),
	}
	for _, c := range []prometheus.Collector{m.consumed, m.inserted, m.deadLettered, m.retries, m.commits, m.committed,
		m.commitErrors, m.abandoned, m.batchRows, m.batchBytes, m.batchSeconds, m.insertSecs, m.lag,
		m.fetchErrors, m.fetches, m.offsetResets, m.partitions, m.generations, m.retrying, m.buffered} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
