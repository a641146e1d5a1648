package traffic

import (
	"container/heap"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/ccqa/ccqa/event"
)

// Record is one message as a platform would send it to Kafka.
type Record struct {
	// Kind says which topic the message belongs to.
	Kind event.Kind
	// Key is the message key: the event id (call_id, chat_id, survey_id or order_id). For an
	// invalid message it is a plausible id or empty.
	Key []byte
	// Value is the JSON message exactly as it goes on the wire.
	Value []byte
	// At is when the producer sends the message (the end of a contact, the answer time of a
	// survey, the time of an order event, later for re-sends); suitable as the Kafka message time.
	At time.Time
	// Duplicate marks a byte-identical re-send of an earlier record.
	Duplicate bool
	// Invalid marks a deliberately invalid message that ingest must send to the dead-letter topic.
	Invalid bool
	// InvalidReason says what is wrong with an invalid message, for tests and logs.
	InvalidReason string
}

// Generator produces the traffic of one Config. It is immutable after New, so Generate may be
// called any number of times, also concurrently, and always yields the same records.
type Generator struct {
	cfg     Config
	agents  []*agentState
	public  []Agent
	targets []Target
	tag     string        // seed-derived part of every id
	pool    int           // number of distinct customers
	hours   [][24]float64 // per shift: cumulative weights to draw a contact's hour
	seedA   uint64        // PCG seed halves derived from Config.Seed
	seedB   uint64
}

// New validates cfg, fills in defaults and prepares the agents and targets.
func New(cfg Config) (*Generator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	a := splitmix(uint64(cfg.Seed))
	b := splitmix(a)
	g := &Generator{cfg: cfg, seedA: a, seedB: b}
	g.tag = fmt.Sprintf("%06x", splitmix(b)&0xffffff)
	rng := rand.New(rand.NewPCG(a, b))
	g.agents = newAgents(cfg, rng)
	g.targets = newTargets(cfg, g.agents, rng)
	g.public = make([]Agent, len(g.agents))
	for i, a := range g.agents {
		g.public[i] = a.Agent
	}
	g.hours = shiftHours(g.agents)
	weekly := float64(cfg.Agents) * cfg.ContactsPerAgentDay * 5.5
	g.pool = max(5000, int(weekly*12))
	return g, nil
}

// Config returns the effective configuration, with defaults filled in and Start at midnight in
// Location. Passing it to New again yields the same traffic.
func (g *Generator) Config() Config { return g.cfg }

// Agents returns the agents, in id order. The slice is a copy.
func (g *Generator) Agents() []Agent { return slices.Clone(g.public) }

// Targets returns every agent's sales target for every month the period touches, by month then
// agent. The slice is a copy.
func (g *Generator) Targets() []Target { return slices.Clone(g.targets) }

// Generate calls emit for every record in a deterministic order: roughly time order (by
// Record.At), with each contact sent when it ends, surveys when they are answered (0–14 days
// after the contact), order events when the status changes (up to weeks later), and duplicates
// and invalid messages shortly after the message they derive from. Events that fall after the
// generated days are still emitted, at the end. Generate stops at the first error from emit or
// when ctx is done, and returns that error.
func (g *Generator) Generate(ctx context.Context, emit func(Record) error) error {
	_, err := g.generate(ctx, emit)
	return err
}

// generate runs Generate and returns its final state, for tests.
func (g *Generator) generate(ctx context.Context, emit func(Record) error) (*run, error) {
	r := &run{
		g:      g,
		cfg:    g.cfg,
		ctx:    ctx,
		emit:   emit,
		erng:   rand.New(rand.NewPCG(g.seedA^0x5bd1e995, g.seedB+1)),
		follow: make(map[int][]int),
	}
	for d := 0; d < g.cfg.Days; d++ {
		if err := ctx.Err(); err != nil {
			return r, err
		}
		r.day(d)
		r.maxPending = max(r.maxPending, len(r.pq))
		if err := r.flush(r.dayStart(d + 1)); err != nil {
			return r, err
		}
	}
	return r, r.flush(time.Time{})
}

