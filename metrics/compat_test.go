package metrics_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ccqa/ccqa/metrics"
	"github.com/ccqa/ccqa/warehouse"
)

var compatDB = regexp.MustCompile(`compat_[a-z0-9]+`)

// chdbPython returns the Python that has chdb-core (current ClickHouse in process), from
// CCQA_CHDB_PYTHON, which `make test` sets after metrics/compat/install.sh. Without it the test
// skips, unless CCQA_REQUIRE_CHDB=1.
func chdbPython(t *testing.T) string {
	t.Helper()
	py := os.Getenv("CCQA_CHDB_PYTHON")
	if py == "" {
		if os.Getenv("CCQA_REQUIRE_CHDB") == "1" {
			t.Fatal("CCQA_CHDB_PYTHON is not set: run metrics/compat/install.sh")
		}
		t.Skip("CCQA_CHDB_PYTHON not set: skipping the current-ClickHouse check (make test installs chdb-core)")
	}
	return py
}

type step struct {
	SQL       string `json:"sql"`
	Rows      bool   `json:"rows"`
	KeepGoing bool   `json:"keep_going"`
}

// stmtFile names the warehouse file of each schema statement sent, for the failure messages.
var stmtFile = map[string]string{}

// schemaSteps are every migration and view statement of the warehouse, for database db.
func schemaSteps(t *testing.T, db, tz string) []step {
	t.Helper()
	expand := strings.NewReplacer("${db}", db, "${tz}", tz).Replace
	steps := []step{{SQL: "CREATE DATABASE " + db}}
	// Every statement is checked; one that fails is reported and the rest still run, so one
	// incompatible file does not hide the others.
	migs, err := warehouse.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range migs {
		for _, s := range warehouse.SplitStatements(m.SQL) {
			steps = append(steps, step{SQL: expand(s), KeepGoing: true})
			stmtFile[expand(s)] = fmt.Sprintf("warehouse/migrations/%04d_%s.sql", m.Version, m.Name)
		}
	}
	files, order, err := warehouse.Views()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range order {
		for _, s := range warehouse.SplitStatements(files[name]) {
			steps = append(steps, step{SQL: expand(s), KeepGoing: true})
			stmtFile[expand(s)] = "warehouse/views/" + name
		}
	}
	return steps
}

