package metrics

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/ccqa/ccqa/warehouse"
)

// A month build is the per-contact rows of one business month (sql/contact_rows.sql: contacts
// de-duplicated, with their surveys and their FCR repeat flag) stored in the month's partition
// of contact_metrics, so that reading a month costs one scan of its rows instead of a
// de-duplication, a survey join and a repeat search over a year of contacts. Rows rebuilds every
// month it reads that data stored since its last build can change (EnsureBuilt).
//
// Staleness is judged with the server's clock at insert time (migration 0012): insert_marks
// holds the last insert time of calls and chats per UTC month of their start and of surveys
// overall, survey_facts the insert time of each survey. A build remembers seen_until, the server
// time at its start minus buildMargin; everything inserted before seen_until is in it.

// buildMargin is how long an insert may take from the server evaluating now() for it to its
// rows being visible to queries. A build counts only data inserted more than buildMargin before
// it started as seen, so an insert in flight during a build makes the month stale again instead
// of being missed.
const buildMargin = time.Minute

// monthBuild is the latest recorded build of a month.
type monthBuild struct {
	tz        string
	seenUntil time.Time
}

// BuildStats says what EnsureBuilt did.
type BuildStats struct {
	Checked int // months in the range
	Built   int // months (re)built because data that can change them was stored
}

// EnsureBuilt makes contact_metrics current for every business month (in loc) that overlaps
// the dates [from, to). A month is rebuilt when it was never built, was built in another time
// zone, when a call or chat was inserted after its build's seen_until whose start lies in the
// month or in the 7 days after it (the FCR window), or when a survey inserted after seen_until
// rates one of its contacts. Checking costs a few small queries; a rebuild of a month of ~1M
// contacts costs seconds.
func EnsureBuilt(ctx context.Context, wh *warehouse.Warehouse, loc *time.Location, from, to time.Time) (BuildStats, error) {
	var st BuildStats
	marks, surveysMark, err := insertMarks(ctx, wh)
	if err != nil {
		return st, err
	}
	builds, err := monthBuilds(ctx, wh)
	if err != nil {
		return st, err
	}
	var stale, surveyCheck []time.Time
	from, to = dateOf(from), dateOf(to)
	for m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC); m.Before(to); m = m.AddDate(0, 1, 0) {
		st.Checked++
		start := time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, loc)
		end := time.Date(m.Year(), m.Month()+1, 1, 0, 0, 0, 0, loc)
		b, ok := builds[m]
		switch {
		case !ok || b.tz != loc.String() || markFor(marks, start, end.Add(FCRWindow)).After(b.seenUntil):
			stale = append(stale, m)
		case surveysMark.After(b.seenUntil):
			surveyCheck = append(surveyCheck, m)
		}
	}
	if len(surveyCheck) > 0 {
		hit, err := monthsWithNewSurveys(ctx, wh, builds, surveyCheck)
		if err != nil {
			return st, err
		}
		var unaffected []time.Time
		for _, m := range surveyCheck {
			if hit[m] {
				stale = append(stale, m)
			} else {
				unaffected = append(unaffected, m)
			}
		}
		// The new surveys rate no contact of these months: record that they are current up to
		// now, so the next read does not search again.
		if err := recheck(ctx, wh, unaffected, builds); err != nil {
			return st, err
		}
	}
	for _, m := range stale {
		if err := RebuildMonth(ctx, wh, loc, m); err != nil {
			return st, err
		}
		st.Built++
	}
	return st, nil
}

