package dashboards

import (
	"context"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/ccqa/ccqa/metrics"
	"github.com/ccqa/ccqa/qa"
)

// page is what the layout template renders: the shared header and one page's body.
type page struct {
	L         labels
	Title     string
	Route     string
	P         params
	Links     linker
	Home      string
	Ingest    string
	LangLinks []navLink
	Assets    assetLinks
	Zone      string
	Body      any
}

type assetLinks struct{ ECharts, Script, Style string }

// navLink is a link with a label; an empty Href is shown as plain text (the current choice, or
// a page the static export does not have).
type navLink struct {
	Label   string
	Href    string
	Current bool
}

func (d *Dashboards) basePage(p params, lk linker, route, title string, body any) *page {
	l := labels{p.Lang}
	pg := &page{L: l, Title: title, Route: route, P: p, Links: lk, Zone: d.loc.String(), Body: body,
		Assets: assetLinks{ECharts: lk.asset("echarts/echarts.min.js"), Script: lk.asset("dashboards.js"), Style: lk.asset("dashboards.css")}}
	home := p
	home.Team, home.Agent = "", ""
	pg.Home = lk.page("", home)
	pg.Ingest = lk.page("ingest", home)
	for _, lang := range Langs {
		q := p
		q.Lang = lang
		href := ""
		if lang != p.Lang && route != "error" {
			href = lk.page(route, q)
		}
		pg.LangLinks = append(pg.LangLinks, navLink{Label: labels{lang}.pick("中文", "English"), Href: href, Current: lang == p.Lang})
	}
	return pg
}

// render builds the page of route and writes it.
func (d *Dashboards) render(ctx context.Context, w io.Writer, route string, p params, v viewer, lk linker) error {
	ctx = withShortReads(ctx)
	var (
		pg  *page
		err error
	)
	switch route {
	case "":
		pg, err = d.indexPage(ctx, p, v, lk)
	case "team":
		pg, err = d.teamPage(ctx, p, v, lk)
	case "agent":
		pg, err = d.agentPage(ctx, p, v, lk)
	case "qa":
		pg, err = d.qaPage(ctx, p, v, lk)
	case "ingest":
		pg, err = d.ingestPage(ctx, p, lk)
	default:
		return errNotFound
	}
	if err != nil {
		return err
	}
	name := route
	if name == "" {
		name = "index"
	}
	return d.pages.render(w, name, pg)
}

func monthLabel(t time.Time) string { return t.Format("2006-01") }

// monthsBack returns the first day of the month n-1 months before m, so [result, m+1) spans n
// months.
func monthsBack(m time.Time, n int) time.Time { return m.AddDate(0, -(n - 1), 0) }

// mondays returns the Mondays of the weeks that overlap [from, to), dates in UTC.
func mondays(from, to time.Time) []time.Time {
	start := from.AddDate(0, 0, -((int(from.Weekday()) + 6) % 7))
	var out []time.Time
	for d := start; d.Before(to); d = d.AddDate(0, 0, 7) {
		out = append(out, d)
	}
	return out
}

func monthList(from, to time.Time) []time.Time {
	var out []time.Time
	for m := from; m.Before(to); m = m.AddDate(0, 1, 0) {
		out = append(out, m)
	}
	return out
}

func dateKey(t time.Time) string { return t.Format(time.DateOnly) }

// byPeriod indexes metric rows by period start, for one key (agent or team).
func byPeriod(rows []metrics.Row) map[string]*metrics.Row {
	out := make(map[string]*metrics.Row, len(rows))
	for i := range rows {
		out[dateKey(rows[i].PeriodStart)] = &rows[i]
	}
	return out
}

// teamValue is the team mean of a metric in a period: the team's pooled value, or for counts
// and amounts the team total per head (see the README, Dashboards).
func teamValue(m *metricDef, r *metrics.Row, head int) *float64 {
	if r == nil {
		return nil
	}
	v := m.value(r)
	if v == nil || !m.perAgent {
		return v
	}
	if head == 0 {
		return nil
	}
	x := *v / float64(head)
	return &x
}

// ---- index ----

type indexBody struct {
	Teams     []teamLink
	NoTeams   bool
	Month     string
	PrevMonth string
	NextMonth string
}