// TestCurrentClickHouse runs every migration and view (warehouse/migrations, warehouse/views)
// and the metrics template of every level and period on current ClickHouse (chdb-core), then
// loads every fixture there, twice (the second time as a re-delivery), and checks each eval,
// through the query and through the views, against the same hand-computed expected rows as
// TestFixtures checks on the 18.16 server: both engines must give the same answers.
func TestCurrentClickHouse(t *testing.T) {
	py := chdbPython(t)
	const tz = "Asia/Shanghai"
	loc, err := time.LoadLocation(tz)
	if err != nil {
		t.Fatal(err)
	}
	type check struct {
		fx    *fixture
		ev    eval
		stage string
	}
	var steps []step
	var checks []check
	query := func(sql string, c check) {
		steps = append(steps, step{SQL: sql, Rows: true})
		checks = append(checks, c)
	}

	// Every instantiation of the template, filtered and not, on an empty database.
	steps = append(steps, schemaSteps(t, "compat_empty", tz)...)
	expand := strings.NewReplacer("${db}", "compat_empty", "${tz}", tz).Replace
	for _, l := range metrics.Levels {
		for _, p := range metrics.Periods {
			q := metrics.Query{Level: l, By: p, From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
				To: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Agent: "a'1", Team: `t\1`, Queue: "q"}
			query(expand(metrics.BuildSQL(q, loc)), check{stage: "empty"})
			q.Queue, q.Agent = "", "" // with a team filter only: the day aggregates
			query(expand(metrics.BuildSQL(q, loc)), check{stage: "empty"})
			q.Agent, q.Team = "", ""
			query(expand(metrics.BuildSQL(q, loc)), check{stage: "empty"})
			query(expand(metrics.BuildPerContactSQL(q, loc)), check{stage: "empty"})
			query(expand(metrics.ViewSQL(q)), check{stage: "empty"})
		}
	}
	// The statement of RowsTogether: the agent page's four sets and the team page's two.
	rng := func(l metrics.Level, p metrics.Period, agent, team string) metrics.Query {
		return metrics.Query{Level: l, By: p, From: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC),
			To: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Agent: agent, Team: team, WithoutP90: true}
	}
	query(expand(metrics.BuildTogetherSQL([]metrics.Query{rng(metrics.LevelAgent, metrics.ByWeek, "a'1", ""),
		rng(metrics.LevelAgent, metrics.ByMonth, "a'1", ""), rng(metrics.LevelTeam, metrics.ByWeek, "", `t\1`),
		rng(metrics.LevelTeam, metrics.ByMonth, "", `t\1`)}, loc)), check{stage: "empty"})
	query(expand(metrics.BuildTogetherSQL([]metrics.Query{rng(metrics.LevelAgent, metrics.ByWeek, "", "t"),
		rng(metrics.LevelAgent, metrics.ByMonth, "", "t")}, loc)), check{stage: "empty"})

	for i, path := range fixtureFiles(t) {
		fx, err := parseFixture(path)
		if err != nil {
			t.Fatal(err)
		}
		db := fmt.Sprintf("compat_%d", i)
		steps = append(steps, schemaSteps(t, db, tz)...)
		expand := strings.NewReplacer("${db}", db, "${tz}", tz).Replace
		now := time.Now().UTC().Truncate(time.Second)
		for round, stage := range []string{"first delivery", "re-delivered"} {
			built := map[time.Time]bool{}
			for j, l := range fx.loads {
				tb, err := tableOf(l, uint64(round*1000+j+1), now)
				if err != nil {
					t.Fatalf("%s: %v", fx.name, err)
				}
				if len(tb.rows) > 0 {
					steps = append(steps, step{SQL: tb.insertSQL(db)})
				}
			}
			for _, ev := range fx.evals {
				// Month builds, as metrics.EnsureBuilt makes them (rebuilt after the re-delivery).
				for m := time.Date(ev.q.From.Year(), ev.q.From.Month(), 1, 0, 0, 0, 0, time.UTC); m.Before(ev.q.To); m = m.AddDate(0, 1, 0) {
					if built[m] {
						continue
					}
					built[m] = true
					day := m.Format(time.DateOnly)
					steps = append(steps,
						step{SQL: expand("DROP TABLE IF EXISTS ${db}.contact_metrics_scratch")},
						step{SQL: expand("CREATE TABLE ${db}.contact_metrics_scratch AS ${db}.contact_metrics")},
						step{SQL: expand("INSERT INTO ${db}.contact_metrics_scratch (" + metrics.ContactMetricsColumns + ") " + metrics.MonthRowsSQL(m, loc))},
						// RebuildMonth swaps with REPLACE PARTITION; current releases refuse it
						// from an empty scratch table (a month without contacts), where it
						// drops the partition instead. DROP then REPLACE gives the same
						// outcome either way; the refusal is not reported (emptySourceRefused).
						step{SQL: expand("ALTER TABLE ${db}.contact_metrics DROP PARTITION '" + day + "'")},
						step{SQL: expand("ALTER TABLE ${db}.contact_metrics REPLACE PARTITION '" + day + "' FROM ${db}.contact_metrics_scratch"), KeepGoing: true},
						// The month's day aggregates, from the same scratch rows.
						step{SQL: expand("DROP TABLE IF EXISTS ${db}.contact_metrics_days_scratch")},
						step{SQL: expand("CREATE TABLE ${db}.contact_metrics_days_scratch AS ${db}.contact_metrics_days")},
						step{SQL: expand("INSERT INTO ${db}.contact_metrics_days_scratch (" + metrics.ContactDaysColumns + ") " +
							metrics.MonthDaysSQL("${db}.contact_metrics_scratch", loc))},
						step{SQL: expand("ALTER TABLE ${db}.contact_metrics_days DROP PARTITION '" + day + "'")},
						step{SQL: expand("ALTER TABLE ${db}.contact_metrics_days REPLACE PARTITION '" + day + "' FROM ${db}.contact_metrics_days_scratch"), KeepGoing: true})
				}
				query(expand(metrics.BuildSQL(ev.q, loc)), check{fx: fx, ev: ev, stage: stage + ", ccqa metrics"})
				if metrics.FromDays(ev.q) {
					query(expand(metrics.BuildPerContactSQL(ev.q, loc)), check{fx: fx, ev: ev, stage: stage + ", ccqa metrics per contact"})
				}
				if alignedForViews(ev.q) {
					query(expand(metrics.ViewSQL(ev.q)), check{fx: fx, ev: ev, stage: stage + ", view"})
				}
			}
		}
	}

	job, err := json.Marshal(map[string]any{"steps": steps})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "compat/chdb_run.py")
	cmd.Stdin = bytes.NewReader(job)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var res struct {
		Results [][]map[string]any `json:"results"`
		Failed  []struct {
			SQL   string `json:"sql"`
			Error string `json:"error"`
		} `json:"failed"`
		Version string `json:"version"`
		Error   string `json:"error"`
		SQL     string `json:"sql"`
	}
	if jerr := json.Unmarshal(out, &res); jerr != nil {
		t.Fatalf("chdb_run.py: %v (%v): %s %s", err, jerr, out, stderr.String())
	}
	if res.Error != "" {
		t.Fatalf("current ClickHouse rejected:\n%s\nerror: %s", res.SQL, res.Error)
	}
	seen := map[string]bool{}
	for _, f := range res.Failed {
		if strings.Contains(f.SQL, "REPLACE PARTITION") && strings.Contains(f.Error, metrics.EmptySourceSetting) {
			continue // a month without contacts, emptied by the DROP PARTITION before it
		}
		// The same statement fails once per database; report it once.
		key := compatDB.ReplaceAllString(f.SQL, "DB")
		if !seen[key] {
			seen[key] = true
			t.Errorf("%s: current ClickHouse rejected a statement (an earlier failure can cause later ones):\n%s\nerror: %s", stmtFile[f.SQL], f.SQL, f.Error)
		}
	}
	if len(res.Results) != len(checks) {
		t.Fatalf("chdb returned %d results for %d queries", len(res.Results), len(checks))
	}
	t.Logf("chdb-core %s: %d statements and queries ran", res.Version, len(steps))
	for i, c := range checks {
		if c.fx == nil {
			continue // the empty-database runs only have to be accepted
		}
		var got []map[string]any
		for _, m := range res.Results[i] {
			r, err := rowFromJSON(m, c.ev.q)
			if err != nil {
				t.Fatalf("%s: %v", c.fx.name, err)
			}
			gm, err := rowMap(r)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, gm)
		}
		for _, e := range compareRows(c.ev, got) {
			t.Errorf("%s (current ClickHouse, %s): %s", c.fx.name, c.stage, e)
		}
	}
}

