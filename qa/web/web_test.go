package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/ccqa/ccqa/internal/itest"
	"github.com/ccqa/ccqa/qa"
	fx "github.com/ccqa/ccqa/qa/qafixture"
	"github.com/ccqa/ccqa/qa/web"
)

var nov = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// users: two reviewers, a QA lead, a manager of each team and an admin; every password is
// the username followed by "-pass".
func testUsers(t testing.TB) *qa.Users {
	var b strings.Builder
	b.WriteString("users:\n")
	for _, u := range []struct{ name, role, teams string }{
		{"r1", "reviewer", ""}, {"r2", "reviewer", ""}, {"lead", "qa_lead", ""},
		{"m1", "manager", "[T1]"}, {"m2", "manager", "[T2]"}, {"admin", "admin", ""},
	} {
		h, err := bcrypt.GenerateFromPassword([]byte(u.name+"-pass"), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "  - username: %s\n    role: %s\n    password_bcrypt: %q\n", u.name, u.role, h)
		if u.teams != "" {
			fmt.Fprintf(&b, "    teams: %s\n", u.teams)
		}
	}
	us, err := qa.ParseUsers([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return us
}

// app is a QA web app over a fresh warehouse with the November fixture scanned and sampled:
// c1 to r1 and r2 (double-scored), k1 to r1, c3 to r2.
func app(t testing.TB) (*httptest.Server, *qa.Store) {
	w := itest.Warehouse(t)
	fx.November(t, w)
	ctx := context.Background()
	s, err := qa.NewStore(ctx, w, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	r := qa.DefaultRubric()
	if _, err := s.Scan(ctx, nov, r); err != nil {
		t.Fatal(err)
	}
	picks := []qa.Sampled{
		{ContactID: "c1", Channel: "chat", AgentID: "a1", Start: fx.At(2026, 11, 3, 10, 0), Reasons: []string{"auto_qa"}, Reviewers: []string{"r1", "r2"}, Double: true},
		{ContactID: "k1", Channel: "call", AgentID: "a1", Start: fx.At(2026, 11, 5, 11, 0), Reasons: []string{"complaint"}, Reviewers: []string{"r1"}},
		{ContactID: "c3", Channel: "chat", AgentID: "a2", Start: fx.At(2026, 11, 20, 9, 0), Reasons: []string{"auto_qa"}, Reviewers: []string{"r2"}},
	}
	if _, err := s.SaveSample(ctx, qa.SampleRun{Month: nov, Seed: 1, By: "test"}, picks); err != nil {
		t.Fatal(err)
	}
	a, err := web.New(ctx, web.Config{Store: s, Users: testUsers(t), Rubric: r})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/qa/", a.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, s
}

type client struct {
	t    testing.TB
	base string
	user string
	http *http.Client
	csrf string
}

func basic(t testing.TB, srv *httptest.Server, user string) *client {
	return &client{t: t, base: srv.URL, user: user, http: srv.Client()}
}

// do sends a request and decodes a JSON answer into a map.
func (c *client) do(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.user != "" {
		req.SetBasicAuth(c.user, c.user+"-pass")
	}
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &out); err != nil {
			c.t.Fatalf("%s %s: bad JSON %q", method, path, raw)
		}
	} else {
		out = map[string]any{"html": string(raw)}
	}
	return resp.StatusCode, out
}

func (c *client) want(status int, method, path string, body any) map[string]any {
	c.t.Helper()
	got, out := c.do(method, path, body)
	if got != status {
		c.t.Fatalf("%s %s %s: status %d, want %d: %v", c.user, method, path, got, status, out)
	}
	return out
}

func fullSections() map[string]any {
	return map[string]any{"expression": map[string]any{"score": 15}, "service_language": map[string]any{"score": 5},
		"listening": map[string]any{"score": 10}, "knowledge": map[string]any{"score": 15}, "problem_solving": map[string]any{"score": 15},
		"conflict": map[string]any{"score": 15}, "attitude_care": map[string]any{"score": 25}}
}

func fieldsOf(out map[string]any) map[string]any {
	f, _ := out["fields"].(map[string]any)
	return f
}

func TestAPI(t *testing.T) {
	srv, store := app(t)
	ctx := context.Background()
	fs, err := store.Findings(ctx, "c1")
	if err != nil || len(fs) != 1 {
		t.Fatalf("c1 findings %v %v", fs, err)
	}
	fid := fs[0].ID
	r1, r2, lead, m1, m2, admin := basic(t, srv, "r1"), basic(t, srv, "r2"), basic(t, srv, "lead"), basic(t, srv, "m1"), basic(t, srv, "m2"), basic(t, srv, "admin")

	// Authentication.
	basic(t, srv, "").want(401, "GET", "/qa/api/queue?month=2026-11", nil)
	wrong := basic(t, srv, "r1")
	wrong.user = "nobody"
	wrong.want(401, "GET", "/qa/api/me", nil)

	// Queues: each reviewer sees only their own assignments.
	q := r1.want(200, "GET", "/qa/api/queue?month=2026-11", nil)
	if got := ids(q["items"]); got != "c1,k1" {
		t.Fatalf("r1 queue %s", got)
	}
	if got := ids(r2.want(200, "GET", "/qa/api/queue?month=2026-11", nil)["items"]); got != "c1,c3" {
		t.Fatalf("r2 queue %s", got)
	}
	if got := ids(m2.want(200, "GET", "/qa/api/queue?month=2026-11", nil)["items"]); got != "c3" {
		t.Fatalf("m2 (team T2) queue %s", got)
	}
	r1.want(400, "GET", "/qa/api/queue?month=2026-13", nil)

	// Seeing contacts: forbidden ones answer 404, like contacts that do not exist.
	c := r1.want(200, "GET", "/qa/api/contacts/c1", nil)
	if c["can_score"] != true || len(c["findings"].([]any)) != 1 {
		t.Fatalf("r1 contact c1: %v", c)
	}
	msgs := c["contact"].(map[string]any)["messages"].([]any)
	if len(msgs) != 4 || msgs[0].(map[string]any)["from"] != "customer" || msgs[1].(map[string]any)["text"] != "这个我不知道" {
		t.Fatalf("transcript %v", msgs)
	}
	r1.want(404, "GET", "/qa/api/contacts/c3", nil) // assigned to r2 only
	r1.want(404, "GET", "/qa/api/contacts/k2", nil) // never sampled
	r1.want(404, "GET", "/qa/api/contacts/nope", nil)
	m2.want(404, "GET", "/qa/api/contacts/c1", nil) // agent a1 is in T1
	if c := m1.want(200, "GET", "/qa/api/contacts/c1", nil); c["can_score"] != false || c["can_dispute"] != true {
		t.Fatalf("m1 contact c1: %v", c)
	}
	lead.want(200, "GET", "/qa/api/contacts/k2", nil)

	// Validation: every problem named, nothing stored.
	bad := map[string]any{"base_version": 0, "sections": fullSections()}
	bad["sections"].(map[string]any)["expression"] = map[string]any{"score": 16}
	bad["deductions"] = map[string]any{"interrupt": map[string]any{"count": 1}}
	out := r1.want(422, "POST", "/qa/api/contacts/c1/review", bad)
	for _, f := range []string{"sections.expression.score", "findings." + fid, "deductions.interrupt.comment"} {
		if fieldsOf(out)[f] == nil {
			t.Errorf("422 does not name %s: %v", f, out)
		}
	}
	frac := map[string]any{"base_version": 0, "sections": fullSections()}
	frac["sections"].(map[string]any)["listening"] = map[string]any{"score": 7.5}
	if out := r1.want(422, "POST", "/qa/api/contacts/c1/review", frac); fieldsOf(out)["sections.listening.score"] == nil {
		t.Errorf("fractional score error does not name the field: %v", out)
	}
	r1.want(400, "POST", "/qa/api/contacts/c1/review", `{"base_version":0,"sections":{},"colour":"red"}`)
	r1.want(400, "POST", "/qa/api/contacts/c1/review", `{"base_version":0,`)
	r1.want(400, "POST", "/qa/api/contacts/c1/review", "")
	if out := r1.want(422, "POST", "/qa/api/contacts/c1/review", map[string]any{"sections": fullSections()}); fieldsOf(out)["base_version"] == nil {
		t.Errorf("missing base_version not named: %v", out)
	}
	if h := r1.want(200, "GET", "/qa/api/contacts/c1/history", nil); len(h["versions"].([]any)) != 0 {
		t.Fatalf("a rejected review was stored: %v", h)
	}

	// Scoring and versioning.
	good := map[string]any{"base_version": 0, "sections": fullSections(), "findings": map[string]any{fid: "confirmed"},
		"deductions": map[string]any{"taboo_phrase": map[string]any{"count": 1, "comment": "说了「我不知道」"}}}
	v1 := r1.want(201, "POST", "/qa/api/contacts/c1/review", good)
	if v1["version"] != 1.0 || v1["result"].(map[string]any)["total"] != 95.0 || v1["written_by"] != "r1" {
		t.Fatalf("v1 %v", v1)
	}
	if out := r1.want(409, "POST", "/qa/api/contacts/c1/review", good); out["current"].(map[string]any)["version"] != 1.0 {
		t.Fatalf("stale write: %v", out)
	}
	good["base_version"] = 1
	good["sections"].(map[string]any)["knowledge"] = map[string]any{"score": 11, "comment": "物流规则不熟"}
	if v2 := r1.want(201, "POST", "/qa/api/contacts/c1/review", good); v2["version"] != 2.0 || v2["result"].(map[string]any)["total"] != 91.0 || v2["reason"] != "edited" {
		t.Fatalf("v2 %v", v2)
	}
	if h := r1.want(200, "GET", "/qa/api/contacts/c1/history", nil); len(h["versions"].([]any)) != 2 {
		t.Fatalf("r1 history %v", h)
	}
	// The second reviewer of a double-scored contact does not see the first one's review.
	if h := r2.want(200, "GET", "/qa/api/contacts/c1/history", nil); len(h["versions"].([]any)) != 0 {
		t.Fatalf("r2 sees r1's versions: %v", h)
	}
	if h := lead.want(200, "GET", "/qa/api/contacts/c1/history", nil); len(h["versions"].([]any)) != 2 {
		t.Fatalf("lead history %v", h)
	}

	// Forbidden writes: each refused, nothing stored.
	good["base_version"] = 0
	r1.want(404, "POST", "/qa/api/contacts/c3/review", good) // not assigned to r1
	r1.want(404, "POST", "/qa/api/contacts/k2/review", good) // not sampled
	lead.want(403, "POST", "/qa/api/contacts/c1/review", good)
	m1.want(403, "POST", "/qa/api/contacts/c1/review", good)
	admin.want(403, "POST", "/qa/api/contacts/c1/review", good)
	r1.want(403, "POST", "/qa/api/contacts/c1/disputes", map[string]any{"reviewer": "r1", "reason": "x"})
	lead.want(403, "POST", "/qa/api/contacts/c1/disputes", map[string]any{"reviewer": "r1", "reason": "x"})
	m2.want(404, "POST", "/qa/api/contacts/c1/disputes", map[string]any{"reviewer": "r1", "reason": "x"})
	r1.want(403, "GET", "/qa/api/calibration?month=2026-11", nil)
	m1.want(403, "GET", "/qa/api/calibration?month=2026-11", nil)
	r1.want(403, "GET", "/qa/api/finding-rates?month=2026-11", nil)

	// Disputes.
	if out := m1.want(422, "POST", "/qa/api/contacts/c1/disputes", map[string]any{"reviewer": "r1", "reason": " "}); fieldsOf(out)["reason"] == nil {
		t.Fatalf("empty reason: %v", out)
	}
	m1.want(422, "POST", "/qa/api/contacts/c1/disputes", map[string]any{"reviewer": "r2", "reason": "r2 has not scored it"})
	d := m1.want(201, "POST", "/qa/api/contacts/c1/disputes", map[string]any{"reviewer": "r1", "reason": "物流延误不是坐席的错"})
	did := d["dispute_id"].(string)
	if d["status"] != "open" || d["opened_by"] != "m1" || d["review_version"] != 2.0 {
		t.Fatalf("dispute %v", d)
	}
	m1.want(409, "POST", "/qa/api/contacts/c1/disputes", map[string]any{"reviewer": "r1", "reason": "again"})
	if l := m2.want(200, "GET", "/qa/api/disputes", nil); len(l["disputes"].([]any)) != 0 {
		t.Fatalf("m2 sees T1's dispute: %v", l)
	}
	if l := lead.want(200, "GET", "/qa/api/disputes?status=open", nil); len(l["disputes"].([]any)) != 1 {
		t.Fatalf("lead open disputes: %v", l)
	}
	lead.want(400, "GET", "/qa/api/disputes?status=maybe", nil)
	resolve := "/qa/api/disputes/" + did + "/resolve"
	r1.want(403, "POST", resolve, map[string]any{"decision": "reject", "resolution": "no"})
	m1.want(403, "POST", resolve, map[string]any{"decision": "reject", "resolution": "no"})
	lead.want(422, "POST", resolve, map[string]any{"decision": "maybe", "resolution": "?"})
	lead.want(422, "POST", resolve, map[string]any{"decision": "reject", "resolution": ""})
	lead.want(422, "POST", resolve, map[string]any{"decision": "accept", "resolution": "ok"})
	lead.want(404, "POST", "/qa/api/disputes/d_nope/resolve", map[string]any{"decision": "reject", "resolution": "no"})
	fixed := map[string]any{"sections": fullSections(), "findings": map[string]any{fid: "rejected"}}
	acc := lead.want(200, "POST", resolve, map[string]any{"decision": "accept", "resolution": "同意：属物流问题", "review": fixed})
	if acc["status"] != "accepted" || acc["new_version"] != 3.0 || acc["resolved_by"] != "lead" {
		t.Fatalf("accepted %v", acc)
	}
	lead.want(409, "POST", resolve, map[string]any{"decision": "reject", "resolution": "twice"})
	h := r1.want(200, "GET", "/qa/api/contacts/c1/history", nil)["versions"].([]any)
	if len(h) != 3 || h[2].(map[string]any)["written_by"] != "lead" || h[2].(map[string]any)["result"].(map[string]any)["total"] != 100.0 {
		t.Fatalf("history after the dispute: %v", h)
	}

	// Calibration: r2 scores c1 too.
	r2sc := map[string]any{"base_version": 0, "sections": fullSections(), "findings": map[string]any{fid: "rejected"}}
	r2sc["sections"].(map[string]any)["attitude_care"] = map[string]any{"score": 20}
	r2.want(201, "POST", "/qa/api/contacts/c1/review", r2sc)
	cal := lead.want(200, "GET", "/qa/api/calibration?month=2026-11", nil)
	if tot := cal["total"].(map[string]any); tot["contacts"] != 1.0 || tot["mad"] != 5.0 {
		t.Fatalf("calibration %v", cal)
	}
	if rates := m1.want(200, "GET", "/qa/api/finding-rates?month=2026-11", nil)["agents"].([]any); len(rates) != 1 || rates[0].(map[string]any)["agent_id"] != "a1" {
		t.Fatalf("m1 finding rates %v", rates)
	}
	basic(t, srv, "r1").want(404, "GET", "/qa/api/nothing-here", nil)
}

func ids(items any) string {
	var out []string
	seen := map[string]bool{}
	for _, it := range items.([]any) {
		id := it.(map[string]any)["contact_id"].(string)
		if !seen[id] {
			out = append(out, id)
			seen[id] = true
		}
	}
	return strings.Join(out, ",")
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// session signs in through the HTML form and returns a client with the session cookie.
func session(t *testing.T, srv *httptest.Server, user string) (*http.Client, string) {
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	resp, err := hc.Get(srv.URL + "/qa/login")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfRe.FindSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token on the sign-in page")
	}
	resp, err = hc.PostForm(srv.URL+"/qa/login", url.Values{"csrf": {string(m[1])}, "username": {user}, "password": {user + "-pass"}, "next": {"/qa/queue?month=2026-11"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `id="queue"`) {
		t.Fatalf("sign-in landed on %d %s", resp.StatusCode, body)
	}
	return hc, string(csrfRe.FindSubmatch(body)[1])
}

func TestSessionsAndCSRF(t *testing.T) {
	srv, _ := app(t)
	// A sign-in without the form's token is refused.
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	resp, _ := hc.PostForm(srv.URL+"/qa/login", url.Values{"username": {"r1"}, "password": {"r1-pass"}})
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("sign-in without CSRF: %d", resp.StatusCode)
	}
	// Wrong password: 401 and no session.
	resp, _ = hc.Get(srv.URL + "/qa/login")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	tok := string(csrfRe.FindSubmatch(body)[1])
	resp, _ = hc.PostForm(srv.URL+"/qa/login", url.Values{"csrf": {tok}, "username": {"r1"}, "password": {"wrong"}})
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("wrong password: %d", resp.StatusCode)
	}
	// Pages need a session.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, _ = noRedirect.Get(srv.URL + "/qa/contacts/c1")
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/qa/login") {
		t.Fatalf("anonymous page: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}

	hc, csrf := session(t, srv, "r1")
	// A form POST without the CSRF token is refused and stores nothing.
	form := url.Values{"s.expression.score": {"15"}}
	resp, _ = hc.PostForm(srv.URL+"/qa/contacts/k1/review", form)
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("form without CSRF: %d", resp.StatusCode)
	}
	// An API write with the cookie but without X-CSRF-Token is refused; with it, it works.
	c := &client{t: t, base: srv.URL, http: hc}
	c.want(401, "POST", "/qa/api/contacts/k1/review", map[string]any{"base_version": 0, "sections": fullSections()})
	c.csrf = csrf
	c.want(201, "POST", "/qa/api/contacts/k1/review", map[string]any{"base_version": 0, "sections": fullSections()})
	// Inline validation errors on the HTML form: 422 with the message beside the field.
	form = url.Values{"csrf": {csrf}, "base_version": {"1"}, "s.expression.score": {"abc"}, "s.listening.score": {"11"}}
	resp, _ = hc.PostForm(srv.URL+"/qa/contacts/k1/review", form)
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(body)
	if resp.StatusCode != 422 || !strings.Contains(page, `id="err-sections.expression.score"`) || !strings.Contains(page, `id="err-sections.listening.score"`) ||
		!strings.Contains(page, "11 is out of range") || !strings.Contains(page, `value="abc"`) {
		t.Fatalf("inline errors: %d\n%s", resp.StatusCode, page)
	}
	// Signing out ends the session.
	resp, _ = hc.PostForm(srv.URL+"/qa/logout", url.Values{"csrf": {csrf}})
	resp.Body.Close()
	c.want(401, "GET", "/qa/api/me", nil)
}

func TestSessionCookieAttributes(t *testing.T) {
	srv, _ := app(t)
	resp, _ := srv.Client().Get(srv.URL + "/qa/login")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var login *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "ccqa_login" {
			login = c
		}
	}
	if login == nil {
		t.Fatal("no login cookie")
	}
	tok := string(csrfRe.FindSubmatch(body)[1])
	req, _ := http.NewRequest("POST", srv.URL+"/qa/login", strings.NewReader(url.Values{"csrf": {tok}, "username": {"r2"}, "password": {"r2-pass"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(login)
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var sess *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "ccqa_session" {
			sess = c
		}
	}
	if resp.StatusCode != http.StatusSeeOther || sess == nil || !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode || len(sess.Value) != 64 {
		t.Fatalf("session cookie %+v (status %d)", sess, resp.StatusCode)
	}
}
