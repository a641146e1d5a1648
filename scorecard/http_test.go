package scorecard_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ccqa/ccqa/internal/itest"
	"github.com/ccqa/ccqa/scorecard"
)

// headerAccess is the test's sign-in: the X-User header names the user; "mgr-a" manages agents
// whose id starts with "a-", "admin" all of them.
type headerAccess struct{}

func (headerAccess) User(r *http.Request) (string, error) {
	if u := r.Header.Get("X-User"); u != "" {
		return u, nil
	}
	return "", errors.New("no user")
}

func (headerAccess) MayAdjust(_ context.Context, user, agent string) bool {
	return user == "admin" || (user == "mgr-a" && strings.HasPrefix(agent, "a-"))
}

func TestAdjustmentsAPI(t *testing.T) {
	w := itest.Warehouse(t)
	st := scorecard.NewStore(w, nil)
	srv := httptest.NewServer(scorecard.NewHandler(scorecard.HandlerConfig{Store: st, Policy: scorecard.DefaultPolicy(),
		Access: headerAccess{}, Prefix: "/scorecard/"}))
	defer srv.Close()
	call := func(method, path, user, ctype, body string) (int, map[string]any) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if user != "" {
			req.Header.Set("X-User", user)
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var out map[string]any
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s %s: not JSON: %s", method, path, b)
		}
		return resp.StatusCode, out
	}
	const js = "application/json"
	cases := []struct {
		name, method, path, user, ctype, body string
		status                                int
		field                                 string
	}{
		{"no user", "GET", "/scorecard/api/adjustments?month=2026-11", "", "", "", 401, ""},
		{"no month", "GET", "/scorecard/api/adjustments", "admin", "", "", 400, "month"},
		{"bad month", "GET", "/scorecard/api/adjustments?month=2026-13", "admin", "", "", 400, "month"},
		{"not JSON", "POST", "/scorecard/api/adjustments", "admin", "text/plain", `{}`, 415, ""},
		{"unknown field", "POST", "/scorecard/api/adjustments", "admin", js, `{"agent_id":"a-01","month":"2026-11","item":"late","points":-2,"reason":"x","user":"someone else"}`, 400, "body"},
		{"points out of bounds", "POST", "/scorecard/api/adjustments", "admin", js, `{"agent_id":"a-01","month":"2026-11","item":"late","points":-30,"reason":"x"}`, 400, "points"},
		{"points not a number", "POST", "/scorecard/api/adjustments", "admin", js, `{"agent_id":"a-01","month":"2026-11","item":"late","points":"lots","reason":"x"}`, 400, "body"},
		{"unknown item", "POST", "/scorecard/api/adjustments", "admin", js, `{"agent_id":"a-01","month":"2026-11","item":"nap","points":-2,"reason":"x"}`, 400, "item"},
		{"no reason", "POST", "/scorecard/api/adjustments", "admin", js, `{"agent_id":"a-01","month":"2026-11","item":"late","points":-2}`, 400, "reason"},
		{"another team", "POST", "/scorecard/api/adjustments", "mgr-a", js, `{"agent_id":"b-01","month":"2026-11","item":"late","points":-2,"reason":"x"}`, 403, ""},
		{"reverse a missing id", "POST", "/scorecard/api/adjustments/adj-nope/reverse", "admin", js, `{"reason":"x"}`, 404, ""},
		{"unknown endpoint", "GET", "/scorecard/api/nothing", "admin", "", "", 404, ""},
	}
	for _, tc := range cases {
		status, body := call(tc.method, tc.path, tc.user, tc.ctype, tc.body)
		if status != tc.status || (tc.field != "" && body["field"] != tc.field) || body["error"] == "" {
			t.Errorf("%s: %d %v, want %d with field %q", tc.name, status, body, tc.status, tc.field)
		}
	}
	status, e := call("POST", "/scorecard/api/adjustments", "mgr-a", js, `{"agent_id":"a-01","month":"2026-11","item":"late","points":-2.5,"reason":"迟到 20 分钟"}`)
	if status != 201 || e["points"] != "-2.5" || e["user"] != "mgr-a" || e["item"] != "late" {
		t.Fatalf("create: %d %v", status, e)
	}
	if status, _ := call("POST", "/scorecard/api/adjustments", "admin", js, `{"agent_id":"b-01","month":"2026-11","item":"banner","points":20,"reason":"锦旗"}`); status != 201 {
		t.Fatalf("admin create for b-01: %d", status)
	}
	// mgr-a lists only team a's entries; admin sees both.
	_, list := call("GET", "/scorecard/api/adjustments?month=2026-11", "mgr-a", "", "")
	if n := len(list["adjustments"].([]any)); n != 1 {
		t.Errorf("mgr-a sees %d entries, want 1", n)
	}
	_, list = call("GET", "/scorecard/api/adjustments?month=2026-11", "admin", "", "")
	if n := len(list["adjustments"].([]any)); n != 2 {
		t.Errorf("admin sees %d entries, want 2", n)
	}
	id := e["id"].(string)
	status, r := call("POST", "/scorecard/api/adjustments/"+id+"/reverse", "mgr-a", js, `{"reason":"录错了"}`)
	if status != 201 || r["reverses"] != id || r["points"] != "2.5" {
		t.Fatalf("reverse: %d %v", status, r)
	}
	if status, body := call("POST", "/scorecard/api/adjustments/"+id+"/reverse", "mgr-a", js, `{"reason":"again"}`); status != 400 || body["field"] != "id" {
		t.Errorf("second reverse: %d %v", status, body)
	}
	if status, body := call("GET", "/scorecard/api/items", "mgr-a", "", ""); status != 200 || len(body["items"].([]any)) != len(scorecard.DefaultPolicy().Items()) {
		t.Errorf("items: %d %v", status, body)
	}
	// Nothing was deleted: three entries, the reversal cancelling the first.
	all, err := st.Adjustments(context.Background(), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), "")
	if err != nil || len(all) != 3 {
		t.Errorf("stored entries: %d, %v; want 3", len(all), err)
	}
}