// RebuildMonth rebuilds the month (its first day; loc the business zone) whether or not data
// changed: it computes the month's rows into a scratch table of its own (so that builds running
// at the same time never mix rows) and swaps them into contact_metrics with REPLACE PARTITION,
// which is atomic (a reader sees the old month or the new one) and takes no exclusive lock on
// contact_metrics, so it never waits for, or blocks, a read of it.
func RebuildMonth(ctx context.Context, wh *warehouse.Warehouse, loc *time.Location, month time.Time) error {
	month = time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC)
	label := month.Format("2006-01")
	day := month.Format(time.DateOnly)
	serverNow, err := serverTime(ctx, wh)
	if err != nil {
		return err
	}
	dropAbandonedScratch(ctx, wh)
	// The random part keeps two builds started in the same clock tick (the clock may be
	// coarse) from sharing, and dropping, one scratch table.
	scratch := fmt.Sprintf("%s%d_%d", scratchPrefix, time.Now().UnixNano(), rand.Uint64())
	exec := func(what, sql string) error {
		if err := wh.Conn().Exec(ctx, wh.Expand(sql, nil)); err != nil {
			return fmt.Errorf("build metrics of %s: %s: %w", label, what, err)
		}
		return nil
	}
	if err := exec("create scratch table", "CREATE TABLE ${db}."+scratch+" AS ${db}.contact_metrics"); err != nil {
		return err
	}
	defer func() {
		_ = wh.Conn().Exec(context.WithoutCancel(ctx), wh.Expand("DROP TABLE IF EXISTS ${db}."+scratch, nil))
	}()
	if err := exec("compute", "INSERT INTO ${db}."+scratch+" ("+ContactMetricsColumns+") "+MonthRowsSQL(month, loc)); err != nil {
		return err
	}
	// The day aggregates come from the scratch rows, so they describe exactly the contacts
	// swapped in below. The name keeps scratchPrefix and the creation time, so an abandoned one
	// is dropped like the other.
	scratchDays := scratch + "_days"
	if err := exec("create scratch day table", "CREATE TABLE ${db}."+scratchDays+" AS ${db}.contact_metrics_days"); err != nil {
		return err
	}
	defer func() {
		_ = wh.Conn().Exec(context.WithoutCancel(ctx), wh.Expand("DROP TABLE IF EXISTS ${db}."+scratchDays, nil))
	}()
	if err := exec("compute days", "INSERT INTO ${db}."+scratchDays+" ("+ContactDaysColumns+") "+MonthDaysSQL("${db}."+scratch, loc)); err != nil {
		return err
	}
	// REPLACE PARTITION also empties a month whose scratch table has no rows (a month without
	// contacts). It is the only statement that changes contact_metrics on 18.16, on purpose: there
	// it takes the table's lock in shared mode, like a SELECT, whereas DROP
	// PARTITION (and DROP TABLE, and column ALTERs) take it exclusively. An exclusive request
	// waits for every running read of the table and makes every later read wait behind it, and
	// a read whose threads take the read lock twice (18.16 lets only the same OS thread
	// re-enter) then deadlocks with it: queries hung for half an hour and KILL QUERY with them.
	// TestBuildsNeverWaitForReaders guards this.
	//
	// The day aggregates go in first and the contacts right after: the two swaps are not one
	// atomic step, so for the moment between them a reader of both (only the QA scores of a
	// day-aggregate read come from contact_metrics) may see the month's new counts with its
	// previous contacts. Each swap is atomic in itself; the build is recorded after both.
	for _, t := range []struct{ table, from string }{{"contact_metrics_days", scratchDays}, {"contact_metrics", scratch}} {
		swap := "ALTER TABLE ${db}." + t.table + " REPLACE PARTITION '" + day + "' FROM ${db}." + t.from
		if err := wh.Conn().Exec(ctx, wh.Expand(swap, nil)); err != nil {
			// Current releases refuse REPLACE PARTITION from a source without rows in the
			// partition (unless EmptySourceSetting is set, a setting 18.16 does not know). They
			// take table locks per query, so any thread of a reader re-enters its read lock and
			// the exclusive DROP PARTITION cannot deadlock with it there.
			if !strings.Contains(err.Error(), EmptySourceSetting) {
				return fmt.Errorf("build metrics of %s: swap %s in: %w", label, t.table, err)
			}
			if err := exec("empty the month of "+t.table, "ALTER TABLE ${db}."+t.table+" DROP PARTITION '"+day+"'"); err != nil {
				return err
			}
		}
	}
	return recordBuilds(ctx, wh, []time.Time{month}, loc.String(), serverNow.Add(-buildMargin))
}

// EmptySourceSetting is named in the error of ClickHouse releases that refuse a REPLACE
// PARTITION whose source has no rows in the partition; RebuildMonth empties the month with DROP
// PARTITION on those.
const EmptySourceSetting = "allow_replace_partition_from_empty_source"