// splitmix is the SplitMix64 finaliser, used to derive independent seeds.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// pending is a record waiting for its send time.
type pending struct {
	at  time.Time
	seq uint64
	rec Record
}

type pendingHeap []pending

func (h pendingHeap) Len() int { return len(h) }
func (h pendingHeap) Less(i, j int) bool {
	if c := h[i].at.Compare(h[j].at); c != 0 {
		return c < 0
	}
	return h[i].seq < h[j].seq
}
func (h pendingHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *pendingHeap) Push(x any)   { *h = append(*h, x.(pending)) }
func (h *pendingHeap) Pop() any {
	old := *h
	n := len(old)
	x := old[n-1]
	old[n-1] = pending{}
	*h = old[:n-1]
	return x
}

// run is the state of one Generate call.
type run struct {
	g    *Generator
	cfg  Config
	ctx  context.Context
	emit func(Record) error
	erng *rand.Rand // emission-time randomness: duplicates and invalid messages

	pq         pendingHeap
	seq        uint64
	emitted    int
	maxPending int // the most records ever queued, to check that memory stays bounded

	nCall, nChat, nSurvey, nOrder, nInvalid int
	follow                                  map[int][]int // day index → customers who contact again
}

func (r *run) dayStart(d int) time.Time {
	y, m, dd := r.cfg.Start.Date()
	return time.Date(y, m, dd+d, 0, 0, 0, 0, r.cfg.Location)
}

func (r *run) push(rec Record) {
	r.seq++
	heap.Push(&r.pq, pending{at: rec.At, seq: r.seq, rec: rec})
}

// flush emits every pending record due before limit, or all of them if limit is zero.
func (r *run) flush(limit time.Time) error {
	for len(r.pq) > 0 {
		if !limit.IsZero() && !r.pq[0].at.Before(limit) {
			return nil
		}
		p := heap.Pop(&r.pq).(pending)
		rec := p.rec
		if !rec.Duplicate && !rec.Invalid {
			if r.cfg.DuplicateRate > 0 && r.erng.Float64() < r.cfg.DuplicateRate {
				// Producers retry after timeouts: the same bytes again, seconds to hours later.
				delay := time.Duration(clamp(math.Exp(math.Log(120)+1.5*r.erng.NormFloat64()), 1, 4*3600) * float64(time.Second))
				dup := rec
				dup.Duplicate = true
				dup.At = rec.At.Add(delay.Truncate(time.Second) + time.Second)
				r.push(dup)
			}
			if r.cfg.InvalidRate > 0 && r.erng.Float64() < r.cfg.InvalidRate {
				r.push(r.invalidFrom(rec))
			}
		}
		if err := r.emit(rec); err != nil {
			return err
		}
		r.emitted++
		if r.emitted%256 == 0 {
			if err := r.ctx.Err(); err != nil {
				return err
			}
		}
	}
	return nil
}

// Hourly arrival weights in business time: a lunch peak around 11–13 and an evening peak around
// 19–21.
var hourWeights = [24]float64{
	0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.4, 0.9, 2.5, 5, 6.5, 7.5,
	8, 6.5, 5.5, 5.5, 5.5, 5, 5.5, 7, 7.5, 5, 2, 1,
}

const maxHourWeight = 8.0

