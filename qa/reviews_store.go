package qa

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// ConflictError says a review changed since the reviewer loaded it: the write was refused and
// nothing was stored, so the reviewer can reload and decide again.
type ConflictError struct {
	Current *Review
	Base    uint32
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("the review is at version %d (written by %s at %s), not %d as loaded: reload it and try again",
		e.Current.Version, e.Current.WrittenBy, e.Current.WrittenAt.UTC().Format(time.RFC3339), e.Base)
}

// ReviewWrite is a request to store a new version of a review.
type ReviewWrite struct {
	ContactID string
	// Reviewer is whose review it is: the assigned reviewer (a QA lead resolving a dispute
	// writes a version of the disputed reviewer's review).
	Reviewer string
	// BaseVersion is the version the writer loaded: 0 for a new review. A different current
	// version is a conflict.
	BaseVersion uint32
	Scores      Scores
	Rubric      *Rubric
	By          string
	Reason      string
}

// WriteReview validates the marks, stores them as the next version and reads the row back
// before returning: a review is acknowledged only once ClickHouse has it. Validation problems
// come back as Errors (nothing stored); a stale BaseVersion as *ConflictError.
func (s *Store) WriteReview(ctx context.Context, w ReviewWrite) (*Review, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	c, err := s.Contact(ctx, w.ContactID)
	if err != nil {
		return nil, err
	}
	cur, err := s.CurrentReview(ctx, w.ContactID, w.Reviewer)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	var curVersion uint32
	if cur != nil {
		curVersion = cur.Version
	}
	if curVersion != w.BaseVersion {
		if cur == nil {
			return nil, Errors{{Field: "base_version", Msg: fmt.Sprintf("there is no review yet; base_version must be 0, not %d", w.BaseVersion)}}
		}
		return nil, &ConflictError{Current: cur, Base: w.BaseVersion}
	}
	findings, err := s.Findings(ctx, w.ContactID)
	if err != nil {
		return nil, err
	}
	res, errs := Score(w.Rubric, w.Scores, findings)
	if errs != nil {
		return nil, errs
	}
	now := s.now()
	rev := &Review{
		ContactID: w.ContactID, Reviewer: w.Reviewer, Version: curVersion + 1, RubricVersion: w.Rubric.Version,
		Scores: w.Scores, Result: res, AgentID: c.AgentID, Channel: c.Channel, ContactStart: c.Start,
		WrittenBy: w.By, WrittenAt: now.UTC().Truncate(time.Second), Reason: w.Reason, WriteID: newID("w_"),
	}
	if err := s.insertReview(ctx, rev, uint64(now.UnixNano())); err != nil {
		return nil, err
	}
	var n uint64
	if err := s.wh.Conn().QueryRow(ctx, s.query("review_check"), rev.ContactID, rev.Reviewer, rev.WriteID).Scan(&n); err != nil {
		return nil, fmt.Errorf("confirm review write: %w", err)
	}
	if n != 1 {
		return nil, fmt.Errorf("confirm review write: the new version reads back %d times, want once", n)
	}
	s.log.Info("review stored", "contact", rev.ContactID, "reviewer", rev.Reviewer, "version", rev.Version,
		"total", rev.Result.Total, "by", rev.WrittenBy, "reason", rev.Reason)
	return rev, nil
}

