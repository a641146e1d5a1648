package traffic

import (
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/ccqa/ccqa/reference"
)

// Agent levels, from least to most experienced.
const (
	LevelJunior = "junior"
	LevelSenior = "senior"
	LevelLead   = "lead"
)

// Queues (skills) that calls and chats are routed to.
const (
	QueuePresale    = "presale"
	QueueAftersale  = "aftersale"
	QueueBilling    = "billing"
	QueueComplaints = "complaints"
)

// Queue indexes into Queues and into teamProfile.queues.
const (
	qPresale = iota
	qAftersale
	qBilling
	qComplaints
)

// Queues lists every queue the generator uses, in a fixed order.
var Queues = []string{QueuePresale, QueueAftersale, QueueBilling, QueueComplaints}

// Agent is one customer-service agent, as written to agents.csv. It is the reference package's
// type, so generated agents load exactly as imported ones do. IDs look like "a-001", names are
// Chinese (张伟), teams are named like 售前一组, and Level is LevelJunior, LevelSenior or LevelLead
// (one lead per team); HiredOn is midnight in the business time zone.
type Agent = reference.Agent

// Target is one agent's monthly sales target, as written to targets.csv, in minor units (fen).
// Month is the first day of the month, midnight in the business time zone.
type Target = reference.Target

// teamProfile describes a team: its name and how its contacts spread over the queues.
type teamProfile struct {
	name   string
	queues [4]float64 // weights for presale, aftersale, billing, complaints
	sales  bool       // a sales team, with higher targets and conversion
}

var teamProfiles = []teamProfile{
	{"售前一组", [4]float64{0.85, 0.10, 0.05, 0}, true},
	{"售后一组", [4]float64{0.10, 0.65, 0.15, 0.10}, false},
	{"账务组", [4]float64{0.05, 0.20, 0.65, 0.10}, false},
	{"投诉专线组", [4]float64{0, 0.55, 0.05, 0.40}, false},
	{"售前二组", [4]float64{0.80, 0.15, 0.05, 0}, true},
	{"售后二组", [4]float64{0.10, 0.70, 0.10, 0.10}, false},
	{"售前三组", [4]float64{0.85, 0.10, 0.05, 0}, true},
	{"售后三组", [4]float64{0.05, 0.70, 0.15, 0.10}, false},
}

func profileOf(team int) teamProfile {
	if team < len(teamProfiles) {
		return teamProfiles[team]
	}
	return teamProfile{fmt.Sprintf("综合%d组", team-len(teamProfiles)+1), [4]float64{0.35, 0.35, 0.20, 0.10}, team%2 == 0}
}

// shift is a working shift in whole hours of business time, [from, to).
type shift struct{ from, to int }

var shifts = []shift{{8, 17}, {9, 18}, {9, 18}, {10, 19}, {11, 20}, {12, 21}, {13, 22}, {13, 22}}

// agentState is an agent plus the hidden traits that drive its performance.
type agentState struct {
	Agent
	idx      int
	team     int
	profile  teamProfile
	cumQueue [4]float64
	shift    int // index into shifts
	offDays  [2]time.Weekday
	load     float64 // multiplies ContactsPerAgentDay
	speed    float64 // > 1 handles contacts faster
	quality  float64 // 0..1, drives resolution, complaints and survey scores
	sales    float64 // conversion probability of an inquiry contact
	hiredDay int     // first day index (relative to Config.Start) the agent works; may be negative
}

var surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴莫孔向汤")

var givenNames = []string{
	"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
	"超", "秀英", "霞", "平", "刚", "桂英", "婷", "雪", "慧", "晨", "欣怡", "子涵", "浩然", "宇航",
	"思雨", "佳怡", "梓萱", "俊杰", "雨桐", "博文", "一诺", "晓燕", "海燕", "建华", "文静", "志强",
	"丹", "鹏", "倩", "颖", "琳", "晓东", "玉兰", "红梅", "佳琪", "子轩", "诗涵", "梦瑶", "嘉豪",
}

