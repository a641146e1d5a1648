package dashboards_test

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ccqa/ccqa/dashboards"
	"github.com/ccqa/ccqa/qa"
)

// TestDashboards loads one month of real data (see setupWorld) and checks every page over HTTP,
// the access rules, bad input, the static export and, in headless Chromium, that the charts
// are drawn and the malicious agent name stays text.
func TestDashboards(t *testing.T) {
	wd := setupWorld(t)
	ctx := context.Background()
	users := headerAuth{
		"admin":   {Username: "admin", Role: qa.RoleAdmin},
		"mgr":     {Username: "mgr", Role: qa.RoleManager, Teams: []string{wd.evilTeam}},
		"other":   {Username: "other", Role: qa.RoleManager, Teams: []string{wd.otherTeam}},
		"rita":    {Username: "rita", Role: qa.RoleReviewer},
		"qa_lead": {Username: "lead", Role: qa.RoleQALead},
	}
	// The clock is inside the test month so the default month and the ingest window are
	// deterministic... except that ingest health reads ingested_at, which is now: the ingest
	// test uses its own server with the real clock.
	d, err := dashboards.New(ctx, dashboards.Config{Warehouse: wd.w, Auth: users, Now: func() time.Time { return time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(d.Handler())
	defer srv.Close()
	live, err := dashboards.New(ctx, dashboards.Config{Warehouse: wd.w, Auth: users})
	if err != nil {
		t.Fatal(err)
	}
	liveSrv := httptest.NewServer(live.Handler())
	defer liveSrv.Close()

	get := func(base, path, user string) (int, string, http.Header) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		if user != "" {
			req.Header.Set("X-Test-User", user)
		}
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	q := url.QueryEscape
	pages := map[string]string{
		"index":      "/dashboards/",
		"team":       "/dashboards/team?team=" + q(wd.evilTeam) + "&month=2026-11",
		"team_en":    "/dashboards/team?team=" + q(wd.evilTeam) + "&month=2026-11&lang=en&metric=aht_seconds",
		"agent":      "/dashboards/agent?agent=" + q(wd.evilID) + "&month=2026-11&months=3",
		"agent_en":   "/dashboards/agent?agent=" + q(wd.evilID) + "&month=2026-11&lang=en",
		"qa_team":    "/dashboards/qa?team=" + q(wd.evilTeam) + "&month=2026-11",
		"qa_agent":   "/dashboards/qa?agent=" + q(wd.evilID) + "&month=2026-11&lang=en",
		"ingest":     "/dashboards/ingest?hours=6",
		"ingest_day": "/dashboards/ingest?lang=en",
	}

	t.Run("pages", func(t *testing.T) {
		for name, path := range pages {
			base := srv.URL
			if strings.HasPrefix(name, "ingest") {
				base = liveSrv.URL
			}
			status, body, hdr := get(base, path, "admin")
			if status != 200 {
				t.Fatalf("%s: status %d: %s", name, status, body)
			}
			if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline'; img") && strings.Contains(csp, "script-src 'self' 'unsafe-inline'") {
				t.Errorf("%s: CSP %q must allow scripts only from ccqa itself", name, csp)
			}
			checkNoForeignURL(t, name, body)
			checkOptionsParse(t, name, body)
			if strings.Contains(body, "<script>alert") || strings.Contains(body, "onerror=alert") && !strings.Contains(body, "onerror=alert(2)&gt;") {
				t.Errorf("%s: the malicious name reached the page unescaped", name)
			}
		}
		// The evil name is on the team, agent and QA pages, escaped as text.
		escaped := html.EscapeString(evilName)
		for _, name := range []string{"team", "agent", "qa_agent"} {
			_, body, _ := get(srv.URL, pages[name], "admin")
			if !strings.Contains(body, escaped) && !strings.Contains(body, strings.ReplaceAll(escaped, "&#39;", "&#39;")) {
				t.Errorf("%s: the agent name is not on the page as escaped text", name)
			}
		}
		// The agent page lists the reviews (with the comment as text, linked to the QA app) and
		// the month's grade.
		_, body, _ := get(srv.URL, pages["agent"], "admin")
		if !strings.Contains(body, html.EscapeString(evilComment)) {
			t.Errorf("agent page: the reviewer's comment is not shown as escaped text")
		}
		if !regexp.MustCompile(`href="/qa/contacts/[^"]+"`).MatchString(body) {
			t.Errorf("agent page: no link to a reviewed contact in the QA app")
		}
		if !strings.Contains(body, `id="grades"`) || strings.Contains(body, `id="grades-empty"`) {
			t.Errorf("agent page: the rollup's grade for 2026-11 is not listed")
		}
		for _, key := range []string{"contacts", "asa_seconds", "service_level", "abandon_rate", "frt_seconds", "art_seconds", "aht_seconds",
			"resolution_seconds", "fcr_rate", "csat", "complaints", "inquiry_conversion", "order_pay_rate", "paid_amount",
			"avg_order_value", "target_completion", "qa_score"} {
			if !strings.Contains(body, `id="w-`+key+`"`) || !strings.Contains(body, `id="m-`+key+`"`) {
				t.Errorf("agent page: no weekly and monthly chart of %s", key)
			}
		}
		if n := strings.Count(body, "n="); n < 17*3 {
			t.Errorf("agent page: %d sample sizes shown, want one per metric and month (17 × 3)", n)
		}
		// The team page has its grade distribution; the QA page its calibration for a lead.
		if _, body, _ := get(srv.URL, pages["team"], "admin"); !strings.Contains(body, `id="grades"`) || !strings.Contains(body, `id="leaderboard"`) || !strings.Contains(body, `id="heat"`) {
			t.Errorf("team page: leaderboard, grade distribution or heat map missing")
		}
		if _, body, _ := get(srv.URL, pages["qa_team"], "qa_lead"); !strings.Contains(body, `id="calibration"`) || !strings.Contains(body, "ravi") {
			t.Errorf("QA page: calibration of rita and ravi missing for a QA lead")
		}
		if _, body, _ := get(srv.URL, pages["qa_agent"], "admin"); !strings.Contains(body, `id="sections"`) {
			t.Errorf("QA page: section breakdown missing")
		}
		if _, body, _ := get(liveSrv.URL, pages["ingest"], "admin"); !strings.Contains(body, `id="dlq"`) || strings.Contains(body, "<td>0</td></tr></tbody>") {
			t.Errorf("ingest page: dead letters missing (the generator's invalid messages were just ingested)")
		}
	})

	t.Run("access", func(t *testing.T) {
		cases := []struct {
			user, path string
			want       int
		}{
			{"", pages["team"], http.StatusSeeOther},
			{"rita", pages["team"], http.StatusForbidden},
			{"mgr", pages["team"], http.StatusOK},
			{"mgr", pages["agent"], http.StatusOK},
			{"other", pages["team"], http.StatusNotFound},
			{"other", pages["agent"], http.StatusNotFound},
			{"other", pages["qa_agent"], http.StatusNotFound},
			{"admin", "/dashboards/agent?agent=nobody", http.StatusOK}, // an admin may look at an id without reference data
			{"mgr", "/dashboards/agent?agent=nobody", http.StatusNotFound},
			{"admin", "/dashboards/team?team=nosuch", http.StatusNotFound},
		}
		for _, c := range cases {
			if status, body, _ := get(srv.URL, c.path, c.user); status != c.want {
				t.Errorf("%s as %q: status %d, want %d (%.200s)", c.path, c.user, status, c.want, body)
			}
		}
		// A manager's index lists their team only; calibration is not theirs to see.
		_, body, _ := get(srv.URL, "/dashboards/?month=2026-11", "mgr")
		if !strings.Contains(body, ">"+html.EscapeString(wd.evilTeam)+"<") || strings.Contains(body, ">"+html.EscapeString(wd.otherTeam)+"<") {
			t.Errorf("manager index: want only team %s", wd.evilTeam)
		}
		if _, body, _ := get(srv.URL, pages["qa_team"], "mgr"); !strings.Contains(body, `id="calibration-forbidden"`) || strings.Contains(body, `id="calibration"`) {
			t.Errorf("QA page: a manager must not see reviewer calibration")
		}
		status, _, hdr := get(srv.URL, pages["team"], "")
		if loc := hdr.Get("Location"); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/qa/login?next=") {
			t.Errorf("signed out: want a redirect to the QA sign-in, got %d %q", status, loc)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		cases := map[string]string{
			"/dashboards/team?month=2026-13":               "month",
			"/dashboards/agent?month=11-2026&agent=a1":     "month",
			"/dashboards/agent?months=0&agent=a1":          "months",
			"/dashboards/agent":                            "agent",
			"/dashboards/team?metric=speed":                "metric",
			"/dashboards/ingest?hours=100000":              "hours",
			"/dashboards/team?lang=fr":                     "lang",
			"/dashboards/team?month=2026-11&month=2026-10": "month",
			"/dashboards/team?colour=red":                  "colour",
		}
		for path, field := range cases {
			status, body, _ := get(srv.URL, path, "admin")
			if status != http.StatusBadRequest || !strings.Contains(body, field) {
				t.Errorf("%s: status %d, want 400 naming %q: %.300s", path, status, field, body)
			}
		}
		if status, _, _ := get(srv.URL, "/dashboards/nosuchpage", "admin"); status != http.StatusNotFound {
			t.Errorf("unknown page: status %d, want 404", status)
		}
	})

	t.Run("assets are served by ccqa", func(t *testing.T) {
		status, body, hdr := get(srv.URL, "/dashboards/assets/echarts/echarts.min.js", "")
		if status != 200 || len(body) < 900_000 || !strings.Contains(hdr.Get("Content-Type"), "javascript") {
			t.Fatalf("echarts.min.js: status %d, %d bytes, type %q", status, len(body), hdr.Get("Content-Type"))
		}
	})

	exportDir := t.TempDir()
	t.Run("export", func(t *testing.T) {
		res, err := d.Export(ctx, dashboards.ExportOptions{Month: wd.month, Months: 3, Out: exportDir})
		if err != nil {
			t.Fatal(err)
		}
		// Per language: index, 3 teams × 17 metrics, 12 agents, 3 team + 12 agent QA pages, ingest.
		want := 2*(1+3*17+12+3+12+1) + 1
		if res.Pages != want {
			t.Errorf("export wrote %d pages, want %d", res.Pages, want)
		}
		files, _ := filepath.Glob(filepath.Join(exportDir, "*", "*.html"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			body := string(b)
			checkNoForeignURL(t, f, body)
			for _, m := range regexp.MustCompile(`(?:href|src)="([^"]*)"`).FindAllStringSubmatch(body, -1) {
				link := html.UnescapeString(m[1])
				if strings.HasPrefix(link, "#") || link == "data:," {
					continue
				}
				if strings.HasPrefix(link, "/") || strings.Contains(link, "?") {
					t.Fatalf("%s: link %q is not a relative file path", f, link)
				}
				if _, err := os.Stat(filepath.Join(filepath.Dir(f), filepath.FromSlash(link))); err != nil {
					t.Fatalf("%s: link %q points at no exported file", f, link)
				}
			}
		}
	})

	t.Run("browser", func(t *testing.T) {
		// The browser signs in as an admin: the same pages on servers with a fixed user.
		admin := fixedAuth{users["admin"]}
		bd, err := dashboards.New(ctx, dashboards.Config{Warehouse: wd.w, Auth: admin})
		if err != nil {
			t.Fatal(err)
		}
		bsrv := httptest.NewServer(bd.Handler())
		defer bsrv.Close()
		var urls []string
		for _, name := range []string{"index", "team", "team_en", "agent", "agent_en", "qa_team", "qa_agent"} {
			urls = append(urls, bsrv.URL+pages[name])
		}
		urls = append(urls, bsrv.URL+"/dashboards/ingest?hours=6")
		// The English export of the evil agent's team, in its default metric.
		var teamFile string
		files, _ := filepath.Glob(filepath.Join(exportDir, "en", "team-*.html"))
		for _, f := range files {
			b, _ := os.ReadFile(f)
			if strings.Contains(string(b), html.EscapeString(evilName)) && strings.Contains(string(b), `<strong class="current">CSAT</strong>`) {
				teamFile = f
			}
		}
		if teamFile == "" {
			t.Fatal("the export has no English team page of the evil agent's team")
		}
		browse(t, bsrv.URL, urls, []string{"file://" + filepath.Join(exportDir, "zh", "index.html"),
			"file://" + filepath.Join(exportDir, "zh", "agent-"+wd.evilID+".html"), "file://" + teamFile})
	})
}

// checkNoForeignURL fails when a page names another host in a src or href: everything comes
// from ccqa itself.
func checkNoForeignURL(t *testing.T, name, body string) {
	t.Helper()
	for _, m := range regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(body, -1) {
		if strings.Contains(m[1], "//") {
			t.Errorf("%s: %q refers to another host", name, m[1])
		}
	}
}

// checkOptionsParse checks that every chart option block is JSON that contains no "<" at all
// (so it cannot end its script element) and parses.
func checkOptionsParse(t *testing.T, name, body string) {
	t.Helper()
	blocks := regexp.MustCompile(`(?s)<script type="application/json" id="([^"]+)">(.*?)</script>`).FindAllStringSubmatch(body, -1)
	charts := strings.Count(body, "data-chart=")
	if len(blocks) != charts {
		t.Errorf("%s: %d chart elements but %d option blocks", name, charts, len(blocks))
	}
	for _, b := range blocks {
		if strings.Contains(b[2], "<") {
			t.Errorf("%s: option %s contains a raw '<'", name, b[1])
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(b[2]), &v); err != nil {
			t.Errorf("%s: option %s is not JSON: %v", name, b[1], err)
		}
	}
}
