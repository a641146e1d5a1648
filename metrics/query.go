package metrics

import (
	_ "embed"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

//go:embed sql/metrics.sql
var metricsTemplate string

//go:embed sql/contact_rows.sql
var contactRowsTemplate string

//go:embed sql/contact_part.sql
var contactPartTemplate string

//go:embed sql/days_part.sql
var daysPartTemplate string

//go:embed sql/contact_days.sql
var contactDaysTemplate string

// withoutHeader drops the comment lines at the top of an embedded template, so that the text
// put into another template carries only its SQL (and the generated views stay as they were).
func withoutHeader(s string) string {
	for strings.HasPrefix(s, "--") {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			return ""
		}
		s = s[i+1:]
	}
	return s
}

// contactRowsSQL is the per-contact source (sql/contact_rows.sql without its header comment)
// for contacts starting in [from, to); with from and to zero, for all contacts (the views).
func contactRowsSQL(from, to time.Time) string {
	body := contactRowsTemplate[strings.Index(contactRowsTemplate, "\nSELECT")+1:]
	rng, rep, srv := "1", "1", "1"
	if !from.IsZero() {
		rng = "start_at >= " + dateTimeLit(from) + " AND start_at < " + dateTimeLit(to)
		rep = "start_at >= " + dateTimeLit(from) + " AND start_at <= " + dateTimeLit(to.Add(FCRWindow))
		srv = "interaction_key IN (SELECT cityHash64(contact_id) FROM ${db}.contact_facts WHERE " + rng + " AND handled = 1)"
	}
	return strings.NewReplacer("{{contact_range}}", rng, "{{repeat_range}}", rep, "{{survey_range}}", srv).Replace(body)
}

// contactMetricsColumns are the columns of contact_rows.sql, as stored in contact_metrics.
const contactMetricsColumns = "contact_id, contact_key, channel, agent_id, customer_id, queue, inbound, start_at, " +
	"handled, answered, wait_seconds, handle_seconds, c_frt_n, c_frt_seconds, c_art_n, c_art_sum, c_res_n, " +
	"c_res_seconds, resolved, inquiry, complaint, repeated, s_n, s_satisfied, s_score_sum"

// Level is what a metrics row is about: one agent, one team or one queue.
type Level string

// The levels of SPEC §5.
const (
	LevelAgent Level = "agent"
	LevelTeam  Level = "team"
	LevelQueue Level = "queue"
)

// Period is the length of the time buckets rows are grouped by, in the business time zone.
type Period string

// The periods of SPEC §5. Weeks are ISO weeks, starting on Monday.
const (
	ByDay   Period = "day"
	ByWeek  Period = "week"
	ByMonth Period = "month"
)

// Levels and Periods list the valid values, in the order the views are generated.
var (
	Levels  = []Level{LevelAgent, LevelTeam, LevelQueue}
	Periods = []Period{ByDay, ByWeek, ByMonth}
)

// DefaultServiceLevelSeconds is T of the service level (share of offered calls answered within
// T seconds) unless a query sets another.
const DefaultServiceLevelSeconds = 20

// FCRWindow is how long after a contact's start another contact of the same customer makes it
// not first-contact-resolved.
const FCRWindow = 7 * 24 * time.Hour

// Query selects metric rows. From and To are calendar dates in the business time zone (only
// their year, month and day are used): rows cover contacts that started on From up to but not
// including To. Agent, Team and Queue, when set, keep only the contacts (and orders) of that
// agent, of the agents of that team, or of that queue.
type Query struct {
	Level Level
	By    Period
	From  time.Time
	To    time.Time
	Agent string
	Team  string
	Queue string
	// ServiceLevelSeconds is T of service_level; DefaultServiceLevelSeconds when zero.
	ServiceLevelSeconds int
	// WithoutP90, for callers that do not show the p90s, leaves FRTP90Seconds and
	// ResolutionP90Seconds nil (not computed, whatever the data) on rows read from the day
	// aggregates (FromDays): an exact p90 needs every contact's time, and reading those is
	// about a third of a team's year. Rows read per contact compute them anyway.
	WithoutP90 bool
}

