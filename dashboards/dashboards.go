// Package dashboards is the managers' dashboards of SPEC §8: an agent's metrics over weeks and
// months beside the team mean, the team leaderboard, grade distribution and heat map, the QA
// section breakdown and reviewer calibration, and ingest health. Charts are built with go-echarts
// and drawn in the browser by Apache ECharts, which the binary embeds and serves itself
// (static/echarts): no page asks any other host for anything.
//
// The same pages are served by `ccqa serve` under /dashboards/ (Handler), behind the QA app's
// sign-in, and written as files that open from disk by `ccqa dashboards export` (Export). Every
// page is in Chinese and English (lang=zh|en); every filter is a URL parameter, so a page can
// be bookmarked and shared.
//
// Safety: every text from data (agent names, team names, comments) is escaped by html/template
// in the HTML, and chart options travel as JSON with HTML escaping in non-executed
// <script type="application/json"> blocks (see chart); the pages have no inline script at all.
package dashboards

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/ccqa/ccqa/qa"
	"github.com/ccqa/ccqa/warehouse"
)

// Authenticator tells the dashboards who is asking. Contract: SignedInUser returns the user
// signed in on the request, or nil when nobody is (the dashboards then send the browser to
// LoginPath); it must not write to the response and must be safe for concurrent use. `ccqa
// serve` passes the QA web app (qa/web.Server), so one sign-in covers /qa/ and /dashboards/;
// tests pass a fixed user.
type Authenticator interface {
	SignedInUser(r *http.Request) *qa.User
}

// Config is what the dashboards need.
type Config struct {
	Warehouse *warehouse.Warehouse
	// Rubric names and sizes the QA sections (default: qa.DefaultRubric()).
	Rubric *qa.Rubric
	// Auth decides who may see what (SPEC §6 roles). Without it Handler refuses every request;
	// Export needs none (it writes every team).
	Auth Authenticator
	// LoginPath is where a request without a user is sent, with ?next= (default /qa/login).
	LoginPath string
	// QAPath is the QA app's prefix, for links to a reviewed contact (default /qa/).
	QAPath string
	Logger *slog.Logger
	// Now is the clock (default time.Now): the default month and the ingest health window.
	Now func() time.Time
	// TeamCacheTTL is how long the team means of the agent page are kept before they are
	// computed again (default 5 minutes; negative: never kept). A team's series over months
	// take seconds to compute and are the same for every agent of the team.
	TeamCacheTTL time.Duration
}

// Dashboards renders the pages.
type Dashboards struct {
	cfg    Config
	src    *source
	loc    *time.Location
	log    *slog.Logger
	rubric *qa.Rubric
	pages  *templates
}

