package web

import (
	"context"
	"errors"
	"slices"

	"github.com/ccqa/ccqa/qa"
)

// Who may do what (SPEC §6 roles):
//
//	action                        reviewer        qa_lead  manager            admin
//	see a contact and its reviews assigned to them  any      their teams' agents any
//	score / edit a review         assigned to them  —        —                  —
//	open a dispute                —               —        their teams' agents any
//	resolve a dispute             —               yes      —                  yes
//	calibration                   —               yes      —                  yes
//
// A reviewer sees only their own versions of a review, so the second reviewer of a
// double-scored contact is not swayed by the first. Nobody scores a review in another user's
// name; a QA lead changes a review only by accepting a dispute, which is recorded as such.

func isLead(u *qa.User) bool { return u.Is(qa.RoleQALead, qa.RoleAdmin) }

// contactAccess loads what decides access to a contact and checks that the user may see it.
func (s *Server) contactAccess(ctx context.Context, u *qa.User, id string) (*qa.Contact, *qa.Sampled, error) {
	c, err := s.cfg.Store.Contact(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	a, err := s.cfg.Store.Assignment(ctx, id)
	if err != nil && !errors.Is(err, qa.ErrNotFound) {
		return nil, nil, err
	}
	if !canSee(u, c, a) {
		// The same answer as for a contact that does not exist: a reviewer cannot probe which
		// contact ids exist outside their queue.
		return nil, nil, qa.ErrNotFound
	}
	return c, a, nil
}

func canSee(u *qa.User, c *qa.Contact, a *qa.Sampled) bool {
	switch {
	case isLead(u):
		return true
	case u.Role == qa.RoleManager:
		return u.Manages(c.Team)
	case u.Role == qa.RoleReviewer:
		return assigned(u, a)
	}
	return false
}

func assigned(u *qa.User, a *qa.Sampled) bool {
	return a != nil && u.Role == qa.RoleReviewer && slices.Contains(a.Reviewers, u.Username)
}

func canDispute(u *qa.User, c *qa.Contact) bool {
	return u.Is(qa.RoleManager, qa.RoleAdmin) && u.Manages(c.Team)
}

// visibleVersions filters a contact's review history down to what the user may read.
func visibleVersions(u *qa.User, hist []*qa.Review) []*qa.Review {
	if u.Role != qa.RoleReviewer {
		return hist
	}
	var out []*qa.Review
	for _, r := range hist {
		if r.Reviewer == u.Username {
			out = append(out, r)
		}
	}
	return out
}

// queueFilter is the part of the month's assignments the user may list.
func queueFilter(u *qa.User) qa.QueueFilter {
	switch u.Role {
	case qa.RoleReviewer:
		return qa.QueueFilter{Reviewer: u.Username}
	case qa.RoleManager:
		return qa.QueueFilter{Teams: u.Teams}
	}
	return qa.QueueFilter{}
}

// disputesFor lists disputes the user may see: all for QA leads and admins, their teams' for
// managers, the ones about their own reviews for reviewers.
func (s *Server) disputesFor(ctx context.Context, u *qa.User, status string) ([]*qa.Dispute, error) {
	ds, err := s.cfg.Store.Disputes(ctx, status)
	if err != nil || isLead(u) {
		return ds, err
	}
	var teams map[string]string
	if u.Role == qa.RoleManager {
		if teams, err = s.cfg.Store.AgentTeams(ctx); err != nil {
			return nil, err
		}
	}
	var out []*qa.Dispute
	for _, d := range ds {
		if (u.Role == qa.RoleReviewer && d.Reviewer == u.Username) || (u.Role == qa.RoleManager && u.Manages(teams[d.AgentID])) {
			out = append(out, d)
		}
	}
	return out, nil
}

// submitReview stores a new version of the user's own review of an assigned contact.
func (s *Server) submitReview(ctx context.Context, u *qa.User, id string, base uint32, sc qa.Scores) (*qa.Review, error) {
	_, a, err := s.contactAccess(ctx, u, id)
	if err != nil {
		return nil, err
	}
	if !assigned(u, a) {
		return nil, errStatus(403, "forbidden: only a reviewer the contact is assigned to may score it")
	}
	reason := qa.ReasonCreated
	if base > 0 {
		reason = qa.ReasonEdited
	}
	return s.cfg.Store.WriteReview(ctx, qa.ReviewWrite{ContactID: id, Reviewer: u.Username, BaseVersion: base, Scores: sc,
		Rubric: s.cfg.Rubric, By: u.Username, Reason: reason})
}

// openDispute records a manager's dispute of a reviewer's current review.
func (s *Server) openDispute(ctx context.Context, u *qa.User, id, reviewer, reason string) (*qa.Dispute, error) {
	c, _, err := s.contactAccess(ctx, u, id)
	if err != nil {
		return nil, err
	}
	if !canDispute(u, c) {
		return nil, errStatus(403, "forbidden: only the agent's manager may dispute a review")
	}
	if reviewer == "" {
		return nil, qa.Errors{{Field: "reviewer", Msg: "say whose review is disputed"}}
	}
	d, err := s.cfg.Store.OpenDispute(ctx, id, reviewer, reason, u.Username)
	if errors.Is(err, qa.ErrNotFound) {
		return nil, qa.Errors{{Field: "reviewer", Msg: reviewer + " has not reviewed this contact"}}
	}
	return d, err
}

// resolveDispute accepts (with new marks) or rejects a dispute.
func (s *Server) resolveDispute(ctx context.Context, u *qa.User, id, decision, resolution string, sc *qa.Scores) (*qa.Dispute, error) {
	if !isLead(u) {
		return nil, errStatus(403, "forbidden: only a QA lead may resolve a dispute")
	}
	switch decision {
	case "reject":
		return s.cfg.Store.RejectDispute(ctx, id, resolution, u.Username)
	case "accept":
		if sc == nil {
			return nil, qa.Errors{{Field: "scores", Msg: "accepting a dispute needs the corrected marks"}}
		}
		d, _, err := s.cfg.Store.AcceptDispute(ctx, id, resolution, *sc, s.cfg.Rubric, u.Username)
		return d, err
	}
	return nil, qa.Errors{{Field: "decision", Msg: "must be accept or reject"}}
}
