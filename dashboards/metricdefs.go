package dashboards

import (
	"fmt"
	"math"
	"strconv"

	"github.com/ccqa/ccqa/metrics"
)

// unit says how a metric's value is printed.
type unit int

const (
	unitCount   unit = iota // a whole number of things
	unitSeconds             // a duration in seconds
	unitRate                // a share 0..1, printed as a percentage
	unitYuan                // money in minor units (分), printed in yuan
	unitPoints              // a 0-100 score
)

// metricDef is one SPEC §5 metric as the dashboards show it: its field name, labels, unit, how
// to read its value and its sample size from a metrics row, and whether the team mean is the
// team's pooled value or its total per agent.
type metricDef struct {
	Key      string // the SPEC §5 field name, used in URLs
	zh, en   string
	unit     unit
	value    func(r *metrics.Row) *float64
	n        func(r *metrics.Row) uint64
	perAgent bool // a count or amount: the team mean is the team total / head count
	// higherBetter orders the leaderboard and colours the heat map (false: lower is better).
	higherBetter bool
}

func f64(p *float64) *float64 { return p }

func fromInt(p *int64) *float64 {
	if p == nil {
		return nil
	}
	v := float64(*p)
	return &v
}

func fromUint(p *uint64) *float64 {
	if p == nil {
		return nil
	}
	v := float64(*p)
	return &v
}

func countOf(n uint64) *float64 {
	v := float64(n)
	return &v
}

// metricDefs are the SPEC §5 metrics in the order of the spec's table, the QA score last.
var metricDefs = []metricDef{
	{Key: "contacts", zh: "接待量", en: "Contacts", unit: unitCount, perAgent: true, higherBetter: true,
		value: func(r *metrics.Row) *float64 { return countOf(r.Contacts) }, n: func(r *metrics.Row) uint64 { return r.Contacts }},
	{Key: "asa_seconds", zh: "平均应答速度(秒)", en: "ASA (s)", unit: unitSeconds,
		value: func(r *metrics.Row) *float64 { return r.ASASeconds }, n: func(r *metrics.Row) uint64 { return r.ASAN }},
	{Key: "service_level", zh: "服务水平", en: "Service level", unit: unitRate, higherBetter: true,
		value: func(r *metrics.Row) *float64 { return r.ServiceLevel }, n: func(r *metrics.Row) uint64 { return r.OfferedCalls }},
	{Key: "abandon_rate", zh: "放弃率", en: "Abandon rate", unit: unitRate,
		value: func(r *metrics.Row) *float64 { return r.AbandonRate }, n: func(r *metrics.Row) uint64 { return r.OfferedCalls }},
	{Key: "frt_seconds", zh: "首次响应时间(秒)", en: "FRT (s)", unit: unitSeconds,
		value: func(r *metrics.Row) *float64 { return r.FRTSeconds }, n: func(r *metrics.Row) uint64 { return r.FRTN }},
	{Key: "art_seconds", zh: "平均响应时间(秒)", en: "ART (s)", unit: unitSeconds,
		value: func(r *metrics.Row) *float64 { return r.ARTSeconds }, n: func(r *metrics.Row) uint64 { return r.ARTN }},
	{Key: "aht_seconds", zh: "平均处理时长(秒)", en: "AHT (s)", unit: unitSeconds,
		value: func(r *metrics.Row) *float64 { return r.AHTSeconds }, n: func(r *metrics.Row) uint64 { return r.AHTN }},
	{Key: "resolution_seconds", zh: "问题处理时效(秒)", en: "Resolution time (s)", unit: unitSeconds,
		value: func(r *metrics.Row) *float64 { return r.ResolutionSeconds }, n: func(r *metrics.Row) uint64 { return r.ResolutionN }},
	{Key: "fcr_rate", zh: "一次解决率", en: "FCR rate", unit: unitRate, higherBetter: true,
		value: func(r *metrics.Row) *float64 { return r.FCRRate }, n: func(r *metrics.Row) uint64 { return r.FCRN }},
	{Key: "csat", zh: "客户满意率", en: "CSAT", unit: unitRate, higherBetter: true,
		value: func(r *metrics.Row) *float64 { return r.CSAT }, n: func(r *metrics.Row) uint64 { return r.CSATN }},
	{Key: "complaints", zh: "投诉数", en: "Complaints", unit: unitCount, perAgent: true,
		value: func(r *metrics.Row) *float64 { return fromUint(r.Complaints) }, n: func(r *metrics.Row) uint64 { return r.Contacts }},
	{Key: "inquiry_conversion", zh: "询单转化率", en: "Inquiry conversion", unit: unitRate, higherBetter: true,
		value: func(r *metrics.Row) *float64 { return r.InquiryConversion }, n: func(r *metrics.Row) uint64 { return r.InquiryCustomers }},
	{Key: "order_pay_rate", zh: "最终下单成功率", en: "Order pay rate", unit: unitRate, higherBetter: true,
		value: func(r *metrics.Row) *float64 { return r.OrderPayRate }, n: func(r *metrics.Row) uint64 { return r.OrderCustomers }},
	{Key: "paid_amount", zh: "销售额(元)", en: "Paid amount (CNY)", unit: unitYuan, perAgent: true, higherBetter: true,
		value: func(r *metrics.Row) *float64 { return fromInt(r.PaidAmountMinor) }, n: func(r *metrics.Row) uint64 { return r.PaidOrders }},
	{Key: "avg_order_value", zh: "客单价(元)", en: "Avg order value (CNY)", unit: unitYuan, higherBetter: true,
		value: func(r *metrics.Row) *float64 { return f64(r.AvgOrderValueMinor) }, n: func(r *metrics.Row) uint64 { return r.PayingCustomers }},
	{Key: "target_completion", zh: "指标完成率", en: "Target completion", unit: unitRate, higherBetter: true,
		value: func(r *metrics.Row) *float64 { return r.TargetCompletion }, n: func(r *metrics.Row) uint64 { return r.PaidOrders }},
	{Key: "qa_score", zh: "质检得分", en: "QA score", unit: unitPoints, higherBetter: true,
		value: func(r *metrics.Row) *float64 { return r.QAScore }, n: func(r *metrics.Row) uint64 { return r.QAN }},
}

