package qa

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Dispute states.
const (
	DisputeOpen     = "open"
	DisputeAccepted = "accepted"
	DisputeRejected = "rejected"
)

// Dispute is an agent's manager contesting a review (申诉), and a QA lead's answer: accepted
// (with a new version of the review) or rejected (with a reason).
type Dispute struct {
	ID            string     `json:"dispute_id"`
	ContactID     string     `json:"contact_id"`
	Reviewer      string     `json:"reviewer"`
	ReviewVersion uint32     `json:"review_version"`
	AgentID       string     `json:"agent_id"`
	Month         time.Time  `json:"month"`
	Status        string     `json:"status"`
	Reason        string     `json:"reason"`
	OpenedBy      string     `json:"opened_by"`
	OpenedAt      time.Time  `json:"opened_at"`
	Resolution    string     `json:"resolution,omitempty"`
	ResolvedBy    string     `json:"resolved_by,omitempty"`
	ResolvedAt    *time.Time `json:"resolved_at,omitempty"`
	NewVersion    uint32     `json:"new_version,omitempty"`
}

// ErrState means the action does not fit the current state (e.g. resolving a closed dispute).
var ErrState = errors.New("not possible in the current state")

func checkReason(field, reason string) error {
	switch {
	case strings.TrimSpace(reason) == "":
		return Errors{{Field: field, Msg: "a reason is required"}}
	case utf8.RuneCountInString(reason) > MaxCommentRunes:
		return Errors{{Field: field, Msg: fmt.Sprintf("is longer than %d characters", MaxCommentRunes)}}
	}
	return nil
}

// OpenDispute records a dispute of the current version of a reviewer's review. There can be
// one open dispute per review at a time.
func (s *Store) OpenDispute(ctx context.Context, contactID, reviewer, reason, by string) (*Dispute, error) {
	if err := checkReason("reason", reason); err != nil {
		return nil, err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	rev, err := s.CurrentReview(ctx, contactID, reviewer)
	if err != nil {
		return nil, err
	}
	ds, err := s.ContactDisputes(ctx, contactID)
	if err != nil {
		return nil, err
	}
	for _, d := range ds {
		if d.Reviewer == reviewer && d.Status == DisputeOpen {
			return nil, fmt.Errorf("%w: dispute %s of this review is still open", ErrState, d.ID)
		}
	}
	now := s.now().UTC()
	start := rev.ContactStart.In(s.loc)
	d := &Dispute{
		ID: newID("d_"), ContactID: contactID, Reviewer: reviewer, ReviewVersion: rev.Version, AgentID: rev.AgentID,
		Month:  time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC),
		Status: DisputeOpen, Reason: reason, OpenedBy: by, OpenedAt: now.Truncate(time.Second),
	}
	if err := s.insertDispute(ctx, d, now); err != nil {
		return nil, err
	}
	s.log.Info("dispute opened", "dispute", d.ID, "contact", contactID, "reviewer", reviewer, "by", by)
	return d, nil
}

