package itest

import (
	"context"
	"fmt"
	"math"
	"sort"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ccqa/ccqa/event"
	"github.com/ccqa/ccqa/metrics"
	"github.com/ccqa/ccqa/warehouse"
)

// Oracle computes the foundation metrics (contacts, ASA, AHT, CSAT per agent and month) from
// produced events in plain Go, independently of the SQL views, so an integration test can check
// what ClickHouse computed against what was sent. Times are truncated to whole seconds, as
// storage does.
type Oracle struct {
	loc     *time.Location
	calls   map[string]event.Call
	chats   map[string]event.Chat
	surveys map[string]event.Survey
}

// NewOracle returns an empty oracle bucketing months in loc.
func NewOracle(loc *time.Location) *Oracle {
	return &Oracle{loc: loc, calls: map[string]event.Call{}, chats: map[string]event.Chat{}, surveys: map[string]event.Survey{}}
}

// Add records one produced message; invalid messages are ignored (they must not count) and a
// re-sent id replaces the earlier one.
func (o *Oracle) Add(kind event.Kind, value []byte) {
	switch kind {
	case event.KindCall:
		if c, err := event.DecodeCall(value); err == nil {
			o.calls[c.CallID] = c
		}
	case event.KindChat:
		if c, err := event.DecodeChat(value); err == nil {
			o.chats[c.ChatID] = c
		}
	case event.KindSurvey:
		if s, err := event.DecodeSurvey(value); err == nil {
			o.surveys[s.SurveyID] = s
		}
	}
}

// Want is one agent-month as the oracle computes it.
type Want struct {
	Contacts         int
	ASASum, AHTSum   float64
	ASAN, AHTN       int
	CSATN, Satisfied int
	ScoreSum         int
}

type contactRef struct {
	agent, month string
}

// Compute returns the expected values by "YYYY-MM/agent".
func (o *Oracle) Compute() map[string]*Want {
	out := map[string]*Want{}
	get := func(month, agent string) *Want {
		k := month + "/" + agent
		if out[k] == nil {
			out[k] = &Want{}
		}
		return out[k]
	}
	month := func(t time.Time) string { return time.Unix(t.Unix(), 0).In(o.loc).Format("2006-01") }
	handled := map[string]contactRef{}
	for id, c := range o.calls {
		if c.AnsweredAt == nil || c.AgentID == "" {
			continue
		}
		m := month(c.OfferedAt)
		w := get(m, c.AgentID)
		w.Contacts++
		w.ASAN++
		w.ASASum += float64(c.AnsweredAt.Unix() - c.OfferedAt.Unix())
		w.AHTN++
		w.AHTSum += float64(c.EndedAt.Unix()-c.AnsweredAt.Unix()) + c.ACWSeconds
		handled[id] = contactRef{c.AgentID, m}
	}
	for id, c := range o.chats {
		if c.AgentID == "" {
			continue
		}
		m := month(c.StartedAt)
		w := get(m, c.AgentID)
		w.Contacts++
		w.AHTN++
		w.AHTSum += float64(c.EndedAt.Unix() - c.StartedAt.Unix())
		handled[id] = contactRef{c.AgentID, m}
	}
	for _, s := range o.surveys {
		ref, ok := handled[s.InteractionID]
		if !ok {
			continue
		}
		w := get(ref.month, ref.agent)
		w.CSATN++
		w.ScoreSum += s.Score
		if s.Score >= 4 {
			w.Satisfied++
		}
	}
	return out
}

// Months returns the months that have expected rows, sorted.
func (o *Oracle) Months() []string {
	seen := map[string]bool{}
	for k := range o.Compute() {
		seen[k[:7]] = true
	}
	var out []string
	for m := range seen {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

// CheckMetrics compares metrics.AgentMonthly for every month the oracle knows with the oracle's
// values: the same agents, equal counts, means equal to 1e-9 relative.
func (o *Oracle) CheckMetrics(t testing.TB, w *warehouse.Warehouse) {
	t.Helper()
	want := o.Compute()
	seen := 0
	for _, ms := range o.Months() {
		m, _ := metrics.ParseMonth(ms)
		rows, err := metrics.AgentMonthly(context.Background(), w, m)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			k := ms + "/" + r.AgentID
			x, ok := want[k]
			if !ok {
				t.Errorf("%s: unexpected agent row", k)
				continue
			}
			seen++
			checkEq(t, k+" contacts", float64(r.Contacts), float64(x.Contacts))
			checkEq(t, k+" asa_n", float64(r.ASAN), float64(x.ASAN))
			checkEq(t, k+" aht_n", float64(r.AHTN), float64(x.AHTN))
			checkEq(t, k+" csat_n", float64(r.CSATN), float64(x.CSATN))
			checkMean(t, k+" asa_seconds", r.ASASeconds, x.ASASum, x.ASAN)
			checkMean(t, k+" aht_seconds", r.AHTSeconds, x.AHTSum, x.AHTN)
			checkMean(t, k+" csat", r.CSAT, float64(x.Satisfied), x.CSATN)
			checkMean(t, k+" csat_mean", r.CSATMean, float64(x.ScoreSum), x.CSATN)
		}
	}
	if seen != len(want) {
		t.Errorf("metrics have %d agent-months, the produced events give %d", seen, len(want))
	}
}

func checkEq(t testing.TB, what string, got, want float64) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func checkMean(t testing.TB, what string, got *float64, sum float64, n int) {
	t.Helper()
	if n == 0 {
		if got != nil {
			t.Errorf("%s = %v, want NULL (no data)", what, *got)
		}
		return
	}
	want := sum / float64(n)
	if got == nil {
		t.Errorf("%s = NULL, want %v", what, want)
		return
	}
	if math.Abs(*got-want) > 1e-9*math.Max(1, math.Abs(want)) {
		t.Errorf("%s = %v, want %v", what, *got, want)
	}
}

// GroupLag returns how many messages of topics the consumer group has not committed yet
// (partitions without a commit count from their start).
func GroupLag(ctx context.Context, brokers []string, group string, topics []string) (int64, error) {
	client := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: topics})
	if err != nil {
		return 0, err
	}
	offReq := map[string][]kafka.OffsetRequest{}
	fetchReq := map[string][]int{}
	for _, tp := range meta.Topics {
		if tp.Error != nil {
			return 0, fmt.Errorf("topic %s: %w", tp.Name, tp.Error)
		}
		for _, p := range tp.Partitions {
			offReq[tp.Name] = append(offReq[tp.Name], kafka.FirstOffsetOf(p.ID), kafka.LastOffsetOf(p.ID))
			fetchReq[tp.Name] = append(fetchReq[tp.Name], p.ID)
		}
	}
	ends, err := client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: offReq})
	if err != nil {
		return 0, err
	}
	committed, err := client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: fetchReq})
	if err != nil {
		return 0, err
	}
	if committed.Error != nil {
		return 0, committed.Error
	}
	var lag int64
	for topic, parts := range ends.Topics {
		com := map[int]int64{}
		for _, c := range committed.Topics[topic] {
			com[c.Partition] = c.CommittedOffset
		}
		for _, p := range parts {
			if p.Error != nil {
				return 0, p.Error
			}
			start := p.FirstOffset
			if c, ok := com[p.Partition]; ok && c >= 0 {
				start = c
			}
			lag += p.LastOffset - start
		}
	}
	return lag, nil
}
