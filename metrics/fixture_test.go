package metrics_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ccqa/ccqa/event"
	"github.com/ccqa/ccqa/metrics"
	"github.com/ccqa/ccqa/reference"
)

// A fixture (testdata/*.txt) is data in and expected rows out, in the spirit of Prometheus'
// promqltest files:
//
//	# comment (the hand computation of the expected values goes here)
//	load calls|chats|surveys|orders   one SPEC §3 JSON event per line, as a producer sends it
//	load agents                       agent_id,name,team lines
//	load targets                      agent_id,month,sales_target lines (yuan)
//	eval level=agent by=month from=2026-11-01 to=2026-12-01 [agent=ID] [team=T] [queue=Q] [sl=20]
//	{"month":"2026-11","agent_id":"a1","contacts":3,...}   one expected row per line
//
// Each load block is one insert with its own version (later blocks are later deliveries), so a
// line repeated in a later block is a re-delivery. Events are decoded by the event package's
// strict decoders, as ingest does, and stored in the raw tables exactly as ingest stores them.
//
// Expected rows are matched to result rows by period and key. Every field an expected row lists
// must be equal (numbers to 1e-9 relative; null means NULL). Fields it leaves out must be NULL
// (means and rates) or 0 (counts): a fixture cannot silently skip a value the query produced.
// The set of rows must be the same.
type fixture struct {
	name  string
	loads []load
	evals []eval
}

type load struct {
	line int
	kind string   // calls, chats, surveys, orders, agents, targets
	rows []string // raw lines
}

type eval struct {
	line int
	q    metrics.Query
	want []map[string]any
	keys []int // line numbers of the expected rows
}

func parseFixture(path string) (*fixture, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fx := &fixture{name: filepath.Base(path)}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	var cur *load
	var ev *eval
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		switch {
		case strings.HasPrefix(line, "load "):
			kind := strings.TrimSpace(strings.TrimPrefix(line, "load "))
			switch kind {
			case "calls", "chats", "surveys", "orders", "agents", "targets":
			default:
				return nil, fmt.Errorf("%s:%d: unknown load kind %q", path, n, kind)
			}
			fx.loads = append(fx.loads, load{line: n, kind: kind})
			cur, ev = &fx.loads[len(fx.loads)-1], nil
		case strings.HasPrefix(line, "eval "):
			q, err := parseEval(strings.TrimPrefix(line, "eval "))
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %v", path, n, err)
			}
			fx.evals = append(fx.evals, eval{line: n, q: q})
			ev, cur = &fx.evals[len(fx.evals)-1], nil
		case cur != nil:
			cur.rows = append(cur.rows, line)
		case ev != nil:
			var m map[string]any
			d := json.NewDecoder(strings.NewReader(line))
			d.UseNumber()
			if err := d.Decode(&m); err != nil {
				return nil, fmt.Errorf("%s:%d: expected row: %v", path, n, err)
			}
			ev.want = append(ev.want, m)
			ev.keys = append(ev.keys, n)
		default:
			return nil, fmt.Errorf("%s:%d: data outside a load or eval block", path, n)
		}
	}
	return fx, sc.Err()
}

func parseEval(s string) (metrics.Query, error) {
	q := metrics.Query{Level: metrics.LevelAgent, By: metrics.ByMonth}
	for _, kv := range strings.Fields(s) {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return q, fmt.Errorf("eval: %q is not key=value", kv)
		}
		var err error
		switch k {
		case "level":
			q.Level = metrics.Level(v)
		case "by":
			q.By = metrics.Period(v)
		case "from":
			q.From, err = time.Parse(time.DateOnly, v)
		case "to":
			q.To, err = time.Parse(time.DateOnly, v)
		case "agent":
			q.Agent = v
		case "team":
			q.Team = v
		case "queue":
			q.Queue = v
		case "sl":
			q.ServiceLevelSeconds, err = strconv.Atoi(v)
		default:
			return q, fmt.Errorf("eval: unknown key %q", k)
		}
		if err != nil {
			return q, fmt.Errorf("eval: %s: %v", k, err)
		}
	}
	return q, q.Validate()
}

// table is one insert: a raw table, its columns and its rows.
type table struct {
	name string
	cols []string
	rows [][]any
}

var srcCols = []string{"src_topic", "src_partition", "src_offset", "ingested_at", "version"}

