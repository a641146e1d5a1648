package metrics

import (
	"context"
	"fmt"
	"time"

	"github.com/ccqa/ccqa/warehouse"
)

// A month build is the per-contact rows of one business month (sql/contact_rows.sql: contacts
// de-duplicated, with their FCR repeat flag) stored in the month's partition of contact_metrics,
// so that reading a month costs one scan of its rows instead of a de-duplication and a repeat
// search over a year of contacts. Rows builds every month it reads whose inputs changed since
// its last build; a build is recorded in contact_metrics_builds with the time zone and the
// input mark it saw.

// monthBuild is the latest recorded build of a month.
type monthBuild struct {
	tz   string
	mark uint64
}

// BuildStats says what EnsureBuilt did.
type BuildStats struct {
	Checked int // months in the range
	Built   int // months (re)built because their inputs changed
}

// EnsureBuilt makes contact_metrics current for every business month (in loc) that overlaps
// the dates [from, to): a month is rebuilt when it was never built, was built in another time
// zone, or when a call or chat was stored since its build whose start lies in the month or in
// the 7 days after it (the FCR window). Reading the marks costs two small queries; a rebuild of
// a month of ~1M contacts costs seconds.
func EnsureBuilt(ctx context.Context, wh *warehouse.Warehouse, loc *time.Location, from, to time.Time) (BuildStats, error) {
	var st BuildStats
	marks, err := inputMarks(ctx, wh)
	if err != nil {
		return st, err
	}
	builds, err := monthBuilds(ctx, wh)
	if err != nil {
		return st, err
	}
	from, to = dateOf(from), dateOf(to)
	for m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC); m.Before(to); m = m.AddDate(0, 1, 0) {
		st.Checked++
		start := time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, loc)
		end := time.Date(m.Year(), m.Month()+1, 1, 0, 0, 0, 0, loc)
		mark := markFor(marks, start, end.Add(FCRWindow))
		if b, ok := builds[m]; ok && b.tz == loc.String() && b.mark >= mark {
			continue
		}
		if err := buildMonth(ctx, wh, m, start, loc.String(), mark); err != nil {
			return st, err
		}
		st.Built++
	}
	return st, nil
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

// ContactMetricsColumns lists the columns of contact_metrics, in MonthRowsSQL's order.
const ContactMetricsColumns = "month, " + contactMetricsColumns

// markFor is the greatest input mark of the UTC months that overlap [from, to].
func markFor(marks map[uint32]uint64, from, to time.Time) uint64 {
	var mark uint64
	u := time.Date(from.UTC().Year(), from.UTC().Month(), 1, 0, 0, 0, 0, time.UTC)
	for !u.After(to) {
		mark = max(mark, marks[uint32(u.Year()*100+int(u.Month()))])
		u = u.AddDate(0, 1, 0)
	}
	return mark
}

func inputMarks(ctx context.Context, wh *warehouse.Warehouse) (map[uint32]uint64, error) {
	rows, err := wh.Conn().Query(ctx, wh.Expand("SELECT utc_month, maxMerge(max_version) FROM ${db}.input_marks WHERE source = 'contacts' GROUP BY utc_month", nil))
	if err != nil {
		return nil, fmt.Errorf("read input marks: %w", err)
	}
	defer rows.Close()
	out := map[uint32]uint64{}
	for rows.Next() {
		var m uint32
		var v uint64
		if err := rows.Scan(&m, &v); err != nil {
			return nil, fmt.Errorf("read input marks: %w", err)
		}
		out[m] = v
	}
	return out, rows.Err()
}

func monthBuilds(ctx context.Context, wh *warehouse.Warehouse) (map[time.Time]monthBuild, error) {
	rows, err := wh.Conn().Query(ctx, wh.Expand("SELECT month, argMax(tz, version), argMax(contacts_mark, version) FROM ${db}.contact_metrics_builds GROUP BY month", nil))
	if err != nil {
		return nil, fmt.Errorf("read month builds: %w", err)
	}
	defer rows.Close()
	out := map[time.Time]monthBuild{}
	for rows.Next() {
		var m time.Time
		var b monthBuild
		if err := rows.Scan(&m, &b.tz, &b.mark); err != nil {
			return nil, fmt.Errorf("read month builds: %w", err)
		}
		out[time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, time.UTC)] = b
	}
	return out, rows.Err()
}

// buildMonth computes the month's rows into a scratch table of its own (so that builds running
// at the same time never mix rows) and swaps them into contact_metrics with REPLACE PARTITION,
// which is atomic: a reader sees the old month or the new one. The mark recorded is the one
// read before the build, so data stored during the build makes the month stale again.
func buildMonth(ctx context.Context, wh *warehouse.Warehouse, month, start time.Time, tz string, mark uint64) error {
	day := month.Format(time.DateOnly)
	scratch := fmt.Sprintf("contact_metrics_build_%d", time.Now().UnixNano())
	exec := func(what, sql string) error {
		if err := wh.Conn().Exec(ctx, wh.Expand(sql, map[string]string{"tz": tz})); err != nil {
			return fmt.Errorf("build metrics of %s: %s: %w", month.Format("2006-01"), what, err)
		}
		return nil
	}
	if err := exec("create scratch table", "CREATE TABLE ${db}."+scratch+" AS ${db}.contact_metrics"); err != nil {
		return err
	}
	defer func() {
		_ = wh.Conn().Exec(context.WithoutCancel(ctx), wh.Expand("DROP TABLE IF EXISTS ${db}."+scratch, nil))
	}()
	if err := exec("compute", "INSERT INTO ${db}."+scratch+" (month, "+contactMetricsColumns+") "+MonthRowsSQL(month, start.Location())); err != nil {
		return err
	}
	var n uint64
	if err := wh.Conn().QueryRow(ctx, wh.Expand("SELECT count() FROM ${db}."+scratch, nil)).Scan(&n); err != nil {
		return fmt.Errorf("build metrics of %s: %w", month.Format("2006-01"), err)
	}
	if n == 0 {
		// A month without contacts: there is no partition to copy; drop any old one.
		if err := exec("drop empty month", "ALTER TABLE ${db}.contact_metrics DROP PARTITION '"+day+"'"); err != nil {
			return err
		}
	} else if err := exec("swap in", "ALTER TABLE ${db}.contact_metrics REPLACE PARTITION '"+day+"' FROM ${db}."+scratch); err != nil {
		return err
	}
	now := time.Now()
	b, err := wh.Conn().PrepareBatch(ctx, wh.Expand("INSERT INTO ${db}.contact_metrics_builds (month, tz, contacts_mark, built_at, version)", nil))
	if err != nil {
		return fmt.Errorf("record build of %s: %w", month.Format("2006-01"), err)
	}
	if err := b.Append(month, tz, mark, now.UTC(), uint64(now.UnixNano())); err != nil {
		_ = b.Abort()
		return fmt.Errorf("record build of %s: %w", month.Format("2006-01"), err)
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("record build of %s: %w", month.Format("2006-01"), err)
	}
	return nil
}
