package qa

import (
	"testing"
	"time"
)

// marks builds section marks from "id=score" pairs; a score of -1 means N/A.
func marks(pairs map[string]int) map[string]SectionScore {
	out := map[string]SectionScore{}
	for id, v := range pairs {
		if v == -1 {
			out[id] = SectionScore{NA: true}
		} else {
			out[id] = SectionScore{Score: v}
		}
	}
	return out
}

var full = map[string]int{"expression": 15, "service_language": 5, "listening": 10, "knowledge": 15, "problem_solving": 15, "conflict": 15, "attitude_care": 25}

func TestScore(t *testing.T) {
	r := DefaultRubric()
	tests := []struct {
		name      string
		scores    Scores
		wantTotal float64
		wantBase  float64
		wantDed   int
		critical  bool
	}{
		{"full marks", Scores{Sections: marks(full)}, 100, 100, 0, false},
		{
			// 12+4+8+12+10+20 = 66 of 85 applicable points (conflict N/A): 6600/85 = 77.647…,
			// minus one forbidden phrase (5) = 72.647… → 72.65.
			"N/A rescaled then deducted",
			Scores{
				Sections:   marks(map[string]int{"expression": 12, "service_language": 4, "listening": 8, "knowledge": 12, "problem_solving": 10, "conflict": -1, "attitude_care": 20}),
				Deductions: map[string]ItemMark{"taboo_phrase": {Count: 1, Comment: "said 我不知道"}},
			},
			72.65, 77.65, 5, false,
		},
		{
			"critical zeroes the review",
			Scores{Sections: marks(full), Criticals: map[string]string{"privacy_leak": "read out the full phone number"}},
			0, 100, 0, true,
		},
		{
			// 2+1+1+1+1+2+2 = 10 points, minus 4 forbidden phrases (20) and an interruption (3): floor 0.
			"deductions floor at zero",
			Scores{
				Sections: marks(map[string]int{"expression": 2, "service_language": 1, "listening": 1, "knowledge": 1, "problem_solving": 1, "conflict": 2, "attitude_care": 2}),
				Deductions: map[string]ItemMark{
					"taboo_phrase": {Count: 4, Comment: "x"},
					"interrupt":    {Count: 1, Comment: "y"},
				},
			},
			0, 10, 23, false,
		},
		{
			"zero-count deduction needs no comment",
			Scores{Sections: marks(full), Deductions: map[string]ItemMark{"interrupt": {Count: 0}}},
			100, 100, 0, false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, errs := Score(r, tt.scores, nil)
			if errs != nil {
				t.Fatalf("errors: %v", errs)
			}
			if res.Total != tt.wantTotal || res.Base != tt.wantBase || res.Deducted != tt.wantDed || res.Critical != tt.critical {
				t.Fatalf("got %+v, want total %v base %v deducted %d critical %v", res, tt.wantTotal, tt.wantBase, tt.wantDed, tt.critical)
			}
		})
	}
}