type teamLink struct {
	Name          string
	Agents        int
	Team, QA      string
	FirstAgent    string
	FirstAgentTxt string
}

func (d *Dashboards) indexPage(ctx context.Context, p params, v viewer, lk linker) (*page, error) {
	ros, err := d.src.roster(ctx)
	if err != nil {
		return nil, err
	}
	b := indexBody{Month: monthLabel(p.Month)}
	b.PrevMonth, b.NextMonth = monthNav(lk, "", p)
	for _, t := range ros.teams {
		if !v.canTeam(t) {
			continue
		}
		q := p
		q.Team = t
		b.Teams = append(b.Teams, teamLink{Name: t, Agents: len(ros.byTeam[t]), Team: lk.page("team", q), QA: lk.page("qa", q)})
	}
	b.NoTeams = len(b.Teams) == 0
	l := labels{p.Lang}
	return d.basePage(p, lk, "", l.T("app"), b), nil
}

func monthNav(lk linker, route string, p params) (prev, next string) {
	q := p
	q.Month = p.Month.AddDate(0, -1, 0)
	prev = lk.page(route, q)
	q.Month = p.Month.AddDate(0, 1, 0)
	next = lk.page(route, q)
	return prev, next
}

// ---- agent ----

type agentBody struct {
	Agent            *agentInfo
	TeamHref, QAHref string
	Range            string
	PrevMonth        string
	NextMonth        string
	Spans            []navLink
	MonthLabels      []string
	Metrics          []agentMetric
	Grades           []gradeView
	GradesAvailable  bool
	Reviews          []reviewView
}

type agentMetric struct {
	Key, Label  string
	Week, Month chart
	Cells       []metricCell
}

type metricCell struct {
	Value, Team string
	N           uint64
}

type gradeView struct {
	Month, Score, Total, Grade, PayFactor, Rank, Revision string
	Approved                                              bool
	Href                                                  string
}

type reviewView struct {
	ContactID, Href, Channel, Start, Written, Reviewer, Score, Comment string
	Version                                                            uint32
	Critical                                                           bool
}

