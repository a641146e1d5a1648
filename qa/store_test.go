package qa_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/ccqa/ccqa/internal/itest"
	"github.com/ccqa/ccqa/qa"
	fx "github.com/ccqa/ccqa/qa/qafixture"
	"github.com/ccqa/ccqa/warehouse"
)

var nov = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func novemberFixture(t *testing.T, w *warehouse.Warehouse) { fx.November(t, w) }

func newStore(t *testing.T) (*qa.Store, *warehouse.Warehouse) {
	w := itest.Warehouse(t)
	s, err := qa.NewStore(context.Background(), w, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return s, w
}

func fullMarks() map[string]qa.SectionScore {
	return map[string]qa.SectionScore{"expression": {Score: 15}, "service_language": {Score: 5}, "listening": {Score: 10},
		"knowledge": {Score: 15}, "problem_solving": {Score: 15}, "conflict": {Score: 15}, "attitude_care": {Score: 25}}
}

func TestScanSampleAndFindingRates(t *testing.T) {
	s, w := newStore(t)
	novemberFixture(t, w)
	ctx := context.Background()
	r := qa.DefaultRubric()
	res, err := s.Scan(ctx, nov, r)
	if err != nil {
		t.Fatal(err)
	}
	if res != (qa.ScanResult{Chats: 3, Scanned: 3, Findings: 2}) {
		t.Fatalf("first scan %+v", res)
	}
	if res, err = s.Scan(ctx, nov, r); err != nil || res != (qa.ScanResult{Chats: 3, Scanned: 0, Findings: 0}) {
		t.Fatalf("rescan %+v %v, want nothing rescanned", res, err)
	}
	f1, err := s.Findings(ctx, "c1")
	if err != nil || len(f1) != 1 || f1[0].ItemID != "taboo_phrase" || f1[0].Text != "这个我不知道" || !f1[0].At.Equal(fx.At(2026, 11, 3, 10, 1)) {
		t.Fatalf("c1 findings %+v %v", f1, err)
	}
	rates, err := s.FindingRates(ctx, nov)
	if err != nil {
		t.Fatal(err)
	}
	// a1: 2 chats scanned, 1 with a finding; a2: 1 of 1.
	if len(rates) != 2 || rates[0].AgentID != "a1" || rates[0].ChatsScanned != 2 || rates[0].ChatsWithFindings != 1 ||
		*rates[0].FindingRate != 0.5 || rates[1].ChatsScanned != 1 || *rates[1].FindingRate != 1 || rates[0].AgentName != "Ann" {
		t.Fatalf("finding rates %+v", rates)
	}

	opt := qa.SampleOptions{Month: nov, PerAgent: 1, Seed: 1, Reviewers: []string{"r1", "r2"}}
	in, err := s.LoadSampleInput(ctx, nov)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Candidates) != 5 { // c1 c2 c3 k1 k2: not k3 (December in Shanghai), not k4 (abandoned)
		t.Fatalf("candidates %+v", in.Candidates)
	}
	picks, err := qa.Assign(qa.Select(in.Candidates, in.Existing, in.Reviewed, opt), in.Existing, opt)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveSample(ctx, qa.SampleRun{Month: nov, Seed: 1, By: "test"}, picks); err != nil {
		t.Fatal(err)
	}
	stored, err := s.MonthSample(ctx, nov)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, p := range stored {
		got[p.ContactID] = p.Reasons
		if len(p.Reviewers) != 1 {
			t.Errorf("%s reviewers %v", p.ContactID, p.Reviewers)
		}
	}
	want := map[string][]string{"k1": {"complaint"}, "c2": {"low_survey"}, "c1": {"auto_qa"}, "c3": {"auto_qa"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("sample %v, want %v", got, want)
	}
	in, err = s.LoadSampleInput(ctx, nov)
	if err != nil {
		t.Fatal(err)
	}
	if again := qa.Select(in.Candidates, in.Existing, in.Reviewed, opt); len(again) != 0 {
		t.Fatalf("a second run picked %+v", again)
	}
}

func TestReviewVersionsDisputesCalibration(t *testing.T) {
	s, w := newStore(t)
	novemberFixture(t, w)
	ctx := context.Background()
	r := qa.DefaultRubric()
	if _, err := s.Scan(ctx, nov, r); err != nil {
		t.Fatal(err)
	}
	fs, _ := s.Findings(ctx, "c1")
	scores := qa.Scores{Sections: fullMarks(), Findings: map[string]string{fs[0].ID: qa.FindingConfirmed},
		Deductions: map[string]qa.ItemMark{"taboo_phrase": {Count: 1, Comment: "我不知道"}}}
	// Validation happens before anything is stored.
	bad := scores
	bad.Findings = nil
	if _, err := s.WriteReview(ctx, qa.ReviewWrite{ContactID: "c1", Reviewer: "r1", Scores: bad, Rubric: r, By: "r1", Reason: qa.ReasonCreated}); err == nil {
		t.Fatal("undecided finding accepted")
	}
	v1, err := s.WriteReview(ctx, qa.ReviewWrite{ContactID: "c1", Reviewer: "r1", Scores: scores, Rubric: r, By: "r1", Reason: qa.ReasonCreated})
	if err != nil {
		t.Fatal(err)
	}
	if v1.Version != 1 || v1.Result.Total != 95 || v1.AgentID != "a1" || v1.RubricVersion != r.Version {
		t.Fatalf("v1 %+v", v1)
	}
	// A second "create" from a stale page is a conflict, not an overwrite.
	_, err = s.WriteReview(ctx, qa.ReviewWrite{ContactID: "c1", Reviewer: "r1", Scores: scores, Rubric: r, By: "r1", Reason: qa.ReasonCreated})
	var ce *qa.ConflictError
	if !errors.As(err, &ce) || ce.Current.Version != 1 {
		t.Fatalf("stale write: %v", err)
	}
	edit := scores
	edit.Sections = fullMarks()
	edit.Sections["listening"] = qa.SectionScore{Score: 6, Comment: "打断客户"}
	v2, err := s.WriteReview(ctx, qa.ReviewWrite{ContactID: "c1", Reviewer: "r1", BaseVersion: 1, Scores: edit, Rubric: r, By: "r1", Reason: qa.ReasonEdited})
	if err != nil || v2.Version != 2 || v2.Result.Total != 91 {
		t.Fatalf("v2 %+v %v", v2, err)
	}
	// The second reviewer of a double-scored contact: conflict N/A, 75 of 85 → 88.235… − 5 = 83.24.
	other := scores
	other.Sections = fullMarks()
	other.Sections["conflict"] = qa.SectionScore{NA: true}
	other.Sections["attitude_care"] = qa.SectionScore{Score: 15}
	if _, err := s.WriteReview(ctx, qa.ReviewWrite{ContactID: "c1", Reviewer: "r2", Scores: other, Rubric: r, By: "r2", Reason: qa.ReasonCreated}); err != nil {
		t.Fatal(err)
	}
	hist, err := s.History(ctx, "c1")
	if err != nil || len(hist) != 3 || hist[0].Version != 1 || hist[1].Version != 2 || hist[0].Scores.Sections["listening"].Score != 10 ||
		hist[1].Scores.Sections["listening"].Comment != "打断客户" || hist[2].Reviewer != "r2" {
		t.Fatalf("history %+v %v", hist, err)
	}
	// qa_scores: c1's score is the mean of the current reviews (91 and 83.24), bucketed in Shanghai.
	var agent string
	var day, week, month time.Time
	var score float64
	var n uint64
	if err := w.Conn().QueryRow(ctx, w.Expand("SELECT agent_id, day, week, month, score, reviews FROM ${db}.qa_scores WHERE contact_id = 'c1'", nil)).
		Scan(&agent, &day, &week, &month, &score, &n); err != nil {
		t.Fatal(err)
	}
	if agent != "a1" || day.Format("2006-01-02") != "2026-11-03" || week.Format("2006-01-02") != "2026-11-02" ||
		month.Format("2006-01-02") != "2026-11-01" || n != 2 || score < 87.12-1e-9 || score > 87.12+1e-9 {
		t.Fatalf("qa_scores row: %s %v %v %v %v %d", agent, day, week, month, score, n)
	}

	// Disputes: a manager opens one on r1's review; a second open one is refused; a reject needs
	// a reason; accepting writes version 3.
	d, err := s.OpenDispute(ctx, "c1", "r1", "客户先打断了坐席，不应扣倾听分", "m1")
	if err != nil || d.ReviewVersion != 2 || d.Status != qa.DisputeOpen || d.Month.Format("2006-01") != "2026-11" {
		t.Fatalf("open dispute %+v %v", d, err)
	}
	if _, err := s.OpenDispute(ctx, "c1", "r1", "again", "m1"); !errors.Is(err, qa.ErrState) {
		t.Fatalf("second open dispute: %v", err)
	}
	if _, err := s.OpenDispute(ctx, "c1", "r1", "  ", "m1"); err == nil {
		t.Fatal("dispute without a reason accepted")
	}
	var open uint64
	if err := w.Conn().QueryRow(ctx, w.Expand("SELECT count() FROM ${db}.qa_disputes_open WHERE dispute_id = ?", nil), d.ID).Scan(&open); err != nil || open != 1 {
		t.Fatalf("qa_disputes_open has %d rows for the dispute (%v)", open, err)
	}
	if _, err := s.RejectDispute(ctx, d.ID, "", "lead"); err == nil {
		t.Fatal("reject without a reason accepted")
	}
	acc, rev, err := s.AcceptDispute(ctx, d.ID, "同意，恢复倾听分", scores, r, "lead")
	if err != nil || acc.Status != qa.DisputeAccepted || acc.NewVersion != 3 || rev.Version != 3 || rev.WrittenBy != "lead" || rev.Reason != qa.DisputeReason(d.ID) {
		t.Fatalf("accept %+v %+v %v", acc, rev, err)
	}
	if _, err := s.RejectDispute(ctx, d.ID, "too late", "lead"); !errors.Is(err, qa.ErrState) {
		t.Fatalf("resolving a closed dispute: %v", err)
	}
	if err := w.Conn().QueryRow(ctx, w.Expand("SELECT count() FROM ${db}.qa_disputes_open", nil)).Scan(&open); err != nil || open != 0 {
		t.Fatalf("open disputes after accepting: %d %v", open, err)
	}
	cur, err := s.CurrentReview(ctx, "c1", "r1")
	if err != nil || cur.Version != 3 || cur.Result.Total != 95 {
		t.Fatalf("current after dispute %+v %v", cur, err)
	}

	cal, err := s.Calibration(ctx, nov, r)
	if err != nil {
		t.Fatal(err)
	}
	// One double-scored contact: r1 95 vs r2 83.24 → MAD 11.76; one contact has no ICC.
	if cal.Total.Contacts != 1 || cal.Total.MAD == nil || *cal.Total.MAD < 11.76-1e-9 || *cal.Total.MAD > 11.76+1e-9 || cal.Total.ICC != nil {
		t.Fatalf("calibration %+v", cal.Total)
	}
	names := []string{}
	for _, ra := range cal.Reviewers {
		names = append(names, ra.Reviewer)
	}
	sort.Strings(names)
	if !reflect.DeepEqual(names, []string{"r1", "r2"}) {
		t.Fatalf("calibration reviewers %v", names)
	}
}

func TestContactDetail(t *testing.T) {
	s, w := newStore(t)
	novemberFixture(t, w)
	ctx := context.Background()
	c, err := s.Contact(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if c.Channel != "chat" || c.AgentName != "Ann" || c.Team != "T1" || len(c.Messages) != 4 || c.DayString() != "2026-11-03" {
		t.Fatalf("c1 %+v", c)
	}
	for i := 1; i < len(c.Messages); i++ {
		if c.Messages[i].At.Before(c.Messages[i-1].At) {
			t.Fatalf("transcript not in time order: %+v", c.Messages)
		}
	}
	if c.Messages[0].From != "customer" || c.Messages[0].Text != "我的快递三天了还没到" {
		t.Fatalf("first message %+v", c.Messages[0])
	}
	k, err := s.Contact(ctx, "k2")
	if err != nil || k.Channel != "call" || k.RecordingURL != "https://rec.example/k2.mp3" || k.DayString() != "2026-11-30" {
		t.Fatalf("k2 %+v %v", k, err)
	}
	c2, err := s.Contact(ctx, "c2")
	if err != nil || len(c2.Surveys) != 1 || c2.Surveys[0].Score != 1 {
		t.Fatalf("c2 surveys %+v %v", c2, err)
	}
	if _, err := s.Contact(ctx, "nope"); !errors.Is(err, qa.ErrNotFound) {
		t.Fatalf("unknown contact: %v", err)
	}
	// a1 on 11-05: one handled call (k1), wait 20 s, handle 280 s + 30 s ACW = 310 s, 1 complaint.
	d, err := s.AgentDay(ctx, "a1", time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if d.Contacts != 1 || d.Calls != 1 || d.ASASeconds == nil || *d.ASASeconds != 20 || d.AHTSeconds == nil || *d.AHTSeconds != 310 || d.Complaints != 1 {
		t.Fatalf("a1 day %+v", d)
	}
	if d.Month == nil || d.Month.Contacts != 3 { // k1, c1, c2
		t.Fatalf("a1 month %+v", d.Month)
	}
}

func TestQueueAndAssignment(t *testing.T) {
	s, w := newStore(t)
	novemberFixture(t, w)
	ctx := context.Background()
	picks := []qa.Sampled{
		{ContactID: "c1", Channel: "chat", AgentID: "a1", Start: fx.At(2026, 11, 3, 10, 0), Reasons: []string{"random"}, Reviewers: []string{"r1", "r2"}, Double: true},
		{ContactID: "c3", Channel: "chat", AgentID: "a2", Start: fx.At(2026, 11, 20, 9, 0), Reasons: []string{"auto_qa"}, Reviewers: []string{"r2"}},
	}
	if _, err := s.SaveSample(ctx, qa.SampleRun{Month: nov, Seed: 1, By: "t"}, picks); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WriteReview(ctx, qa.ReviewWrite{ContactID: "c3", Reviewer: "r2", Rubric: qa.DefaultRubric(), By: "r2", Reason: qa.ReasonCreated,
		Scores: qa.Scores{Sections: fullMarks(), Findings: map[string]string{}}}); err != nil {
		t.Fatal(err)
	}
	items := func(f qa.QueueFilter) []string {
		f.Month = nov
		q, err := s.Queue(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, it := range q {
			out = append(out, fmt.Sprintf("%s/%s/v%d", it.ContactID, it.Reviewer, it.Version))
		}
		return out
	}
	if got := items(qa.QueueFilter{Reviewer: "r1"}); !reflect.DeepEqual(got, []string{"c1/r1/v0"}) {
		t.Errorf("r1 queue %v", got)
	}
	if got := items(qa.QueueFilter{Reviewer: "r2"}); !reflect.DeepEqual(got, []string{"c1/r2/v0", "c3/r2/v1"}) {
		t.Errorf("r2 queue %v", got)
	}
	if got := items(qa.QueueFilter{Teams: []string{"T2"}}); !reflect.DeepEqual(got, []string{"c3/r2/v1"}) {
		t.Errorf("team T2 queue %v", got)
	}
	if got := items(qa.QueueFilter{}); len(got) != 3 {
		t.Errorf("all %v", got)
	}
	a, err := s.Assignment(ctx, "c1")
	if err != nil || !reflect.DeepEqual(a.Reviewers, []string{"r1", "r2"}) || !a.Double {
		t.Fatalf("assignment %+v %v", a, err)
	}
	if _, err := s.Assignment(ctx, "k2"); !errors.Is(err, qa.ErrNotFound) {
		t.Fatalf("unsampled contact: %v", err)
	}
}