// New returns the dashboards over a migrated warehouse.
func New(ctx context.Context, cfg Config) (*Dashboards, error) {
	if cfg.Warehouse == nil {
		return nil, errors.New("dashboards: Warehouse is required")
	}
	if cfg.Rubric == nil {
		cfg.Rubric = qa.DefaultRubric()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.LoginPath == "" {
		cfg.LoginPath = "/qa/login"
	}
	if cfg.QAPath == "" {
		cfg.QAPath = "/qa/"
	}
	loc, err := cfg.Warehouse.TimeZone(ctx)
	if err != nil {
		return nil, fmt.Errorf("dashboards: %w", err)
	}
	store, err := qa.NewStore(ctx, cfg.Warehouse, cfg.Logger)
	if err != nil {
		return nil, fmt.Errorf("dashboards: %w", err)
	}
	t, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	if cfg.TeamCacheTTL == 0 {
		cfg.TeamCacheTTL = 5 * time.Minute
	}
	src := &source{wh: cfg.Warehouse, loc: loc, qa: store, teams: newRowMemo(), teamTTL: cfg.TeamCacheTTL}
	return &Dashboards{cfg: cfg, src: src, loc: loc, log: cfg.Logger, rubric: cfg.Rubric, pages: t}, nil
}

// Location is the business time zone the pages show dates in.
func (d *Dashboards) Location() *time.Location { return d.loc }

// viewer is what the signed-in user may see: every team (admins and QA leads) or the teams a
// manager manages; calibration is for QA leads and admins, as on /qa/calibration.
type viewer struct {
	all         bool
	teams       []string
	calibration bool
}

// everyone is the viewer of a static export, which writes every team.
var everyone = viewer{all: true, calibration: true}

func viewerOf(u *qa.User) (viewer, bool) {
	switch {
	case u.Is(qa.RoleAdmin, qa.RoleQALead):
		return viewer{all: true, calibration: true}, true
	case u.Role == qa.RoleManager:
		return viewer{teams: u.Teams}, true
	}
	// Reviewers score contacts; the dashboards are the managers' (SPEC §1), and a reviewer
	// seeing other reviewers' calibration or the agents' grades could be swayed.
	return viewer{}, false
}

func (v viewer) canTeam(team string) bool { return v.all || slices.Contains(v.teams, team) }

// params are a page's URL parameters, validated.
type params struct {
	Lang   Lang
	Month  time.Time // the first day of the month, a date in UTC
	Months int       // agent page: how many months up to Month
	Team   string
	Agent  string
	Metric string // team page: the metric of the bar chart and heat map
	Hours  int    // ingest page: the window, ending now
}

// The defaults and bounds of the parameters.
const (
	defaultMonths = 6
	maxMonths     = 24
	defaultHours  = 24
	maxHours      = 24 * 31
	defaultMetric = "csat"
)

// paramError is a bad URL parameter: a 400 naming it.
type paramError struct{ msg string }

func (e *paramError) Error() string { return e.msg }

func badParam(format string, args ...any) error { return &paramError{fmt.Sprintf(format, args...)} }

// errNotFound is a team or agent that does not exist or that the user may not see: the same
// answer, so a manager cannot probe other teams' agent ids.
var errNotFound = errors.New("no such team or agent (or you may not see it)")

// parseParams validates the query string; the default month is the current one in the business
// time zone.
func (d *Dashboards) parseParams(q url.Values) (params, error) {
	p := params{Months: defaultMonths, Hours: defaultHours, Metric: defaultMetric}
	for k, vs := range q {
		switch k {
		case "lang", "month", "months", "team", "agent", "metric", "hours":
			if len(vs) > 1 {
				return p, badParam("%s: given %d times, want once", k, len(vs))
			}
		default:
			return p, badParam("%s: unknown parameter (want lang, month, months, team, agent, metric or hours)", k)
		}
	}
	var err error
	if p.Lang, err = ParseLang(q.Get("lang")); err != nil {
		return p, badParam("%v", err)
	}
	now := d.cfg.Now().In(d.loc)
	p.Month = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	if s := q.Get("month"); s != "" {
		if p.Month, err = ParseMonth(s); err != nil {
			return p, badParam("%v", err)
		}
	}
	if s := q.Get("months"); s != "" {
		if p.Months, err = strconv.Atoi(s); err != nil || p.Months < 1 || p.Months > maxMonths {
			return p, badParam("months %q: want a whole number from 1 to %d", s, maxMonths)
		}
	}
	if s := q.Get("hours"); s != "" {
		if p.Hours, err = strconv.Atoi(s); err != nil || p.Hours < 1 || p.Hours > maxHours {
			return p, badParam("hours %q: want a whole number from 1 to %d", s, maxHours)
		}
	}
	if s := q.Get("metric"); s != "" {
		if metricByKey(s) == nil {
			return p, badParam("metric %q: not a SPEC §5 metric (e.g. csat, aht_seconds, qa_score)", s)
		}
		p.Metric = s
	}
	p.Team, p.Agent = q.Get("team"), q.Get("agent")
	for name, v := range map[string]string{"team": p.Team, "agent": p.Agent} {
		if len(v) > 200 {
			return p, badParam("%s: longer than 200 bytes", name)
		}
	}
	return p, nil
}

// ParseMonth parses "2026-11" into the month's first day (a date in UTC).
func ParseMonth(s string) (time.Time, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("month %q: want YYYY-MM, e.g. 2026-11", s)
	}
	return t, nil
}

// values encodes the parameters that differ from their defaults (month always), in a fixed
// order, for links.
func (p params) values(route string) url.Values {
	v := url.Values{}
	if p.Lang != Zh {
		v.Set("lang", string(p.Lang))
	}
	if route != "ingest" {
		v.Set("month", p.Month.Format("2006-01"))
	}
	if p.Team != "" {
		v.Set("team", p.Team)
	}
	if p.Agent != "" {
		v.Set("agent", p.Agent)
	}
	if route == "agent" && p.Months != defaultMonths {
		v.Set("months", strconv.Itoa(p.Months))
	}
	if route == "team" && p.Metric != defaultMetric {
		v.Set("metric", p.Metric)
	}
	if route == "ingest" && p.Hours != defaultHours {
		v.Set("hours", strconv.Itoa(p.Hours))
	}
	return v
}

// parallel runs the functions at once and returns their errors joined: a page's queries are
// independent, and ClickHouse runs them side by side.
func parallel(fns ...func() error) error {
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, f := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