func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := utc(*t)
	return &u
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// tableOf decodes a load block into the rows ingest would write (ingest/rows.go), stamped with
// version; the source position is the fixture line.
func tableOf(l load, version uint64, now time.Time) (table, error) {
	t := table{}
	for i, raw := range l.rows {
		src := []any{"fixture." + l.kind, int32(0), int64(l.line + i + 1), now, version}
		switch l.kind {
		case "calls":
			c, err := event.DecodeCall([]byte(raw))
			if err != nil {
				return t, fmt.Errorf("line %d: %v", l.line+i+1, err)
			}
			t.name = "calls"
			t.cols = append([]string{"call_id", "agent_id", "customer_id", "queue", "direction", "offered_at", "answered_at",
				"ended_at", "hold_seconds", "acw_seconds", "resolved", "resolved_at", "inquiry", "complaint", "transferred",
				"recording_url"}, srcCols...)
			t.rows = append(t.rows, append([]any{c.CallID, c.AgentID, c.CustomerID, c.Queue, c.Direction, utc(c.OfferedAt),
				utcPtr(c.AnsweredAt), utc(c.EndedAt), c.HoldSeconds, c.ACWSeconds, b2u(c.Resolved), utcPtr(c.ResolvedAt),
				b2u(c.Inquiry), b2u(c.Complaint), b2u(c.Transferred), c.RecordingURL}, src...))
		case "chats":
			c, err := event.DecodeChat([]byte(raw))
			if err != nil {
				return t, fmt.Errorf("line %d: %v", l.line+i+1, err)
			}
			at := make([]time.Time, len(c.Messages))
			from := make([]string, len(c.Messages))
			text := make([]string, len(c.Messages))
			for j, m := range c.Messages {
				at[j], from[j], text[j] = utc(m.At), m.From, m.Text
			}
			t.name = "chats"
			t.cols = append([]string{"chat_id", "agent_id", "customer_id", "queue", "started_at", "ended_at", "msg_at",
				"msg_from", "msg_text", "resolved", "resolved_at", "inquiry", "complaint", "transferred"}, srcCols...)
			t.rows = append(t.rows, append([]any{c.ChatID, c.AgentID, c.CustomerID, c.Queue, utc(c.StartedAt), utc(c.EndedAt),
				at, from, text, b2u(c.Resolved), utcPtr(c.ResolvedAt), b2u(c.Inquiry), b2u(c.Complaint), b2u(c.Transferred)}, src...))
		case "surveys":
			s, err := event.DecodeSurvey([]byte(raw))
			if err != nil {
				return t, fmt.Errorf("line %d: %v", l.line+i+1, err)
			}
			t.name = "surveys"
			t.cols = append([]string{"survey_id", "interaction_id", "channel", "score", "answered_at", "comment"}, srcCols...)
			t.rows = append(t.rows, append([]any{s.SurveyID, s.InteractionID, s.Channel, uint8(s.Score), utc(s.AnsweredAt), s.Comment}, src...))
		case "orders":
			o, err := event.DecodeOrder([]byte(raw))
			if err != nil {
				return t, fmt.Errorf("line %d: %v", l.line+i+1, err)
			}
			t.name = "orders"
			t.cols = append([]string{"order_id", "status", "customer_id", "agent_id", "interaction_id", "amount_minor",
				"currency", "at"}, srcCols...)
			t.rows = append(t.rows, append([]any{o.OrderID, o.Status, o.CustomerID, o.AgentID, o.InteractionID, o.AmountMinor,
				o.Currency, utc(o.At)}, src...))
		case "agents":
			p := strings.Split(raw, ",")
			if len(p) != 3 {
				return t, fmt.Errorf("line %d: want agent_id,name,team", l.line+i+1)
			}
			t.name = "agents"
			t.cols = []string{"agent_id", "name", "team", "level", "hired_on", "updated_at", "version"}
			t.rows = append(t.rows, []any{p[0], p[1], p[2], "", time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), now, version})
		case "targets":
			p := strings.Split(raw, ",")
			if len(p) != 3 {
				return t, fmt.Errorf("line %d: want agent_id,month,sales_target", l.line+i+1)
			}
			m, err := time.Parse("2006-01", p[1])
			if err != nil {
				return t, fmt.Errorf("line %d: %v", l.line+i+1, err)
			}
			minor, err := reference.ParseMinor(p[2])
			if err != nil {
				return t, fmt.Errorf("line %d: %v", l.line+i+1, err)
			}
			t.name = "targets"
			t.cols = []string{"agent_id", "month", "sales_target_minor", "updated_at", "version"}
			t.rows = append(t.rows, []any{p[0], m, minor, now, version})
		}
	}
	return t, nil
}