func (d *Dashboards) agentPage(ctx context.Context, p params, v viewer, lk linker) (*page, error) {
	if p.Agent == "" {
		return nil, badParam("agent: required (an agent_id)")
	}
	ros, err := d.src.roster(ctx)
	if err != nil {
		return nil, err
	}
	a := ros.byID[p.Agent]
	if a == nil {
		if !v.all {
			return nil, errNotFound
		}
		a = &agentInfo{ID: p.Agent, Name: p.Agent}
	} else if !v.canTeam(a.Team) {
		return nil, errNotFound
	}
	l := labels{p.Lang}
	from, to := monthsBack(p.Month, p.Months), p.Month.AddDate(0, 1, 0)
	var agentW, agentM, teamW, teamM []metrics.Row
	var grades []gradeRow
	var gradesOK bool
	var reviews []reviewRow
	q := func(level metrics.Level, by metrics.Period) metrics.Query {
		// The page shows no p90, and skipping it spares reading every contact's times.
		return metrics.Query{Level: level, By: by, From: from, To: to, WithoutP90: true}
	}
	if err := d.src.ensureBuilt(ctx, from, to); err != nil {
		return nil, err
	}
	now := d.cfg.Now()
	err = parallel(
		func() error {
			// The agent's and the team's rows by week and by month come from one statement that
			// reads each source once (metrics.RowsTogether); the team's only when the team
			// cache has none younger than its TTL.
			aw, am := q(metrics.LevelAgent, metrics.ByWeek), q(metrics.LevelAgent, metrics.ByMonth)
			aw.Agent, am.Agent = a.ID, a.ID
			qs := []metrics.Query{aw, am}
			var tw, tm metrics.Query
			if a.Team != "" {
				tw, tm = q(metrics.LevelTeam, metrics.ByWeek), q(metrics.LevelTeam, metrics.ByMonth)
				tw.Team, tm.Team = a.Team, a.Team
				var okW, okM bool
				teamW, okW = d.src.freshTeamRows(tw, now)
				teamM, okM = d.src.freshTeamRows(tm, now)
				if !okW || !okM {
					qs = append(qs, tw, tm)
				}
			}
			sets, err := d.src.metricRowsTogether(ctx, qs)
			if err != nil {
				return err
			}
			agentW, agentM = sets[0], sets[1]
			if len(sets) == 4 {
				teamW, teamM = sets[2], sets[3]
				d.src.keepTeamRows(tw, teamW, now)
				d.src.keepTeamRows(tm, teamM, now)
			}
			return nil
		},
		func() (err error) {
			grades, gradesOK, err = d.src.grades(ctx, "grades_agent", a.ID, dateKey(p.Month))
			return err
		},
		func() (err error) {
			end := time.Date(to.Year(), to.Month(), 1, 0, 0, 0, 0, d.loc)
			reviews, err = d.src.agentReviews(ctx, a.ID, end)
			return err
		},
	)
	if err != nil {
		return nil, err
	}
	head := len(ros.byTeam[a.Team])
	weeks := mondays(from, to)
	months := monthList(from, to)
	aw, am, tw, tm := byPeriod(agentW), byPeriod(agentM), byPeriod(teamW), byPeriod(teamM)
	b := agentBody{Agent: a, GradesAvailable: gradesOK,
		Range: monthLabel(from) + " – " + monthLabel(p.Month)}
	if a.Team != "" {
		tq := p
		tq.Team, tq.Agent = a.Team, ""
		b.TeamHref = lk.page("team", tq)
		qq := p
		qq.Team = a.Team
		b.QAHref = lk.page("qa", qq)
	}
	b.PrevMonth, b.NextMonth = monthNav(lk, "agent", p)
	for _, n := range []int{3, 6, 12} {
		q := p
		q.Months = n
		href := ""
		if n != p.Months {
			href = lk.page("agent", q)
		}
		b.Spans = append(b.Spans, navLink{Label: strconv.Itoa(n), Href: href, Current: n == p.Months})
	}
	weekLabels := make([]string, len(weeks))
	for i, w := range weeks {
		weekLabels[i] = dateKey(w)
	}
	for _, m := range months {
		b.MonthLabels = append(b.MonthLabels, monthLabel(m))
	}
	for i := range metricDefs {
		m := &metricDefs[i]
		series := func(periods []time.Time, agent, team map[string]*metrics.Row) (av, tv []*float64, ns []uint64) {
			for _, t := range periods {
				k := dateKey(t)
				var n uint64
				var v *float64
				if r := agent[k]; r != nil {
					v, n = m.value(r), m.n(r)
				}
				av = append(av, m.chartValue(v))
				tv = append(tv, m.chartValue(teamValue(m, team[k], head)))
				ns = append(ns, n)
			}
			return av, tv, ns
		}
		am2 := agentMetric{Key: m.Key, Label: m.label(l)}
		wa, wt, wn := series(weeks, aw, tw)
		if am2.Week, err = trendChart("w-"+m.Key, m.label(l)+" · "+l.T("by_week"), weekLabels, wa, wt, wn, l, a.Name); err != nil {
			return nil, err
		}
		ma, mt, mn := series(months, am, tm)
		if am2.Month, err = trendChart("m-"+m.Key, m.label(l)+" · "+l.T("by_month"), b.MonthLabels, ma, mt, mn, l, a.Name); err != nil {
			return nil, err
		}
		for i, mo := range months {
			k := dateKey(mo)
			var c metricCell
			if r := am[k]; r != nil {
				c.Value = m.format(m.value(r))
			}
			c.Team = m.format(teamValue(m, tm[k], head))
			c.N = mn[i]
			am2.Cells = append(am2.Cells, c)
		}
		b.Metrics = append(b.Metrics, am2)
	}
	for _, g := range grades {
		b.Grades = append(b.Grades, d.gradeView(g, p, lk))
	}
	for _, r := range reviews {
		b.Reviews = append(b.Reviews, reviewView{ContactID: r.ContactID, Href: lk.contact(r.ContactID), Channel: r.Channel,
			Start: r.ContactStart.In(d.loc).Format("2006-01-02 15:04"), Written: r.WrittenAt.In(d.loc).Format("2006-01-02 15:04"),
			Reviewer: r.Reviewer, Score: strconv.FormatFloat(r.Total, 'f', 2, 64), Comment: r.Comment, Version: r.Version, Critical: r.Critical == 1})
	}
	return d.basePage(p, lk, "agent", a.Name+" · "+l.T("agent_page"), b), nil
}