// RejectDispute closes an open dispute without changing the review.
func (s *Store) RejectDispute(ctx context.Context, id, resolution, by string) (*Dispute, error) {
	if err := checkReason("resolution", resolution); err != nil {
		return nil, err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	d, err := s.openDispute(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.closeDispute(ctx, d, DisputeRejected, resolution, by, 0)
}

// AcceptDispute writes a new version of the disputed review with the QA lead's marks, then
// closes the dispute as accepted. The version is written first: if the second write fails,
// the dispute stays open with the corrected review already in place, and accepting or
// rejecting it again finishes the job.
func (s *Store) AcceptDispute(ctx context.Context, id, resolution string, scores Scores, r *Rubric, by string) (*Dispute, *Review, error) {
	if err := checkReason("resolution", resolution); err != nil {
		return nil, nil, err
	}
	d, err := func() (*Dispute, error) {
		s.writeMu.Lock()
		defer s.writeMu.Unlock()
		return s.openDispute(ctx, id)
	}()
	if err != nil {
		return nil, nil, err
	}
	cur, err := s.CurrentReview(ctx, d.ContactID, d.Reviewer)
	if err != nil {
		return nil, nil, err
	}
	rev, err := s.WriteReview(ctx, ReviewWrite{
		ContactID: d.ContactID, Reviewer: d.Reviewer, BaseVersion: cur.Version, Scores: scores, Rubric: r,
		By: by, Reason: DisputeReason(d.ID),
	})
	if err != nil {
		return nil, nil, err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	d, err = s.closeDispute(ctx, d, DisputeAccepted, resolution, by, rev.Version)
	return d, rev, err
}

func (s *Store) openDispute(ctx context.Context, id string) (*Dispute, error) {
	d, err := s.Dispute(ctx, id)
	if err != nil {
		return nil, err
	}
	if d.Status != DisputeOpen {
		return nil, fmt.Errorf("%w: dispute %s is already %s", ErrState, id, d.Status)
	}
	return d, nil
}

func (s *Store) closeDispute(ctx context.Context, d *Dispute, status, resolution, by string, version uint32) (*Dispute, error) {
	now := s.now().UTC()
	at := now.Truncate(time.Second)
	nd := *d
	nd.Status, nd.Resolution, nd.ResolvedBy, nd.ResolvedAt, nd.NewVersion = status, resolution, by, &at, version
	if err := s.insertDispute(ctx, &nd, now); err != nil {
		return nil, err
	}
	s.log.Info("dispute closed", "dispute", d.ID, "status", status, "by", by)
	return &nd, nil
}

func (s *Store) insertDispute(ctx context.Context, d *Dispute, now time.Time) error {
	b, err := s.wh.Conn().PrepareBatch(ctx, s.query("dispute_insert"))
	if err != nil {
		return fmt.Errorf("store dispute: %w", err)
	}
	if err := b.Append(d.ID, d.ContactID, d.Reviewer, d.ReviewVersion, d.AgentID, d.Month, d.Status, d.Reason,
		d.OpenedBy, d.OpenedAt, d.Resolution, d.ResolvedBy, d.ResolvedAt, d.NewVersion, uint64(now.UnixNano())); err != nil {
		_ = b.Abort()
		return fmt.Errorf("store dispute: %w", err)
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("store dispute: %w", err)
	}
	return nil
}

func (s *Store) disputes(ctx context.Context, q string, args ...any) ([]*Dispute, error) {
	rows, err := s.wh.Conn().Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("disputes: %w", err)
	}
	defer rows.Close()
	var out []*Dispute
	for rows.Next() {
		var d Dispute
		if err := rows.Scan(&d.ID, &d.ContactID, &d.Reviewer, &d.ReviewVersion, &d.AgentID, &d.Month, &d.Status, &d.Reason,
			&d.OpenedBy, &d.OpenedAt, &d.Resolution, &d.ResolvedBy, &d.ResolvedAt, &d.NewVersion); err != nil {
			return nil, fmt.Errorf("disputes: %w", err)
		}
		out = append(out, &d)
	}
	return out, rows.Err()
}

// Dispute returns the current state of a dispute, or ErrNotFound.
func (s *Store) Dispute(ctx context.Context, id string) (*Dispute, error) {
	ds, err := s.disputes(ctx, s.query("dispute_get"), id)
	if err != nil {
		return nil, err
	}
	if len(ds) == 0 {
		return nil, ErrNotFound
	}
	return ds[0], nil
}

// ContactDisputes returns the disputes of a contact.
func (s *Store) ContactDisputes(ctx context.Context, contactID string) ([]*Dispute, error) {
	return s.disputes(ctx, s.query("disputes_contact"), contactID)
}

// Disputes lists disputes in a status ("" for all), open ones first.
func (s *Store) Disputes(ctx context.Context, status string) ([]*Dispute, error) {
	return s.disputes(ctx, s.query("disputes_list"), status, status)
}
