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
	commitErrors prometheus.Counter
	abandoned    prometheus.Counter
	batchRows    prometheus.Histogram
	batchSeconds prometheus.Histogram
	lag          *prometheus.GaugeVec
}

func newPromMetrics(reg prometheus.Registerer) (*promMetrics, error) {
	m := &promMetrics{
		consumed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ccqa_ingest_messages_consumed_total", Help: "Kafka messages fetched, by topic.",
		}, []string{"topic"}),
		inserted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ccqa_ingest_rows_inserted_total", Help: "Rows acknowledged by ClickHouse, by table.",
		}, []string{"table"}),
		deadLettered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ccqa_ingest_dead_letters_total", Help: "Invalid messages sent to the dead-letter topic, by topic and reason code.",
		}, []string{"topic", "reason"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ccqa_ingest_retries_total", Help: "Retried operations after a failure, by operation (insert, dead_letter, errors_insert).",
		}, []string{"op"}),
		commits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ccqa_ingest_commits_total", Help: "Offset commits after a successful insert.",
		}),
		commitErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ccqa_ingest_commit_errors_total", Help: "Offset commits refused (for example by a rebalance); the rows are re-delivered and de-duplicated.",
		}),
		abandoned: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ccqa_ingest_abandoned_messages_total", Help: "Messages of batches not written before the shutdown deadline; they stay uncommitted and are re-delivered.",
		}),
		batchRows: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "ccqa_ingest_batch_messages", Help: "Messages per flushed batch.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 10),
		}),
		batchSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "ccqa_ingest_batch_flush_seconds", Help: "Time to flush a batch: insert, dead letters and commit.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ccqa_ingest_consumer_lag", Help: "Messages between the consumer position and the end of the partition.",
		}, []string{"topic", "partition"}),
	}
	for _, c := range []prometheus.Collector{m.consumed, m.inserted, m.deadLettered, m.retries, m.commits,
		m.commitErrors, m.abandoned, m.batchRows, m.batchSeconds, m.lag} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