func (d *Dashboards) gradeView(g gradeRow, p params, lk linker) gradeView {
	grade := g.Grade
	if p.Lang == En {
		grade = g.GradeEn
		if grade == "" {
			grade = gradeEnglish(g.Grade)
		}
	}
	q := p
	q.Month, q.Team, q.Agent = g.Month, g.Team, ""
	return gradeView{Month: monthLabel(g.Month), Score: strconv.Itoa(int(g.Score)), Total: strconv.FormatFloat(g.TotalScore, 'f', 2, 64),
		Grade: grade, PayFactor: strconv.FormatFloat(g.PayFactor, 'f', 2, 64),
		Rank: fmt.Sprintf("%d / %d", g.RankInTeam, g.TeamSize), Revision: strconv.Itoa(int(g.Revision)), Approved: g.Approved == 1,
		Href: lk.page("team", q)}
}

// ---- team ----

type teamBody struct {
	Team            string
	Month           string
	PrevMonth       string
	NextMonth       string
	MetricLabel     string
	MetricLinks     []navLink
	Columns         []string
	Leader          []leaderRow
	Bar, Heat       chart
	Grades          *chart
	GradesAvailable bool
	QAHref          string
}

type leaderRow struct {
	Rank       string
	Name, ID   string
	Href       string
	Cells      []sortCell
	Grade      string
	GradeSort  string
	HasGrade   bool
	ScoreCell  sortCell
	RankSortBy string
}

// sortCell is a leaderboard cell: its text and the number it sorts by ("" sorts last).
type sortCell struct{ Text, Sort string }

// leaderMetrics are the leaderboard's metric columns.
var leaderMetrics = []string{"contacts", "csat", "aht_seconds", "fcr_rate", "resolution_seconds", "complaints", "qa_score", "paid_amount", "target_completion"}

// gradeOrder is the order of the default bands (SPEC §7.4) in the distribution chart; other
// band names follow in the order of their best score.
var gradeOrder = []string{"优秀", "良好", "合格", "不合格"}

func sortKey(v *float64) string {
	if v == nil || math.IsNaN(*v) {
		return ""
	}
	return strconv.FormatFloat(*v, 'g', -1, 64)
}