// shiftHours returns, for every shift, cumulative hourly weights that agents on that shift draw
// contact hours from. The weights are hourWeights corrected by iterative proportional fitting,
// so that all agents together, whatever the mix of shifts, follow the hourly arrival curve over
// the hours that some shift covers (instead of piling up in the hours most shifts share).
func shiftHours(agents []*agentState) [][24]float64 {
	load := make([]float64, len(shifts))
	for _, a := range agents {
		load[a.shift] += a.load
	}
	var target [24]float64
	var covered float64
	for h := range 24 {
		for s, sh := range shifts {
			if load[s] > 0 && h >= sh.from && h < sh.to {
				target[h] = hourWeights[h]
				covered += hourWeights[h]
				break
			}
		}
	}
	var total float64
	for _, l := range load {
		total += l
	}
	for h := range target {
		target[h] *= total / covered
	}
	var f [24]float64
	for h := range f {
		f[h] = 1
	}
	for range 60 {
		var got [24]float64
		for s, sh := range shifts {
			if load[s] == 0 {
				continue
			}
			z := 0.0
			for h := sh.from; h < sh.to; h++ {
				z += hourWeights[h] * f[h]
			}
			for h := sh.from; h < sh.to; h++ {
				got[h] += load[s] * hourWeights[h] * f[h] / z
			}
		}
		for h := range f {
			if got[h] > 0 {
				f[h] = clamp(f[h]*target[h]/got[h], 0.1, 10)
			}
		}
	}
	out := make([][24]float64, len(shifts))
	for s, sh := range shifts {
		sum := 0.0
		for h := range 24 {
			if h >= sh.from && h < sh.to {
				sum += hourWeights[h] * f[h]
			}
			out[s][h] = sum
		}
	}
	return out
}

// demand scales contact volume by weekday: a busy Monday, quieter weekends.
var demand = [7]float64{
	time.Sunday: 0.8, time.Monday: 1.08, time.Tuesday: 1.0, time.Wednesday: 1.0,
	time.Thursday: 1.0, time.Friday: 0.95, time.Saturday: 0.88,
}

// contact is one call or chat being generated.
type contact struct {
	ord         int
	chat        bool
	agent       *agentState // nil for an abandoned call
	queue       int
	customer    int
	start       time.Time // offered_at or started_at
	outbound    bool
	answered    time.Time // zero for an abandoned call
	end         time.Time
	hold, acw   float64
	resolved    bool
	resolvedAt  time.Time // zero if unresolved or not recorded
	resolveLag  float64   // seconds from end to resolved_at; negative if not recorded
	inquiry     bool
	complaint   bool
	transferred bool
	utc         bool
	msgs        []event.Message
	id          string
}

func (c *contact) handled() bool { return c.agent != nil }

// day generates the contacts of day d and queues their records.
func (r *run) day(d int) {
	cfg := r.cfg
	rng := rand.New(rand.NewPCG(r.g.seedA+uint64(d)*0x9e3779b97f4a7c15, r.g.seedB^uint64(d)))
	start := r.dayStart(d)
	y, m, dd := start.Date()
	wd := start.Weekday()
	at := func(hour int, sec int) time.Time {
		return time.Date(y, m, dd, hour, 0, sec, 0, cfg.Location)
	}

	var cs []*contact
	ord := 0
	for _, a := range r.g.agents {
		if d < a.hiredDay || wd == a.offDays[0] || wd == a.offDays[1] || rng.Float64() < 0.03 {
			continue // not hired yet, day off, or on leave
		}
		n := poisson(rng, cfg.ContactsPerAgentDay*a.load*demand[wd])
		if n == 0 {
			continue
		}
		mine := make([]*contact, n)
		for i := range mine {
			c := &contact{ord: ord, agent: a, chat: rng.Float64() < 0.55}
			ord++
			c.queue = pickQueue(rng, a)
			c.start = at(pickHour(rng, &r.g.hours[a.shift]), rng.IntN(3600))
			mine[i] = c
		}
		slices.SortFunc(mine, func(x, y *contact) int {
			if c := x.start.Compare(y.start); c != 0 {
				return c
			}
			return x.ord - y.ord
		})
		var busy time.Time
		for _, c := range mine {
			if c.chat {
				r.fillChat(rng, c)
			} else {
				busy = r.fillCall(rng, c, busy)
			}
		}
		cs = append(cs, mine...)
	}

	// Abandoned calls: more at peak hours.
	var abandoned []*contact
	for _, c := range cs {
		if c.chat || c.outbound {
			continue
		}
		h := c.start.In(cfg.Location).Hour()
		p := 0.035 + 0.06*hourWeights[h]/maxHourWeight
		if c.queue == qComplaints {
			p += 0.02
		}
		if rng.Float64() < p/(1-p) {
			ab := &contact{ord: ord, queue: c.queue}
			ord++
			ab.start = c.start.Add(time.Duration(rng.IntN(1800)-900) * time.Second)
			if ab.start.Before(start) {
				ab.start = start.Add(time.Duration(rng.IntN(600)) * time.Second)
			}
			wait := clamp(lognormal(rng, 45, 0.8), 3, 900)
			ab.end = ab.start.Add(secs(wait))
			abandoned = append(abandoned, ab)
		}
	}
	cs = append(cs, abandoned...)
	slices.SortFunc(cs, func(x, y *contact) int {
		if c := x.start.Compare(y.start); c != 0 {
			return c
		}
		return x.ord - y.ord
	})

	// Customers: those who promised to come back take a share of today's contacts; the rest
	// come from the customer base at random.
	back := r.follow[d]
	delete(r.follow, d)
	for i, c := range cs {
		if len(back) > 0 && rng.IntN(len(cs)-i) < len(back) {
			c.customer = back[len(back)-1]
			back = back[:len(back)-1]
		} else {
			c.customer = 1 + rng.IntN(r.g.pool)
		}
	}

	for _, c := range cs {
		r.finish(rng, d, c)
	}
}

