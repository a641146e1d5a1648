package metrics_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ccqa/ccqa/internal/itest"
	"github.com/ccqa/ccqa/metrics"
	"github.com/ccqa/ccqa/warehouse"
)

// TestReadsDuringRebuilds runs metric reads of a month while the same months are rebuilt in a
// loop, for a bounded time, and fails if any query gets stuck. On ClickHouse 18.16 a query that
// takes a table's read lock twice deadlocks with a structural ALTER (DROP/REPLACE PARTITION,
// DROP TABLE) queued between the two acquisitions; the month builds must never ALTER or drop a
// table a reader may be reading. A watchdog fails the test instead of hanging: every query runs
// under a deadline, and system.processes is polled for queries of this database that run longer
// than a healthy read or build ever takes here. A stuck server query cannot be killed on 18.16
// (KILL QUERY waits too), so after a detected deadlock the database is left behind rather than
// dropped (a DROP DATABASE would hang the test's cleanup).
//
// Expected values by construction: 20,000 answered calls of agent a1 in November 2026, 10,000
// in December, none in October (an empty month, whose build stores nothing).
func TestReadsDuringRebuilds(t *testing.T) {
	addr := itest.ClickHouseAddr(t)
	ctx := context.Background()
	db := itest.Unique("ccqa_test_deadlock")
	w, err := warehouse.Open(ctx, warehouse.Options{Addr: addr, Database: db})
	if err != nil {
		t.Fatal(err)
	}
	var stuck sync.Once
	stuckMsg := ""
	t.Cleanup(func() {
		if stuckMsg == "" {
			dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_ = w.Conn().Exec(dctx, "DROP DATABASE IF EXISTS "+db)
			_ = w.Conn().Exec(dctx, "DROP DATABASE IF EXISTS "+db+"_payroll")
		} else {
			t.Logf("left database %s behind: its queries are stuck", db)
		}
		w.Close()
	})
	if _, err := w.Migrate(ctx, warehouse.MigrateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Calls every 20 s from the first of the month 00:00 UTC (08:00 in Shanghai): 20,000 in
	// November (under 5 days) and 10,000 in December, answered after 5 s, 60 s of talk, resolved.
	for _, c := range []struct {
		month string
		n     int
	}{{"2026-11-01", 20000}, {"2026-12-01", 10000}} {
		ins := fmt.Sprintf(`INSERT INTO ${db}.calls (call_id, agent_id, customer_id, queue, direction, offered_at,
			answered_at, ended_at, hold_seconds, acw_seconds, resolved, resolved_at, inquiry, complaint, transferred,
			recording_url, src_topic, src_partition, src_offset, ingested_at, version)
			SELECT concat('%[1]s-', toString(number)), 'a1', concat('u', toString(number)), 'q', 'inbound', at,
			       at + 5, at + 65, 0, 0, 1, at + 65, 0, 0, 0, '', 't', 0, toInt64(number), now(), 1
			FROM (SELECT number, toDateTime('%[1]s 00:00:00', 'UTC') + number * 20 AS at FROM system.numbers LIMIT %[2]d)`, c.month, c.n)
		if err := w.Conn().Exec(ctx, w.Expand(ins, nil)); err != nil {
			t.Fatal(err)
		}
	}
	loc, err := w.TimeZone(ctx)
	if err != nil {
		t.Fatal(err)
	}
	q := metrics.Query{Level: metrics.LevelAgent, By: metrics.ByMonth, From: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	months := []time.Time{q.From, q.From.AddDate(0, 1, 0), q.From.AddDate(0, 2, 0)}
	if _, err := metrics.EnsureBuilt(ctx, w, loc, q.From, q.To); err != nil {
		t.Fatal(err)
	}

	// run bounds the whole exercise; opTimeout bounds each operation (a build of these 500
	// contacts takes well under a second, a read less).
	const run, opTimeout, stuckAfter = 8 * time.Second, 20 * time.Second, 8
	runCtx, stop := context.WithTimeout(ctx, run)
	defer stop()
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	report := func(err error) {
		select {
		case errs <- err:
		default:
		}
	}
	var builds, reads atomic.Int64
	wg.Add(1)
	go func() { // the rebuilder: every month in turn, including the empty one
		defer wg.Done()
		for i := 0; runCtx.Err() == nil; i++ {
			opCtx, cancel := context.WithTimeout(ctx, opTimeout)
			err := metrics.RebuildMonth(opCtx, w, loc, months[i%len(months)])
			cancel()
			if err != nil {
				report(fmt.Errorf("rebuild %s: %w", months[i%len(months)].Format("2006-01"), err))
				return
			}
			builds.Add(1)
		}
	}()
	for r := range 3 {
		wg.Add(1)
		go func() { // readers, as three dashboard charts or three processes
			defer wg.Done()
			for runCtx.Err() == nil {
				opCtx, cancel := context.WithTimeout(ctx, opTimeout)
				rows, err := metrics.Rows(opCtx, w, q)
				cancel()
				if err != nil {
					report(fmt.Errorf("reader %d: %w", r, err))
					return
				}
				if len(rows) != 2 || rows[0].Contacts != 20000 || rows[1].Contacts != 10000 {
					report(fmt.Errorf("reader %d: rows %+v, want November 20000 contacts and December 10000", r, rows))
					return
				}
				reads.Add(1)
			}
		}()
	}
	wg.Add(1)
	go func() { // the watchdog
		defer wg.Done()
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
			case <-runCtx.Done():
				// Let the last operations finish, then look once more.
				time.Sleep(time.Second)
			}
			var n uint64
			var longest float64
			wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err := w.Conn().QueryRow(wctx, "SELECT count(), max(elapsed) FROM system.processes WHERE position(query, ?) > 0 AND elapsed > ? AND position(query, 'system.processes') = 0", db, stuckAfter).Scan(&n, &longest)
			cancel()
			if err == nil && n > 0 {
				stuck.Do(func() {
					stuckMsg = fmt.Sprintf("%d queries running for over %d s (longest %.0f s)", n, stuckAfter, longest)
				})
				report(fmt.Errorf("deadlock: %s", stuckMsg))
				return
			}
			if runCtx.Err() != nil {
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	nb, nr := builds.Load(), reads.Load()
	t.Logf("%d rebuilds and %d reads in %s", nb, nr, run)
	if !t.Failed() && (nb < 3 || nr < 3) {
		t.Errorf("only %d rebuilds and %d reads ran: the race was not exercised", nb, nr)
	}
}

// TestBuildsNeverWaitForReaders checks the property that makes month builds deadlock-free on
// ClickHouse 18.16: a build never takes contact_metrics' exclusive lock, so it never queues
// behind a running read of the table (and new reads never queue behind it). ALTER ... DROP
// PARTITION takes that lock (it waits for every running SELECT of the table, and SELECTs that
// arrive meanwhile wait for it); a query whose threads take the table's read lock more than once
// then deadlocks with it. ALTER ... REPLACE PARTITION takes only shared locks.
//
// A slow read of contact_metrics (sleepEachRow, ~2.5 s) runs while three months are rebuilt:
// October (no contacts: the build empties the month), November (10 calls) and December (none
// either). Each build, and a fresh metrics read, must finish while the slow read still runs.
func TestBuildsNeverWaitForReaders(t *testing.T) {
	w := itest.Warehouse(t)
	ctx := context.Background()
	var lines []string
	for i := range 10 {
		at := time.Date(2026, 11, 10, 2, i, 0, 0, time.UTC)
		lines = append(lines, fmt.Sprintf(`{"call_id":"c%d","agent_id":"a1","customer_id":"u%d","offered_at":%q,"answered_at":%q,"ended_at":%q}`,
			i, i, at.Format(time.RFC3339), at.Add(5*time.Second).Format(time.RFC3339), at.Add(65*time.Second).Format(time.RFC3339)))
	}
	tb, err := tableOf(load{kind: "calls", rows: lines}, 1, time.Now().UTC())
	if err != nil {
		t.Fatal(err)
	}
	if err := insertTable(ctx, w, tb); err != nil {
		t.Fatal(err)
	}
	loc, err := w.TimeZone(ctx)
	if err != nil {
		t.Fatal(err)
	}
	oct, nov, dec := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, m := range []time.Time{oct, nov} {
		if err := metrics.RebuildMonth(ctx, w, loc, m); err != nil {
			t.Fatal(err)
		}
	}

	// The slow read: 10 rows, 0.25 s each, in one block (sleepEachRow allows 3 s per block).
	slowDone := make(chan error, 1)
	const marker = "slow_reader_of_contact_metrics"
	go func() {
		var n uint64
		err := w.Conn().QueryRow(ctx, w.Expand("SELECT count() AS "+marker+" FROM ${db}.contact_metrics WHERE sleepEachRow(0.25) = 0", nil)).Scan(&n)
		if err == nil && n != 10 {
			err = fmt.Errorf("slow read counted %d rows, want the 10 of November", n)
		}
		slowDone <- err
	}()
	itest.Eventually(t, 2*time.Second, func() (bool, string) {
		var n uint64
		err := w.Conn().QueryRow(ctx, "SELECT count() FROM system.processes WHERE position(query, ?) > 0 AND position(query, 'system.processes') = 0", marker).Scan(&n)
		return err == nil && n == 1, fmt.Sprintf("the slow read is not running (%v)", err)
	})
	// Everything below must finish while the slow read runs; a build that takes the exclusive
	// lock waits for the slow read instead (its deadline is only a guard against hanging).
	opCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for _, m := range []time.Time{oct, nov, dec} {
		if err := metrics.RebuildMonth(opCtx, w, loc, m); err != nil {
			t.Fatalf("rebuild %s: %v", m.Format("2006-01"), err)
		}
		select {
		case err := <-slowDone:
			t.Fatalf("the rebuild of %s waited for the slow read of contact_metrics to end (slow read: %v)", m.Format("2006-01"), err)
		default:
		}
	}
	rows, err := metrics.Rows(opCtx, w, metrics.Query{Level: metrics.LevelAgent, By: metrics.ByMonth, From: oct, To: dec.AddDate(0, 1, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Contacts != 10 || !rows[0].PeriodStart.Equal(nov) {
		t.Fatalf("rows %+v, want one November row with 10 contacts", rows)
	}
	select {
	case err := <-slowDone:
		t.Fatalf("the metrics read waited for the slow read of contact_metrics to end (slow read: %v)", err)
	default:
	}
	if err := <-slowDone; err != nil {
		t.Fatal(err)
	}
}
