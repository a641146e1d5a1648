package ingest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ccqa/ccqa/ingest"
	"github.com/ccqa/ccqa/internal/itest"
	"github.com/ccqa/ccqa/warehouse"
)

// TestShutdownWhileClickHouseIsDown stops ClickHouse, lets ingest fetch the fixture and fail to
// write it, then shuts ingest down: it must give up within the drain deadline, commit nothing
// and count the batch as abandoned. A second run with ClickHouse back then ingests everything
// from the uncommitted offsets: nothing was lost.
func TestShutdownWhileClickHouseIsDown(t *testing.T) {
	ch := itest.StartThrowawayClickHouse(t)
	ctx := context.Background()
	w, err := warehouse.Open(ctx, warehouse.Options{Addr: ch.Addr(), Database: itest.Unique("ccqa_drain")})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Migrate(ctx, warehouse.MigrateOptions{}); err != nil {
		t.Fatal(err)
	}
	brokers := itest.KafkaBrokers(t)
	topics, dlt := testTopics(itest.Unique("drain"))
	msgs := readFixture(t, "testdata/e2e")
	produceFixture(t, brokers, topics, msgs)
	var names []string
	for _, n := range topics {
		names = append(names, n)
	}

	ch.Down()
	cfg := ingestConfig(brokers, topics, dlt)
	cfg.DrainTimeout = 2 * time.Second
	cfg.RetryMax = 500 * time.Millisecond
	in, err := ingest.New(cfg, w, nil, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- in.Run(runCtx) }()
	itest.Eventually(t, 60*time.Second, func() (bool, string) {
		st := in.Stats()
		return st.Consumed >= int64(len(msgs)) && st.Retries > 0 && st.Retrying > 0,
			fmt.Sprintf("consumed %d of %d, retries %d, retrying partitions %d", st.Consumed, len(msgs), st.Retries, st.Retrying)
	})
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(cfg.DrainTimeout + 30*time.Second):
		t.Fatal("Run did not return after its drain deadline")
	}
	st := in.Stats()
	if st.Inserted != 0 || st.Committed != 0 || st.Abandoned != int64(len(msgs)) {
		t.Fatalf("after a drain with ClickHouse down: inserted %d committed %d abandoned %d, want 0, 0, %d",
			st.Inserted, st.Committed, st.Abandoned, len(msgs))
	}
	lag, err := itest.GroupLag(ctx, brokers, cfg.GroupID, names)
	if err != nil {
		t.Fatal(err)
	}
	if lag != int64(len(msgs)) {
		t.Fatalf("group lag %d after the abandoned drain, want all %d messages uncommitted", lag, len(msgs))
	}

	ch.Up()
	itest.Eventually(t, 30*time.Second, func() (bool, string) {
		err := w.Conn().Ping(ctx)
		return err == nil, fmt.Sprint(err)
	})
	st = runIngester(t, w, cfg, int64(len(msgs)))
	if st.Consumed != 19 || st.Inserted != 15 || st.DeadLettered != 4 {
		t.Fatalf("second run: consumed %d inserted %d dead-lettered %d, want 19, 15, 4", st.Consumed, st.Inserted, st.DeadLettered)
	}
	checkMetrics(t, w, "2026-11", "testdata/e2e/expected_2026-11.jsonl")
	checkMetrics(t, w, "2026-12", "testdata/e2e/expected_2026-12.jsonl")
}
