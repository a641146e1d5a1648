package dashboards

import (
	"bytes"
	"encoding/json"
	"html"
	"io/fs"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

const evil = `O'Brien <script>alert(1)</script></script><!-- <img src=x onerror=alert(2)> & ` + "\u2028\u2029"

// TestSafeJSON checks that chart options cannot end their <script> element or open a comment,
// whatever strings they hold, and that they still decode to the same strings.
func TestSafeJSON(t *testing.T) {
	for _, s := range []string{evil, "</script>", "</SCRIPT >", "<!--", "]]>", "a\u2028b", `"\'`, "正常的名字"} {
		out, err := safeJSON(map[string]any{"name": s, "list": []string{s}})
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"<", ">", "&", "\u2028", "\u2029"} {
			if strings.Contains(string(out), bad) {
				t.Errorf("safeJSON(%q) = %s: contains %q", s, out, bad)
			}
		}
		var back map[string]any
		if err := json.Unmarshal([]byte(out), &back); err != nil || back["name"] != s {
			t.Errorf("safeJSON(%q) does not decode back: %v %v", s, back["name"], err)
		}
	}
}

// TestChartOptionsEscapeData builds each kind of chart with the malicious name as a category
// and a series name, and checks the option JSON is safe and still holds the name.
func TestChartOptionsEscapeData(t *testing.T) {
	one := 1.0
	l := labels{Zh}
	build := map[string]func() (chart, error){
		"trend": func() (chart, error) {
			return trendChart("t", evil, []string{evil}, []*float64{&one}, []*float64{nil}, []uint64{3}, l, evil)
		},
		"bar": func() (chart, error) {
			return barChart("b", evil, []string{evil}, []barSeries{{name: evil, values: []*float64{&one}}}, true)
		},
		"heat": func() (chart, error) {
			return heatChart("h", evil, []string{"2026-11-02"}, []string{evil}, [][]*float64{{&one}}, true)
		},
		"line": func() (chart, error) {
			return lineChart("l", evil, []string{evil}, []barSeries{{name: evil, values: []*float64{nil}}})
		},
		"stacked": func() (chart, error) {
			return stackedBars("s", evil, []string{evil}, []barSeries{{name: evil, values: []*float64{&one}}})
		},
	}
	for name, f := range build {
		c, err := f()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		opt := string(c.Option)
		if strings.ContainsAny(opt, "<>&\u2028") {
			t.Errorf("%s: option holds a raw < > & or U+2028", name)
		}
		if strings.Contains(opt, "go-echarts.github.io") || strings.Contains(opt, "http") {
			t.Errorf("%s: option names another host: %s", name, opt)
		}
		var v any
		if err := json.Unmarshal([]byte(opt), &v); err != nil {
			t.Fatalf("%s: not JSON: %v", name, err)
		}
		if !strings.Contains(jsonStrings(v), evil) {
			t.Errorf("%s: the name is not in the option any more", name)
		}
	}
}

// jsonStrings joins every string in a decoded JSON value.
func jsonStrings(v any) string {
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			b.WriteString(x + "\n")
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return b.String()
}

// TestTemplatesEscapeData renders the team page from hand-made data with the malicious name
// and comment everywhere text goes, without ClickHouse.
func TestTemplatesEscapeData(t *testing.T) {
	tp, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	one := 0.5
	bar, err := barChart("bar", "csat", []string{evil}, []barSeries{{name: evil, values: []*float64{&one}}}, true)
	if err != nil {
		t.Fatal(err)
	}
	heat, err := heatChart("heat", "csat", []string{"2026-11-02"}, []string{evil}, [][]*float64{{&one}}, true)
	if err != nil {
		t.Fatal(err)
	}
	d := &Dashboards{loc: time.UTC}
	p := params{Lang: En, Month: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Months: 6, Team: evil, Metric: "csat", Hours: 24}
	body := teamBody{Team: evil, Month: "2026-11", MetricLabel: "CSAT", Columns: []string{"CSAT"}, Bar: bar, Heat: heat,
		Leader: []leaderRow{{Rank: "1", Name: evil, ID: evil, Href: serverLinker{}.page("agent", params{Agent: evil, Month: p.Month, Lang: En}),
			Cells: []sortCell{{Text: "50.0%", Sort: "0.5"}}}}}
	var buf bytes.Buffer
	if err := tp.render(&buf, "team", d.basePage(p, serverLinker{qaPath: "/qa/"}, "team", evil, body)); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if strings.Contains(page, "<script>alert") || strings.Contains(page, "<img src=x") || strings.Contains(page, "<!-- <img") {
		t.Errorf("the name reached the HTML unescaped")
	}
	if !strings.Contains(page, "O&#39;Brien &lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the name is not shown as escaped text")
	}
	// Links carry the name URL-encoded.
	if m := regexp.MustCompile(`href="(/dashboards/agent\?[^"]*)"`).FindStringSubmatch(page); m == nil {
		t.Errorf("no agent link")
	} else if u, err := url.Parse(html.UnescapeString(m[1])); err != nil || u.Query().Get("agent") != evil {
		t.Errorf("the agent link %q does not carry the id URL-encoded", m[1])
	}
	// Only the two asset scripts and the option blocks are script elements.
	scripts := regexp.MustCompile(`<script[^>]*>`).FindAllString(page, -1)
	for _, s := range scripts {
		if !strings.Contains(s, `type="application/json"`) && !strings.Contains(s, `src="/dashboards/assets/`) {
			t.Errorf("unexpected script element %s", s)
		}
	}
}

