package traffic

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccqa/ccqa/event"
)

var shanghai = defaultLocation()

func smallConfig(seed int64) Config {
	return Config{
		Seed:                seed,
		Start:               time.Date(2026, 11, 1, 0, 0, 0, 0, shanghai),
		Days:                14,
		Agents:              12,
		Teams:               4,
		ContactsPerAgentDay: 20,
	}
}

func collect(t testing.TB, cfg Config) []Record {
	t.Helper()
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out []Record
	if err := g.Generate(context.Background(), func(r Record) error {
		out = append(out, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func hashRecords(recs []Record) [32]byte {
	h := sha256.New()
	for _, r := range recs {
		h.Write([]byte(r.Kind))
		h.Write([]byte{0})
		h.Write(r.Key)
		h.Write([]byte{0})
		h.Write(r.Value)
		h.Write([]byte{0})
		h.Write([]byte(r.At.UTC().Format(time.RFC3339)))
		if r.Duplicate {
			h.Write([]byte{'d'})
		}
		if r.Invalid {
			h.Write([]byte{'i'})
		}
	}
	var s [32]byte
	h.Sum(s[:0])
	return s
}

// The default configuration, shared by the tests that need volume; generated once.
var (
	defaultOnce sync.Once
	defaultRecs []Record
	defaultGen  *Generator
)

func defaultRecords(t *testing.T) ([]Record, *Generator) {
	t.Helper()
	defaultOnce.Do(func() {
		g, err := New(Config{Seed: 42})
		if err != nil {
			t.Fatal(err)
		}
		defaultGen = g
		if err := g.Generate(context.Background(), func(r Record) error {
			defaultRecs = append(defaultRecs, r)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
	if defaultGen == nil {
		t.Fatal("default generation failed")
	}
	return defaultRecs, defaultGen
}

func TestSameSeedSameOutput(t *testing.T) {
	a := collect(t, smallConfig(7))
	b := collect(t, smallConfig(7))
	if len(a) == 0 {
		t.Fatal("no records")
	}
	if hashRecords(a) != hashRecords(b) {
		t.Fatal("same seed and config gave different output")
	}
	// A Generator can be reused: a second Generate yields the same records.
	g, _ := New(smallConfig(7))
	var c []Record
	g.Generate(context.Background(), func(r Record) error { c = append(c, r); return nil })
	var d []Record
	g.Generate(context.Background(), func(r Record) error { d = append(d, r); return nil })
	if hashRecords(c) != hashRecords(a) || hashRecords(d) != hashRecords(a) {
		t.Fatal("repeated Generate calls differ")
	}
	// The Start's clock time and zone do not matter, only its date.
	cfg := smallConfig(7)
	cfg.Start = time.Date(2026, 11, 1, 15, 30, 0, 0, time.UTC)
	if hashRecords(collect(t, cfg)) != hashRecords(a) {
		t.Fatal("Start at another time of the same date changed the output")
	}
}

func TestDifferentSeedDifferentOutput(t *testing.T) {
	a := collect(t, smallConfig(1))
	b := collect(t, smallConfig(2))
	if hashRecords(a) == hashRecords(b) {
		t.Fatal("different seeds gave identical output")
	}
	ga, _ := New(smallConfig(1))
	gb, _ := New(smallConfig(2))
	if slices.Equal(ga.Agents(), gb.Agents()) {
		t.Fatal("different seeds gave identical agents")
	}
}

func TestEveryValidRecordDecodes(t *testing.T) {
	recs, _ := defaultRecords(t)
	seen := make(map[string][]byte) // kind/key → first value, for valid records
	var invalid, dups int
	reasons := make(map[string]int)
	for i, r := range recs {
		if i > 0 && r.At.Before(recs[i-1].At) {
			t.Fatalf("record %d at %v is before record %d at %v", i, r.At, i-1, recs[i-1].At)
		}
		if !slices.Contains(event.Kinds, r.Kind) {
			t.Fatalf("record %d has unknown kind %q", i, r.Kind)
		}
		if bytes.IndexByte(r.Value, '\n') >= 0 {
			t.Fatalf("record %d contains a newline: %q", i, r.Value)
		}
		v, err := event.Decode(r.Kind, r.Value)
		if r.Invalid {
			invalid++
			reasons[r.InvalidReason]++
			if err == nil {
				t.Errorf("invalid record (%s) decodes: %s", r.InvalidReason, r.Value)
			} else if _, ok := event.AsValidation(err); !ok {
				t.Errorf("invalid record (%s) fails without a ValidationError: %v", r.InvalidReason, err)
			}
			if r.InvalidReason == "" {
				t.Errorf("invalid record without a reason: %s", r.Value)
			}
			continue
		}
		if err != nil {
			t.Fatalf("record %d (%s) does not decode: %v\n%s", i, r.Kind, err, r.Value)
		}
		if id := eventID(v); id != string(r.Key) {
			t.Fatalf("record %d: key %q, event id %q", i, r.Key, id)
		}
		k := string(r.Kind) + "/" + string(r.Key)
		if r.Duplicate {
			dups++
			// A duplicate repeats an earlier message byte for byte. Orders have several
			// events per key, so for them any earlier event with the same bytes will do.
			if r.Kind == event.KindOrder {
				if !slices.ContainsFunc(recs[:i], func(p Record) bool { return !p.Duplicate && bytes.Equal(p.Value, r.Value) }) {
					t.Fatalf("order duplicate %d repeats nothing earlier: %s", i, r.Value)
				}
			} else if !bytes.Equal(seen[k], r.Value) {
				t.Fatalf("duplicate %d differs from the original:\n%s\n%s", i, seen[k], r.Value)
			}
			continue
		}
		if prev, ok := seen[k]; ok && r.Kind != event.KindOrder {
			t.Fatalf("id %s sent twice without the Duplicate flag:\n%s\n%s", k, prev, r.Value)
		}
		if _, ok := seen[k]; !ok {
			seen[k] = r.Value
		}
	}
	if invalid == 0 || dups == 0 {
		t.Fatalf("invalid %d, duplicates %d: want some of each", invalid, dups)
	}
	if len(reasons) < 8 {
		t.Errorf("only %d distinct invalid reasons: %v", len(reasons), reasons)
	}
	t.Logf("%d records, %d duplicates, %d invalid, reasons: %v", len(recs), dups, invalid, reasons)
}

func eventID(v any) string {
	switch e := v.(type) {
	case event.Call:
		return e.CallID
	case event.Chat:
		return e.ChatID
	case event.Survey:
		return e.SurveyID
	case event.Order:
		return e.OrderID
	}
	return ""
}

// decoded returns the valid, non-duplicate events of recs by kind.
func decoded(t *testing.T, recs []Record) (calls []event.Call, chats []event.Chat, surveys []event.Survey, orders []event.Order) {
	t.Helper()
	for _, r := range recs {
		if r.Invalid || r.Duplicate {
			continue
		}
		v, err := event.Decode(r.Kind, r.Value)
		if err != nil {
			t.Fatal(err)
		}
		switch e := v.(type) {
		case event.Call:
			calls = append(calls, e)
		case event.Chat:
			chats = append(chats, e)
		case event.Survey:
			surveys = append(surveys, e)
		case event.Order:
			orders = append(orders, e)
		}
	}
	return
}

func TestDuplicateAndInvalidRates(t *testing.T) {
	check := func(t *testing.T, recs []Record, dupRate, invRate float64) {
		var valid, dups, inv int
		for _, r := range recs {
			switch {
			case r.Duplicate:
				dups++
			case r.Invalid:
				inv++
			default:
				valid++
			}
		}
		near := func(name string, got int, rate float64) {
			want := rate * float64(valid)
			// Four standard deviations of a binomial count, plus a little slack.
			tol := 4*math.Sqrt(want) + 2
			if math.Abs(float64(got)-want) > tol {
				t.Errorf("%s: got %d, want %.0f ± %.0f (rate %g of %d valid)", name, got, want, tol, rate, valid)
			}
		}
		near("duplicates", dups, dupRate)
		near("invalid", inv, invRate)
	}
	t.Run("defaults", func(t *testing.T) {
		recs, _ := defaultRecords(t)
		check(t, recs, DefaultDuplicateRate, DefaultInvalidRate)
	})
	t.Run("high", func(t *testing.T) {
		cfg := smallConfig(3)
		cfg.DuplicateRate = 0.08
		cfg.InvalidRate = 0.05
		check(t, collect(t, cfg), 0.08, 0.05)
	})
	t.Run("off", func(t *testing.T) {
		cfg := smallConfig(3)
		cfg.DuplicateRate = RateOff
		cfg.InvalidRate = RateOff
		for _, r := range collect(t, cfg) {
			if r.Duplicate || r.Invalid {
				t.Fatalf("rates are off, got %+v", r)
			}
		}
	})
}

func TestWeeklyAndDailyRhythm(t *testing.T) {
	recs, g := defaultRecords(t)
	calls, chats, _, _ := decoded(t, recs)
	loc := g.Config().Location
	perDay := make(map[string]int)
	var hours [24]int
	add := func(ts time.Time) {
		l := ts.In(loc)
		perDay[l.Format(time.DateOnly)]++
		hours[l.Hour()]++
	}
	for _, c := range calls {
		add(c.OfferedAt)
	}
	for _, c := range chats {
		add(c.StartedAt)
	}
	var wdSum, weSum, wdN, weN float64
	for d := range g.Config().Days {
		day := g.Config().Start.AddDate(0, 0, d)
		n := float64(perDay[day.Format(time.DateOnly)])
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			weSum += n
			weN++
		} else {
			wdSum += n
			wdN++
		}
	}
	weekday, weekend := wdSum/wdN, weSum/weN
	if weekend >= 0.75*weekday || weekend == 0 {
		t.Errorf("mean contacts per weekend day %.0f, per weekday %.0f: want clearly fewer but some on weekends", weekend, weekday)
	}
	total := 0
	for _, n := range hours {
		total += n
	}
	business := 0
	for h := 9; h < 21; h++ {
		business += hours[h]
	}
	if share := float64(business) / float64(total); share < 0.8 {
		t.Errorf("share of contacts 09:00–21:00 is %.2f, want most: %v", share, hours)
	}
	if hours[12] <= hours[15] || hours[20] <= hours[16] {
		t.Errorf("want a lunch and an evening peak: %v", hours)
	}
	// Mean handled contacts per agent per working day close to the configuration.
	handled := len(chats)
	for _, c := range calls {
		if c.Answered() {
			handled++
		}
	}
	agentDays := make(map[string]bool)
	for _, c := range calls {
		if c.Answered() {
			agentDays[c.AgentID+c.OfferedAt.In(loc).Format(time.DateOnly)] = true
		}
	}
	for _, c := range chats {
		agentDays[c.AgentID+c.StartedAt.In(loc).Format(time.DateOnly)] = true
	}
	mean := float64(handled) / float64(len(agentDays))
	if mean < 0.75*DefaultContactsPerAgentDay || mean > 1.25*DefaultContactsPerAgentDay {
		t.Errorf("mean handled contacts per agent working day %.1f, want about %g", mean, DefaultContactsPerAgentDay)
	}
	t.Logf("weekday %.0f, weekend %.0f per day; hours %v; %.1f contacts per agent day", weekday, weekend, hours, mean)
}

func TestCallsAndChatsAreRealistic(t *testing.T) {
	recs, g := defaultRecords(t)
	calls, chats, _, _ := decoded(t, recs)
	agents := make(map[string]bool)
	for _, a := range g.Agents() {
		agents[a.ID] = true
	}

	var abandoned, outbound, inbound, within60, inquiry, complaint, resolvedLate, zulu int
	queues := make(map[string]int)
	for _, c := range calls {
		queues[c.Queue]++
		if c.Direction == event.DirectionOutbound {
			outbound++
		} else {
			inbound++
		}
		if !c.Answered() {
			abandoned++
			if c.AgentID != "" || c.RecordingURL != "" {
				t.Fatalf("abandoned call with an agent or recording: %+v", c)
			}
			continue
		}
		if !agents[c.AgentID] {
			t.Fatalf("unknown agent %q", c.AgentID)
		}
		if c.RecordingURL == "" {
			t.Fatalf("answered call without recording: %+v", c)
		}
		if c.AnsweredAt.Sub(c.OfferedAt) <= 60*time.Second {
			within60++
		}
		if c.Inquiry {
			inquiry++
		}
		if c.Complaint {
			complaint++
		}
		if c.ResolvedAt != nil && c.ResolvedAt.After(c.EndedAt) {
			resolvedLate++
		}
		if _, off := c.OfferedAt.Zone(); off != 8*3600 {
			t.Fatalf("call time not in +08:00: %v", c.OfferedAt)
		}
	}
	answered := len(calls) - abandoned
	rate := float64(abandoned) / float64(inbound)
	if rate < 0.04 || rate > 0.12 {
		t.Errorf("abandon rate %.3f, want about 5–10%%", rate)
	}
	if outbound == 0 || float64(outbound)/float64(len(calls)) > 0.2 {
		t.Errorf("outbound calls %d of %d", outbound, len(calls))
	}
	if s := float64(within60) / float64(answered); s < 0.7 {
		t.Errorf("only %.2f of calls answered within 60 s", s)
	}
	if inquiry == 0 || resolvedLate == 0 {
		t.Errorf("inquiries %d, resolved after the end %d: want some", inquiry, resolvedLate)
	}
	if s := float64(complaint) / float64(answered); s == 0 || s > 0.08 {
		t.Errorf("complaint share %.3f, want rare but present", s)
	}
	for _, q := range Queues {
		if queues[q] == 0 {
			t.Errorf("no calls in queue %s", q)
		}
	}

	var shuffled, agentOpened, unanswered, withheld, system, customerRuns int
	for _, c := range chats {
		if !agents[c.AgentID] {
			t.Fatalf("unknown agent %q", c.AgentID)
		}
		if _, off := c.StartedAt.Zone(); off == 0 {
			zulu++
		}
		if len(c.Messages) < 4 {
			t.Fatalf("chat with %d messages", len(c.Messages))
		}
		if !slices.IsSortedFunc(c.Messages, func(a, b event.Message) int { return a.At.Compare(b.At) }) {
			shuffled++
		}
		msgs := slices.Clone(c.Messages)
		slices.SortStableFunc(msgs, func(a, b event.Message) int { return a.At.Compare(b.At) })
		var human []event.Message
		for _, m := range msgs {
			if m.From == event.FromSystem {
				system++
				continue
			}
			human = append(human, m)
			if m.Text == "" {
				withheld++
			}
		}
		if human[0].From == event.FromAgent {
			agentOpened++
		}
		if human[len(human)-1].From == event.FromCustomer {
			unanswered++
		}
		for i := 1; i < len(human); i++ {
			if human[i].From == event.FromCustomer && human[i-1].From == event.FromCustomer {
				customerRuns++
			}
		}
		if msgs[0].At.Before(c.StartedAt) || msgs[len(msgs)-1].At.After(c.EndedAt) {
			t.Fatalf("messages outside the chat span: %+v", c)
		}
	}
	for name, n := range map[string]int{"shuffled": shuffled, "agent-opened": agentOpened, "final unanswered": unanswered,
		"withheld text": withheld, "system messages": system, "customer runs": customerRuns, "UTC chats": zulu} {
		if n == 0 {
			t.Errorf("no chats with %s", name)
		}
	}
	if float64(agentOpened) > 0.1*float64(len(chats)) || float64(shuffled) > 0.3*float64(len(chats)) {
		t.Errorf("agent-opened %d, shuffled %d of %d chats: want a few", agentOpened, shuffled, len(chats))
	}
}

func TestSurveysArriveAfterTheirContact(t *testing.T) {
	recs, g := defaultRecords(t)
	ends := make(map[string]time.Time)
	channel := make(map[string]string)
	var surveys, late, zulu, low, high int
	periodEnd := g.Config().Start.AddDate(0, 0, g.Config().Days)
	for _, r := range recs {
		if r.Invalid || r.Duplicate {
			continue
		}
		v, _ := event.Decode(r.Kind, r.Value)
		switch e := v.(type) {
		case event.Call:
			if e.Answered() {
				ends[e.CallID] = e.EndedAt
				channel[e.CallID] = event.ChannelCall
			}
		case event.Chat:
			ends[e.ChatID] = e.EndedAt
			channel[e.ChatID] = event.ChannelChat
		case event.Survey:
			surveys++
			end, ok := ends[e.InteractionID]
			if !ok {
				t.Fatalf("survey %s for %s arrives before its contact (or the contact is unknown)", e.SurveyID, e.InteractionID)
			}
			if e.AnsweredAt.Before(end) || e.AnsweredAt.After(end.Add(14*24*time.Hour)) {
				t.Fatalf("survey %s answered at %v, contact ended %v", e.SurveyID, e.AnsweredAt, end)
			}
			if e.Channel != channel[e.InteractionID] {
				t.Fatalf("survey %s channel %q for a %s", e.SurveyID, e.Channel, channel[e.InteractionID])
			}
			if !r.At.Equal(e.AnsweredAt) {
				t.Fatalf("survey sent at %v, answered at %v", r.At, e.AnsweredAt)
			}
			if !e.AnsweredAt.Before(periodEnd) {
				late++
			}
			if e.AnsweredAt.Location() == time.UTC {
				zulu++
			}
			switch {
			case e.Score <= 2:
				low++
			case e.Score >= 4:
				high++
			}
		}
	}
	share := float64(surveys) / float64(len(ends))
	if share < 0.2 || share > 0.4 {
		t.Errorf("survey share %.2f, want about 0.3", share)
	}
	if late == 0 || zulu == 0 || low == 0 {
		t.Errorf("surveys after the period %d, in UTC %d, scored 1–2 %d: want some of each", late, zulu, low)
	}
	if float64(high) < 0.6*float64(surveys) {
		t.Errorf("satisfied surveys %d of %d: want skewed high", high, surveys)
	}
}

func TestOrderLifecycles(t *testing.T) {
	recs, g := defaultRecords(t)
	inquiry := make(map[string]string) // contact id → agent id
	type state struct {
		first, last event.Order
	}
	orders := make(map[string]*state)
	var crossMonth, paid, cancelled, refunded int
	for _, r := range recs {
		if r.Invalid || r.Duplicate {
			continue
		}
		v, _ := event.Decode(r.Kind, r.Value)
		switch e := v.(type) {
		case event.Call:
			if e.Inquiry && e.Answered() {
				inquiry[e.CallID] = e.AgentID
			}
		case event.Chat:
			if e.Inquiry {
				inquiry[e.ChatID] = e.AgentID
			}
		case event.Order:
			s := orders[e.OrderID]
			if s == nil {
				if e.Status != event.StatusCreated {
					t.Fatalf("order %s starts with %s", e.OrderID, e.Status)
				}
				agent, ok := inquiry[e.InteractionID]
				if !ok || agent != e.AgentID {
					t.Fatalf("order %s not attributed to the agent of an earlier inquiry %s", e.OrderID, e.InteractionID)
				}
				orders[e.OrderID] = &state{e, e}
				continue
			}
			prev := s.last.Status
			okNext := map[string]string{event.StatusPaid: event.StatusCreated, event.StatusCancelled: event.StatusCreated, event.StatusRefunded: event.StatusPaid}
			if okNext[e.Status] != prev {
				t.Fatalf("order %s goes from %s to %s", e.OrderID, prev, e.Status)
			}
			if e.AmountMinor != s.first.AmountMinor || e.CustomerID != s.first.CustomerID || e.AgentID != s.first.AgentID {
				t.Fatalf("order %s changes amount, customer or agent", e.OrderID)
			}
			if e.At.Before(s.last.At) {
				t.Fatalf("order %s event at %v before the previous one", e.OrderID, e.At)
			}
			s.last = e
			switch e.Status {
			case event.StatusPaid:
				paid++
			case event.StatusCancelled:
				cancelled++
			case event.StatusRefunded:
				refunded++
			}
			loc := g.Config().Location
			if s.first.At.In(loc).Month() != e.At.In(loc).Month() {
				crossMonth++
			}
		}
	}
	for _, s := range orders {
		if s.first.AmountMinor <= 0 {
			t.Fatalf("order amount %d", s.first.AmountMinor)
		}
	}
	if len(orders) < 100 || paid < len(orders)/2 || cancelled == 0 || refunded == 0 || crossMonth == 0 {
		t.Errorf("orders %d, paid %d, cancelled %d, refunded %d, crossing a month %d", len(orders), paid, cancelled, refunded, crossMonth)
	}
}

func TestTimestampsMostlyBusinessZone(t *testing.T) {
	recs, _ := defaultRecords(t)
	var plus8, z int
	for _, r := range recs {
		if r.Invalid {
			continue
		}
		plus8 += bytes.Count(r.Value, []byte(`+08:00"`))
		z += bytes.Count(r.Value, []byte(`Z"`))
	}
	if z == 0 || z*4 > plus8 {
		t.Errorf("timestamps +08:00: %d, Z: %d: want mostly +08:00, some Z", plus8, z)
	}
}

func TestValidateNamesBadField(t *testing.T) {
	cases := []struct {
		field string
		cfg   Config
	}{
		{"Days", Config{Days: -1}},
		{"Days", Config{Days: MaxDays + 1}},
		{"Agents", Config{Agents: -5}},
		{"Teams", Config{Teams: -1}},
		{"Teams", Config{Agents: 3, Teams: 4}},
		{"ContactsPerAgentDay", Config{ContactsPerAgentDay: -1}},
		{"ContactsPerAgentDay", Config{ContactsPerAgentDay: math.NaN()}},
		{"DuplicateRate", Config{DuplicateRate: 0.9}},
		{"DuplicateRate", Config{DuplicateRate: math.NaN()}},
		{"InvalidRate", Config{InvalidRate: 2}},
		{"InvalidRate", Config{InvalidRate: math.Inf(-1)}},
	}
	for _, c := range cases {
		err := c.cfg.Validate()
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != c.field || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%+v: got %v, want an error naming %s", c.cfg, err, c.field)
		}
		if _, err := New(c.cfg); err == nil {
			t.Errorf("New accepted %+v", c.cfg)
		}
	}
	for _, ok := range []Config{{}, DefaultConfig(1), {DuplicateRate: RateOff, InvalidRate: -0.5}, smallConfig(1)} {
		if err := ok.Validate(); err != nil {
			t.Errorf("%+v: %v", ok, err)
		}
	}
	d := DefaultConfig(9)
	if d.Days != DefaultDays || d.Agents != DefaultAgents || d.Teams != DefaultTeams || d.Location == nil ||
		d.DuplicateRate != DefaultDuplicateRate || d.InvalidRate != DefaultInvalidRate || d.Start.Format(time.DateOnly) != "2026-11-01" {
		t.Errorf("DefaultConfig = %+v", d)
	}
}

func TestAgentsAndTargets(t *testing.T) {
	g, err := New(Config{Seed: 5, Agents: 40, Teams: 4, Start: time.Date(2026, 11, 20, 0, 0, 0, 0, shanghai), Days: 30})
	if err != nil {
		t.Fatal(err)
	}
	agents := g.Agents()
	if len(agents) != 40 {
		t.Fatalf("%d agents", len(agents))
	}
	ids := make(map[string]bool)
	names := make(map[string]bool)
	teams := make(map[string]int)
	levels := make(map[string]int)
	for _, a := range agents {
		if ids[a.ID] || names[a.Name] {
			t.Fatalf("duplicate agent id or name: %+v", a)
		}
		ids[a.ID], names[a.Name] = true, true
		teams[a.Team]++
		levels[a.Level]++
		if !strings.HasPrefix(a.ID, "a-") || len([]rune(a.Name)) < 2 || a.HiredOn.IsZero() {
			t.Fatalf("agent %+v", a)
		}
	}
	if agents[0].ID != "a-001" || len(teams) != 4 || levels[LevelLead] != 4 || levels[LevelSenior] == 0 || levels[LevelJunior] == 0 {
		t.Errorf("first id %s, teams %v, levels %v", agents[0].ID, teams, levels)
	}
	// The period 2026-11-20 + 30 days touches November and December.
	targets := g.Targets()
	if len(targets) != 80 {
		t.Fatalf("%d targets, want 80", len(targets))
	}
	for _, tg := range targets {
		if tg.Month.Day() != 1 || tg.SalesTargetMinor <= 0 || tg.SalesTargetMinor%100 != 0 {
			t.Fatalf("target %+v", tg)
		}
	}
}

func TestWriteCSV(t *testing.T) {
	var b bytes.Buffer
	err := WriteAgentsCSV(&b, []Agent{{ID: "a-001", Name: "张伟", Team: "售前一组", Level: LevelSenior, HiredOn: time.Date(2024, 3, 1, 0, 0, 0, 0, shanghai)}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "agent_id,name,team,level,hired_on\na-001,张伟,售前一组,senior,2024-03-01\n"; b.String() != want {
		t.Errorf("agents.csv:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	err = WriteTargetsCSV(&b, []Target{
		{AgentID: "a-001", Month: time.Date(2026, 11, 1, 0, 0, 0, 0, shanghai), SalesTargetMinor: 3000000},
		{AgentID: "a-002", Month: time.Date(2026, 12, 1, 0, 0, 0, 0, shanghai), SalesTargetMinor: 19990},
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "agent_id,month,sales_target\na-001,2026-11,30000.00\na-002,2026-12,199.90\n"; b.String() != want {
		t.Errorf("targets.csv:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestWriteFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	g, err := New(smallConfig(11))
	if err != nil {
		t.Fatal(err)
	}
	counts, err := WriteFiles(context.Background(), g, dir)
	if err != nil {
		t.Fatal(err)
	}
	recs := collect(t, smallConfig(11))
	var want Counts
	for _, r := range recs {
		want.Add(r)
	}
	if counts != want {
		t.Fatalf("counts %+v, want %+v", counts, want)
	}
	if counts.Total().Records != len(recs) || counts.Calls.Valid() == 0 || counts.Of(event.KindChat) != counts.Chats {
		t.Fatalf("counts %v", counts)
	}
	for _, k := range event.Kinds {
		f, err := os.Open(filepath.Join(dir, FileName(k)))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		var lines [][]byte
		for sc.Scan() {
			lines = append(lines, bytes.Clone(sc.Bytes()))
		}
		f.Close()
		var values [][]byte
		for _, r := range recs {
			if r.Kind == k {
				values = append(values, r.Value)
			}
		}
		if !slices.EqualFunc(lines, values, bytes.Equal) {
			t.Errorf("%s: %d lines differ from the %d generated records", FileName(k), len(lines), len(values))
		}
	}
	for name, header := range map[string]string{AgentsFile: "agent_id,name,team,level,hired_on", TargetsFile: "agent_id,month,sales_target"} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil || len(rows) < 2 || strings.Join(rows[0], ",") != header {
			t.Errorf("%s: %v %v", name, err, rows)
		}
	}
}

func TestGenerateStops(t *testing.T) {
	g, _ := New(smallConfig(1))
	stop := errors.New("stop")
	n := 0
	err := g.Generate(context.Background(), func(Record) error {
		n++
		if n == 10 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 10 {
		t.Errorf("emit error: got %v after %d records", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n = 0
	err = g.Generate(ctx, func(Record) error {
		n++
		if n == 100 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || n > 1000 {
		t.Errorf("cancel: got %v after %d records", err, n)
	}
}

func TestMemoryDoesNotGrowWithDays(t *testing.T) {
	pending := func(days int) int {
		cfg := smallConfig(1)
		cfg.Days = days
		g, _ := New(cfg)
		r, err := g.generate(context.Background(), func(Record) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		return r.maxPending
	}
	short, long := pending(30), pending(120)
	if float64(long) > 1.3*float64(short) {
		t.Errorf("most pending records: %d over 30 days, %d over 120 days", short, long)
	}
}

func BenchmarkGenerate(b *testing.B) {
	g, err := New(Config{Seed: 1, Days: 30, Agents: 40, Teams: 4, ContactsPerAgentDay: 30})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var records, size int
	for b.Loop() {
		records, size = 0, 0
		if err := g.Generate(context.Background(), func(r Record) error {
			records++
			size += len(r.Value)
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(records), "records/op")
	b.SetBytes(int64(size))
}

func TestSmallAndUnusualConfigs(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		ny = time.FixedZone("EST", -5*3600)
	}
	for _, cfg := range []Config{
		{Seed: 1, Days: 1, Agents: 1, Teams: 1, ContactsPerAgentDay: 1},
		{Seed: 2, Days: 3, Agents: 2, Teams: 2, ContactsPerAgentDay: 200, DuplicateRate: 0.5, InvalidRate: 0.5},
		{Seed: 3, Days: 10, Agents: 30, Teams: 12, Location: time.UTC},
		{Seed: 4, Start: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Days: 14, Agents: 5, Location: ny}, // crosses a DST change
	} {
		recs := collect(t, cfg)
		if len(recs) == 0 && cfg.Days > 1 {
			t.Errorf("%+v: no records", cfg)
		}
		for _, r := range recs {
			_, err := event.Decode(r.Kind, r.Value)
			if (err != nil) != r.Invalid {
				t.Fatalf("%+v: record %s invalid=%v, decode error %v", cfg, r.Value, r.Invalid, err)
			}
		}
	}
}

func TestEffectiveConfigRoundTrips(t *testing.T) {
	cfg := smallConfig(8)
	cfg.DuplicateRate = RateOff
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	again := collect(t, g.Config())
	if hashRecords(again) != hashRecords(collect(t, cfg)) {
		t.Fatal("New(g.Config()) generates different traffic")
	}
}
