package qa

import (
	"context"
	"fmt"
	"time"
)

// Assignment returns the current sample row of a contact (its reasons and reviewers), or
// ErrNotFound when the contact was never sampled.
func (s *Store) Assignment(ctx context.Context, contactID string) (*Sampled, error) {
	rows, err := s.sampleRows(ctx, s.query("assignment_get"), contactID)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, ErrNotFound
	}
	return &rows[0], nil
}

// QueueItem is one assigned (contact, reviewer) of a month with its review state.
type QueueItem struct {
	ContactID string    `json:"contact_id"`
	Channel   string    `json:"channel"`
	AgentID   string    `json:"agent_id"`
	AgentName string    `json:"agent_name"`
	Team      string    `json:"team"`
	Start     time.Time `json:"start_at"`
	Reasons   []string  `json:"reasons"`
	Reviewer  string    `json:"reviewer"`
	Double    bool      `json:"double_scored"`
	// Version is the current review version, 0 while not reviewed; Total its score.
	Version   uint32     `json:"version"`
	Total     *float64   `json:"total"`
	WrittenAt *time.Time `json:"written_at"`
}

// QueueFilter selects queue items: one reviewer's ("" for all) and some teams' (nil for all).
type QueueFilter struct {
	Month    time.Time
	Reviewer string
	Teams    []string
}

// Queue lists the month's assignments that pass the filter, oldest contact first.
func (s *Store) Queue(ctx context.Context, f QueueFilter) ([]QueueItem, error) {
	teams := f.Teams
	if teams == nil {
		teams = []string{}
	}
	rows, err := s.wh.Conn().Query(ctx, s.query("queue"), dateParam(f.Month), f.Reviewer, f.Reviewer, teams, teams)
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	defer rows.Close()
	var out []QueueItem
	for rows.Next() {
		var q QueueItem
		var double uint8
		var total float64
		var written time.Time
		if err := rows.Scan(&q.ContactID, &q.Channel, &q.AgentID, &q.AgentName, &q.Team, &q.Start, &q.Reasons, &q.Reviewer,
			&double, &q.Version, &total, &written); err != nil {
			return nil, fmt.Errorf("queue: %w", err)
		}
		q.Double = double == 1
		if q.Version > 0 {
			q.Total, q.WrittenAt = &total, &written
		}
		out = append(out, q)
	}
	return out, rows.Err()
}

// AgentTeams returns every agent's team from the reference data.
func (s *Store) AgentTeams(ctx context.Context) (map[string]string, error) {
	rows, err := s.wh.Conn().Query(ctx, s.query("agent_teams"))
	if err != nil {
		return nil, fmt.Errorf("agent teams: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var a, t string
		if err := rows.Scan(&a, &t); err != nil {
			return nil, err
		}
		out[a] = t
	}
	return out, rows.Err()
}