// fillCall sets the timing and flags of a call; busy is when the agent is free again.
func (r *run) fillCall(rng *rand.Rand, c *contact, busy time.Time) time.Time {
	a := c.agent
	c.outbound = rng.Float64() < 0.08
	var wait float64
	if c.outbound {
		wait = 5 + float64(rng.IntN(21)) // ringing until the customer picks up
	} else {
		h := c.start.In(r.cfg.Location).Hour()
		load := 0.6 + hourWeights[h]/maxHourWeight
		wait = lognormal(rng, 12*load, 0.85)
		if rng.Float64() < 0.05 {
			wait += rng.ExpFloat64() * 150 // the long tail: queue backlog
		}
		wait = clamp(wait, 2, 1200)
	}
	c.answered = c.start.Add(secs(wait))
	if !busy.IsZero() && c.answered.Before(busy) {
		// The agent is still on the previous call. Usually the router would have sent this
		// call to someone else, so the agent takes a later one; sometimes the customer simply
		// waits longer in the agent's skill queue.
		gap := secs(float64(2 + rng.IntN(20)))
		if c.outbound || busy.Sub(c.start) > 5*time.Minute || rng.Float64() < 0.7 {
			c.start = busy.Add(gap)
			c.answered = c.start.Add(secs(wait))
		} else {
			c.answered = busy.Add(gap)
		}
	}
	median := 240.0
	switch {
	case c.outbound:
		median = 150
	case c.queue == qComplaints:
		median = 340
	case c.queue == qBilling:
		median = 270
	}
	talk := clamp(lognormal(rng, median/a.speed, 0.55), 30, 2400)
	c.end = c.answered.Add(secs(talk))
	if rng.Float64() < 0.35 {
		c.hold = float64(10 + rng.IntN(int(min(240, talk/3))+1))
	}
	if rng.Float64() < 0.95 {
		c.acw = math.Round(clamp(lognormal(rng, 25/a.speed, 0.7), 3, 600))
	}
	r.fillOutcome(rng, c)
	c.setResolvedAt()
	return c.end.Add(secs(c.acw))
}

// fillOutcome sets resolution, inquiry, complaint and transfer flags.
func (r *run) fillOutcome(rng *rand.Rand, c *contact) {
	a := c.agent
	q := a.quality
	switch c.queue {
	case qPresale:
		c.inquiry = rng.Float64() < 0.6
	default:
		c.inquiry = rng.Float64() < 0.03
	}
	if c.queue == qComplaints {
		c.complaint = rng.Float64() < 0.15
		c.transferred = rng.Float64() < 0.06
	} else {
		c.complaint = rng.Float64() < 0.003+0.012*(1-q)
		c.transferred = rng.Float64() < 0.025
	}
	pr := 0.55 + 0.35*q
	if c.queue == qComplaints {
		pr -= 0.15
	}
	if c.transferred {
		pr -= 0.2
	}
	c.resolved = rng.Float64() < pr
	if c.resolved {
		switch u := rng.Float64(); {
		case u < 0.75:
			c.resolveLag = 0
		case u < 0.95:
			// Resolved later, after a callback or a back-office step.
			c.resolveLag = clamp(lognormal(rng, 7200, 1.3), 60, 5*86400)
		default:
			c.resolveLag = -1 // resolved, but the platform did not record when
		}
	}
}

