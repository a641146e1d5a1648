package metrics_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ccqa/ccqa/internal/itest"
	"github.com/ccqa/ccqa/metrics"
	"github.com/ccqa/ccqa/warehouse"
)

// TestBuildFollowsNewData checks that `ccqa metrics` never answers from a stale month build:
// data stored after a month was built (a new contact in the month, a contact in the first days
// of the next month that makes a November contact a repeat, a survey) is in the next answer.
// Values by hand: FCR = resolved handled contacts without another inbound contact of the same
// customer within 7 days, over handled contacts.
func TestBuildFollowsNewData(t *testing.T) {
	w := itest.Warehouse(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	version := uint64(0)
	add := func(kind string, lines ...string) {
		t.Helper()
		version++
		tb, err := tableOf(load{kind: kind, rows: lines}, version, now)
		if err != nil {
			t.Fatal(err)
		}
		if err := insertTable(ctx, w, tb); err != nil {
			t.Fatal(err)
		}
	}
	nov := metrics.MonthQuery(metrics.LevelAgent, metrics.Month{Time: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)})
	check := func(step string, contacts uint64, fcr float64, wantBuilt int) {
		t.Helper()
		loc, _ := time.LoadLocation("Asia/Shanghai")
		st, err := metrics.EnsureBuilt(ctx, w, loc, nov.From, nov.To)
		if err != nil {
			t.Fatal(err)
		}
		// Data inserted within buildMargin of a build keeps the month stale, so a month may be
		// rebuilt more often than needed here, never less.
		if st.Built < wantBuilt {
			t.Errorf("%s: %d month(s) rebuilt, want at least %d", step, st.Built, wantBuilt)
		}
		rows, err := metrics.Rows(ctx, w, nov)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0].Contacts != contacts || rows[0].FCRRate == nil || *rows[0].FCRRate != fcr {
			t.Fatalf("%s: rows %+v, want one a1 row with %d contacts and fcr_rate %v", step, rows, contacts, fcr)
		}
	}
	// x1: u1 resolved on 10 Nov, nothing else: FCR 1/1.
	add("calls", `{"call_id":"x1","agent_id":"a1","customer_id":"u1","offered_at":"2026-11-10T10:00:00+08:00","answered_at":"2026-11-10T10:00:05+08:00","ended_at":"2026-11-10T10:01:05+08:00","resolved":true}`)
	check("first build", 1, 1, 1)
	check("nothing new", 1, 1, 0)
	// x2: u1 again on 12 Nov: x1 is now a repeat; x2 unresolved: FCR 0/2.
	add("calls", `{"call_id":"x2","agent_id":"a1","customer_id":"u1","offered_at":"2026-11-12T10:00:00+08:00","answered_at":"2026-11-12T10:00:05+08:00","ended_at":"2026-11-12T10:01:05+08:00"}`)
	check("new contact in the month", 2, 0, 1)
	// x3: u3 resolved on 29 Nov (FCR 1/3 for now), then x4: u3 chats on 2 Dec, in December but
	// within 7 days: x3 becomes a repeat, FCR 0/3; November must be rebuilt for a December event.
	add("calls", `{"call_id":"x3","agent_id":"a1","customer_id":"u3","offered_at":"2026-11-29T10:00:00+08:00","answered_at":"2026-11-29T10:00:05+08:00","ended_at":"2026-11-29T10:01:05+08:00","resolved":true}`)
	check("third contact", 3, 1.0/3, 1)
	add("chats", `{"chat_id":"x4","agent_id":"a2","customer_id":"u3","started_at":"2026-12-02T10:00:00+08:00","ended_at":"2026-12-02T10:05:00+08:00","messages":[]}`)
	check("repeat in the next month", 3, 0, 1)
	// A survey of x2 arrives: csat 1/1 in November.
	add("surveys", `{"survey_id":"v1","interaction_id":"x2","channel":"call","score":5,"answered_at":"2026-12-20T10:00:00+08:00"}`)
	rows, err := metrics.Rows(ctx, w, nov)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].CSATN != 1 || rows[0].CSAT == nil || *rows[0].CSAT != 1 {
		t.Fatalf("after a survey: rows %+v, want csat 1 of 1", rows)
	}
}

