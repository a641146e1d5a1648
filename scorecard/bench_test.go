package scorecard

import (
	"fmt"
	"testing"
	"time"
)

// benchAgents builds n agents' inputs for the default policy: varied metrics, some without data,
// a few manager entries each, in teams of 20.
func benchAgents(n int) []Inputs {
	out := make([]Inputs, n)
	for i := range out {
		m := map[string]*float64{
			"csat":               f(0.80 + float64(i%21)/100),
			"resolution_seconds": f(80000 + float64(i%13)*1000),
			"qa_score":           f(70 + float64(i%31)),
			"complaints":         f(float64(i % 3)),
		}
		if i%17 == 0 {
			m["csat"] = nil
		}
		var es []Entry
		for k := 0; k < i%4; k++ {
			es = append(es, Entry{ID: fmt.Sprint(i, k), Item: []string{"late", "praise_verbal", "tasks"}[k%3], Points: Points([]int64{-2, 5, -5}[k%3]) * PointScale})
		}
		out[i] = Inputs{Metrics: m, Entries: es}
	}
	return out
}

// BenchmarkScore scores one agent-month under the default policy.
func BenchmarkScore(b *testing.B) {
	p := DefaultPolicy()
	in := benchAgents(1000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := p.Score(in[i%len(in)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMonth10k is the Go part of a rollup of 10,000 agents: score everyone, rank 500 teams
// and apply 11 months of history. The warehouse reads and writes come on top (see README).
func BenchmarkMonth10k(b *testing.B) {
	const n = 10_000
	p := DefaultPolicy()
	in := benchAgents(n)
	month := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var past []PastMonth
	for k := 1; k <= 11; k++ {
		for i := 0; i < n; i++ {
			past = append(past, PastMonth{Month: month.AddDate(0, -k, 0), AgentID: fmt.Sprintf("a-%05d", i), First: i%20 == 0, Failing: i%50 == 0, LastPlace: i%20 == 19})
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		gs := make([]Graded, n)
		for a := 0; a < n; a++ {
			s, err := p.Score(in[a])
			if err != nil {
				b.Fatal(err)
			}
			gs[a] = Graded{AgentID: fmt.Sprintf("a-%05d", a), Team: fmt.Sprintf("t%03d", a/20), Score: s}
		}
		Rank(gs)
		ApplyHistory(month, gs, past)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/agent")
}