func (d *Dashboards) teamPage(ctx context.Context, p params, v viewer, lk linker) (*page, error) {
	ros, err := d.src.roster(ctx)
	if err != nil {
		return nil, err
	}
	if p.Team == "" {
		for _, t := range ros.teams {
			if v.canTeam(t) {
				p.Team = t
				break
			}
		}
		if p.Team == "" {
			return nil, errNotFound
		}
	}
	if ros.byTeam[p.Team] == nil || !v.canTeam(p.Team) {
		return nil, errNotFound
	}
	l := labels{p.Lang}
	metric := metricByKey(p.Metric)
	from, to := p.Month, p.Month.AddDate(0, 1, 0)
	var agentM, agentW []metrics.Row
	var grades []gradeRow
	var gradesOK bool
	if err := d.src.ensureBuilt(ctx, from, to); err != nil {
		return nil, err
	}
	err = parallel(
		func() error {
			// Both periods from one statement that reads each source once.
			sets, err := d.src.metricRowsTogether(ctx, []metrics.Query{
				{Level: metrics.LevelAgent, By: metrics.ByMonth, From: from, To: to, Team: p.Team, WithoutP90: true},
				{Level: metrics.LevelAgent, By: metrics.ByWeek, From: from, To: to, Team: p.Team, WithoutP90: true},
			})
			if err != nil {
				return err
			}
			agentM, agentW = sets[0], sets[1]
			return nil
		},
		func() (err error) {
			grades, gradesOK, err = d.src.grades(ctx, "grades_team_month", dateKey(p.Month), p.Team)
			return err
		},
	)
	if err != nil {
		return nil, err
	}
	rowOf := map[string]*metrics.Row{}
	for i := range agentM {
		rowOf[agentM[i].AgentID] = &agentM[i]
	}
	gradeOf := map[string]*gradeRow{}
	for i := range grades {
		gradeOf[grades[i].AgentID] = &grades[i]
	}
	agents := ros.byTeam[p.Team]
	b := teamBody{Team: p.Team, Month: monthLabel(p.Month), MetricLabel: metric.label(l), GradesAvailable: gradesOK && len(grades) > 0}
	b.PrevMonth, b.NextMonth = monthNav(lk, "team", p)
	qq := p
	b.QAHref = lk.page("qa", qq)
	for _, m := range metricDefs {
		q := p
		q.Metric = m.Key
		href := ""
		if m.Key != p.Metric {
			href = lk.page("team", q)
		}
		b.MetricLinks = append(b.MetricLinks, navLink{Label: m.label(l), Href: href, Current: m.Key == p.Metric})
	}
	for _, k := range leaderMetrics {
		b.Columns = append(b.Columns, metricByKey(k).label(l))
	}
	// Leaderboard order: by grade score when the month is graded, else by the chosen metric
	// (best first); agents without a value last, then by id.
	sorted := append([]*agentInfo(nil), agents...)
	val := func(a *agentInfo) *float64 {
		if g := gradeOf[a.ID]; b.GradesAvailable && g != nil {
			x := g.TotalScore
			return &x
		}
		if r := rowOf[a.ID]; r != nil {
			return metric.value(r)
		}
		return nil
	}
	better := metric.higherBetter || b.GradesAvailable
	sort.SliceStable(sorted, func(i, j int) bool {
		vi, vj := val(sorted[i]), val(sorted[j])
		switch {
		case vi == nil && vj == nil:
			return sorted[i].ID < sorted[j].ID
		case vi == nil:
			return false
		case vj == nil:
			return true
		case *vi != *vj:
			return (*vi > *vj) == better
		}
		return sorted[i].ID < sorted[j].ID
	})
	var barCats []string
	var barVals []*float64
	for i, a := range sorted {
		q := p
		q.Agent, q.Team = a.ID, ""
		lr := leaderRow{Rank: strconv.Itoa(i + 1), Name: a.Name, ID: a.ID, Href: lk.page("agent", q)}
		r := rowOf[a.ID]
		for _, k := range leaderMetrics {
			m := metricByKey(k)
			var v *float64
			if r != nil {
				v = m.value(r)
			}
			lr.Cells = append(lr.Cells, sortCell{Text: m.format(v), Sort: sortKey(v)})
		}
		if g := gradeOf[a.ID]; g != nil {
			gv := d.gradeView(*g, p, lk)
			lr.HasGrade = true
			lr.Grade = gv.Grade
			lr.ScoreCell = sortCell{Text: gv.Score, Sort: strconv.FormatFloat(g.TotalScore, 'g', -1, 64)}
			lr.Rank = strconv.Itoa(int(g.RankInTeam))
		}
		b.Leader = append(b.Leader, lr)
		barCats = append(barCats, a.Name)
		var bv *float64
		if r != nil {
			bv = metric.chartValue(metric.value(r))
		}
		barVals = append(barVals, bv)
	}
	if b.Bar, err = barChart("bar", metric.label(l)+" · "+b.Month, barCats, []barSeries{{name: metric.label(l), values: barVals}}, true); err != nil {
		return nil, err
	}
	// Heat map: agents (in leaderboard order) × the weeks of the month.
	weeks := mondays(from, to)
	weekLabels := make([]string, len(weeks))
	col := map[string]int{}
	for i, w := range weeks {
		weekLabels[i] = dateKey(w)
		col[dateKey(w)] = i
	}
	rowIdx := map[string]int{}
	names := make([]string, len(sorted))
	cells := make([][]*float64, len(sorted))
	for i, a := range sorted {
		rowIdx[a.ID] = i
		names[i] = a.Name
		cells[i] = make([]*float64, len(weeks))
	}
	for i := range agentW {
		r := &agentW[i]
		y, ok := rowIdx[r.AgentID]
		x, ok2 := col[dateKey(r.PeriodStart)]
		if ok && ok2 {
			cells[y][x] = metric.chartValue(metric.value(r))
		}
	}
	if b.Heat, err = heatChart("heat", metric.label(l), weekLabels, names, cells, metric.higherBetter); err != nil {
		return nil, err
	}
	if b.GradesAvailable {
		counts := map[string]float64{}
		best := map[string]float64{}
		for _, g := range grades {
			name := g.Grade
			if p.Lang == En {
				name = g.GradeEn
				if name == "" {
					name = gradeEnglish(g.Grade)
				}
			}
			counts[name]++
			best[name] = math.Max(best[name], g.TotalScore)
		}
		var cats []string
		for _, zh := range gradeOrder {
			name := zh
			if p.Lang == En {
				name = gradeEnglish(zh)
			}
			cats = append(cats, name)
		}
		var extra []string
		for name := range counts {
			known := false
			for _, c := range cats {
				known = known || c == name
			}
			if !known {
				extra = append(extra, name)
			}
		}
		sort.Slice(extra, func(i, j int) bool { return best[extra[i]] > best[extra[j]] })
		cats = append(cats, extra...)
		vals := make([]*float64, len(cats))
		for i, c := range cats {
			x := counts[c]
			vals[i] = &x
		}
		gc, err := barChart("grades", l.T("grade_dist")+" · "+b.Month, cats, []barSeries{{name: l.T("agents"), values: vals}}, false)
		if err != nil {
			return nil, err
		}
		b.Grades = &gc
	}
	return d.basePage(p, lk, "team", p.Team+" · "+l.T("team_page"), b), nil
}

