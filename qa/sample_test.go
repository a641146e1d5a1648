package qa

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"testing"
	"time"
)

var nov = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// monthOfContacts makes one contact per agent per day of November (30 days), plus flags:
// complaint on day 3, a low survey on day 10, auto-QA findings on days 20 and 21 for agent a1.
func monthOfContacts(agents ...string) []Candidate {
	var out []Candidate
	for _, a := range agents {
		for d := 1; d <= 30; d++ {
			day := time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC)
			c := Candidate{ContactID: fmt.Sprintf("%s-d%02d", a, d), Channel: "chat", AgentID: a,
				Start: day.Add(2 * time.Hour), Day: day}
			c.Complaint = d == 3
			c.LowSurvey = d == 10
			c.Findings = a == "a1" && (d == 20 || d == 21)
			out = append(out, c)
		}
	}
	return out
}

func ids(ss []Sampled) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.ContactID)
	}
	return out
}

func TestSelectReproducibleCompleteNoRepeats(t *testing.T) {
	cands := monthOfContacts("a1", "a2", "a3")
	opt := SampleOptions{Month: nov, PerAgent: 5, Seed: 7, DoubleShare: 0.1, Reviewers: []string{"r1", "r2"}}
	first := Select(cands, nil, nil, opt)
	// Reproducible: same data, same seed, same picks, whatever the input order.
	rev := slices.Clone(cands)
	slices.Reverse(rev)
	if again := Select(rev, nil, nil, opt); !reflect.DeepEqual(ids(first), ids(again)) {
		t.Fatalf("not reproducible:\n%v\n%v", ids(first), ids(again))
	}
	other := opt
	other.Seed = 8
	if reflect.DeepEqual(ids(first), ids(Select(cands, nil, nil, other))) {
		t.Fatal("another seed picked exactly the same contacts")
	}
	// Complete: per agent the complaint (day 3), the low survey (day 10) and 5 drawn contacts.
	seen := map[string]bool{}
	perAgent := map[string]map[string]int{}
	for _, s := range first {
		if seen[s.ContactID] {
			t.Fatalf("%s picked twice", s.ContactID)
		}
		seen[s.ContactID] = true
		if perAgent[s.AgentID] == nil {
			perAgent[s.AgentID] = map[string]int{}
		}
		perAgent[s.AgentID][s.Reasons[0]]++
	}
	for _, a := range []string{"a1", "a2", "a3"} {
		if !seen[a+"-d03"] || !seen[a+"-d10"] {
			t.Errorf("%s: complaint or low-survey contact not sampled", a)
		}
		got := perAgent[a]
		drawn := got[ReasonRandom] + got[ReasonAutoQA]
		if got[ReasonComplaint] != 1 || got[ReasonLowSurvey] != 1 || drawn != 5 {
			t.Errorf("%s: reasons %v, want 1 complaint, 1 low_survey, 5 drawn", a, got)
		}
	}
	// Auto-QA first: a1's two chats with findings are both drawn.
	if !seen["a1-d20"] || !seen["a1-d21"] || perAgent["a1"][ReasonAutoQA] != 2 {
		t.Errorf("a1's auto-QA contacts not sampled first: %v", perAgent["a1"])
	}
	// Spread: a2 has no findings, so its 5 draws fall one in each sixth of the month
	// (days 1–6, 7–12, 13–18, 19–24, 25–30).
	windows := map[int]bool{}
	for _, s := range first {
		if s.AgentID == "a2" && s.Reasons[0] == ReasonRandom {
			windows[(s.Day.Day()-1)/6] = true
		}
	}
	if len(windows) != 5 {
		t.Errorf("a2's draws are not spread over the month: windows %v", windows)
	}
	// Top-up is idempotent: with the first run stored, nothing more is picked...
	if more := Select(cands, first, nil, opt); len(more) != 0 {
		t.Fatalf("second run picked %v", ids(more))
	}
	// ...except what became mandatory since (a late complaint), never an already sampled one.
	late := slices.Clone(cands)
	for i := range late {
		if late[i].ContactID == "a2-d15" && !seen["a2-d15"] {
			late[i].Complaint = true
		}
		if late[i].ContactID == first[len(first)-1].ContactID {
			late[i].Complaint = true // already sampled: must not come back
		}
	}
	more := Select(late, first, nil, opt)
	want := []string{}
	if !seen["a2-d15"] {
		want = []string{"a2-d15"}
	}
	if !reflect.DeepEqual(append([]string{}, ids(more)...), want) {
		t.Fatalf("late complaint: picked %v, want %v", ids(more), want)
	}
	// Never a contact already reviewed.
	reviewed := map[string]bool{"a3-d03": true, "a3-d10": true}
	for _, s := range Select(cands, nil, reviewed, opt) {
		if reviewed[s.ContactID] {
			t.Errorf("reviewed contact %s sampled again", s.ContactID)
		}
	}
}

