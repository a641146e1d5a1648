package qa

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"time"
)

// Sampling reasons, recorded with each sampled contact.
const (
	ReasonComplaint = "complaint"  // the contact has complaint = true (always sampled)
	ReasonLowSurvey = "low_survey" // a survey of the contact scored ≤ 2 (always sampled)
	ReasonAutoQA    = "auto_qa"    // auto-QA found something in the chat (sampled first)
	ReasonRandom    = "random"     // drawn at random, spread over the month
)

// LowSurveyMax is the highest survey score that makes a contact mandatory for review.
const LowSurveyMax = 2

// Candidate is a handled contact of the month that sampling may pick.
type Candidate struct {
	ContactID string
	Channel   string
	AgentID   string
	Start     time.Time
	// Day is the contact's day in the business time zone (its date; the clock part is ignored).
	Day       time.Time
	Complaint bool
	LowSurvey bool
	Findings  bool
}

// Sampled is a contact in the month's sample, already stored or newly picked.
type Sampled struct {
	ContactID string
	Channel   string
	AgentID   string
	Start     time.Time
	Day       time.Time
	Reasons   []string
	Reviewers []string
	Double    bool
}

func (s Sampled) mandatory() bool {
	return slices.Contains(s.Reasons, ReasonComplaint) || slices.Contains(s.Reasons, ReasonLowSurvey)
}

// SampleOptions are the knobs of a month's sampling (SPEC §6).
type SampleOptions struct {
	// Month is the month's first day; only its year and month matter.
	Month time.Time
	// PerAgent is N, the contacts drawn per agent on top of the mandatory ones (default 5).
	PerAgent int
	// Seed makes the draw reproducible: the same seed over the same data picks the same
	// contacts.
	Seed int64
	// DoubleShare is the share of newly sampled contacts assigned to two reviewers for
	// calibration (default 0.10, rounded half up to a whole number of contacts).
	DoubleShare float64
	// Reviewers are the users contacts are assigned to.
	Reviewers []string
}

// Validate checks the options and names the bad one.
func (o SampleOptions) Validate() error {
	switch {
	case o.Month.IsZero():
		return fieldErr("month", "is required")
	case o.PerAgent < 0 || o.PerAgent > 1000:
		return fieldErr("per-agent", "must be 0..1000, got %d", o.PerAgent)
	case math.IsNaN(o.DoubleShare) || o.DoubleShare < 0 || o.DoubleShare > 1:
		return fieldErr("double", "must be a share 0..1, got %v", o.DoubleShare)
	case len(o.Reviewers) == 0:
		return fieldErr("reviewers", "at least one reviewer is required")
	case o.DoubleShare > 0 && len(o.Reviewers) < 2:
		return fieldErr("double", "double-scoring needs at least two reviewers; set it to 0 or add reviewers")
	}
	seen := map[string]bool{}
	for _, r := range o.Reviewers {
		if r == "" || seen[r] {
			return fieldErr("reviewers", "%q is empty or listed twice", r)
		}
		seen[r] = true
	}
	return nil
}