// TestQAScore checks qa_score through the qa_scores view of package qa, by hand: contact k1
// has reviewer r1's edited review (60, then 80: the current version counts) and r2's 90, so its
// score is (80+90)/2 = 85; k2 has 70; k3 is not reviewed. Agent a1's November: qa_n 2,
// qa_score (85+70)/2 = 77.5, through `ccqa metrics` and through the view.
func TestQAScore(t *testing.T) {
	w := itest.Warehouse(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	tb, err := tableOf(load{kind: "calls", rows: []string{
		`{"call_id":"k1","agent_id":"a1","customer_id":"u1","offered_at":"2026-11-05T10:00:00+08:00","answered_at":"2026-11-05T10:00:05+08:00","ended_at":"2026-11-05T10:01:05+08:00"}`,
		`{"call_id":"k2","agent_id":"a1","customer_id":"u2","offered_at":"2026-11-06T10:00:00+08:00","answered_at":"2026-11-06T10:00:05+08:00","ended_at":"2026-11-06T10:01:05+08:00"}`,
		`{"call_id":"k3","agent_id":"a1","customer_id":"u3","offered_at":"2026-11-07T10:00:00+08:00","answered_at":"2026-11-07T10:00:05+08:00","ended_at":"2026-11-07T10:01:05+08:00"}`,
	}}, 1, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := insertTable(ctx, w, tb); err != nil {
		t.Fatal(err)
	}
	reviews := table{name: "qa_reviews", cols: []string{"contact_id", "reviewer", "version", "total", "agent_id", "channel", "contact_start", "written_at", "written_ns"}}
	for i, r := range []struct {
		contact, reviewer string
		version           uint32
		total             float64
	}{{"k1", "r1", 1, 60}, {"k1", "r1", 2, 80}, {"k1", "r2", 1, 90}, {"k2", "r1", 1, 70}} {
		reviews.rows = append(reviews.rows, []any{r.contact, r.reviewer, r.version, r.total, "a1", "call", now, now, uint64(i + 1)})
	}
	if err := insertTable(ctx, w, reviews); err != nil {
		t.Fatal(err)
	}
	q := metrics.MonthQuery(metrics.LevelAgent, metrics.Month{Time: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)})
	for _, read := range []func() ([]metrics.Row, error){
		func() ([]metrics.Row, error) { return metrics.Rows(ctx, w, q) },
		func() ([]metrics.Row, error) { return metrics.ViewRows(ctx, w, q) },
	} {
		rows, err := read()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0].Contacts != 3 || rows[0].QAN != 2 || rows[0].QAScore == nil || *rows[0].QAScore != 77.5 {
			t.Fatalf("rows %+v, want a1 with 3 contacts, qa_n 2, qa_score 77.5", rows)
		}
	}
}

// TestConcurrentReads checks that reads racing to rebuild the same months (a dashboard asks
// for several charts at once right after new data) all succeed with the same answer: 2 calls
// in November, 1 in December.
func TestConcurrentReads(t *testing.T) {
	w := itest.Warehouse(t)
	ctx := context.Background()
	tb, err := tableOf(load{kind: "calls", rows: []string{
		`{"call_id":"k1","agent_id":"a1","customer_id":"u1","offered_at":"2026-11-05T10:00:00+08:00","answered_at":"2026-11-05T10:00:05+08:00","ended_at":"2026-11-05T10:01:05+08:00"}`,
		`{"call_id":"k2","agent_id":"a1","customer_id":"u2","offered_at":"2026-11-06T10:00:00+08:00","answered_at":"2026-11-06T10:00:05+08:00","ended_at":"2026-11-06T10:01:05+08:00"}`,
		`{"call_id":"k3","agent_id":"a1","customer_id":"u3","offered_at":"2026-12-07T10:00:00+08:00","answered_at":"2026-12-07T10:00:05+08:00","ended_at":"2026-12-07T10:01:05+08:00"}`,
	}}, 1, time.Now().UTC())
	if err != nil {
		t.Fatal(err)
	}
	if err := insertTable(ctx, w, tb); err != nil {
		t.Fatal(err)
	}
	q := metrics.Query{Level: metrics.LevelAgent, By: metrics.ByMonth, From: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	const readers = 8
	errs := make(chan error, readers)
	for range readers {
		go func() {
			rows, err := metrics.Rows(ctx, w, q)
			if err == nil && (len(rows) != 2 || rows[0].Contacts != 2 || rows[1].Contacts != 1) {
				err = fmt.Errorf("rows %+v, want November 2 contacts and December 1", rows)
			}
			errs <- err
		}()
	}
	for range readers {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestTimeZoneChange checks that month builds follow `ccqa migrate --tz`: a call at
// 2026-12-01 07:00 in Shanghai (30 Nov 23:00 UTC) is December's in Asia/Shanghai and
// November's in UTC.
func TestTimeZoneChange(t *testing.T) {
	w := itest.Warehouse(t)
	ctx := context.Background()
	tb, err := tableOf(load{kind: "calls", rows: []string{
		`{"call_id":"k1","agent_id":"a1","customer_id":"u1","offered_at":"2026-12-01T07:00:00+08:00","answered_at":"2026-12-01T07:00:05+08:00","ended_at":"2026-12-01T07:01:05+08:00"}`,
	}}, 1, time.Now().UTC())
	if err != nil {
		t.Fatal(err)
	}
	if err := insertTable(ctx, w, tb); err != nil {
		t.Fatal(err)
	}
	nov := metrics.MonthQuery(metrics.LevelAgent, metrics.Month{Time: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)})
	count := func() int {
		t.Helper()
		rows, err := metrics.Rows(ctx, w, nov)
		if err != nil {
			t.Fatal(err)
		}
		return len(rows)
	}
	if n := count(); n != 0 {
		t.Fatalf("Asia/Shanghai: %d November rows, want 0", n)
	}
	if _, err := w.Migrate(ctx, warehouse.MigrateOptions{TimeZone: "UTC"}); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Fatalf("UTC: %d November rows, want 1", n)
	}
}
