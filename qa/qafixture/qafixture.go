// Package qafixture writes small, hand-made contact data into a test warehouse for the QA
// tests: calls, chats with transcripts, surveys and agents, straight into the raw tables with
// the same columns ingest fills, so the QA code reads them through the real views.
package qafixture

import (
	"context"
	"testing"
	"time"

	"github.com/ccqa/ccqa/reference"
	"github.com/ccqa/ccqa/warehouse"
)

// Call is a fixture call; AnsweredAt nil means abandoned.
type Call struct {
	ID, Agent, Customer, Queue string
	Offered                    time.Time
	AnsweredAt                 *time.Time
	Ended                      time.Time
	Complaint, Resolved        bool
	RecordingURL               string
}

// Msg is a fixture chat message.
type Msg struct {
	At   time.Time
	From string
	Text string
}

// Chat is a fixture chat.
type Chat struct {
	ID, Agent, Customer, Queue string
	Started, Ended             time.Time
	Messages                   []Msg
	Complaint                  bool
}

// Survey is a fixture survey.
type Survey struct {
	ID, Interaction string
	Score           uint8
	At              time.Time
}

func b(v bool) uint8 {
	if v {
		return 1
	}
	return 0
}

// Insert writes the fixtures, failing the test on any error.
func Insert(t testing.TB, w *warehouse.Warehouse, calls []Call, chats []Chat, surveys []Survey) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	ver := uint64(now.UnixNano())
	if len(calls) > 0 {
		batch, err := w.Conn().PrepareBatch(ctx, w.Expand(`INSERT INTO ${db}.calls (call_id, agent_id, customer_id, queue, direction, offered_at, answered_at, ended_at, hold_seconds, acw_seconds, resolved, resolved_at, inquiry, complaint, transferred, recording_url, src_topic, src_partition, src_offset, ingested_at, version)`, nil))
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range calls {
			var ans *time.Time
			if c.AnsweredAt != nil {
				u := c.AnsweredAt.UTC()
				ans = &u
			}
			if err := batch.Append(c.ID, c.Agent, c.Customer, c.Queue, "inbound", c.Offered.UTC(), ans, c.Ended.UTC(), 0.0, 30.0,
				b(c.Resolved), (*time.Time)(nil), uint8(0), b(c.Complaint), uint8(0), c.RecordingURL, "fixture", int32(0), int64(i), now, ver); err != nil {
				t.Fatal(err)
			}
		}
		if err := batch.Send(); err != nil {
			t.Fatal(err)
		}
	}
	if len(chats) > 0 {
		batch, err := w.Conn().PrepareBatch(ctx, w.Expand(`INSERT INTO ${db}.chats (chat_id, agent_id, customer_id, queue, started_at, ended_at, msg_at, msg_from, msg_text, resolved, resolved_at, inquiry, complaint, transferred, src_topic, src_partition, src_offset, ingested_at, version)`, nil))
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range chats {
			at, from, text := []time.Time{}, []string{}, []string{}
			for _, m := range c.Messages {
				at, from, text = append(at, m.At.UTC()), append(from, m.From), append(text, m.Text)
			}
			if err := batch.Append(c.ID, c.Agent, c.Customer, c.Queue, c.Started.UTC(), c.Ended.UTC(), at, from, text,
				uint8(0), (*time.Time)(nil), uint8(0), b(c.Complaint), uint8(0), "fixture", int32(1), int64(i), now, ver); err != nil {
				t.Fatal(err)
			}
		}
		if err := batch.Send(); err != nil {
			t.Fatal(err)
		}
	}
	if len(surveys) > 0 {
		batch, err := w.Conn().PrepareBatch(ctx, w.Expand(`INSERT INTO ${db}.surveys (survey_id, interaction_id, channel, score, answered_at, comment, src_topic, src_partition, src_offset, ingested_at, version)`, nil))
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range surveys {
			if err := batch.Append(s.ID, s.Interaction, "chat", s.Score, s.At.UTC(), "", "fixture", int32(2), int64(i), now, ver); err != nil {
				t.Fatal(err)
			}
		}
		if err := batch.Send(); err != nil {
			t.Fatal(err)
		}
	}
}

