package metrics

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ccqa/ccqa/warehouse"
)

// Joinable reports whether q can be computed together with others by RowsTogether: agent or
// team rows, without a queue filter, with the default service-level T (the day aggregates'
// conditions, whatever the agent filter).
func Joinable(q Query) bool {
	return (q.Level == LevelAgent || q.Level == LevelTeam) && q.Queue == "" &&
		(q.ServiceLevelSeconds == 0 || q.ServiceLevelSeconds == DefaultServiceLevelSeconds)
}

// RowsTogether returns, for each query of qs, the rows Rows returns for it, from one statement
// that reads each source (day aggregates, reviewed contacts, orders, targets) once for all of
// them: a dashboard page shows an agent and their team by week and by month, and four
// statements read every order event of the range four times. Every query must be Joinable
// and have the same From, To and WithoutP90; each may have its own level, period, agent and
// team. It first brings the month builds of the range up to date, as Rows does.
//
// Each source row is counted once per query whose filters it meets (arrayJoin over the
// queries), into groups keyed by the query, its period and key, so every sum, count and exact
// distinct count is formed over exactly the rows the query alone would read; nothing is
// combined from partial results.
func RowsTogether(ctx context.Context, wh *warehouse.Warehouse, qs []Query) ([][]Row, error) {
	if len(qs) == 0 {
		return nil, errors.New("metrics: no queries")
	}
	for i, q := range qs {
		if err := q.Validate(); err != nil {
			return nil, fmt.Errorf("query %d: %w", i+1, err)
		}
		if !Joinable(q) {
			return nil, fmt.Errorf("query %d: level %s, queue %q, service level %d s: only agent and team rows without a queue filter at the default service level can be read together",
				i+1, q.Level, q.Queue, q.ServiceLevelSeconds)
		}
		if !dateOf(q.From).Equal(dateOf(qs[0].From)) || !dateOf(q.To).Equal(dateOf(qs[0].To)) || q.WithoutP90 != qs[0].WithoutP90 {
			return nil, fmt.Errorf("query %d: from, to and without-p90 must be those of query 1", i+1)
		}
	}
	loc, err := wh.TimeZone(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := EnsureBuilt(ctx, wh, loc, qs[0].From, qs[0].To); err != nil {
		return nil, err
	}
	text := wh.Expand(BuildTogetherSQL(qs, loc), map[string]string{"tz": loc.String()})
	all, err := queryRows(ctx, wh, Query{Level: LevelAgent, By: ByMonth}, text)
	if err != nil {
		return nil, err
	}
	out := make([][]Row, len(qs))
	agents := map[string]bool{}
	for _, r := range all {
		i, key, ok := splitSetKey(r.AgentID, len(qs))
		if !ok {
			// A source row outside the set's filters is grouped under the empty key.
			if r.AgentID != "" {
				return nil, fmt.Errorf("metrics: unexpected row key %q", r.AgentID)
			}
			continue
		}
		r.Level, r.By = qs[i].Level, qs[i].By
		r.AgentID = ""
		if r.Level == LevelTeam {
			r.Team = key
		} else {
			r.AgentID = key
			agents[key] = true
		}
		out[i] = append(out[i], r)
	}
	if len(agents) > 0 {
		names, err := agentNames(ctx, wh, agents)
		if err != nil {
			return nil, err
		}
		for i := range out {
			for j := range out[i] {
				if r := &out[i][j]; r.Level == LevelAgent {
					n := names[r.AgentID]
					r.AgentName, r.Team = n[0], n[1]
				}
			}
		}
	}
	// The order Rows gives: by period, then team and agent.
	for i := range out {
		sort.SliceStable(out[i], func(a, b int) bool {
			x, y := out[i][a], out[i][b]
			if !x.PeriodStart.Equal(y.PeriodStart) {
				return x.PeriodStart.Before(y.PeriodStart)
			}
			if x.Team != y.Team {
				return x.Team < y.Team
			}
			return x.AgentID < y.AgentID
		})
	}
	return out, nil
}

// splitSetKey splits a key "i|key" of BuildTogetherSQL into the query index and the key.
func splitSetKey(k string, n int) (int, string, bool) {
	bar := strings.IndexByte(k, '|')
	if bar < 0 {
		return 0, "", false
	}
	i, err := strconv.Atoi(k[:bar])
	if err != nil || i < 0 || i >= n {
		return 0, "", false
	}
	return i, k[bar+1:], true
}

// agentNames returns the name and team of each agent in the latest agents import (empty for an
// agent not in it, as the LEFT JOIN of the single-query form gives).
func agentNames(ctx context.Context, wh *warehouse.Warehouse, agents map[string]bool) (map[string][2]string, error) {
	ids := make([]string, 0, len(agents))
	for a := range agents {
		ids = append(ids, quote(a))
	}
	sort.Strings(ids)
	rows, err := wh.Conn().Query(ctx, wh.Expand("SELECT agent_id, name, team FROM ${db}.agents_latest WHERE agent_id IN ("+strings.Join(ids, ", ")+")", nil))
	if err != nil {
		return nil, fmt.Errorf("metrics: agent names: %w", err)
	}
	defer rows.Close()
	out := map[string][2]string{}
	for rows.Next() {
		var id, name, team string
		if err := rows.Scan(&id, &name, &team); err != nil {
			return nil, fmt.Errorf("metrics: agent names: %w", err)
		}
		out[id] = [2]string{name, team}
	}
	return out, rows.Err()
}

// BuildTogetherSQL is the statement RowsTogether runs for qs (with ${db} and ${tz} for
// warehouse.Expand): the metrics template read from the day aggregates, scanning what any of
// the queries needs, with the period and key of each source row replaced by one bucket per
// query (arrayJoin): the period of that query's length and the key "i|agent" or "i|team" when
// the row meets query i's filters, else the empty key (dropped by RowsTogether). Orders also
// keep, per query, whether one of their events in the range is by an agent the query selects:
// that is what makes an order a candidate when the query runs alone.
func BuildTogetherSQL(qs []Query, loc *time.Location) string {
	shared := Query{Level: LevelTeam, By: ByMonth, From: qs[0].From, To: qs[0].To, WithoutP90: qs[0].WithoutP90}
	return buildSets(shared, qs, loc, true)
}

// bucketSQL rewrites the period and key of every part of the assembled template text for the
// sets (see BuildTogetherSQL). It panics when the template no longer has the pieces it
// rewrites: that is a programming error a test meets at once.
func bucketSQL(text string, sets []Query, loc *time.Location) string {
	from, to := dateOf(sets[0].From), dateOf(sets[0].To)
	fromAt := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, loc)
	toAt := time.Date(to.Year(), to.Month(), to.Day(), 0, 0, 0, 0, loc)
	inRange := "at >= " + dateTimeLit(fromAt) + " AND at < " + dateTimeLit(toAt)
	key := func(s Query) string {
		if s.Level == LevelTeam {
			return "team"
		}
		return "agent_id"
	}
	// buckets is the period and key columns of one part: arg is what the period function takes.
	buckets := func(arg string, extra func(i int) string, monthOnly bool) string {
		var els []string
		for i, s := range sets {
			if monthOnly && s.By != ByMonth {
				continue
			}
			period := periodFunc(s.By) + "(" + arg + ")"
			if monthOnly {
				period = "month"
			}
			cond := condOf(s)
			if extra != nil {
				cond = extra(i) + " AND " + cond
			}
			k := "concat('" + strconv.Itoa(i) + "|', " + key(s) + ")"
			if cond != "1" {
				k = "if(" + cond + ", " + k + ", '')"
			}
			els = append(els, "("+period+", "+k+")")
		}
		if len(els) == 0 { // no month set: the targets part reads nothing (targets_enabled = 0)
			els = append(els, "(month, '')")
		}
		// Buckets of queries whose filters the row does not meet are dropped before arrayJoin:
		// kept, they would form one large group of the empty key per period, whose distinct
		// counts alone cost as much as the team's.
		return "            tupleElement(arrayJoin(arrayFilter(b -> tupleElement(b, 2) != '', [" + strings.Join(els, ", ") + "])) AS bucket, 1) AS period,\n" +
			"            tupleElement(bucket, 2) AS k,"
	}
	// One candidate flag per distinct filter (the agent page's week and month sets share theirs).
	var cands, candMax []string
	candOf := map[string]string{}        // filter -> flag column
	setCand := make([]string, len(sets)) // query -> flag column
	for i, s := range sets {
		c := condOf(s)
		if _, ok := candOf[c]; !ok {
			n := strconv.Itoa(len(candOf))
			candOf[c] = "cand" + n
			cands = append(cands, "("+inRange+" AND "+c+") AS e_cand"+n)
			candMax = append(candMax, "max(e_cand"+n+") AS cand"+n)
		}
		setCand[i] = candOf[c]
	}
	replace := func(text, old, new string) string {
		if strings.Count(text, old) != 1 {
			panic("metrics: the template has not exactly one " + strconv.Quote(old))
		}
		return strings.Replace(text, old, new, 1)
	}
	text = replace(text, "            {{period}}(day) AS period,\n            {{key}} AS k,", buckets("day", nil, false))
	text = replace(text, "            {{period}}(start_at, '${tz}') AS period,\n            {{key}} AS k,", buckets("start_at, '${tz}'", nil, false))
	text = replace(text, "            {{period}}(first_at, '${tz}') AS period,\n            {{order_key}} AS k,",
		buckets("first_at, '${tz}'", func(i int) string { return setCand[i] + " = 1" }, false))
	text = replace(text, "            month AS period,\n            {{target_key}} AS k,", buckets("", nil, true))
	text = replace(text, "amount_minor AS e_amount,", "amount_minor AS e_amount, "+strings.Join(cands, ", ")+",")
	text = replace(text, "argMax(e_amount, rank_key) AS amount_minor", "argMax(e_amount, rank_key) AS amount_minor, "+strings.Join(candMax, ", "))
	return text
}