// metricByKey returns the definition of a metric field name, or nil.
func metricByKey(key string) *metricDef {
	for i := range metricDefs {
		if metricDefs[i].Key == key {
			return &metricDefs[i]
		}
	}
	return nil
}

// label is the metric's name in the language.
func (m *metricDef) label(l labels) string { return l.pick(m.zh, m.en) }

// chartValue converts a value for a chart: rates become percentages and money yuan, so the
// axis reads like the table. Nil stays nil.
func (m *metricDef) chartValue(v *float64) *float64 {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return nil
	}
	x := *v
	switch m.unit {
	case unitRate:
		x *= 100
	case unitYuan:
		x /= 100
	}
	x = math.Round(x*100) / 100
	return &x
}

// format prints a value for a table cell; nil is "" (the template shows "no data").
func (m *metricDef) format(v *float64) string {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return ""
	}
	switch m.unit {
	case unitCount:
		if *v == math.Trunc(*v) {
			return strconv.FormatFloat(*v, 'f', 0, 64)
		}
		return strconv.FormatFloat(*v, 'f', 1, 64)
	case unitSeconds:
		return strconv.FormatFloat(*v, 'f', 1, 64)
	case unitRate:
		return strconv.FormatFloat(*v*100, 'f', 1, 64) + "%"
	case unitYuan:
		return formatYuan(*v)
	default:
		return strconv.FormatFloat(*v, 'f', 1, 64)
	}
}

// formatYuan prints minor units as yuan with two decimals, rounding half away from zero.
func formatYuan(minor float64) string {
	m := int64(math.Round(minor))
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	return fmt.Sprintf("%s%d.%02d", sign, m/100, m%100)
}