func TestScoreErrorsNameFields(t *testing.T) {
	r := DefaultRubric()
	finding := Finding{ID: "f1", ItemID: "taboo_phrase", Kind: KindDeduction}
	critFinding := Finding{ID: "f2", ItemID: "argue_insult", Kind: KindCritical}
	without := func(id string) map[string]SectionScore {
		m := marks(full)
		delete(m, id)
		return m
	}
	with := func(id string, v int) map[string]SectionScore {
		m := marks(full)
		if v == -1 {
			m[id] = SectionScore{NA: true}
		} else {
			m[id] = SectionScore{Score: v}
		}
		return m
	}
	tests := []struct {
		name     string
		scores   Scores
		findings []Finding
		field    string
	}{
		{"missing section", Scores{Sections: without("listening")}, nil, "sections.listening.score"},
		{"above max", Scores{Sections: with("service_language", 6)}, nil, "sections.service_language.score"},
		{"negative", Scores{Sections: with("expression", -2)}, nil, "sections.expression.score"},
		{"N/A not allowed", Scores{Sections: with("expression", -1)}, nil, "sections.expression.na"},
		{"unknown section", Scores{Sections: func() map[string]SectionScore { m := marks(full); m["charm"] = SectionScore{Score: 1}; return m }()}, nil, "sections.charm"},
		{"deduction without comment", Scores{Sections: marks(full), Deductions: map[string]ItemMark{"interrupt": {Count: 1}}}, nil, "deductions.interrupt.comment"},
		{"deduction above max count", Scores{Sections: marks(full), Deductions: map[string]ItemMark{"no_greeting": {Count: 2, Comment: "x"}}}, nil, "deductions.no_greeting.count"},
		{"unknown deduction", Scores{Sections: marks(full), Deductions: map[string]ItemMark{"late": {Count: 1, Comment: "x"}}}, nil, "deductions.late"},
		{"critical without comment", Scores{Sections: marks(full), Criticals: map[string]string{"argue_insult": " "}}, nil, "criticals.argue_insult.comment"},
		{"finding undecided", Scores{Sections: marks(full)}, []Finding{finding}, "findings.f1"},
		{"finding decision unknown", Scores{Sections: marks(full), Findings: map[string]string{"f1": "maybe"}}, []Finding{finding}, "findings.f1"},
		{"decision on a finding that does not exist", Scores{Sections: marks(full), Findings: map[string]string{"f9": "rejected"}}, nil, "findings.f9"},
		{"confirmed finding not counted", Scores{Sections: marks(full), Findings: map[string]string{"f1": FindingConfirmed}}, []Finding{finding}, "deductions.taboo_phrase.count"},
		{"confirmed critical finding not marked", Scores{Sections: marks(full), Findings: map[string]string{"f2": FindingConfirmed}}, []Finding{critFinding}, "criticals.argue_insult"},
		{"comment too long", Scores{Sections: marks(full), Comment: string(make([]rune, MaxCommentRunes+1))}, nil, "comment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := Score(r, tt.scores, tt.findings)
			if errs.ByField(tt.field) == "" {
				t.Fatalf("no error for %s; got %v", tt.field, errs)
			}
		})
	}
	// A rejected finding needs nothing else; a confirmed one counted is fine.
	_, errs := Score(r, Scores{Sections: marks(full), Findings: map[string]string{"f1": FindingRejected}}, []Finding{finding})
	if errs != nil {
		t.Fatalf("rejected finding: %v", errs)
	}
	res, errs := Score(r, Scores{Sections: marks(full), Findings: map[string]string{"f1": FindingConfirmed},
		Deductions: map[string]ItemMark{"taboo_phrase": {Count: 1, Comment: "confirmed"}}}, []Finding{finding})
	if errs != nil || res.Total != 95 {
		t.Fatalf("confirmed finding: %+v %v", res, errs)
	}
}

func TestDetect(t *testing.T) {
	d := NewDetector(DefaultRubric())
	t0 := time.Date(2026, 11, 3, 1, 0, 0, 0, time.UTC)
	msgs := []Message{
		{Index: 0, At: t0, From: "customer", Text: "我不知道订单号"},                              // customer: never flagged
		{Index: 1, At: t0.Add(time.Minute), From: "agent", Text: "这个我不知道，这是规定"},            // two phrases
		{Index: 2, At: t0.Add(2 * time.Minute), From: "agent", Text: "好的，马上为您处理"},          // clean
		{Index: 3, At: t0.Add(3 * time.Minute), From: "agent", Text: "这事不关我们的事"},           // pattern
		{Index: 4, At: t0.Add(4 * time.Minute), From: "agent", Text: "您的手机号是13812345678吧"}, // privacy
		{Index: 5, At: t0.Add(5 * time.Minute), From: "agent", Text: "订单号 2026110312345678 已查到"},
		{Index: 6, At: t0.Add(6 * time.Minute), From: "system", Text: "不可能"},
	}
	got := d.Detect("chat-1", msgs)
	type hit struct {
		item string
		msg  int
	}
	want := []hit{{"taboo_phrase", 1}, {"taboo_phrase", 1}, {"taboo_phrase", 3}, {"privacy_leak", 4}}
	if len(got) != len(want) {
		t.Fatalf("got %d findings %+v, want %v", len(got), got, want)
	}
	for i, w := range want {
		if got[i].ItemID != w.item || got[i].MsgIndex != w.msg {
			t.Errorf("finding %d: %s in message %d, want %s in %d", i, got[i].ItemID, got[i].MsgIndex, w.item, w.msg)
		}
	}
	if got[3].Kind != KindCritical || got[3].Text != msgs[4].Text || !got[3].At.Equal(msgs[4].At) {
		t.Errorf("privacy finding: %+v", got[3])
	}
	again := d.Detect("chat-1", msgs)
	for i := range got {
		if got[i].ID != again[i].ID {
			t.Fatalf("finding ids not stable: %s vs %s", got[i].ID, again[i].ID)
		}
	}
	if got[0].ID == got[1].ID {
		t.Error("two patterns in one message share an id")
	}
}
