package scorecard

import (
	"sort"
	"time"
)

// Graded is one agent's result for a month: the score and where it stands in the team.
type Graded struct {
	AgentID, AgentName, Team string
	Score                    Score
	// RankInTeam is 1 for the best integer score in the team; agents with equal scores share a
	// rank and the next rank skips (standard competition ranking: 1, 1, 3). TeamSize counts the
	// team's graded agents this month.
	RankInTeam, TeamSize uint32
	// First and LastPlace say whether the agent was ranked first or last in a team of two or more.
	// Last is the worst rank in the team, and only when someone ranks above it: a team where
	// everyone ties has no last place.
	First, LastPlace bool
	// TopStreak3: first in this month and the two months before (连续3个月考核排名第一).
	// FailStreak3: in a failing band this month and the two months before (连续3个月考核不及格).
	// LastPlace12m: times ranked last in the twelve months ending with this one (一年内累计最后一名).
	TopStreak3, FailStreak3 bool
	LastPlace12m            uint32
}

// Rank sets RankInTeam, TeamSize, First and LastPlace, ranking every team by the integer score.
// The integer score is what the agent is graded and paid on, so two agents with 89.6 and 89.5
// (both 90) tie.
func Rank(gs []Graded) {
	teams := map[string][]int{}
	for i := range gs {
		teams[gs[i].Team] = append(teams[gs[i].Team], i)
	}
	for _, idx := range teams {
		sort.SliceStable(idx, func(a, b int) bool { return gs[idx[a]].Score.Rounded > gs[idx[b]].Score.Rounded })
		worst := uint32(1)
		for pos, i := range idx {
			r := uint32(pos + 1)
			if pos > 0 && gs[i].Score.Rounded == gs[idx[pos-1]].Score.Rounded {
				r = gs[idx[pos-1]].RankInTeam
			}
			gs[i].RankInTeam = r
			gs[i].TeamSize = uint32(len(idx))
			worst = max(worst, r)
		}
		for _, i := range idx {
			gs[i].First = len(idx) >= 2 && gs[i].RankInTeam == 1
			gs[i].LastPlace = len(idx) >= 2 && worst > 1 && gs[i].RankInTeam == worst
		}
	}
}

// PastMonth is what an earlier month's current revision recorded for one agent, as the streak
// flags need it.
type PastMonth struct {
	Month     time.Time
	AgentID   string
	First     bool
	Failing   bool
	LastPlace bool
}

// ApplyHistory sets the streak flags of month's results from the earlier months' records. A
// month that was never rolled up (or in which the agent was not graded) breaks a streak.
func ApplyHistory(month time.Time, gs []Graded, past []PastMonth) {
	type key struct {
		agent string
		month time.Time
	}
	rec := map[key]PastMonth{}
	for _, p := range past {
		rec[key{p.AgentID, monthStart(p.Month)}] = p
	}
	m := monthStart(month)
	for i := range gs {
		g := &gs[i]
		p1, ok1 := rec[key{g.AgentID, m.AddDate(0, -1, 0)}]
		p2, ok2 := rec[key{g.AgentID, m.AddDate(0, -2, 0)}]
		g.TopStreak3 = g.First && ok1 && p1.First && ok2 && p2.First
		g.FailStreak3 = g.Score.Grade.Failing && ok1 && p1.Failing && ok2 && p2.Failing
		n := uint32(0)
		if g.LastPlace {
			n++
		}
		for k := 1; k <= 11; k++ {
			if p, ok := rec[key{g.AgentID, m.AddDate(0, -k, 0)}]; ok && p.LastPlace {
				n++
			}
		}
		g.LastPlace12m = n
	}
}

// monthStart returns the first day of t's month at midnight UTC: months are calendar labels.
func monthStart(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}