// sqlLiteral prints a row value as a ClickHouse literal, for the engine that gets the fixture
// as SQL text (the current-ClickHouse check).
func sqlLiteral(v any) string {
	switch x := v.(type) {
	case string:
		return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(x) + "'"
	case time.Time:
		return "'" + x.UTC().Format(time.DateTime) + "'"
	case *time.Time:
		if x == nil {
			return "NULL"
		}
		return sqlLiteral(*x)
	case []time.Time:
		parts := make([]string, len(x))
		for i, t := range x {
			parts[i] = sqlLiteral(t)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case []string:
		parts := make([]string, len(x))
		for i, s := range x {
			parts[i] = sqlLiteral(s)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	default:
		return fmt.Sprint(x)
	}
}

// insertSQL is the table's rows as one INSERT statement with literal values.
func (t table) insertSQL(db string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s.%s (%s) VALUES ", db, t.name, strings.Join(t.cols, ", "))
	for i, r := range t.rows {
		if i > 0 {
			b.WriteString(", ")
		}
		parts := make([]string, len(r))
		for j, v := range r {
			parts[j] = sqlLiteral(v)
			if c := t.cols[j]; c == "month" || c == "hired_on" {
				parts[j] = "toDate(" + parts[j][:11] + "')" // a Date column: the date part only
			}
		}
		b.WriteString("(" + strings.Join(parts, ", ") + ")")
	}
	return b.String()
}

// rowKey identifies a result row: its period and key columns.
func rowKey(m map[string]any) string {
	var parts []string
	for _, k := range []string{"month", "week", "day"} {
		if v, ok := m[k]; ok {
			parts = append(parts, k+"="+fmt.Sprint(v))
		}
	}
	// The level's key: agent rows also carry their team, so the first present key decides.
	for _, k := range []string{"agent_id", "team", "queue"} {
		if v, ok := m[k]; ok {
			return strings.Join(append(parts, k+"="+fmt.Sprint(v)), " ")
		}
	}
	return strings.Join(parts, " ")
}

// rowMap is a metrics row as the JSON object `ccqa metrics --format json` prints.
func rowMap(r metrics.Row) (map[string]any, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return m, d.Decode(&m)
}

// keyFields are the fields that identify a row or are text; they are compared exactly.
var keyFields = map[string]bool{"by": true, "month": true, "week": true, "day": true, "period_start": true,
	"agent_id": true, "agent_name": true, "team": true, "queue": true}

// compareRows checks got against the expected rows of ev and returns one message per
// difference.
func compareRows(ev eval, got []map[string]any) []string {
	var errs []string
	gotBy := map[string]map[string]any{}
	for _, g := range got {
		gotBy[rowKey(g)] = g
	}
	seen := map[string]bool{}
	for i, w := range ev.want {
		k := rowKey(w)
		seen[k] = true
		g, ok := gotBy[k]
		if !ok {
			errs = append(errs, fmt.Sprintf("line %d: no row %s", ev.keys[i], k))
			continue
		}
		for f, wv := range w {
			if !sameValue(g[f], wv) {
				errs = append(errs, fmt.Sprintf("line %d: %s: %s = %v, want %v", ev.keys[i], k, f, show(g[f]), show(wv)))
			}
		}
		var names []string
		for f := range g {
			names = append(names, f)
		}
		sort.Strings(names)
		for _, f := range names {
			if _, listed := w[f]; listed || keyFields[f] {
				continue
			}
			if g[f] != nil && !isZeroCount(f, g[f]) {
				errs = append(errs, fmt.Sprintf("line %d: %s: %s = %v is not in the expected row (list it, or it must be null/0)", ev.keys[i], k, f, show(g[f])))
			}
		}
	}
	for _, g := range got {
		if k := rowKey(g); !seen[k] {
			errs = append(errs, fmt.Sprintf("eval line %d: unexpected row %s", ev.line, k))
		}
	}
	return errs
}

// countFields are plain counts: unlisted, they must be 0. Every other unlisted field (means,
// rates, money, p90, complaints) must be NULL.
func isZeroCount(field string, v any) bool {
	if !strings.HasSuffix(field, "_n") && !map[string]bool{"contacts": true, "offered_calls": true, "answered_in_sl": true,
		"abandoned_calls": true, "inquiry_customers": true, "order_customers": true, "orders": true, "paid_orders": true,
		"paying_customers": true}[field] {
		return false
	}
	f, ok := toFloat(v)
	return ok && f == 0
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case float64:
		return x, true
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return 0, false
}

func sameValue(got, want any) bool {
	if got == nil || want == nil {
		return got == nil && want == nil
	}
	if gs, ok := got.(string); ok {
		if ws, ok := want.(string); ok {
			return gs == ws
		}
	}
	g, ok1 := toFloat(got)
	w, ok2 := toFloat(want)
	if !ok1 || !ok2 {
		return fmt.Sprint(got) == fmt.Sprint(want)
	}
	return math.Abs(g-w) <= 1e-9*math.Max(1, math.Abs(w))
}

func show(v any) string {
	if v == nil {
		return "null"
	}
	return fmt.Sprint(v)
}

// rowDiffs compares every field of got with want and returns want's field map (for naming the
// row) and one sorted line per field that differs or that only one side has, each side named by
// its label.
func rowDiffs(t *testing.T, got, want metrics.Row, gotLabel, wantLabel string) (map[string]any, []string) {
	t.Helper()
	gm, err := rowMap(got)
	if err != nil {
		t.Fatal(err)
	}
	wm, err := rowMap(want)
	if err != nil {
		t.Fatal(err)
	}
	var diffs []string
	for k, wv := range wm {
		if !sameValue(gm[k], wv) {
			diffs = append(diffs, k+": "+show(gm[k])+" ("+gotLabel+") != "+show(wv)+" ("+wantLabel+")")
		}
	}
	for k := range gm {
		if _, ok := wm[k]; !ok {
			diffs = append(diffs, k+": "+show(gm[k])+" ("+gotLabel+"), absent ("+wantLabel+")")
		}
	}
	sort.Strings(diffs)
	return wm, diffs
}