func TestSelectSmallAgent(t *testing.T) {
	// An agent with 3 contacts and N=5: all 3 drawn, no more.
	var cands []Candidate
	for d := 1; d <= 3; d++ {
		day := time.Date(2026, 11, d*9, 0, 0, 0, 0, time.UTC)
		cands = append(cands, Candidate{ContactID: fmt.Sprint("c", d), AgentID: "x", Start: day, Day: day})
	}
	got := Select(cands, nil, nil, SampleOptions{Month: nov, PerAgent: 5, Seed: 1, Reviewers: []string{"r"}})
	if len(got) != 3 {
		t.Fatalf("got %v", ids(got))
	}
}

func TestAssignBalancedWithDoubles(t *testing.T) {
	cands := monthOfContacts("a1", "a2", "a3", "a4")
	opt := SampleOptions{Month: nov, PerAgent: 5, Seed: 3, DoubleShare: 0.1, Reviewers: []string{"r1", "r2", "r3"}}
	picks := Select(cands, nil, nil, opt) // 4 agents × 7 = 28
	if len(picks) != 28 {
		t.Fatalf("%d picks", len(picks))
	}
	out, err := Assign(picks, nil, opt)
	if err != nil {
		t.Fatal(err)
	}
	load := map[string]int{}
	doubles := 0
	for _, p := range out {
		if p.Double {
			doubles++
			if len(p.Reviewers) != 2 || p.Reviewers[0] == p.Reviewers[1] {
				t.Errorf("double-scored %s has reviewers %v", p.ContactID, p.Reviewers)
			}
		} else if len(p.Reviewers) != 1 {
			t.Errorf("%s has reviewers %v", p.ContactID, p.Reviewers)
		}
		for _, r := range p.Reviewers {
			load[r]++
		}
	}
	// 10% of 28 = 2.8 → 3 contacts double-scored; 31 assignments over 3 reviewers: 11, 10, 10.
	if doubles != 3 {
		t.Errorf("%d double-scored, want 3", doubles)
	}
	lo, hi, sum := math.MaxInt, 0, 0
	for _, n := range load {
		lo, hi, sum = min(lo, n), max(hi, n), sum+n
	}
	if len(load) != 3 || hi-lo > 1 || sum != 31 {
		t.Errorf("unbalanced load %v", load)
	}
	// Existing load counts: a reviewer who already has many gets none of a small top-up.
	existing := []Sampled{{ContactID: "old1", Reviewers: []string{"r1"}}, {ContactID: "old2", Reviewers: []string{"r1"}}}
	top, _ := Assign(picks[:2], existing, SampleOptions{Month: nov, Seed: 3, Reviewers: []string{"r1", "r2", "r3"}})
	for _, p := range top {
		if p.Reviewers[0] == "r1" {
			t.Errorf("top-up assigned to the busiest reviewer: %v", top)
		}
	}
	if _, err := Assign(picks, nil, SampleOptions{Month: nov, DoubleShare: 0.5, Reviewers: []string{"solo"}}); err == nil {
		t.Error("double-scoring with one reviewer accepted")
	}
}