// MonthQuery returns the query of one calendar month, by month, at level.
func MonthQuery(level Level, m Month) Query {
	return Query{Level: level, By: ByMonth, From: m.Time, To: m.AddDate(0, 1, 0)}
}

// Validate checks the query and names the bad field.
func (q Query) Validate() error {
	switch q.Level {
	case LevelAgent, LevelTeam, LevelQueue:
	default:
		return fmt.Errorf("level %q: want agent, team or queue", q.Level)
	}
	switch q.By {
	case ByDay, ByWeek, ByMonth:
	default:
		return fmt.Errorf("by %q: want day, week or month", q.By)
	}
	if q.From.IsZero() || q.To.IsZero() {
		return errors.New("from/to: both dates are required")
	}
	if !dateOf(q.From).Before(dateOf(q.To)) {
		return fmt.Errorf("to %s: must be after from %s", dateOf(q.To).Format(time.DateOnly), dateOf(q.From).Format(time.DateOnly))
	}
	if q.ServiceLevelSeconds < 0 {
		return fmt.Errorf("service level seconds %d: must not be negative", q.ServiceLevelSeconds)
	}
	return nil
}

// dateOf keeps the calendar date of t, in UTC, so a date is the same whatever zone it came in.
func dateOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// levelParts are the pieces of the template that depend on the level.
type levelParts struct {
	key, orderKey, targetKey, levelWhere, keyCols, keyJoin, orderBy string
	orders, targets                                                 bool
}

func partsFor(l Level) levelParts {
	switch l {
	case LevelTeam:
		return levelParts{key: "team", orderKey: "team", targetKey: "team", levelWhere: "agent_id != ''",
			keyCols: "'' AS agent_id, '' AS agent_name, k AS team, '' AS queue", orderBy: "team",
			orders: true, targets: true}
	case LevelQueue:
		return levelParts{key: "queue", orderKey: "toString('')", targetKey: "toString('')", levelWhere: "1",
			keyCols: "'' AS agent_id, '' AS agent_name, '' AS team, k AS queue", orderBy: "queue"}
	default:
		return levelParts{key: "agent_id", orderKey: "agent_id", targetKey: "agent_id", levelWhere: "agent_id != ''",
			keyCols: "k AS agent_id, agent_name, team, '' AS queue",
			keyJoin: "AS metric_rows\nALL LEFT JOIN\n(\n    SELECT agent_id AS k, name AS agent_name, team\n    FROM ${db}.agents_latest\n) AS agent_names USING (k)",
			orderBy: "team, agent_id", orders: true, targets: true}
	}
}

func periodFunc(p Period) string {
	switch p {
	case ByDay:
		return "toDate"
	case ByWeek:
		return "toMonday"
	default:
		return "toStartOfMonth"
	}
}

// quote returns s as a ClickHouse string literal.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func dateTimeLit(t time.Time) string {
	return "toDateTime('" + t.UTC().Format(time.DateTime) + "', 'UTC')"
}

