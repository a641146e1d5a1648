package qa

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrNotFound means the contact, review or dispute does not exist.
var ErrNotFound = errors.New("not found")

// Survey is a satisfaction survey answer of a contact.
type Survey struct {
	ID         string    `json:"survey_id"`
	Score      uint8     `json:"score"`
	AnsweredAt time.Time `json:"answered_at"`
	Comment    string    `json:"comment,omitempty"`
}

// Contact is what a reviewer sees of a call or chat: its metadata, the recording link or the
// transcript in time order, and its surveys.
type Contact struct {
	ID         string     `json:"contact_id"`
	Channel    string     `json:"channel"`
	AgentID    string     `json:"agent_id"`
	AgentName  string     `json:"agent_name"`
	Team       string     `json:"team"`
	CustomerID string     `json:"customer_id"`
	Queue      string     `json:"queue"`
	Start      time.Time  `json:"start_at"`
	Day        time.Time  `json:"-"`
	End        time.Time  `json:"ended_at"`
	Resolved   bool       `json:"resolved"`
	ResolvedAt *time.Time `json:"resolved_at"`
	Inquiry    bool       `json:"inquiry"`
	Complaint  bool       `json:"complaint"`
	Transfer   bool       `json:"transferred"`

	// Calls only.
	Direction    string     `json:"direction,omitempty"`
	AnsweredAt   *time.Time `json:"answered_at,omitempty"`
	HoldSeconds  float64    `json:"hold_seconds,omitempty"`
	ACWSeconds   float64    `json:"acw_seconds,omitempty"`
	RecordingURL string     `json:"recording_url,omitempty"`

	// Chats only: the transcript in time order.
	Messages []Message `json:"messages,omitempty"`

	Surveys []Survey `json:"surveys"`
}

// DayString is the contact's day in the business time zone.
func (c *Contact) DayString() string { return c.Day.Format("2006-01-02") }