// setResolvedAt fixes resolved_at once the contact's end is known.
func (c *contact) setResolvedAt() {
	if c.resolved && c.resolveLag >= 0 {
		c.resolvedAt = c.end.Add(secs(c.resolveLag))
	}
}

// fillChat builds a chat transcript and sets the chat's timing and flags.
func (r *run) fillChat(rng *rand.Rand, c *contact) {
	a := c.agent
	q := c.queue
	c.utc = rng.Float64() < 0.1
	r.fillOutcome(rng, c)
	msgs := make([]event.Message, 0, 16)
	t := c.start
	add := func(from, text string) {
		msgs = append(msgs, event.Message{At: t, From: from, Text: text})
	}
	wait := func(median, sigma, lo, hi float64) {
		t = t.Add(secs(clamp(lognormal(rng, median, sigma), lo, hi)))
	}
	agentSay := func() {
		if rng.Float64() < 0.7 {
			add(event.FromAgent, pick(rng, agentReplies[q]))
		} else {
			add(event.FromAgent, pick(rng, agentFillers))
		}
	}
	reply := func() { wait(30/a.speed, 0.8, 3, 900) } // agent response time

	if rng.Float64() < 0.05 {
		// Opened by the agent: an outbound follow-up.
		add(event.FromAgent, pick(rng, agentOpeners))
		wait(90, 1.2, 5, 3600)
		add(event.FromCustomer, pick(rng, customerFollowUps))
		reply()
		agentSay()
	} else {
		add(event.FromCustomer, pick(rng, openers[q]))
		if rng.Float64() < 0.3 {
			// The customer adds details before anyone answers.
			wait(8, 0.6, 2, 60)
			add(event.FromCustomer, pick(rng, customerFollowUps))
		}
		sys := t
		t = t.Add(secs(float64(1 + rng.IntN(8))))
		if rng.Float64() < 0.5 {
			add(event.FromSystem, sysConnected)
		} else {
			add(event.FromSystem, fmt.Sprintf(sysAssigned, a.Name))
		}
		t = sys
		// First response: mostly seconds, sometimes minutes at peak.
		t = t.Add(secs(clamp(lognormal(rng, 20/a.speed, 0.9)+tail(rng, 0.06, 120), 3, 1800)))
		greeting := pick(rng, agentGreetings)
		if strings.Contains(greeting, "%s") {
			greeting = fmt.Sprintf(greeting, a.Name)
		}
		add(event.FromAgent, greeting)
		if rng.Float64() < 0.5 {
			wait(15, 0.6, 3, 120)
			agentSay()
		}
	}
	turns := 1 + rng.IntN(5)
	for i := 0; i < turns; i++ {
		wait(40, 0.9, 5, 900)
		run := 1
		if u := rng.Float64(); u < 0.07 {
			run = 3
		} else if u < 0.25 {
			run = 2
		}
		for j := 0; j < run; j++ {
			if j > 0 {
				wait(10, 0.7, 2, 90)
			}
			add(event.FromCustomer, pick(rng, customerFollowUps))
		}
		reply()
		agentSay()
		if rng.Float64() < 0.2 {
			wait(12, 0.6, 2, 120)
			agentSay()
		}
		if i == turns/2 && c.transferred {
			t = t.Add(secs(float64(5 + rng.IntN(30))))
			add(event.FromSystem, sysTransferred)
		}
	}
	switch u := rng.Float64(); {
	case u < 0.07:
		// A final question nobody answered: the customer gave up.
		wait(40, 0.9, 5, 600)
		add(event.FromCustomer, pick(rng, customerFollowUps))
		t = t.Add(secs(float64(60 + rng.IntN(600))))
		add(event.FromSystem, sysLeft)
	default:
		wait(20, 0.6, 3, 300)
		add(event.FromAgent, pick(rng, agentClosings))
		if rng.Float64() < 0.45 {
			wait(20, 0.7, 3, 300)
			add(event.FromCustomer, pick(rng, customerClosings))
			if rng.Float64() < 0.3 {
				reply()
				add(event.FromAgent, "不客气，祝您生活愉快")
			}
		}
		if rng.Float64() < 0.5 {
			t = t.Add(secs(float64(5 + rng.IntN(60))))
			add(event.FromSystem, sysEnded)
		}
	}
	c.end = t.Add(secs(float64(rng.IntN(120))))
	c.setResolvedAt()

	// Privacy: some platforms withhold text.
	if rng.Float64() < 0.03 {
		for i := range msgs {
			msgs[i].Text = ""
		}
	} else {
		for i := range msgs {
			if rng.Float64() < 0.02 {
				msgs[i].Text = ""
			}
		}
	}
	// Messages arrive in any order: some platforms batch them out of order.
	switch u := rng.Float64(); {
	case u < 0.02:
		rng.Shuffle(len(msgs), func(i, j int) { msgs[i], msgs[j] = msgs[j], msgs[i] })
	case u < 0.14:
		for k := 1 + rng.IntN(2); k > 0; k-- {
			i := rng.IntN(len(msgs) - 1)
			msgs[i], msgs[i+1] = msgs[i+1], msgs[i]
		}
	}
	c.msgs = msgs
}