func boolSQL(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// FromDays reports whether Rows reads q from the day aggregates (contact_metrics_days, see
// sql/days_part.sql) rather than per contact: agent and team rows without a queue filter and
// with the default service-level T, which is the T the aggregates count for. Both forms give
// the same rows; the day aggregates read ~30 times fewer rows for a team's year. One agent's
// contacts lie together in contact_metrics (ordered by agent), so with an agent filter reading
// them costs less than the aggregates' fixed costs (measured: 150 against 190 ms of ClickHouse
// CPU for a year by week), and such queries read per contact.
func FromDays(q Query) bool {
	return (q.Level == LevelAgent || q.Level == LevelTeam) && q.Queue == "" && q.Agent == "" &&
		(q.ServiceLevelSeconds == 0 || q.ServiceLevelSeconds == DefaultServiceLevelSeconds)
}

// BuildSQL instantiates the metrics template for q with its dates (as instants in loc, the
// business time zone) and filters: the statement Rows runs, reading the day aggregates when
// FromDays(q) and the month builds per contact otherwise. With loc nil it builds the unfiltered
// form the views use (q's dates and filters are ignored). The result still holds ${db} and
// ${tz} for warehouse.Expand; its columns are the period, agent_id, agent_name, team, queue,
// then the metrics in the order of the views.
func BuildSQL(q Query, loc *time.Location) string {
	return buildSQL(q, loc, loc != nil && FromDays(q))
}

// BuildPerContactSQL is BuildSQL reading the month builds per contact whatever the query: the
// reference form that the day aggregates are checked against (RowsPerContact).
func BuildPerContactSQL(q Query, loc *time.Location) string {
	return buildSQL(q, loc, false)
}

func buildSQL(q Query, loc *time.Location, fromDays bool) string {
	return buildSets(q, nil, loc, fromDays)
}

// filtersOf returns the contact conditions of q's agent and team filters (the same conditions
// hold for orders, on the order's latest agent).
func filtersOf(q Query) []string {
	var cf []string
	if q.Agent != "" {
		cf = append(cf, "agent_id = "+quote(q.Agent))
	}
	if q.Team != "" {
		cf = append(cf, "agent_id IN (SELECT agent_id FROM ${db}.agents_latest WHERE team = "+quote(q.Team)+")")
	}
	return cf
}

// condOf is q's filters as one condition ("1" without filters).
func condOf(q Query) string {
	cf := filtersOf(q)
	if len(cf) == 0 {
		return "1"
	}
	return strings.Join(cf, " AND ")
}

// buildSets instantiates the template for q, or, with sets, for several row sets at once (see
// BuildTogetherSQL; q then carries only the shared range and options).
func buildSets(q Query, sets []Query, loc *time.Location, fromDays bool) string {
	p := partsFor(q.Level)
	if sets != nil {
		// Keys are "i|key" (see bucketSQL); names and teams are added in Go, rows sorted there.
		p.keyCols = "k AS agent_id, '' AS agent_name, '' AS team, '' AS queue"
		p.keyJoin = ""
		p.orderBy = "k"
		p.orders = true
		p.targets = false
		for _, s := range sets {
			if s.By == ByMonth {
				p.targets = true
			}
		}
		q.By = ByMonth // only for targets_enabled below
	}
	sl := q.ServiceLevelSeconds
	if sl == 0 {
		sl = DefaultServiceLevelSeconds
	}
	vars := map[string]string{
		"period":           periodFunc(q.By),
		"key":              p.key,
		"order_key":        p.orderKey,
		"target_key":       p.targetKey,
		"level_where":      p.levelWhere,
		"key_cols":         p.keyCols,
		"key_join":         p.keyJoin,
		"order_by":         p.orderBy,
		"sl_seconds":       strconv.Itoa(sl),
		"orders_enabled":   boolSQL(p.orders),
		"targets_enabled":  boolSQL(p.targets && q.By == ByMonth),
		"contact_part":     strings.TrimRight(withoutHeader(contactPartTemplate), "\n"),
		"contacts":         contactRowsSQL(time.Time{}, time.Time{}),
		"order_candidates": "1",
		"order_range":      "1",
		"order_filter":     "",
		"target_range":     "1",
		"target_filter":    "",
	}
	if loc != nil {
		from := dateOf(q.From)
		to := dateOf(q.To)
		fromAt := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, loc)
		toAt := time.Date(to.Year(), to.Month(), to.Day(), 0, 0, 0, 0, loc)
		rng := func(col string, a, b time.Time) string {
			return col + " >= " + dateTimeLit(a) + " AND " + col + " < " + dateTimeLit(b)
		}
		cf := filtersOf(q) // contact filter
		if sets != nil {
			// The scan reads what any set needs; each set's own condition picks its rows.
			cf = nil
			var conds []string
			seen := map[string]bool{}
			for _, s := range sets {
				c := condOf(s)
				if c == "1" {
					conds = nil
					break
				}
				if !seen[c] {
					seen[c] = true
					conds = append(conds, "("+c+")")
				}
			}
			if len(conds) > 0 {
				cf = []string{"(" + strings.Join(conds, " OR ") + ")"}
			}
		}
		of := append([]string(nil), cf...) // order filter (on the order's latest agent)
		if q.Queue != "" {
			cf = append(cf, "queue = "+quote(q.Queue))
			// Orders carry no queue: with a queue filter there are no order metrics.
			vars["orders_enabled"] = "0"
			vars["targets_enabled"] = "0"
		}
		// Contacts come from the month builds of contact_metrics (see Rows): the month
		// condition picks the partitions, the start_at condition the exact range.
		lastMonth := time.Date(to.Year(), to.Month(), 1, 0, 0, 0, 0, time.UTC)
		if !lastMonth.Equal(to) {
			lastMonth = lastMonth.AddDate(0, 1, 0)
		}
		where := "month >= toDate('" + time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly) +
			"') AND month < toDate('" + lastMonth.Format(time.DateOnly) + "') AND " + rng("start_at", fromAt, toAt)
		if len(cf) > 0 {
			where += " AND " + strings.Join(cf, " AND ")
		}
		vars["contacts"] = "SELECT " + contactMetricsColumns + " FROM ${db}.contact_metrics WHERE " + where
		if fromDays {
			// The same range by business day: a day is in [from, to) exactly when its contacts'
			// start_at is in [fromAt, toAt).
			monthRange := "month >= toDate('" + time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly) +
				"') AND month < toDate('" + lastMonth.Format(time.DateOnly) + "')"
			days := monthRange + " AND day >= toDate('" + from.Format(time.DateOnly) + "') AND day < toDate('" + to.Format(time.DateOnly) + "')"
			if len(cf) > 0 {
				// The rows are ordered by the team each agent had at build time: the teams the
				// selected agents had let the primary key skip every other team's blocks; the
				// agent condition itself decides (see migration 0040).
				agents := strings.Join(cf, " AND ")
				days += " AND build_team IN (SELECT DISTINCT build_team FROM ${db}.contact_metrics_days WHERE " + monthRange + " AND " + agents + ") AND " + agents
			}
			vars["contact_part"] = strings.TrimRight(withoutHeader(daysPartTemplate), "\n")
			vars["frt_p90"] = "if(frt_n = 0, CAST(NULL AS Nullable(Int64)),\n               arraySort(groupArrayArray(frt_values))[intDiv(9 * frt_n + 9, 10)])"
			vars["resolution_p90"] = "if(resolution_n = 0, CAST(NULL AS Nullable(Int64)),\n               arraySort(groupArrayArray(resolution_values))[intDiv(9 * resolution_n + 9, 10)])"
			if q.WithoutP90 {
				vars["frt_p90"] = "CAST(NULL AS Nullable(Int64))"
				vars["resolution_p90"] = "CAST(NULL AS Nullable(Int64))"
			}
			// Only the columns the sums read: the subquery sits under a JOIN, through which
			// 18.16 does not prune the columns of a SELECT * (measured: SELECT * of a team's
			// year cost 180–240 ms of ClickHouse CPU, mostly the arrays of times, against 60 ms).
			vars["days"] = "SELECT " + daysColumns(q.WithoutP90) + " FROM ${db}.contact_metrics_days WHERE " + days
			// PREWHERE reads the other columns only of the few reviewed contacts (the hash only
			// narrows; the join with qa_scores is by the full id). With an agent or team filter
			// agent_id != '' holds anyway, and testing it would read every agent_id of the range.
			agentWhere := " AND agent_id != ''"
			if len(cf) > 0 {
				agentWhere = ""
			}
			vars["qa_contacts"] = "SELECT contact_id, agent_id, start_at FROM ${db}.contact_metrics PREWHERE contact_key IN (SELECT cityHash64(contact_id) FROM ${db}.qa_scores) WHERE " +
				where + " AND handled = 1" + agentWhere
		}
		// An order belongs to the range when its first event does, and every order whose first
		// event is in the range has an event in the range: candidates are those orders, read
		// with all their events so the first and latest are known.
		// With an agent or team filter, only orders with an event of that agent (or of an agent of
		// that team) in the range are candidates: an order is assumed to keep its agent (see the
		// README, Metrics), and reading a team's orders instead of everyone's is ~3 times faster.
		cand := rng("at", fromAt, toAt)
		if len(of) > 0 {
			cand += " AND " + strings.Join(of, " AND ")
		}
		vars["order_candidates"] = "order_id IN (SELECT order_id FROM ${db}.orders WHERE " + cand + ")"
		vars["order_range"] = rng("first_at", fromAt, toAt)
		if len(of) > 0 {
			vars["order_filter"] = "AND " + strings.Join(of, " AND ")
		}
		vars["target_range"] = "month >= toDate('" + from.Format(time.DateOnly) + "') AND month < toDate('" + to.Format(time.DateOnly) + "')"
		if len(of) > 0 {
			vars["target_filter"] = "AND " + strings.Join(of, " AND ")
		}
	}
	// The contacts part goes in first: it holds placeholders of its own, and a Replacer does
	// not look again at the text it put in.
	text := strings.Replace(metricsTemplate, "{{contact_part}}", vars["contact_part"], 1)
	if sets != nil {
		text = bucketSQL(text, sets, loc)
	}
	pairs := make([]string, 0, 2*len(vars))
	for k, v := range vars {
		pairs = append(pairs, "{{"+k+"}}", v)
	}
	return strings.NewReplacer(pairs...).Replace(text)
}

