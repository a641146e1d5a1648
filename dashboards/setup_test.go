package dashboards_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/ccqa/ccqa/event"
	"github.com/ccqa/ccqa/ingest"
	"github.com/ccqa/ccqa/internal/itest"
	"github.com/ccqa/ccqa/qa"
	"github.com/ccqa/ccqa/reference"
	"github.com/ccqa/ccqa/scorecard"
	"github.com/ccqa/ccqa/traffic"
	"github.com/ccqa/ccqa/warehouse"
)

// evilName is the agent name every page must show as text and never run.
const evilName = `O'Brien <script>alert(1)</script></script><img src=x onerror=alert(2)>`

// evilComment is a QA reviewer's comment with the same intent.
const evilComment = `</script><script>alert("comment")</script> & "quotes"`

// world is the data the dashboards tests look at: a month of generated traffic for 12 agents
// in 3 teams, produced to the real Kafka broker and ingested into the real ClickHouse by the
// real consumer (so ingest_errors holds the generator's invalid messages), QA reviews with two
// reviewers on some contacts, and the month's grades from the scorecard rollup.
type world struct {
	w         *warehouse.Warehouse
	month     time.Time
	agents    []reference.Agent
	evilID    string
	evilTeam  string
	otherTeam string
	reviewed  int
}

var testMonth = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func setupWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	w := itest.Warehouse(t)
	brokers := itest.KafkaBrokers(t)
	gen, err := traffic.New(traffic.Config{Seed: 11, Start: testMonth, Days: 30, Agents: 12, Teams: 3, ContactsPerAgentDay: 8})
	if err != nil {
		t.Fatal(err)
	}
	wd := &world{w: w, month: testMonth, agents: gen.Agents()}
	wd.agents[1].Name = evilName
	wd.evilID, wd.evilTeam = wd.agents[1].ID, wd.agents[1].Team
	for _, a := range wd.agents {
		if a.Team != wd.evilTeam {
			wd.otherTeam = a.Team
		}
	}
	if err := reference.SaveAgents(ctx, w, wd.agents); err != nil {
		t.Fatal(err)
	}
	if err := reference.SaveTargets(ctx, w, gen.Targets()); err != nil {
		t.Fatal(err)
	}

	// Produce everything to fresh topics and ingest it with the real consumer group.
	prefix := itest.Unique("dash")
	topics := map[event.Kind]string{}
	var names []string
	for _, k := range event.Kinds {
		topics[k] = prefix + "." + string(k) + "s"
		names = append(names, topics[k])
	}
	dlt := prefix + ".dead-letter"
	if err := ingest.EnsureTopics(ctx, brokers, append(names, dlt), 2, nil); err != nil {
		t.Fatal(err)
	}
	var msgs []kafka.Message
	if err := gen.Generate(ctx, func(r traffic.Record) error {
		msgs = append(msgs, kafka.Message{Topic: topics[r.Kind], Key: r.Key, Value: r.Value})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	kw := &kafka.Writer{Addr: kafka.TCP(brokers...), Balancer: &kafka.Hash{}, RequiredAcks: kafka.RequireAll, BatchTimeout: 5 * time.Millisecond, BatchSize: 1000}
	pctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	err = kw.WriteMessages(pctx, msgs...)
	cancel()
	kw.Close()
	if err != nil {
		t.Fatalf("produce %d messages: %v", len(msgs), err)
	}
	cfg := ingest.DefaultConfig()
	cfg.Brokers, cfg.GroupID, cfg.Topics, cfg.DeadLetterTopic = brokers, itest.Unique("dash-group"), topics, dlt
	cfg.BatchWait, cfg.Partitions = 200*time.Millisecond, 2
	in, err := ingest.New(cfg, w, nil, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	ictx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- in.Run(ictx) }()
	itest.Eventually(t, 2*time.Minute, func() (bool, string) {
		st := in.Stats()
		return st.Committed >= int64(len(msgs)), fmt.Sprintf("committed %d of %d", st.Committed, len(msgs))
	})
	stop()
	if err := <-done; err != nil {
		t.Fatalf("ingest: %v", err)
	}
	if st := in.Stats(); st.DeadLettered == 0 {
		t.Fatalf("the generator's invalid messages should have been dead-lettered; stats %+v", st)
	}

	// QA reviews: the first contacts of each agent of the evil agent's team, a third of them
	// scored by a second reviewer for calibration.
	store, err := qa.NewStore(ctx, w, nil)
	if err != nil {
		t.Fatal(err)
	}
	rubric := qa.DefaultRubric()
	rows, err := w.Conn().Query(ctx, "SELECT contact_id FROM "+w.Database()+".contacts WHERE agent_id IN (SELECT agent_id FROM "+
		w.Database()+".agents_latest WHERE team = ?) AND month = toDate('2026-11-01') ORDER BY contact_id LIMIT 24", wd.evilTeam)
	if err != nil {
		t.Fatal(err)
	}
	var contacts []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		contacts = append(contacts, id)
	}
	rows.Close()
	if len(contacts) < 12 {
		t.Fatalf("only %d contacts to review", len(contacts))
	}
	for i, id := range contacts {
		reviewers := []string{"rita"}
		if i%3 == 0 {
			reviewers = append(reviewers, "ravi")
		}
		for j, rv := range reviewers {
			sc := qa.Scores{Sections: map[string]qa.SectionScore{}, Comment: evilComment + " #" + strconv.Itoa(i)}
			for k, s := range rubric.Sections {
				sc.Sections[s.ID] = qa.SectionScore{Score: s.Max - (i+j+k)%4}
			}
			if _, err := store.WriteReview(ctx, qa.ReviewWrite{ContactID: id, Reviewer: rv, Scores: sc, Rubric: rubric, By: rv, Reason: qa.ReasonCreated}); err != nil {
				t.Fatalf("review %s by %s: %v", id, rv, err)
			}
			wd.reviewed++
		}
	}

	// The month's grades, as `ccqa rollup` computes them.
	if _, err := scorecard.NewStore(w, nil).Rollup(ctx, scorecard.RollupOptions{Month: testMonth, Policy: scorecard.DefaultPolicy(),
		User: "test", Now: time.Now()}); err != nil {
		t.Fatalf("rollup: %v", err)
	}
	return wd
}

// fixedAuth signs every request in as one user.
type fixedAuth struct{ u *qa.User }

func (f fixedAuth) SignedInUser(*http.Request) *qa.User { return f.u }

// headerAuth signs a request in as the user named by its X-Test-User header (none: nobody).
type headerAuth map[string]*qa.User

func (h headerAuth) SignedInUser(r *http.Request) *qa.User { return h[r.Header.Get("X-Test-User")] }