// ---- QA ----

type qaBody struct {
	Team         string
	Month        string
	PrevMonth    string
	NextMonth    string
	Agent        *agentInfo
	AgentLinks   []navLink
	Sections     []sectionView
	Chart        *chart
	HasSections  bool
	Calibration  *calView
	CalForbidden bool
	TeamHref     string
}

type sectionView struct {
	Label                                  string
	Max                                    int
	AgentMean, TeamMean, AgentPct, TeamPct string
	AgentN, TeamN                          uint64
}

type calView struct {
	Total     calRow
	Sections  []calRow
	Reviewers []calRow
	Chart     *chart
}

type calRow struct {
	Label, MAD, ICC, Bias string
	Contacts, Pairs       int
}

func fmtPtr(v *float64, digits int) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', digits, 64)
}

func (d *Dashboards) qaPage(ctx context.Context, p params, v viewer, lk linker) (*page, error) {
	ros, err := d.src.roster(ctx)
	if err != nil {
		return nil, err
	}
	var agent *agentInfo
	if p.Agent != "" {
		agent = ros.byID[p.Agent]
		if agent == nil || !v.canTeam(agent.Team) {
			return nil, errNotFound
		}
		if p.Team == "" {
			p.Team = agent.Team
		}
		if agent.Team != p.Team {
			return nil, badParam("agent %q: is in team %q, not %q", p.Agent, agent.Team, p.Team)
		}
	}
	if p.Team == "" {
		for _, t := range ros.teams {
			if v.canTeam(t) {
				p.Team = t
				break
			}
		}
	}
	if ros.byTeam[p.Team] == nil || !v.canTeam(p.Team) {
		return nil, errNotFound
	}
	l := labels{p.Lang}
	month := dateKey(p.Month)
	var teamS, agentS map[string]sectionMean
	var cal *qa.Calibration
	err = parallel(
		func() (err error) {
			teamS, err = d.src.sectionMeans(ctx, "qa_sections_team", month, p.Team)
			return err
		},
		func() (err error) {
			if agent == nil {
				return nil
			}
			agentS, err = d.src.sectionMeans(ctx, "qa_sections_agent", month, agent.ID)
			return err
		},
		func() (err error) {
			if !v.calibration {
				return nil
			}
			cal, err = d.src.qa.Calibration(ctx, p.Month, d.rubric)
			return err
		},
	)
	if err != nil {
		return nil, err
	}
	b := qaBody{Team: p.Team, Month: monthLabel(p.Month), Agent: agent, CalForbidden: !v.calibration}
	b.PrevMonth, b.NextMonth = monthNav(lk, "qa", p)
	tq := p
	tq.Agent = ""
	b.TeamHref = lk.page("team", tq)
	for _, a := range ros.byTeam[p.Team] {
		q := p
		q.Agent = a.ID
		href := ""
		if agent == nil || a.ID != agent.ID {
			href = lk.page("qa", q)
		}
		b.AgentLinks = append(b.AgentLinks, navLink{Label: a.Name, Href: href, Current: agent != nil && a.ID == agent.ID})
	}
	var cats []string
	var tv, av []*float64
	pct := func(m sectionMean, ok bool, max int) (*float64, string, string) {
		if !ok || max <= 0 {
			return nil, "", ""
		}
		x := math.Round(m.Mean/float64(max)*1000) / 10
		return &x, strconv.FormatFloat(m.Mean, 'f', 2, 64), strconv.FormatFloat(x, 'f', 1, 64) + "%"
	}
	for _, s := range d.rubric.Sections {
		sv := sectionView{Label: l.pick(s.Label.Zh, s.Label.En), Max: s.Max}
		tm, tok := teamS[s.ID]
		am, aok := agentS[s.ID]
		var t, a *float64
		t, sv.TeamMean, sv.TeamPct = pct(tm, tok, s.Max)
		a, sv.AgentMean, sv.AgentPct = pct(am, aok, s.Max)
		sv.TeamN, sv.AgentN = tm.N, am.N
		b.HasSections = b.HasSections || tok
		b.Sections = append(b.Sections, sv)
		cats = append(cats, sv.Label)
		tv = append(tv, t)
		av = append(av, a)
	}
	if b.HasSections {
		series := []barSeries{{name: l.T("team") + " " + p.Team, values: tv}}
		if agent != nil {
			series = append([]barSeries{{name: agent.Name, values: av}}, series...)
		}
		c, err := barChart("sections", l.T("section_breakdown"), cats, series, false)
		if err != nil {
			return nil, err
		}
		b.Chart = &c
	}
	if cal != nil && cal.Total.Contacts > 0 {
		cv := &calView{Total: calRow{Label: l.T("overall"), Contacts: cal.Total.Contacts, Pairs: cal.Total.Pairs,
			MAD: fmtPtr(cal.Total.MAD, 2), ICC: fmtPtr(cal.Total.ICC, 3)}}
		for _, s := range cal.Sections {
			cv.Sections = append(cv.Sections, calRow{Label: l.pick(s.Label.Zh, s.Label.En), Contacts: s.Contacts, Pairs: s.Pairs,
				MAD: fmtPtr(s.MAD, 2), ICC: fmtPtr(s.ICC, 3)})
		}
		var names []string
		var mads, biases []*float64
		for _, r := range cal.Reviewers {
			cv.Reviewers = append(cv.Reviewers, calRow{Label: r.Reviewer, Contacts: r.Total.Contacts, Pairs: r.Total.Pairs,
				MAD: fmtPtr(r.Total.MAD, 2), ICC: fmtPtr(r.Total.ICC, 3), Bias: fmtPtr(r.Bias, 2)})
			names = append(names, r.Reviewer)
			mads = append(mads, r.Total.MAD)
			biases = append(biases, r.Bias)
		}
		c, err := barChart("calibration", l.T("calibration")+" · "+b.Month, names,
			[]barSeries{{name: l.T("mad"), values: mads}, {name: l.T("bias"), values: biases}}, false)
		if err != nil {
			return nil, err
		}
		cv.Chart = &c
		b.Calibration = cv
	}
	title := p.Team + " · " + l.T("qa_page")
	if agent != nil {
		title = agent.Name + " · " + l.T("qa_page")
	}
	return d.basePage(p, lk, "qa", title, b), nil
}