// ViewName is the name of the view with the rows of level by period, e.g. agent_metrics_month.
func ViewName(l Level, p Period) string { return string(l) + "_metrics_" + string(p) }

// ViewsSQL returns the text of warehouse/views/90_metrics.sql: one view per level and period,
// generated from the metrics template without filters, so the views and `ccqa metrics` compute
// the same thing.
func ViewsSQL() string {
	var b strings.Builder
	b.WriteString("-- GENERATED from metrics/sql/metrics.sql by `go test ./metrics -run TestViewsGenerated -update`.\n")
	b.WriteString("-- Do not edit: change the template and regenerate. See README \"Metrics\" for the columns.\n")
	for _, l := range Levels {
		for _, p := range Periods {
			var cols string
			switch l {
			case LevelAgent:
				cols = "agent_id, agent_name, team"
			case LevelTeam:
				cols = "team"
			case LevelQueue:
				cols = "queue"
			}
			body := BuildSQL(Query{Level: l, By: p}, nil)
			// Drop the template's header comment; keep the SQL.
			body = body[strings.Index(body, "\nSELECT")+1:]
			fmt.Fprintf(&b, "\nCREATE VIEW ${db}.%s AS\nSELECT period AS %s, %s, %s\nFROM\n(\n%s\n);\n",
				ViewName(l, p), p, cols, strings.Join(metricColumns, ", "), indent(strings.TrimSpace(body)))
		}
	}
	return b.String()
}

