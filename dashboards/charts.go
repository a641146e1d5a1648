package dashboards

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"math"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// chart is one chart on a page: an element id, a CSS size class and the ECharts option as
// script-safe JSON. Pages carry the option in a <script type="application/json"> block that
// static/dashboards.js reads with JSON.parse and hands to echarts.init; no page has an inline
// script, so the server can forbid them with its Content-Security-Policy.
//
// The options are built with go-echarts, but not rendered with its templates: go-echarts writes
// the option JSON into an inline <script> with HTML escaping turned off (JSONNotEscaped), so an
// agent named "</script><script>alert(1)</script>" would end the script and run its own.
// optionJSON marshals with encoding/json's HTML escaping instead (<, > and & become \u003c,
// \u003e, \u0026; U+2028 and U+2029 are escaped too), which no string can break out of.
type chart struct {
	ID     string
	Class  string // "chart", "chart-small" or "chart-tall"
	Option template.JS
}

// optioner is a go-echarts chart: Validate fills in what its JSON needs, JSON returns the
// option.
type optioner interface {
	Validate()
	JSON() map[string]interface{}
}

// optionJSON returns the ECharts option of a go-echarts chart as JSON that is safe inside a
// <script> element: see chart.
func optionJSON(c optioner) (template.JS, error) {
	c.Validate()
	return safeJSON(c.JSON())
}

// safeJSON marshals v with every character that could end a script element or an HTML
// comment escaped.
func safeJSON(v any) (template.JS, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf) // HTML escaping is on by default: <, >, & become \u003c, \u003e, \u0026
	if err := enc.Encode(v); err != nil {
		return "", fmt.Errorf("dashboards: chart option: %w", err)
	}
	return template.JS(bytes.TrimSpace(buf.Bytes())), nil
}

// missing is how ECharts is told a value is absent: the line breaks there instead of dropping
// to zero (a metric with no data is NULL, never 0).
const missing = "-"

func lineValue(v *float64) opts.LineData {
	if v == nil {
		return opts.LineData{Value: missing}
	}
	return opts.LineData{Value: *v}
}

func barValue(v *float64) opts.BarData {
	if v == nil {
		return opts.BarData{Value: missing}
	}
	return opts.BarData{Value: *v}
}

// baseOpts are the options every chart shares: no animation (pages are read, and the browser
// test sees the final drawing), a title, a tooltip and a legend.
func baseOpts(title, trigger string) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithInitializationOpts(opts.Initialization{AssetsHost: assetsHostPlaceholder}),
		charts.WithTitleOpts(opts.Title{Title: title, Left: "center", TitleStyle: &opts.TextStyle{FontSize: 14}}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: trigger}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "24"}),
		charts.WithGridOpts(opts.Grid{Top: "64", Left: "56", Right: "56", Bottom: "40", ContainLabel: opts.Bool(true)}),
		charts.WithAnimation(false),
	}
}

// assetsHostPlaceholder replaces go-echarts' default assets host (a CDN). The dashboards never
// use go-echarts' page templates, so no asset URL of go-echarts reaches a page; the
// placeholder only makes sure that if one ever did, it would point at the binary's own
// /dashboards/assets/ rather than another host.
const assetsHostPlaceholder = "assets/"

// trendChart is one metric over periods: the agent's line, the team mean dashed beside it and
// the agent's sample size as light bars on a second axis, so a small sample is visible.
func trendChart(id, title string, periods []string, agent, team []*float64, n []uint64, l labels, agentName string) (chart, error) {
	line := charts.NewLine()
	line.SetGlobalOptions(baseOpts(title, "axis")...)
	line.SetGlobalOptions(
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Scale: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", AxisLabel: &opts.AxisLabel{HideOverlap: opts.Bool(true)}}),
	)
	line.ExtendYAxis(opts.YAxis{Type: "value", Name: "n", Position: "right", SplitLine: &opts.SplitLine{Show: opts.Bool(false)}})
	line.SetXAxis(periods)
	av := make([]opts.LineData, len(agent))
	for i, v := range agent {
		av[i] = lineValue(v)
	}
	tv := make([]opts.LineData, len(team))
	for i, v := range team {
		tv[i] = lineValue(v)
	}
	line.AddSeries(agentName, av, charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(true), ConnectNulls: opts.Bool(false)}))
	line.AddSeries(l.T("team_mean"), tv, charts.WithLineStyleOpts(opts.LineStyle{Type: "dashed"}),
		charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(true)}))
	bars := charts.NewBar()
	nv := make([]opts.BarData, len(n))
	for i, x := range n {
		nv[i] = opts.BarData{Value: x}
	}
	bars.AddSeries(l.T("sample_size"), nv, charts.WithBarChartOpts(opts.BarChart{YAxisIndex: 1, BarWidth: "30%"}),
		charts.WithItemStyleOpts(opts.ItemStyle{Opacity: opts.Float(0.25)}))
	line.Overlap(bars)
	o, err := optionJSON(line)
	return chart{ID: id, Class: "chart-small", Option: o}, err
}