// newAgents builds the agents of a (defaulted) configuration.
func newAgents(cfg Config, rng *rand.Rand) []*agentState {
	used := make(map[string]int)
	agents := make([]*agentState, cfg.Agents)
	width := max(3, len(fmt.Sprint(cfg.Agents)))
	for i := range agents {
		team := i % cfg.Teams
		a := &agentState{idx: i, team: team, profile: profileOf(team)}
		a.ID = fmt.Sprintf("a-%0*d", width, i+1)
		var name string
		for try := 0; ; try++ {
			name = string(surnames[rng.IntN(len(surnames))]) + givenNames[rng.IntN(len(givenNames))]
			if used[name] == 0 || try >= 20 {
				break
			}
		}
		used[name]++
		if n := used[name]; n > 1 {
			// Large rosters run out of distinct names: disambiguate namesakes as HR does.
			name = fmt.Sprintf("%s(%d)", name, n)
		}
		a.Name = name
		a.Team = a.profile.name
		switch {
		case i < cfg.Teams:
			a.Level = LevelLead
		case rng.Float64() < 0.4:
			a.Level = LevelSenior
		default:
			a.Level = LevelJunior
		}
		// Hiring: leads and seniors have years of service, juniors months; a few juniors join
		// during the generated period.
		var daysBefore int
		switch a.Level {
		case LevelLead:
			daysBefore = 900 + rng.IntN(1200)
		case LevelSenior:
			daysBefore = 400 + rng.IntN(1100)
		default:
			daysBefore = 30 + rng.IntN(400)
			if cfg.Days >= 10 && rng.Float64() < 0.05 {
				daysBefore = -(1 + rng.IntN(cfg.Days/2))
			}
		}
		a.hiredDay = -daysBefore
		y, m, d := cfg.Start.Date()
		a.HiredOn = time.Date(y, m, d-daysBefore, 0, 0, 0, 0, cfg.Location)

		sum := 0.0
		for q, w := range a.profile.queues {
			sum += w
			a.cumQueue[q] = sum
		}
		a.shift = rng.IntN(len(shifts))
		switch {
		case a.Level == LevelLead || rng.Float64() < 0.35:
			a.offDays = [2]time.Weekday{time.Saturday, time.Sunday}
		default:
			first := time.Weekday(rng.IntN(7))
			a.offDays = [2]time.Weekday{first, (first + 1) % 7}
		}
		a.quality = clamp(0.55+0.18*rng.NormFloat64(), 0.05, 0.98)
		a.speed = clamp(1+0.15*rng.NormFloat64(), 0.7, 1.4)
		a.load = clamp(1+0.12*rng.NormFloat64(), 0.7, 1.3)
		a.sales = clamp(0.28+0.08*rng.NormFloat64(), 0.08, 0.55)
		switch a.Level {
		case LevelLead:
			a.load *= 0.6
			a.quality = clamp(a.quality+0.15, 0, 0.98)
		case LevelSenior:
			a.quality = clamp(a.quality+0.08, 0, 0.98)
			a.speed *= 1.08
		default:
			a.speed *= 0.95
		}
		agents[i] = a
	}
	return agents
}

// newTargets sets a monthly sales target for every agent and every month the period touches.
func newTargets(cfg Config, agents []*agentState, rng *rand.Rand) []Target {
	y, m, _ := cfg.Start.Date()
	first := time.Date(y, m, 1, 0, 0, 0, 0, cfg.Location)
	ly, lm, _ := cfg.Start.AddDate(0, 0, cfg.Days-1).Date()
	last := time.Date(ly, lm, 1, 0, 0, 0, 0, cfg.Location)
	var out []Target
	for month := first; !month.After(last); month = month.AddDate(0, 1, 0) {
		for _, a := range agents {
			// The expected sales of the agent's team profile over the month's working days,
			// raised a little: targets are meant to stretch. Rounded to 1000 yuan.
			inquiries := a.profile.queues[qPresale]*0.6 + (1-a.profile.queues[qPresale])*0.03
			conv := 0.28
			if !a.profile.sales {
				conv *= 0.6
			}
			const paidShare, meanYuan, workDays = 0.72, 390.0, 21.5
			yuan := cfg.ContactsPerAgentDay * inquiries * conv * paidShare * meanYuan * workDays
			switch a.Level {
			case LevelLead:
				yuan *= 0.6
			case LevelSenior:
				yuan *= 1.1
			}
			yuan *= 0.95 + 0.3*rng.Float64()
			thousands := max(int64(yuan/1000+0.5), 1)
			out = append(out, Target{AgentID: a.ID, Month: month, SalesTargetMinor: thousands * 1000 * 100})
		}
	}
	return out
}

// WriteAgentsCSV writes agents.csv (SPEC §3): a header row agent_id,name,team,level,hired_on and
// one row per agent, with hired_on as a date such as 2024-03-01.
func WriteAgentsCSV(w io.Writer, agents []Agent) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"agent_id", "name", "team", "level", "hired_on"}); err != nil {
		return err
	}
	for _, a := range agents {
		if err := cw.Write([]string{a.ID, a.Name, a.Team, a.Level, a.HiredOn.Format(time.DateOnly)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteTargetsCSV writes targets.csv (SPEC §3): a header row agent_id,month,sales_target and one
// row per target, with month as 2026-11 and sales_target as a decimal amount in yuan such as
// 30000.00.
func WriteTargetsCSV(w io.Writer, targets []Target) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"agent_id", "month", "sales_target"}); err != nil {
		return err
	}
	for _, t := range targets {
		if err := cw.Write([]string{t.AgentID, t.Month.Format("2006-01"), formatMinor(t.SalesTargetMinor)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// formatMinor renders an amount in minor units as a decimal with two places, e.g. 19990 as
// "199.90".
func formatMinor(v int64) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

func clamp(v, lo, hi float64) float64 {
	return max(lo, min(hi, v))
}