// scratchPrefix starts the name of a build's scratch table; then come its creation time in
// nanoseconds and a random number.
const scratchPrefix = "contact_metrics_build_"

// dropAbandonedScratch drops scratch tables left by builds that died (a killed process) more
// than an hour ago; a build takes seconds, so no running build owns one. It is housekeeping and
// best effort: ClickHouse 18.16 can fail a read of system.tables while another build drops its
// scratch table, and such a failure must not fail a read of the metrics.
func dropAbandonedScratch(ctx context.Context, wh *warehouse.Warehouse) {
	rows, err := wh.Conn().Query(ctx, "SELECT name FROM system.tables WHERE database = ? AND startsWith(name, ?)", wh.Database(), scratchPrefix)
	if err != nil {
		return
	}
	var old []string
	for rows.Next() {
		var name string
		if rows.Scan(&name) != nil {
			break
		}
		stamp, _, _ := strings.Cut(strings.TrimPrefix(name, scratchPrefix), "_")
		ns, err := strconv.ParseInt(stamp, 10, 64)
		if err == nil && time.Since(time.Unix(0, ns)) > time.Hour {
			old = append(old, name)
		}
	}
	rows.Close()
	for _, name := range old {
		_ = wh.Conn().Exec(ctx, wh.Expand("DROP TABLE IF EXISTS ${db}."+name, nil))
	}
}

// MonthRowsSQL is the SELECT a build of month (its first day; loc the business zone) stores in
// contact_metrics: the month column, then the columns of sql/contact_rows.sql. It holds ${db}
// for warehouse.Expand.
func MonthRowsSQL(month time.Time, loc *time.Location) string {
	start := time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, loc)
	end := time.Date(month.Year(), month.Month()+1, 1, 0, 0, 0, 0, loc)
	return "SELECT toDate('" + month.Format(time.DateOnly) + "') AS month, " + contactMetricsColumns +
		" FROM (" + contactRowsSQL(start, end) + ")"
}

// MonthDaysSQL is the SELECT a month build stores in contact_metrics_days: the day aggregates
// (sql/contact_days.sql) of the rows of source, a table shaped like contact_metrics holding the
// month's rows (its name, with ${db} if wanted); loc is the business zone of the days. Its
// columns are ContactDaysColumns.
func MonthDaysSQL(source string, loc *time.Location) string {
	return strings.NewReplacer("{{source}}", source, "{{sl_seconds}}", strconv.Itoa(DefaultServiceLevelSeconds),
		"${tz}", loc.String()).Replace(withoutHeader(contactDaysTemplate))
}

// ContactDaysColumns lists the columns of contact_metrics_days, in MonthDaysSQL's order.
const ContactDaysColumns = "month, day, agent_id, contacts, asa_n, asa_sum, offered_calls, answered_in_sl, " +
	"abandoned_calls, frt_n, frt_sum, frt_values, art_n, art_sum, aht_n, aht_sum, resolution_n, resolution_sum, " +
	"resolution_values, fcr_count, csat_n, csat_satisfied, csat_score_sum, complaints_count, inquiry_customer_ids, build_team"

// ContactMetricsColumns lists the columns of contact_metrics, in MonthRowsSQL's order.
const ContactMetricsColumns = "month, " + contactMetricsColumns

// markFor is the last insert time of the contacts of the UTC months that overlap [from, to].
func markFor(marks map[uint32]time.Time, from, to time.Time) time.Time {
	var mark time.Time
	u := time.Date(from.UTC().Year(), from.UTC().Month(), 1, 0, 0, 0, 0, time.UTC)
	for !u.After(to) {
		if t := marks[uint32(u.Year()*100+int(u.Month()))]; t.After(mark) {
			mark = t
		}
		u = u.AddDate(0, 1, 0)
	}
	return mark
}

func serverTime(ctx context.Context, wh *warehouse.Warehouse) (time.Time, error) {
	var now time.Time
	if err := wh.Conn().QueryRow(ctx, "SELECT toDateTime(now(), 'UTC')").Scan(&now); err != nil {
		return now, fmt.Errorf("read the server clock: %w", err)
	}
	return now, nil
}