// Agents saves agents (id, name, team) through the reference package.
func Agents(t testing.TB, w *warehouse.Warehouse, rows ...[3]string) {
	t.Helper()
	var as []reference.Agent
	for _, r := range rows {
		as = append(as, reference.Agent{ID: r[0], Name: r[1], Team: r[2], Level: "L1", HiredOn: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
	}
	if err := reference.SaveAgents(context.Background(), w, as); err != nil {
		t.Fatal(err)
	}
}

// Shanghai is the default business time zone, for building fixture times.
var Shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()

// At returns a time in Shanghai: At(2026, 11, 3, 9, 15) is 2026-11-03 09:15 +08:00.
func At(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, Shanghai)
}

// November writes a small hand-made month (Asia/Shanghai):
//
//	c1 chat  a1 11-03 10:00  agent says 我不知道 (one taboo_phrase finding)
//	c2 chat  a1 11-12 15:00  clean; survey score 1 (low survey)
//	c3 chat  a2 11-20 09:00  agent writes a full mobile number (one privacy_leak finding)
//	k1 call  a1 11-05 11:00  complaint
//	k2 call  a2 11-30 23:30  nothing special
//	k3 call  a2 12-01 00:10  December in Shanghai (still November in UTC)
//	k4 call  a1 11-06 abandoned: never sampled
func November(t testing.TB, w *warehouse.Warehouse) {
	Agents(t, w, [3]string{"a1", "Ann", "T1"}, [3]string{"a2", "Bo", "T2"})
	at := At
	chat := func(id, agent string, start time.Time, lines ...string) Chat {
		c := Chat{ID: id, Agent: agent, Customer: "cust-" + id, Queue: "aftersale", Started: start, Ended: start.Add(10 * time.Minute)}
		for i, l := range lines {
			from := "customer"
			if i%2 == 1 {
				from = "agent"
			}
			c.Messages = append(c.Messages, Msg{At: start.Add(time.Duration(i) * time.Minute), From: from, Text: l})
		}
		// Delivered out of order: the transcript must come back sorted.
		c.Messages[0], c.Messages[len(c.Messages)-1] = c.Messages[len(c.Messages)-1], c.Messages[0]
		return c
	}
	call := func(id, agent string, start time.Time, answered bool, complaint bool) Call {
		c := Call{ID: id, Agent: agent, Customer: "cust-" + id, Queue: "presale", Offered: start, Ended: start.Add(5 * time.Minute),
			Complaint: complaint, RecordingURL: "https://rec.example/" + id + ".mp3"}
		if answered {
			c.AnsweredAt = ptrT(start.Add(20 * time.Second))
		} else {
			c.Agent = ""
		}
		return c
	}
	Insert(t, w,
		[]Call{
			call("k1", "a1", at(2026, 11, 5, 11, 0), true, true),
			call("k2", "a2", at(2026, 11, 30, 23, 30), true, false),
			call("k3", "a2", at(2026, 12, 1, 0, 10), true, false),
			call("k4", "a1", at(2026, 11, 6, 9, 0), false, false),
		},
		[]Chat{
			chat("c1", "a1", at(2026, 11, 3, 10, 0), "我的快递三天了还没到", "这个我不知道", "那怎么办？", "我帮您查一下物流"),
			chat("c2", "a1", at(2026, 11, 12, 15, 0), "怎么申请退货？", "您好，在订单页点申请退货即可"),
			chat("c3", "a2", at(2026, 11, 20, 9, 0), "我的手机号是多少来着", "您的手机号是13812345678"),
		},
		[]Survey{{ID: "s1", Interaction: "c2", Score: 1, At: at(2026, 11, 14, 8, 0)}},
	)
}

func ptrT(t time.Time) *time.Time { return &t }