func (s *Store) insertReview(ctx context.Context, r *Review, ns uint64) error {
	var secIDs, secComments, dedIDs, dedComments, critIDs, critComments, findIDs, findDecisions []string
	var secScores, dedCounts []int32
	var secNA []uint8
	for _, id := range sortedKeys(r.Scores.Sections) {
		m := r.Scores.Sections[id]
		secIDs = append(secIDs, id)
		secScores = append(secScores, int32(m.Score))
		secComments = append(secComments, m.Comment)
		na := uint8(0)
		if m.NA {
			na = 1
		}
		secNA = append(secNA, na)
	}
	for _, id := range sortedKeys(r.Scores.Deductions) {
		m := r.Scores.Deductions[id]
		dedIDs = append(dedIDs, id)
		dedCounts = append(dedCounts, int32(m.Count))
		dedComments = append(dedComments, m.Comment)
	}
	for _, id := range sortedKeys(r.Scores.Criticals) {
		critIDs = append(critIDs, id)
		critComments = append(critComments, r.Scores.Criticals[id])
	}
	for _, id := range sortedKeys(r.Scores.Findings) {
		findIDs = append(findIDs, id)
		findDecisions = append(findDecisions, r.Scores.Findings[id])
	}
	critical := uint8(0)
	if r.Result.Critical {
		critical = 1
	}
	b, err := s.wh.Conn().PrepareBatch(ctx, s.query("review_insert"))
	if err != nil {
		return fmt.Errorf("store review: %w", err)
	}
	if err := b.Append(r.ContactID, r.Reviewer, r.Version, r.RubricVersion,
		nonNil(secIDs), nonNilI(secScores), nonNilU(secNA), nonNil(secComments),
		nonNil(dedIDs), nonNilI(dedCounts), nonNil(dedComments),
		nonNil(critIDs), nonNil(critComments), nonNil(findIDs), nonNil(findDecisions), r.Scores.Comment,
		int32(r.Result.Sections), int32(r.Result.Possible), r.Result.Base, int32(r.Result.Deducted), critical, r.Result.Total,
		r.AgentID, r.Channel, r.ContactStart.UTC(), r.WrittenBy, r.WrittenAt, ns, r.Reason, r.WriteID); err != nil {
		_ = b.Abort()
		return fmt.Errorf("store review: %w", err)
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("store review: %w", err)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilI(s []int32) []int32 {
	if s == nil {
		return []int32{}
	}
	return s
}

func nonNilU(s []uint8) []uint8 {
	if s == nil {
		return []uint8{}
	}
	return s
}

func scanReview(rows driver.Rows) (*Review, error) {
	var r Review
	var secIDs, secComments, dedIDs, dedComments, critIDs, critComments, findIDs, findDecisions []string
	var secScores, dedCounts []int32
	var secNA []uint8
	var sections, possible, deducted int32
	var critical uint8
	var ns uint64
	if err := rows.Scan(&r.ContactID, &r.Reviewer, &r.Version, &r.RubricVersion,
		&secIDs, &secScores, &secNA, &secComments, &dedIDs, &dedCounts, &dedComments,
		&critIDs, &critComments, &findIDs, &findDecisions, &r.Scores.Comment,
		&sections, &possible, &r.Result.Base, &deducted, &critical, &r.Result.Total,
		&r.AgentID, &r.Channel, &r.ContactStart, &r.WrittenBy, &r.WrittenAt, &ns, &r.Reason, &r.WriteID); err != nil {
		return nil, err
	}
	r.Result.Sections, r.Result.Possible, r.Result.Deducted, r.Result.Critical = int(sections), int(possible), int(deducted), critical == 1
	r.Scores.Sections = map[string]SectionScore{}
	for i, id := range secIDs {
		r.Scores.Sections[id] = SectionScore{Score: int(secScores[i]), NA: secNA[i] == 1, Comment: secComments[i]}
	}
	if len(dedIDs) > 0 {
		r.Scores.Deductions = map[string]ItemMark{}
		for i, id := range dedIDs {
			r.Scores.Deductions[id] = ItemMark{Count: int(dedCounts[i]), Comment: dedComments[i]}
		}
	}
	if len(critIDs) > 0 {
		r.Scores.Criticals = map[string]string{}
		for i, id := range critIDs {
			r.Scores.Criticals[id] = critComments[i]
		}
	}
	if len(findIDs) > 0 {
		r.Scores.Findings = map[string]string{}
		for i, id := range findIDs {
			r.Scores.Findings[id] = findDecisions[i]
		}
	}
	return &r, nil
}

func (s *Store) reviews(ctx context.Context, q string, args ...any) ([]*Review, error) {
	rows, err := s.wh.Conn().Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("reviews: %w", err)
	}
	defer rows.Close()
	var out []*Review
	for rows.Next() {
		r, err := scanReview(rows)
		if err != nil {
			return nil, fmt.Errorf("reviews: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// CurrentReview returns the current version of a reviewer's review of a contact, or
// ErrNotFound.
func (s *Store) CurrentReview(ctx context.Context, contactID, reviewer string) (*Review, error) {
	rs, err := s.reviews(ctx, s.query("review_current"), contactID, reviewer)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, ErrNotFound
	}
	return rs[0], nil
}

// History returns every stored version of every review of a contact, oldest first per
// reviewer.
func (s *Store) History(ctx context.Context, contactID string) ([]*Review, error) {
	return s.reviews(ctx, s.query("review_history"), contactID)
}

// MonthReviews returns the current reviews of the contacts that started in the month.
func (s *Store) MonthReviews(ctx context.Context, month time.Time) ([]*Review, error) {
	return s.reviews(ctx, s.query("reviews_month"), dateParam(month))
}

// Findings returns the current auto-QA findings of a contact (none for calls and for chats not
// scanned yet).
func (s *Store) Findings(ctx context.Context, contactID string) ([]Finding, error) {
	rows, err := s.wh.Conn().Query(ctx, s.query("findings_contact"), contactID)
	if err != nil {
		return nil, fmt.Errorf("findings of %s: %w", contactID, err)
	}
	defer rows.Close()
	var out []Finding
	for rows.Next() {
		var f Finding
		var idx uint32
		if err := rows.Scan(&f.ID, &f.ContactID, &f.ItemID, &f.Kind, &f.Pattern, &f.Match, &idx, &f.At, &f.Text); err != nil {
			return nil, fmt.Errorf("findings of %s: %w", contactID, err)
		}
		f.MsgIndex = int(idx)
		out = append(out, f)
	}
	return out, rows.Err()
}

// reasonEdited and the other reasons say why a review version exists.
const (
	ReasonCreated = "created"
	ReasonEdited  = "edited"
)

// DisputeReason is the reason of a version written when a dispute was accepted.
func DisputeReason(disputeID string) string { return "dispute " + disputeID + " accepted" }

// IsDisputeVersion reports whether a version was written to resolve a dispute.
func IsDisputeVersion(r *Review) bool { return strings.HasPrefix(r.Reason, "dispute ") }