// TestCatalogComplete checks that every message has both languages and that every key a
// template asks for exists.
func TestCatalogComplete(t *testing.T) {
	for k, m := range messages {
		if strings.TrimSpace(m.zh) == "" || strings.TrimSpace(m.en) == "" {
			t.Errorf("message %q lacks a language: zh %q en %q", k, m.zh, m.en)
		}
	}
	re := regexp.MustCompile(`\.T "([a-z_]+)"`)
	used := 0
	err := fs.WalkDir(templateFiles, "templates", func(p string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		b, err := templateFiles.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			used++
			if _, ok := messages[m[1]]; !ok {
				t.Errorf("%s uses message %q, which the catalog lacks", p, m[1])
			}
		}
		return nil
	})
	if err != nil || used < 50 {
		t.Fatalf("read templates: %v (%d message uses)", err, used)
	}
	if got := (labels{En}).T("no_such_key"); got != "[no_such_key]" {
		t.Errorf("a missing key shows as %q, want it visible in brackets", got)
	}
	for _, m := range metricDefs {
		if m.zh == "" || m.en == "" || m.zh == m.en {
			t.Errorf("metric %s: labels zh %q en %q", m.Key, m.zh, m.en)
		}
	}
	if (labels{Zh}).T("team_mean") != "团队平均" || (labels{En}).T("team_mean") != "Team mean" {
		t.Errorf("language switch does not pick the language")
	}
}

// TestParseParams checks the URL parameters: defaults, and a 400 naming the bad one.
func TestParseParams(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	d := &Dashboards{loc: loc, cfg: Config{Now: func() time.Time { return time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC) }}}
	p, err := d.parseParams(url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	// 2026-11-30 17:00 UTC is 2026-12-01 01:00 in Shanghai: the default month is December.
	if p.Lang != Zh || p.Month.Format("2006-01") != "2026-12" || p.Months != 6 || p.Hours != 24 || p.Metric != "csat" {
		t.Errorf("defaults: %+v", p)
	}
	bad := map[string]string{
		"month=2026-13": "month", "month=2026-1-1": "month", "months=25": "months", "months=x": "months",
		"hours=0": "hours", "metric=speed": "metric", "lang=de": "lang", "month=2026-11&month=2026-12": "month",
		"foo=1": "foo", "team=" + strings.Repeat("x", 201): "team",
	}
	for q, field := range bad {
		v, _ := url.ParseQuery(q)
		if _, err := d.parseParams(v); err == nil || !strings.HasPrefix(err.Error(), field) {
			t.Errorf("%s: error %v, want one naming %s", q, err, field)
		}
	}
	v, _ := url.ParseQuery("lang=en&month=2025-12&months=12&team=T1&agent=a1&metric=aht_seconds&hours=6")
	p, err = d.parseParams(v)
	if err != nil || p.Lang != En || p.Month != time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC) || p.Months != 12 || p.Team != "T1" ||
		p.Agent != "a1" || p.Metric != "aht_seconds" || p.Hours != 6 {
		t.Errorf("parsed %+v, %v", p, err)
	}
}

// TestFileSlug checks that export file names from data are safe and distinct.
func TestFileSlug(t *testing.T) {
	cases := map[string]string{"a42": "a42", "T-1_x.y": "T-1_x.y"}
	for in, want := range cases {
		if got := fileSlug(in); got != want {
			t.Errorf("fileSlug(%q) = %q, want %q", in, got, want)
		}
	}
	seen := map[string]string{}
	for _, in := range []string{"../etc/passwd", "a/b", "a_b", "售后一组", "售后二组", ".hidden", "", "a b", evil, strings.Repeat("x", 300)} {
		got := fileSlug(in)
		if !regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]*$`).MatchString(got) || strings.Contains(got, "..") || len(got) > 80 {
			t.Errorf("fileSlug(%q) = %q is not a safe file name", in, got)
		}
		if prev, ok := seen[got]; ok {
			t.Errorf("fileSlug(%q) = fileSlug(%q) = %q", in, prev, got)
		}
		seen[got] = in
	}
}

// TestMetricFormat checks how values print, computed by hand.
func TestMetricFormat(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	cases := []struct {
		key  string
		v    *float64
		want string
		plot *float64
	}{
		{"csat", f(0.8766), "87.7%", f(87.66)},
		{"csat", nil, "", nil},
		{"paid_amount", f(123456), "1234.56", f(1234.56)},
		{"avg_order_value", f(1999.4), "19.99", f(19.99)}, // 1999.4 分 rounds to 1999 分
		{"contacts", f(42), "42", f(42)},
		{"aht_seconds", f(305.26), "305.3", f(305.26)},
		{"qa_score", f(89.5), "89.5", f(89.5)},
	}
	for _, c := range cases {
		m := metricByKey(c.key)
		got := m.format(c.v)
		if got != c.want {
			t.Errorf("%s %v: %q, want %q", c.key, c.v, got, c.want)
		}
		p := m.chartValue(c.v)
		if (p == nil) != (c.plot == nil) || p != nil && *p != *c.plot {
			t.Errorf("%s %v: chart value %v, want %v", c.key, c.v, p, c.plot)
		}
	}
	if metricByKey("nope") != nil || len(metricDefs) != 17 {
		t.Errorf("metric table: want the 17 metrics of SPEC §5 with the QA score")
	}
}

// TestMondays checks the week columns of a month, by hand: November 2026 starts on a Sunday.
func TestMondays(t *testing.T) {
	from := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var got []string
	for _, m := range mondays(from, from.AddDate(0, 1, 0)) {
		got = append(got, m.Format(time.DateOnly))
	}
	want := "2026-10-26 2026-11-02 2026-11-09 2026-11-16 2026-11-23 2026-11-30"
	if strings.Join(got, " ") != want {
		t.Errorf("mondays = %v, want %s", got, want)
	}
}