// finish assigns ids, renders the contact and queues its records, survey and order events, and
// the customer's possible return.
func (r *run) finish(rng *rand.Rand, d int, c *contact) {
	tag := r.g.tag
	if c.chat {
		r.nChat++
		c.id = fmt.Sprintf("chat-%s-%06d", tag, r.nChat)
		r.push(Record{Kind: event.KindChat, Key: []byte(c.id), Value: r.renderChat(c), At: c.end})
	} else {
		r.nCall++
		c.id = fmt.Sprintf("call-%s-%06d", tag, r.nCall)
		r.push(Record{Kind: event.KindCall, Key: []byte(c.id), Value: r.renderCall(c), At: c.end})
	}

	// Return contacts within a week: likelier when the problem was not solved.
	p := 0.04
	switch {
	case !c.handled():
		p = 0.35
	case !c.resolved:
		p = 0.3
	}
	if rng.Float64() < p {
		later := 1 + int(math.Min(5, rng.ExpFloat64()*1.5))
		if d+later < r.cfg.Days {
			r.follow[d+later] = append(r.follow[d+later], c.customer)
		}
	}
	if !c.handled() {
		return
	}

	// Survey.
	ps := 0.3
	if c.outbound {
		ps = 0.15
	}
	if rng.Float64() < ps {
		r.survey(rng, c)
	}
	// Order: a share of inquiries convert.
	if c.inquiry {
		pc := c.agent.sales
		if !c.agent.profile.sales {
			pc *= 0.6
		}
		if rng.Float64() < pc {
			r.order(rng, c)
		}
	}
}

var (
	scoresResolved   = [5]float64{0.03, 0.03, 0.08, 0.25, 0.61} // P(score = 1..5)
	scoresUnresolved = [5]float64{0.13, 0.12, 0.20, 0.27, 0.28}
	scoresComplaint  = [5]float64{0.30, 0.20, 0.25, 0.15, 0.10}
)