func indent(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = "    " + l
		}
	}
	return strings.Join(lines, "\n")
}

// metricColumns are the template's output columns after the period and key columns, in order.
var metricColumns = []string{
	"contacts", "asa_n", "asa_seconds", "offered_calls", "answered_in_sl", "service_level",
	"abandoned_calls", "abandon_rate", "frt_n", "frt_seconds", "frt_p90_seconds", "art_n", "art_seconds",
	"aht_n", "aht_seconds", "resolution_n", "resolution_seconds", "resolution_p90_seconds", "fcr_n",
	"fcr_rate", "csat_n", "csat", "csat_mean", "complaints", "inquiry_customers", "order_customers",
	"inquiry_conversion", "orders", "paid_orders", "paying_customers", "order_pay_rate",
	"paid_amount_minor", "avg_order_value_minor", "sales_target_minor", "target_completion", "qa_n", "qa_score",
}

// daysColumns are the columns of contact_metrics_days that sql/days_part.sql reads: all but the
// month and build_team (which only select and order the rows), and without the arrays of times
// when the p90s are not computed.
func daysColumns(withoutP90 bool) string {
	var cols []string
	for _, c := range strings.Split(ContactDaysColumns, ",") {
		c = strings.TrimSpace(c)
		switch {
		case c == "month" || c == "build_team":
		case withoutP90 && (c == "frt_values" || c == "resolution_values"):
		default:
			cols = append(cols, c)
		}
	}
	return strings.Join(cols, ", ")
}