// Month is the first day of the contact's month in the business time zone.
func (c *Contact) Month() time.Time {
	return time.Date(c.Day.Year(), c.Day.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// Contact reads a call or chat by id (calls first; the ids of both are assumed not to collide,
// as for surveys). It returns ErrNotFound when neither exists.
func (s *Store) Contact(ctx context.Context, id string) (*Contact, error) {
	c, err := s.call(ctx, id)
	if errors.Is(err, ErrNotFound) {
		c, err = s.chat(ctx, id)
	}
	if err != nil {
		return nil, err
	}
	rows, err := s.wh.Conn().Query(ctx, s.query("contact_surveys"), id)
	if err != nil {
		return nil, fmt.Errorf("surveys of %s: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var sv Survey
		if err := rows.Scan(&sv.ID, &sv.Score, &sv.AnsweredAt, &sv.Comment); err != nil {
			return nil, err
		}
		c.Surveys = append(c.Surveys, sv)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var name, team string
	err = s.wh.Conn().QueryRow(ctx, s.query("agent_info"), c.AgentID).Scan(&name, &team)
	if err == nil {
		c.AgentName, c.Team = name, team
	}
	return c, nil
}

func (s *Store) call(ctx context.Context, id string) (*Contact, error) {
	rows, err := s.wh.Conn().Query(ctx, s.query("contact_call"), id)
	if err != nil {
		return nil, fmt.Errorf("call %s: %w", id, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, ErrNotFound
	}
	c := &Contact{Channel: "call"}
	var resolved, inquiry, complaint, transferred uint8
	if err := rows.Scan(&c.ID, &c.AgentID, &c.CustomerID, &c.Queue, &c.Direction, &c.Start, &c.AnsweredAt, &c.End,
		&c.HoldSeconds, &c.ACWSeconds, &resolved, &c.ResolvedAt, &inquiry, &complaint, &transferred, &c.RecordingURL, &c.Day); err != nil {
		return nil, fmt.Errorf("call %s: %w", id, err)
	}
	c.Resolved, c.Inquiry, c.Complaint, c.Transfer = resolved == 1, inquiry == 1, complaint == 1, transferred == 1
	return c, nil
}

func (s *Store) chat(ctx context.Context, id string) (*Contact, error) {
	rows, err := s.wh.Conn().Query(ctx, s.query("contact_chat"), id)
	if err != nil {
		return nil, fmt.Errorf("chat %s: %w", id, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, ErrNotFound
	}
	c := &Contact{Channel: "chat"}
	var resolved, inquiry, complaint, transferred uint8
	var at []time.Time
	var from, text []string
	if err := rows.Scan(&c.ID, &c.AgentID, &c.CustomerID, &c.Queue, &c.Start, &c.End, &at, &from, &text,
		&resolved, &c.ResolvedAt, &inquiry, &complaint, &transferred, &c.Day); err != nil {
		return nil, fmt.Errorf("chat %s: %w", id, err)
	}
	c.Resolved, c.Inquiry, c.Complaint, c.Transfer = resolved == 1, inquiry == 1, complaint == 1, transferred == 1
	c.Messages = messagesOf(at, from, text)
	return c, nil
}

func messagesOf(at []time.Time, from, text []string) []Message {
	ms := make([]Message, 0, len(at))
	for i := range at {
		m := Message{Index: i, At: at[i]}
		if i < len(from) {
			m.From = from[i]
		}
		if i < len(text) {
			m.Text = text[i]
		}
		ms = append(ms, m)
	}
	SortMessages(ms)
	return ms
}

// DayMetrics are an agent's handled contacts on one day, and their month from
// agent_metrics_month, shown beside a contact. Means are nil without data.
type DayMetrics struct {
	Contacts   uint64   `json:"contacts"`
	Calls      uint64   `json:"calls"`
	Chats      uint64   `json:"chats"`
	ASASeconds *float64 `json:"asa_seconds"`
	AHTSeconds *float64 `json:"aht_seconds"`
	Complaints uint64   `json:"complaints"`
	Resolved   uint64   `json:"resolved"`

	Month *MonthMetrics `json:"month"`
}

// MonthMetrics is the agent's row of agent_metrics_month.
type MonthMetrics struct {
	Contacts   uint64   `json:"contacts"`
	ASASeconds *float64 `json:"asa_seconds"`
	ASAN       uint64   `json:"asa_n"`
	AHTSeconds *float64 `json:"aht_seconds"`
	AHTN       uint64   `json:"aht_n"`
	CSAT       *float64 `json:"csat"`
	CSATMean   *float64 `json:"csat_mean"`
	CSATN      uint64   `json:"csat_n"`
}

// AgentDay returns the agent's metrics for the day of a contact and its month.
func (s *Store) AgentDay(ctx context.Context, agentID string, day time.Time) (*DayMetrics, error) {
	var d DayMetrics
	if err := s.wh.Conn().QueryRow(ctx, s.query("agent_day"), agentID, dateParam(day)).Scan(
		&d.Contacts, &d.Calls, &d.Chats, &d.ASASeconds, &d.AHTSeconds, &d.Complaints, &d.Resolved); err != nil {
		return nil, fmt.Errorf("agent %s day %s: %w", agentID, dateParam(day), err)
	}
	month := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
	rows, err := s.wh.Conn().Query(ctx, s.query("agent_month"), agentID, dateParam(month))
	if err != nil {
		return nil, fmt.Errorf("agent %s month: %w", agentID, err)
	}
	defer rows.Close()
	if rows.Next() {
		var m MonthMetrics
		if err := rows.Scan(&m.Contacts, &m.ASASeconds, &m.ASAN, &m.AHTSeconds, &m.AHTN, &m.CSAT, &m.CSATMean, &m.CSATN); err != nil {
			return nil, fmt.Errorf("agent %s month: %w", agentID, err)
		}
		d.Month = &m
	}
	return &d, rows.Err()
}