// barChart is one value per category (agents, grades, sections), in the given order.
func barChart(id, title string, cats []string, series []barSeries, horizontal bool) (chart, error) {
	bar := charts.NewBar()
	bar.SetGlobalOptions(baseOpts(title, "axis")...)
	bar.SetXAxis(cats)
	for _, s := range series {
		bd := make([]opts.BarData, len(s.values))
		for i, v := range s.values {
			bd[i] = barValue(v)
		}
		bar.AddSeries(s.name, bd)
	}
	if len(cats) > 8 && !horizontal {
		bar.SetGlobalOptions(charts.WithXAxisOpts(opts.XAxis{AxisLabel: &opts.AxisLabel{Rotate: 40, Interval: "0"}}))
	}
	if horizontal {
		bar.XYReversal()
	}
	o, err := optionJSON(bar)
	class := "chart"
	if horizontal && len(cats) > 12 {
		class = "chart-tall"
	}
	return chart{ID: id, Class: class, Option: o}, err
}

// barSeries is one named series of a bar chart.
type barSeries struct {
	name   string
	values []*float64
}

// lineChart is several series over the same time axis (the ingest health page).
func lineChart(id, title string, xs []string, series []barSeries) (chart, error) {
	line := charts.NewLine()
	line.SetGlobalOptions(baseOpts(title, "axis")...)
	line.SetGlobalOptions(charts.WithXAxisOpts(opts.XAxis{Type: "category", AxisLabel: &opts.AxisLabel{HideOverlap: opts.Bool(true)}}))
	line.SetXAxis(xs)
	for _, s := range series {
		ld := make([]opts.LineData, len(s.values))
		for i, v := range s.values {
			ld[i] = lineValue(v)
		}
		line.AddSeries(s.name, ld, charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)}))
	}
	o, err := optionJSON(line)
	return chart{ID: id, Class: "chart", Option: o}, err
}

// stackedBars is counts per category stacked by series (dead letters per bucket by code).
func stackedBars(id, title string, xs []string, series []barSeries) (chart, error) {
	bar := charts.NewBar()
	bar.SetGlobalOptions(baseOpts(title, "axis")...)
	bar.SetGlobalOptions(charts.WithXAxisOpts(opts.XAxis{AxisLabel: &opts.AxisLabel{HideOverlap: opts.Bool(true)}}))
	bar.SetXAxis(xs)
	for _, s := range series {
		bd := make([]opts.BarData, len(s.values))
		for i, v := range s.values {
			bd[i] = barValue(v)
		}
		bar.AddSeries(s.name, bd, charts.WithBarChartOpts(opts.BarChart{Stack: "total"}))
	}
	o, err := optionJSON(bar)
	return chart{ID: id, Class: "chart", Option: o}, err
}

// heatChart is values over agents (rows) × weeks (columns); a nil cell is left empty.
func heatChart(id, title string, weeks, agents []string, cells [][]*float64, higherBetter bool) (chart, error) {
	hm := charts.NewHeatMap()
	hm.SetGlobalOptions(baseOpts(title, "item")...)
	lo, hi := math.Inf(1), math.Inf(-1)
	var data []opts.HeatMapData
	for y, row := range cells {
		for x, v := range row {
			if v == nil {
				continue
			}
			lo, hi = math.Min(lo, *v), math.Max(hi, *v)
			data = append(data, opts.HeatMapData{Value: [3]interface{}{x, y, *v}})
		}
	}
	if len(data) == 0 {
		lo, hi = 0, 1
	}
	if lo == hi {
		hi = lo + 1
	}
	// Green is good: higher values are green for a metric where higher is better, red otherwise.
	colors := []string{"#d73027", "#fee08b", "#1a9850"}
	if !higherBetter {
		colors = []string{"#1a9850", "#fee08b", "#d73027"}
	}
	hm.SetGlobalOptions(
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Data: weeks, SplitArea: &opts.SplitArea{Show: opts.Bool(true)}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: agents, SplitArea: &opts.SplitArea{Show: opts.Bool(true)}}),
		charts.WithVisualMapOpts(opts.VisualMap{Calculable: opts.Bool(true), Min: float32(lo), Max: float32(hi),
			Orient: "horizontal", Left: "center", Bottom: "0", InRange: &opts.VisualMapInRange{Color: colors}}),
		charts.WithGridOpts(opts.Grid{Top: "48", Left: "16", Right: "24", Bottom: "72", ContainLabel: opts.Bool(true)}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
	)
	hm.SetXAxis(weeks)
	hm.AddSeries(title, data, charts.WithLabelOpts(opts.Label{Show: opts.Bool(len(weeks)*len(agents) <= 400)}))
	o, err := optionJSON(hm)
	class := "chart"
	if len(agents) > 12 {
		class = "chart-tall"
	}
	return chart{ID: id, Class: class, Option: o}, err
}