func (r *run) survey(rng *rand.Rand, c *contact) {
	table := &scoresUnresolved
	switch {
	case c.complaint:
		table = &scoresComplaint
	case c.resolved:
		table = &scoresResolved
	}
	u := rng.Float64()
	score := 5
	for i, p := range table {
		if u < p {
			score = i + 1
			break
		}
		u -= p
	}
	q := c.agent.quality
	switch v := rng.Float64(); {
	case v < (q-0.5)*0.4:
		score = min(5, score+1)
	case v < (0.5-q)*0.4:
		score = max(1, score-1)
	}
	var delay float64
	switch v := rng.Float64(); {
	case v < 0.55:
		delay = clamp(lognormal(rng, 300, 1.0), 10, 3600)
	case v < 0.85:
		delay = 3600 + rng.Float64()*23*3600
	default:
		delay = 86400 + rng.Float64()*13*86400
	}
	answered := c.end.Add(secs(delay))
	r.nSurvey++
	id := fmt.Sprintf("sv-%s-%06d", r.g.tag, r.nSurvey)
	s := event.Survey{SurveyID: id, InteractionID: c.id, Channel: event.ChannelCall, Score: score, AnsweredAt: answered}
	if c.chat {
		s.Channel = event.ChannelChat
	}
	if rng.Float64() < 0.4 {
		switch {
		case score >= 4:
			s.Comment = pick(rng, commentsGood)
		case score == 3:
			s.Comment = pick(rng, commentsMid)
		default:
			s.Comment = pick(rng, commentsBad)
		}
	}
	// Two survey vendors: the SMS vendor reports in UTC.
	utc := rng.Float64() < 0.35
	s.AnsweredAt = r.zone(s.AnsweredAt, utc)
	r.push(Record{Kind: event.KindSurvey, Key: []byte(id), Value: mustJSON(s), At: answered})
}

func (r *run) order(rng *rand.Rand, c *contact) {
	var delay float64
	switch v := rng.Float64(); {
	case v < 0.7:
		delay = 60 + rng.Float64()*29*60
	case v < 0.95:
		delay = 1800 + rng.Float64()*5.5*3600
	default:
		delay = 6*3600 + rng.Float64()*42*3600
	}
	created := c.end.Add(secs(delay))
	r.nOrder++
	o := event.Order{
		OrderID:       fmt.Sprintf("ord-%s-%06d", r.g.tag, r.nOrder),
		CustomerID:    customerID(c.customer),
		AgentID:       c.agent.ID,
		InteractionID: c.id,
		AmountMinor:   orderAmount(rng),
	}
	if rng.Float64() < 0.9 {
		o.Currency = event.DefaultCurrency
	}
	emit := func(status string, at time.Time, utc bool) {
		e := o
		e.Status = status
		e.At = r.zone(at, utc)
		r.push(Record{Kind: event.KindOrder, Key: []byte(o.OrderID), Value: mustJSON(e), At: at})
	}
	// The shop front reports in business time; the payment gateway in UTC.
	emit(event.StatusCreated, created, false)
	switch v := rng.Float64(); {
	case v < 0.78:
		var pd float64
		if rng.Float64() < 0.85 {
			pd = 20 + rng.Float64()*20*60
		} else {
			pd = 20*60 + rng.Float64()*2*86400
		}
		paid := created.Add(secs(pd))
		emit(event.StatusPaid, paid, true)
		if rng.Float64() < 0.07 {
			emit(event.StatusRefunded, paid.Add(secs(86400+rng.Float64()*19*86400)), true)
		}
	case v < 0.93:
		emit(event.StatusCancelled, created.Add(secs(600+rng.Float64()*3*86400)), false)
	default:
		// never paid: the order stays created
	}
}

// orderAmount draws a price-like amount in fen: mostly tens to hundreds of yuan, sometimes
// thousands, ending in .00, .90 or .99 as shop prices do.
func orderAmount(rng *rand.Rand) int64 {
	yuan := int64(clamp(lognormal(rng, 260, 0.9), 9, 30000))
	var cents int64
	switch u := rng.Float64(); {
	case u < 0.4:
	case u < 0.7:
		cents = 90
	case u < 0.9:
		cents = 99
	default:
		cents = int64(rng.IntN(100))
	}
	return yuan*100 + cents
}

func customerID(n int) string { return fmt.Sprintf("c-%06d", n) }