// rowFromJSON turns one JSONEachRow object of the metrics query (or a view query) into a Row.
// 64-bit integers may come quoted.
func rowFromJSON(m map[string]any, q metrics.Query) (metrics.Row, error) {
	r := metrics.Row{Level: q.Level, By: q.By}
	p, ok := m["period"]
	if !ok {
		p = m[string(q.By)]
	}
	ps, _ := p.(string)
	d, err := time.Parse(time.DateOnly, ps)
	if err != nil {
		return r, fmt.Errorf("period %v: %v", p, err)
	}
	r.PeriodStart = d
	str := func(k string) string { s, _ := m[k].(string); return s }
	r.AgentID, r.AgentName, r.Team, r.Queue = str("agent_id"), str("agent_name"), str("team"), str("queue")
	num := func(k string) (float64, bool, error) {
		v, ok := m[k]
		if !ok {
			return 0, false, fmt.Errorf("column %s missing", k)
		}
		switch x := v.(type) {
		case nil:
			return 0, false, nil
		case float64:
			return x, true, nil
		case string:
			f, err := strconv.ParseFloat(x, 64)
			return f, true, err
		}
		return 0, false, fmt.Errorf("column %s: unexpected %T", k, v)
	}
	counts := map[string]*uint64{"contacts": &r.Contacts, "asa_n": &r.ASAN, "offered_calls": &r.OfferedCalls,
		"answered_in_sl": &r.AnsweredInSL, "abandoned_calls": &r.AbandonedCalls, "frt_n": &r.FRTN, "art_n": &r.ARTN,
		"aht_n": &r.AHTN, "resolution_n": &r.ResolutionN, "fcr_n": &r.FCRN, "csat_n": &r.CSATN,
		"inquiry_customers": &r.InquiryCustomers, "order_customers": &r.OrderCustomers, "orders": &r.Orders,
		"paid_orders": &r.PaidOrders, "paying_customers": &r.PayingCustomers, "qa_n": &r.QAN}
	floats := map[string]**float64{"asa_seconds": &r.ASASeconds, "service_level": &r.ServiceLevel,
		"abandon_rate": &r.AbandonRate, "frt_seconds": &r.FRTSeconds, "art_seconds": &r.ARTSeconds,
		"aht_seconds": &r.AHTSeconds, "resolution_seconds": &r.ResolutionSeconds, "fcr_rate": &r.FCRRate,
		"csat": &r.CSAT, "csat_mean": &r.CSATMean, "inquiry_conversion": &r.InquiryConversion,
		"order_pay_rate": &r.OrderPayRate, "avg_order_value_minor": &r.AvgOrderValueMinor,
		"target_completion": &r.TargetCompletion, "qa_score": &r.QAScore}
	ints := map[string]**int64{"frt_p90_seconds": &r.FRTP90Seconds, "resolution_p90_seconds": &r.ResolutionP90Seconds,
		"paid_amount_minor": &r.PaidAmountMinor, "sales_target_minor": &r.SalesTargetMinor}
	for k, dst := range counts {
		f, _, err := num(k)
		if err != nil {
			return r, err
		}
		*dst = uint64(f)
	}
	for k, dst := range floats {
		f, ok, err := num(k)
		if err != nil {
			return r, err
		}
		if ok {
			*dst = &f
		}
	}
	for k, dst := range ints {
		f, ok, err := num(k)
		if err != nil {
			return r, err
		}
		if ok {
			i := int64(f)
			*dst = &i
		}
	}
	f, ok, err := num("complaints")
	if err != nil {
		return r, err
	}
	if ok {
		u := uint64(f)
		r.Complaints = &u
	}
	return r, nil
}