// ---- ingest health ----

type ingestBody struct {
	Hours          int
	Step           string
	From, To       string
	HourLinks      []navLink
	Rows, Lag, DLQ chart
	Totals         []kv
	Errors         []kv
	NoErrors       bool
}

type kv struct {
	Key   string
	Value uint64
}

// ingestTables are the raw tables in the order of the charts.
var ingestTables = []string{"calls", "chats", "surveys", "orders"}

func (d *Dashboards) ingestPage(ctx context.Context, p params, lk linker) (*page, error) {
	l := labels{p.Lang}
	step := time.Hour
	stepName := l.T("bucket_hour")
	if p.Hours <= 6 {
		step, stepName = time.Minute, l.T("bucket_minute")
	}
	now := d.cfg.Now().In(d.loc)
	// The window ends with the current bucket, aligned in the business time zone.
	end := time.Date(now.Year(), now.Month(), now.Day(), now.Hour(), 0, 0, 0, d.loc).Add(time.Hour)
	if step == time.Minute {
		end = time.Date(now.Year(), now.Month(), now.Day(), now.Hour(), now.Minute(), 0, 0, d.loc).Add(time.Minute)
	}
	start := end.Add(-time.Duration(p.Hours) * time.Hour)
	buckets, err := d.src.ingestHealth(ctx, start, end, step)
	if err != nil {
		return nil, err
	}
	b := ingestBody{Hours: p.Hours, Step: stepName, From: start.Format("2006-01-02 15:04"), To: end.Format("2006-01-02 15:04")}
	for _, h := range []int{1, 6, 24, 24 * 7} {
		q := p
		q.Hours = h
		href := ""
		if h != p.Hours {
			href = lk.page("ingest", q)
		}
		b.HourLinks = append(b.HourLinks, navLink{Label: strconv.Itoa(h), Href: href, Current: h == p.Hours})
	}
	xs := make([]string, len(buckets))
	format := "01-02 15:04"
	for i, bk := range buckets {
		xs[i] = bk.Start.In(d.loc).Format(format)
	}
	per := step.Seconds()
	totals := map[string]uint64{}
	var rowSeries []barSeries
	totalVals := make([]*float64, len(buckets))
	for _, t := range ingestTables {
		vals := make([]*float64, len(buckets))
		for i, bk := range buckets {
			x := math.Round(float64(bk.Rows[t])/per*1000) / 1000
			vals[i] = &x
			totals[t] += bk.Rows[t]
			if totalVals[i] == nil {
				totalVals[i] = new(float64)
			}
			*totalVals[i] += x
		}
		rowSeries = append(rowSeries, barSeries{name: t, values: vals})
	}
	rowSeries = append(rowSeries, barSeries{name: l.T("total"), values: totalVals})
	if b.Rows, err = lineChart("rows", l.T("rows_per_second")+" · "+stepName, xs, rowSeries); err != nil {
		return nil, err
	}
	means := make([]*float64, len(buckets))
	maxes := make([]*float64, len(buckets))
	for i, bk := range buckets {
		if bk.LagMean != nil {
			x := math.Round(*bk.LagMean*10) / 10
			means[i] = &x
		}
		if bk.LagMax != nil {
			x := float64(*bk.LagMax)
			maxes[i] = &x
		}
	}
	if b.Lag, err = lineChart("lag", l.T("lag")+" · "+stepName, xs, []barSeries{{name: l.T("lag_mean"), values: means}, {name: l.T("lag_max"), values: maxes}}); err != nil {
		return nil, err
	}
	codes := map[string]uint64{}
	for _, bk := range buckets {
		for c, n := range bk.Errors {
			codes[c] += n
		}
	}
	var codeNames []string
	for c := range codes {
		codeNames = append(codeNames, c)
	}
	sort.Strings(codeNames)
	var dl []barSeries
	for _, c := range codeNames {
		vals := make([]*float64, len(buckets))
		for i, bk := range buckets {
			x := float64(bk.Errors[c])
			vals[i] = &x
		}
		dl = append(dl, barSeries{name: c, values: vals})
	}
	if len(dl) == 0 {
		zero := make([]*float64, len(buckets))
		for i := range zero {
			zero[i] = new(float64)
		}
		dl = []barSeries{{name: l.T("dead_letters"), values: zero}}
	}
	if b.DLQ, err = stackedBars("dlq", l.T("dead_letters")+" · "+stepName, xs, dl); err != nil {
		return nil, err
	}
	for _, t := range ingestTables {
		b.Totals = append(b.Totals, kv{t, totals[t]})
	}
	for _, c := range codeNames {
		b.Errors = append(b.Errors, kv{c, codes[c]})
	}
	b.NoErrors = len(codeNames) == 0
	return d.basePage(p, lk, "ingest", l.T("ingest_page"), b), nil
}

// withShortReads marks the queries of a page as what they are, many short reads of the same
// recent blocks: ClickHouse then keeps the blocks they decompress in its uncompressed cache
// (use_uncompressed_cache, which ClickHouse recommends for frequent short queries; reads larger
// than merge_tree_max_rows_to_use_cache bypass it, so a month build started by a page does not
// flush it). It is the server's block cache, like the OS page cache under it: every value is
// still computed from the stored rows at request time, nothing of ccqa's is cached by it. Measured
// on the benchmark data set: the agent page's statement 240 → 210 ms (README, Dashboards).
func withShortReads(ctx context.Context) context.Context {
	return clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"use_uncompressed_cache": 1}))
}