// zone returns t in the business time zone, or in UTC for producers that send Z times.
func (r *run) zone(t time.Time, utc bool) time.Time {
	if utc {
		return t.UTC()
	}
	return t.In(r.cfg.Location)
}

func (r *run) zonePtr(t time.Time, utc bool) *time.Time {
	if t.IsZero() {
		return nil
	}
	z := r.zone(t, utc)
	return &z
}

func (r *run) renderCall(c *contact) []byte {
	e := event.Call{
		CallID:      c.id,
		CustomerID:  customerID(c.customer),
		Queue:       Queues[c.queue],
		OfferedAt:   r.zone(c.start, false),
		EndedAt:     r.zone(c.end, false),
		HoldSeconds: c.hold,
		ACWSeconds:  c.acw,
		Resolved:    c.resolved,
		ResolvedAt:  r.zonePtr(c.resolvedAt, false),
		Inquiry:     c.inquiry,
		Complaint:   c.complaint,
		Transferred: c.transferred,
	}
	if c.outbound {
		e.Direction = event.DirectionOutbound
	} else {
		e.Direction = event.DirectionInbound
	}
	if c.handled() {
		e.AgentID = c.agent.ID
		e.AnsweredAt = r.zonePtr(c.answered, false)
		s := r.zone(c.start, false)
		e.RecordingURL = fmt.Sprintf("https://recordings.ccqa.example/%04d/%02d/%02d/%s.mp3", s.Year(), s.Month(), s.Day(), c.id)
	}
	return mustJSON(e)
}

func (r *run) renderChat(c *contact) []byte {
	e := event.Chat{
		ChatID:      c.id,
		AgentID:     c.agent.ID,
		CustomerID:  customerID(c.customer),
		Queue:       Queues[c.queue],
		StartedAt:   r.zone(c.start, c.utc),
		EndedAt:     r.zone(c.end, c.utc),
		Messages:    c.msgs,
		Resolved:    c.resolved,
		ResolvedAt:  r.zonePtr(c.resolvedAt, c.utc),
		Inquiry:     c.inquiry,
		Complaint:   c.complaint,
		Transferred: c.transferred,
	}
	for i := range e.Messages {
		e.Messages[i].At = r.zone(e.Messages[i].At, c.utc)
	}
	// Marshal without event.Chat's MarshalJSON, which only guards against a nil Messages
	// (never nil here) but makes encoding/json re-scan the whole output.
	type plainChat event.Chat
	b := mustJSON(plainChat(e))
	c.msgs = nil
	return b
}

// pickQueue draws a queue index by the agent's team profile.
func pickQueue(rng *rand.Rand, a *agentState) int {
	u := rng.Float64() * a.cumQueue[3]
	for q, c := range a.cumQueue {
		if u < c {
			return q
		}
	}
	return 0
}

// pickHour draws an hour from cumulative hourly weights.
func pickHour(rng *rand.Rand, cum *[24]float64) int {
	u := rng.Float64() * cum[23]
	for h, c := range cum {
		if u < c {
			return h
		}
	}
	return 23
}

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

// lognormal draws a log-normal value with the given median.
func lognormal(rng *rand.Rand, median, sigma float64) float64 {
	return median * math.Exp(sigma*rng.NormFloat64())
}

// tail adds, with probability p, an exponential delay with the given mean.
func tail(rng *rand.Rand, p, mean float64) float64 {
	if rng.Float64() < p {
		return rng.ExpFloat64() * mean
	}
	return 0
}

// poisson draws a Poisson count with mean lambda.
func poisson(rng *rand.Rand, lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	if lambda > 60 {
		return max(0, int(math.Round(lambda+math.Sqrt(lambda)*rng.NormFloat64())))
	}
	l := math.Exp(-lambda)
	k, p := 0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// secs converts seconds to a whole-second duration.
func secs(s float64) time.Duration {
	return time.Duration(math.Round(s)) * time.Second
}

// mustJSON marshals values that cannot fail to marshal.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("traffic: " + err.Error())
	}
	return b
}