// Select picks the month's new sample. It is a pure function of its inputs, so the same data
// and seed always give the same picks:
//
//   - every candidate with a complaint or a low survey is picked (reasons say which);
//   - then, per agent, PerAgent contacts minus those already drawn for the agent this month:
//     the month is cut into PerAgent equal runs of days, and each run that has no drawn contact
//     yet gets one; contacts with auto-QA findings go first (one per run, then any), the rest
//     are random within their run, and when runs are empty the remainder is random;
//   - a contact already sampled (existing) or already reviewed is never picked again.
//
// Each agent's draw uses its own random stream (seed, month, agent), so adding an agent or a
// contact of another agent does not change an agent's picks. Candidates may come in any order.
func Select(cands []Candidate, existing []Sampled, reviewed map[string]bool, opt SampleOptions) []Sampled {
	taken := map[string]bool{}
	for id := range reviewed {
		taken[id] = true
	}
	type agentState struct {
		cands   []Candidate
		drawn   int
		covered map[int]bool
	}
	perAgent := opt.PerAgent
	days := daysIn(opt.Month)
	window := func(day time.Time) int {
		if perAgent == 0 {
			return 0
		}
		return (day.Day() - 1) * perAgent / days
	}
	agents := map[string]*agentState{}
	get := func(id string) *agentState {
		if agents[id] == nil {
			agents[id] = &agentState{covered: map[int]bool{}}
		}
		return agents[id]
	}
	for _, e := range existing {
		taken[e.ContactID] = true
		if !e.mandatory() {
			a := get(e.AgentID)
			a.drawn++
			a.covered[window(e.Day)] = true
		}
	}
	sorted := slices.Clone(cands)
	sort.Slice(sorted, func(i, j int) bool { return candLess(sorted[i], sorted[j]) })
	var out []Sampled
	for _, c := range sorted {
		if taken[c.ContactID] {
			continue
		}
		if c.Complaint || c.LowSurvey {
			var reasons []string
			if c.Complaint {
				reasons = append(reasons, ReasonComplaint)
			}
			if c.LowSurvey {
				reasons = append(reasons, ReasonLowSurvey)
			}
			if c.Findings {
				reasons = append(reasons, ReasonAutoQA)
			}
			out = append(out, sampledOf(c, reasons))
			taken[c.ContactID] = true
			continue
		}
		a := get(c.AgentID)
		a.cands = append(a.cands, c)
	}
	ids := make([]string, 0, len(agents))
	for id := range agents {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		a := agents[id]
		quota := perAgent - a.drawn
		if quota <= 0 || len(a.cands) == 0 {
			continue
		}
		rng := rand.New(rand.NewPCG(uint64(opt.Seed), streamKey(opt.Month, id)))
		picked := map[string]bool{}
		pick := func(c Candidate) {
			reason := ReasonRandom
			if c.Findings {
				reason = ReasonAutoQA
			}
			out = append(out, sampledOf(c, []string{reason}))
			picked[c.ContactID] = true
			a.covered[window(c.Day)] = true
			quota--
		}
		// from draws one candidate among those that pass keep, or reports false.
		from := func(keep func(Candidate) bool) (Candidate, bool) {
			var pool []Candidate
			for _, c := range a.cands {
				if !picked[c.ContactID] && keep(c) {
					pool = append(pool, c)
				}
			}
			if len(pool) == 0 {
				return Candidate{}, false
			}
			return pool[rng.IntN(len(pool))], true
		}
		phases := []struct {
			perWindow bool
			keep      func(Candidate) bool
		}{
			{true, func(c Candidate) bool { return c.Findings }},
			{false, func(c Candidate) bool { return c.Findings }},
			{true, func(Candidate) bool { return true }},
			{false, func(Candidate) bool { return true }},
		}
		for _, ph := range phases {
			if ph.perWindow {
				for w := 0; w < perAgent && quota > 0; w++ {
					if a.covered[w] {
						continue
					}
					if c, ok := from(func(c Candidate) bool { return window(c.Day) == w && ph.keep(c) }); ok {
						pick(c)
					}
				}
				continue
			}
			for quota > 0 {
				c, ok := from(ph.keep)
				if !ok {
					break
				}
				pick(c)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return candLess(Candidate{AgentID: out[i].AgentID, Start: out[i].Start, ContactID: out[i].ContactID},
			Candidate{AgentID: out[j].AgentID, Start: out[j].Start, ContactID: out[j].ContactID})
	})
	return out
}

func candLess(a, b Candidate) bool {
	if a.AgentID != b.AgentID {
		return a.AgentID < b.AgentID
	}
	if !a.Start.Equal(b.Start) {
		return a.Start.Before(b.Start)
	}
	return a.ContactID < b.ContactID
}

func sampledOf(c Candidate, reasons []string) Sampled {
	return Sampled{ContactID: c.ContactID, Channel: c.Channel, AgentID: c.AgentID, Start: c.Start, Day: c.Day, Reasons: reasons}
}

func daysIn(month time.Time) int {
	return time.Date(month.Year(), month.Month()+1, 0, 12, 0, 0, 0, time.UTC).Day()
}

// streamKey derives an agent's random stream from the month and the agent id.
func streamKey(month time.Time, parts ...string) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%04d-%02d", month.Year(), int(month.Month()))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	return h.Sum64()
}

// ErrNoReviewers is returned by Assign when there is no one to assign to.
var ErrNoReviewers = errors.New("no reviewers to assign to")

// Assign gives each new pick its reviewers, balancing the number of contacts each reviewer has
// in the month (existing assignments included): every pick goes to the least-loaded reviewer
// (ties by name), and a DoubleShare of the picks — chosen at random with the seed — to the two
// least-loaded, for calibration. Picks are assigned in the order given.
func Assign(picks []Sampled, existing []Sampled, opt SampleOptions) ([]Sampled, error) {
	if len(opt.Reviewers) == 0 {
		return nil, ErrNoReviewers
	}
	load := map[string]int{}
	for _, r := range opt.Reviewers {
		load[r] = 0
	}
	for _, e := range existing {
		for _, r := range e.Reviewers {
			if _, ok := load[r]; ok {
				load[r]++
			}
		}
	}
	k := int(math.Floor(opt.DoubleShare*float64(len(picks)) + 0.5))
	if k > 0 && len(opt.Reviewers) < 2 {
		return nil, fieldErr("double", "double-scoring needs at least two reviewers")
	}
	rng := rand.New(rand.NewPCG(uint64(opt.Seed), streamKey(opt.Month, "double-scoring")))
	double := map[int]bool{}
	for _, i := range rng.Perm(len(picks))[:k] {
		double[i] = true
	}
	names := slices.Clone(opt.Reviewers)
	out := slices.Clone(picks)
	for i := range out {
		sort.Slice(names, func(a, b int) bool {
			if load[names[a]] != load[names[b]] {
				return load[names[a]] < load[names[b]]
			}
			return names[a] < names[b]
		})
		n := 1
		if double[i] {
			n = 2
		}
		out[i].Reviewers = slices.Clone(names[:n])
		out[i].Double = double[i]
		for _, r := range names[:n] {
			load[r]++
		}
	}
	return out, nil
}
