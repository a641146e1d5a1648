package metrics

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ccqa/ccqa/warehouse"
)

// Row is the SPEC §5 metrics of one agent, team or queue in one period. A pointer field is nil
// (NULL) when there is no data for it, never 0; every mean or rate has its sample size in the
// _N field next to it. Durations are seconds; money is in minor units (分) in the Go fields and
// printed in yuan with two decimals.
type Row struct {
	Level Level
	By    Period
	// PeriodStart is the first day of the period (a Monday for weeks), a date in UTC.
	PeriodStart time.Time
	AgentID     string
	AgentName   string
	Team        string
	Queue       string

	Contacts             uint64 // handled contacts: answered calls + chats with an agent
	ASASeconds           *float64
	ASAN                 uint64
	OfferedCalls         uint64 // inbound calls offered (answered or abandoned)
	AnsweredInSL         uint64 // of them answered within the service-level T
	ServiceLevel         *float64
	AbandonedCalls       uint64
	AbandonRate          *float64
	FRTSeconds           *float64
	FRTP90Seconds        *int64
	FRTN                 uint64
	ARTSeconds           *float64
	ARTN                 uint64 // answered customer turns
	AHTSeconds           *float64
	AHTN                 uint64
	ResolutionSeconds    *float64
	ResolutionP90Seconds *int64
	ResolutionN          uint64
	FCRRate              *float64
	FCRN                 uint64
	CSAT                 *float64
	CSATMean             *float64
	CSATN                uint64
	Complaints           *uint64
	InquiryConversion    *float64
	InquiryCustomers     uint64
	OrderCustomers       uint64
	OrderPayRate         *float64
	Orders               uint64
	PaidOrders           uint64
	PayingCustomers      uint64
	PaidAmountMinor      *int64
	AvgOrderValueMinor   *float64
	SalesTargetMinor     *int64
	TargetCompletion     *float64
	QAScore              *float64
	QAN                  uint64
}

// Rows computes the metric rows of q, ordered by period and then by team and agent, team or
// queue. It first brings the month builds of the range up to date (EnsureBuilt), so the rows
// always reflect everything stored. Agent and team rows come from the builds' day aggregates
// when FromDays(q), otherwise from their per-contact rows; both give the same rows.
func Rows(ctx context.Context, wh *warehouse.Warehouse, q Query) ([]Row, error) {
	return rows(ctx, wh, q, BuildSQL)
}

// RowsPerContact is Rows reading the month builds per contact whatever the query: the
// reference the day aggregates are checked against. It is slower for agent and team rows over
// long ranges.
func RowsPerContact(ctx context.Context, wh *warehouse.Warehouse, q Query) ([]Row, error) {
	return rows(ctx, wh, q, BuildPerContactSQL)
}