// insertMarks returns the last insert time of contacts per UTC month and of surveys.
func insertMarks(ctx context.Context, wh *warehouse.Warehouse) (map[uint32]time.Time, time.Time, error) {
	var surveys time.Time
	rows, err := wh.Conn().Query(ctx, wh.Expand("SELECT source, utc_month, maxMerge(last_insert) FROM ${db}.insert_marks GROUP BY source, utc_month", nil))
	if err != nil {
		return nil, surveys, fmt.Errorf("read insert marks: %w", err)
	}
	defer rows.Close()
	out := map[uint32]time.Time{}
	for rows.Next() {
		var source string
		var m uint32
		var t time.Time
		if err := rows.Scan(&source, &m, &t); err != nil {
			return nil, surveys, fmt.Errorf("read insert marks: %w", err)
		}
		if source == "surveys" {
			surveys = t
		} else {
			out[m] = t
		}
	}
	return out, surveys, rows.Err()
}

func monthBuilds(ctx context.Context, wh *warehouse.Warehouse) (map[time.Time]monthBuild, error) {
	rows, err := wh.Conn().Query(ctx, wh.Expand("SELECT month, argMax(tz, version), argMax(seen_until, version) FROM ${db}.contact_metrics_builds GROUP BY month", nil))
	if err != nil {
		return nil, fmt.Errorf("read month builds: %w", err)
	}
	defer rows.Close()
	out := map[time.Time]monthBuild{}
	for rows.Next() {
		var m time.Time
		var b monthBuild
		if err := rows.Scan(&m, &b.tz, &b.seenUntil); err != nil {
			return nil, fmt.Errorf("read month builds: %w", err)
		}
		out[time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, time.UTC)] = b
	}
	return out, rows.Err()
}

// monthsWithNewSurveys returns which of the built months have a contact rated by a survey
// inserted after the month's build.
func monthsWithNewSurveys(ctx context.Context, wh *warehouse.Warehouse, builds map[time.Time]monthBuild, months []time.Time) (map[time.Time]bool, error) {
	since := builds[months[0]].seenUntil
	var days []string
	for _, m := range months {
		if builds[m].seenUntil.Before(since) {
			since = builds[m].seenUntil
		}
		days = append(days, "'"+m.Format(time.DateOnly)+"'")
	}
	q := "SELECT DISTINCT month FROM ${db}.contact_metrics WHERE month IN (" + strings.Join(days, ", ") +
		") AND contact_key IN (SELECT interaction_key FROM ${db}.survey_facts WHERE inserted_at > " + dateTimeLit(since) + ")"
	rows, err := wh.Conn().Query(ctx, wh.Expand(q, nil))
	if err != nil {
		return nil, fmt.Errorf("find months with new surveys: %w", err)
	}
	defer rows.Close()
	hit := map[time.Time]bool{}
	for rows.Next() {
		var m time.Time
		if err := rows.Scan(&m); err != nil {
			return nil, err
		}
		hit[time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, time.UTC)] = true
	}
	return hit, rows.Err()
}

// recheck records that months whose new surveys rate none of their contacts are current as of
// now (minus the margin), keeping their time zone.
func recheck(ctx context.Context, wh *warehouse.Warehouse, months []time.Time, builds map[time.Time]monthBuild) error {
	if len(months) == 0 {
		return nil
	}
	serverNow, err := serverTime(ctx, wh)
	if err != nil {
		return err
	}
	for _, m := range months {
		if err := recordBuilds(ctx, wh, []time.Time{m}, builds[m].tz, serverNow.Add(-buildMargin)); err != nil {
			return err
		}
	}
	return nil
}

func recordBuilds(ctx context.Context, wh *warehouse.Warehouse, months []time.Time, tz string, seenUntil time.Time) error {
	b, err := wh.Conn().PrepareBatch(ctx, wh.Expand("INSERT INTO ${db}.contact_metrics_builds (month, tz, seen_until, built_at, version)", nil))
	if err != nil {
		return fmt.Errorf("record month build: %w", err)
	}
	now := time.Now()
	for _, m := range months {
		if err := b.Append(m, tz, seenUntil.UTC(), now.UTC(), uint64(now.UnixNano())); err != nil {
			_ = b.Abort()
			return fmt.Errorf("record month build: %w", err)
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("record month build: %w", err)
	}
	return nil
}
