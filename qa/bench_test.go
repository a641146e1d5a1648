package qa

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkDetect measures auto-QA over chat transcripts: 12 messages per chat, half of them
// the agent's, one forbidden phrase in every fourth chat.
func BenchmarkDetect(b *testing.B) {
	d := NewDetector(DefaultRubric())
	t0 := time.Date(2026, 11, 3, 1, 0, 0, 0, time.UTC)
	lines := []string{"您好，很高兴为您服务，请问有什么可以帮您？", "已经帮您查到了，包裹目前在转运中心", "非常抱歉给您带来不便，我们马上为您补发",
		"退款会在1-3个工作日内原路退回", "请您提供一下订单号，我帮您查询", "还有其他可以帮您的吗？"}
	chats := make([][]Message, 64)
	for c := range chats {
		for i := 0; i < 12; i++ {
			m := Message{Index: i, At: t0.Add(time.Duration(i) * time.Minute), From: "customer", Text: "我的快递三天了还没到"}
			if i%2 == 1 {
				m.From, m.Text = "agent", lines[(c+i)%len(lines)]
				if c%4 == 0 && i == 5 {
					m.Text = "这个我不知道，您再等等"
				}
			}
			chats[c] = append(chats[c], m)
		}
	}
	b.ResetTimer()
	found := 0
	for i := 0; i < b.N; i++ {
		found += len(d.Detect("chat", chats[i%len(chats)]))
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "chats/s")
	if found == 0 {
		b.Fatal("nothing found")
	}
}

// BenchmarkSelect measures a month's sampling for 200 agents with 20 contacts a day each
// (120,000 candidates), N = 5.
func BenchmarkSelect(b *testing.B) {
	var cands []Candidate
	for a := 0; a < 200; a++ {
		agent := fmt.Sprintf("a%03d", a)
		for d := 1; d <= 30; d++ {
			day := time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC)
			for k := 0; k < 20; k++ {
				cands = append(cands, Candidate{ContactID: fmt.Sprintf("%s-%02d-%02d", agent, d, k), AgentID: agent,
					Start: day.Add(time.Duration(k) * 20 * time.Minute), Day: day, Complaint: k == 7 && d%10 == 0, Findings: k == 3 && d%7 == 0})
			}
		}
	}
	opt := SampleOptions{Month: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), PerAgent: 5, Seed: 1, DoubleShare: 0.1, Reviewers: []string{"r1", "r2", "r3", "r4"}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		picks, err := Assign(Select(cands, nil, nil, opt), nil, opt)
		if err != nil || len(picks) == 0 {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(cands)*b.N)/b.Elapsed().Seconds(), "candidates/s")
}

// BenchmarkScore measures validating and scoring one review.
func BenchmarkScore(b *testing.B) {
	r := DefaultRubric()
	s := Scores{Sections: marks(full), Deductions: map[string]ItemMark{"taboo_phrase": {Count: 1, Comment: "x"}}}
	for i := 0; i < b.N; i++ {
		if _, errs := Score(r, s, nil); errs != nil {
			b.Fatal(errs)
		}
	}
}