func rows(ctx context.Context, wh *warehouse.Warehouse, q Query, build func(Query, *time.Location) string) ([]Row, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	loc, err := wh.TimeZone(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := EnsureBuilt(ctx, wh, loc, q.From, q.To); err != nil {
		return nil, err
	}
	return queryRows(ctx, wh, q, wh.Expand(build(q, loc), map[string]string{"tz": loc.String()}))
}

// ViewRows reads the same rows as Rows from the generated view of q's level and period
// (ViewName), keeping the periods that start in [q.From, q.To). It ignores q's filters and
// service-level T (the views use the default); with From and To on period boundaries it returns
// what Rows returns. It exists so that the views can be checked against Rows, and for readers
// who want the views' exact output.
func ViewRows(ctx context.Context, wh *warehouse.Warehouse, q Query) ([]Row, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	return queryRows(ctx, wh, q, wh.Expand(ViewSQL(q), nil))
}

// ViewSQL is the query ViewRows runs (with ${db} for warehouse.Expand): the rows of the view of
// q's level and period whose period starts in [q.From, q.To), in the column order of BuildSQL.
func ViewSQL(q Query) string {
	keys := "agent_id, agent_name, team, '' AS queue"
	switch q.Level {
	case LevelTeam:
		keys = "'' AS agent_id, '' AS agent_name, team, '' AS queue"
	case LevelQueue:
		keys = "'' AS agent_id, '' AS agent_name, '' AS team, queue"
	}
	p := string(q.By)
	return fmt.Sprintf("SELECT %s, %s, %s FROM ${db}.%s WHERE %s >= toDate('%s') AND %s < toDate('%s') ORDER BY %s, agent_id, team, queue",
		p, keys, strings.Join(metricColumns, ", "), ViewName(q.Level, q.By),
		p, dateOf(q.From).Format(time.DateOnly), p, dateOf(q.To).Format(time.DateOnly), p)
}

func queryRows(ctx context.Context, wh *warehouse.Warehouse, q Query, sqlText string) ([]Row, error) {
	rows, err := wh.Conn().Query(ctx, sqlText)
	if err != nil {
		return nil, fmt.Errorf("metrics by %s for %s: %w", q.By, q.Level, err)
	}
	defer rows.Close()
	var out []Row
	for rows.Next() {
		r := Row{Level: q.Level, By: q.By}
		var period time.Time
		if err := rows.Scan(&period, &r.AgentID, &r.AgentName, &r.Team, &r.Queue,
			&r.Contacts, &r.ASAN, &r.ASASeconds, &r.OfferedCalls, &r.AnsweredInSL, &r.ServiceLevel,
			&r.AbandonedCalls, &r.AbandonRate, &r.FRTN, &r.FRTSeconds, &r.FRTP90Seconds, &r.ARTN, &r.ARTSeconds,
			&r.AHTN, &r.AHTSeconds, &r.ResolutionN, &r.ResolutionSeconds, &r.ResolutionP90Seconds, &r.FCRN,
			&r.FCRRate, &r.CSATN, &r.CSAT, &r.CSATMean, &r.Complaints, &r.InquiryCustomers, &r.OrderCustomers,
			&r.InquiryConversion, &r.Orders, &r.PaidOrders, &r.PayingCustomers, &r.OrderPayRate,
			&r.PaidAmountMinor, &r.AvgOrderValueMinor, &r.SalesTargetMinor, &r.TargetCompletion, &r.QAN, &r.QAScore); err != nil {
			return nil, fmt.Errorf("metrics by %s for %s: %w", q.By, q.Level, err)
		}
		r.PeriodStart = time.Date(period.Year(), period.Month(), period.Day(), 0, 0, 0, 0, time.UTC)
		out = append(out, r)
	}
	return out, rows.Err()
}

// PeriodLabel names the row's period: "2026-11" for a month, "2026-W45" for an ISO week,
// "2026-11-03" for a day.
func (r Row) PeriodLabel() string {
	switch r.By {
	case ByDay:
		return r.PeriodStart.Format(time.DateOnly)
	case ByWeek:
		y, w := r.PeriodStart.ISOWeek()
		return fmt.Sprintf("%d-W%02d", y, w)
	default:
		return r.PeriodStart.Format("2006-01")
	}
}

// field is one named output value of a row, in the order JSON and CSV print them.
type field struct {
	name  string
	value any // nil, string, uint64, *float64, *int64, *uint64, or yuan
}

// yuan is an amount in minor units printed as yuan with two decimals (a JSON number).
type yuan struct{ minor *float64 }

func yuanOf(minor *int64) yuan {
	if minor == nil {
		return yuan{}
	}
	f := float64(*minor)
	return yuan{&f}
}

// String prints the amount with two decimals, rounding half away from zero; "" when NULL.
func (y yuan) String() string {
	if y.minor == nil {
		return ""
	}
	m := int64(math.Round(*y.minor))
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	return fmt.Sprintf("%s%d.%02d", sign, m/100, m%100)
}

// fields returns the row's output fields with the SPEC §5 names, in print order: the period,
// the key columns of the level, then every metric with its sample size.
func (r Row) fields() []field {
	f := []field{{"by", string(r.By)}, {string(r.By), r.PeriodLabel()}, {"period_start", r.PeriodStart.Format(time.DateOnly)}}
	switch r.Level {
	case LevelTeam:
		f = append(f, field{"team", r.Team})
	case LevelQueue:
		f = append(f, field{"queue", r.Queue})
	default:
		f = append(f, field{"agent_id", r.AgentID}, field{"agent_name", r.AgentName}, field{"team", r.Team})
	}
	return append(f,
		field{"contacts", r.Contacts},
		field{"asa_seconds", r.ASASeconds}, field{"asa_n", r.ASAN},
		field{"service_level", r.ServiceLevel}, field{"answered_in_sl", r.AnsweredInSL}, field{"offered_calls", r.OfferedCalls},
		field{"abandon_rate", r.AbandonRate}, field{"abandoned_calls", r.AbandonedCalls},
		field{"frt_seconds", r.FRTSeconds}, field{"frt_p90_seconds", r.FRTP90Seconds}, field{"frt_n", r.FRTN},
		field{"art_seconds", r.ARTSeconds}, field{"art_n", r.ARTN},
		field{"aht_seconds", r.AHTSeconds}, field{"aht_n", r.AHTN},
		field{"resolution_seconds", r.ResolutionSeconds}, field{"resolution_p90_seconds", r.ResolutionP90Seconds}, field{"resolution_n", r.ResolutionN},
		field{"fcr_rate", r.FCRRate}, field{"fcr_n", r.FCRN},
		field{"csat", r.CSAT}, field{"csat_mean", r.CSATMean}, field{"csat_n", r.CSATN},
		field{"complaints", r.Complaints},
		field{"inquiry_conversion", r.InquiryConversion}, field{"order_customers", r.OrderCustomers}, field{"inquiry_customers", r.InquiryCustomers},
		field{"order_pay_rate", r.OrderPayRate}, field{"paying_customers", r.PayingCustomers}, field{"orders", r.Orders}, field{"paid_orders", r.PaidOrders},
		field{"paid_amount", yuanOf(r.PaidAmountMinor)}, field{"paid_amount_minor", r.PaidAmountMinor},
		field{"avg_order_value", yuan{r.AvgOrderValueMinor}},
		field{"target_completion", r.TargetCompletion}, field{"sales_target", yuanOf(r.SalesTargetMinor)},
		field{"qa_score", r.QAScore}, field{"qa_n", r.QAN},
	)
}

// MarshalJSON writes the row as one JSON object with the SPEC §5 field names in a fixed order;
// NULL metrics are null, money is a number of yuan with two decimals (paid_amount_minor keeps
// the exact integer).
func (r Row) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range r.fields() {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.name)
		b.Write(k)
		b.WriteByte(':')
		b.WriteString(jsonValue(f.value))
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func jsonValue(v any) string {
	switch x := v.(type) {
	case string:
		b, _ := json.Marshal(x)
		return string(b)
	case yuan:
		if s := x.String(); s != "" {
			return s
		}
		return "null"
	case uint64:
		return strconv.FormatUint(x, 10)
	case *float64:
		if x == nil {
			return "null"
		}
		return strconv.FormatFloat(*x, 'g', -1, 64)
	case *int64:
		if x == nil {
			return "null"
		}
		return strconv.FormatInt(*x, 10)
	case *uint64:
		if x == nil {
			return "null"
		}
		return strconv.FormatUint(*x, 10)
	}
	return "null"
}

// csvValue prints a field for CSV: NULL is an empty cell.
func csvValue(v any) string {
	s := jsonValue(v)
	if s == "null" {
		return ""
	}
	if str, ok := v.(string); ok {
		return str
	}
	return s
}
