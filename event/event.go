// Package event defines the four event streams of the ccqa contract (SPEC §3): calls, chats,
// surveys and orders, as they arrive on Kafka, one JSON object per message. It decodes and
// validates them strictly, so that ingest can send anything invalid to the dead-letter topic with
// a reason that names the offending field.
//
// Times are kept as time.Time with their original offset; storage truncates them to whole
// seconds (see the warehouse package). Money is kept as an integer number of minor units (fen for
// CNY) so that sums are exact.
package event

import (
	"time"
)

// Kind names one of the event streams.
type Kind string

// The four event kinds, one per topic.
const (
	KindCall   Kind = "call"
	KindChat   Kind = "chat"
	KindSurvey Kind = "survey"
	KindOrder  Kind = "order"
)

// Kinds lists every kind in a fixed order, for loops that must visit each topic.
var Kinds = []Kind{KindCall, KindChat, KindSurvey, KindOrder}

// DefaultTopic returns the default Kafka topic of a kind (SPEC §3), e.g. "ccqa.calls".
func DefaultTopic(k Kind) string { return "ccqa." + string(k) + "s" }

// DeadLetterTopic is the default topic that receives invalid messages.
const DeadLetterTopic = "ccqa.dead-letter"

// Call directions.
const (
	DirectionInbound  = "inbound"
	DirectionOutbound = "outbound"
)

// Call is one completed call (a CDR) from the ccqa.calls topic.
type Call struct {
	CallID       string     `json:"call_id"`
	AgentID      string     `json:"agent_id,omitempty"`
	CustomerID   string     `json:"customer_id"`
	Queue        string     `json:"queue,omitempty"`
	Direction    string     `json:"direction,omitempty"`
	OfferedAt    time.Time  `json:"offered_at"`
	AnsweredAt   *time.Time `json:"answered_at"`
	EndedAt      time.Time  `json:"ended_at"`
	HoldSeconds  float64    `json:"hold_seconds,omitempty"`
	ACWSeconds   float64    `json:"acw_seconds,omitempty"`
	Resolved     bool       `json:"resolved,omitempty"`
	ResolvedAt   *time.Time `json:"resolved_at,omitempty"`
	Inquiry      bool       `json:"inquiry,omitempty"`
	Complaint    bool       `json:"complaint,omitempty"`
	Transferred  bool       `json:"transferred,omitempty"`
	RecordingURL string     `json:"recording_url,omitempty"`
}

// Answered reports whether an agent picked the call up; an unanswered call was abandoned (放弃).
func (c *Call) Answered() bool { return c.AnsweredAt != nil }

// Message senders in a chat.
const (
	FromCustomer = "customer"
	FromAgent    = "agent"
	FromSystem   = "system"
)

// Message is one line of a chat transcript. Text may be withheld for privacy.
type Message struct {
	At   time.Time `json:"at"`
	From string    `json:"from"`
	Text string    `json:"text,omitempty"`
}

// Chat is one closed chat session from the ccqa.chats topic. Messages may arrive in any order.
type Chat struct {
	ChatID      string     `json:"chat_id"`
	AgentID     string     `json:"agent_id"`
	CustomerID  string     `json:"customer_id"`
	Queue       string     `json:"queue,omitempty"`
	StartedAt   time.Time  `json:"started_at"`
	EndedAt     time.Time  `json:"ended_at"`
	Messages    []Message  `json:"messages"`
	Resolved    bool       `json:"resolved,omitempty"`
	ResolvedAt  *time.Time `json:"resolved_at,omitempty"`
	Inquiry     bool       `json:"inquiry,omitempty"`
	Complaint   bool       `json:"complaint,omitempty"`
	Transferred bool       `json:"transferred,omitempty"`
}

// Survey channels: the kind of contact a survey answers.
const (
	ChannelCall = "call"
	ChannelChat = "chat"
)

// Survey is one satisfaction survey answer (满意度) from the ccqa.surveys topic. It may arrive days
// after the contact it rates.
type Survey struct {
	SurveyID      string    `json:"survey_id"`
	InteractionID string    `json:"interaction_id"`
	Channel       string    `json:"channel,omitempty"`
	Score         int       `json:"score"`
	AnsweredAt    time.Time `json:"answered_at"`
	Comment       string    `json:"comment,omitempty"`
}

// Satisfied reports whether the score counts as satisfied (4 or 5).
func (s *Survey) Satisfied() bool { return s.Score >= 4 }

// Order statuses. An order has several events; the latest status at period end counts.
const (
	StatusCreated   = "created"
	StatusPaid      = "paid"
	StatusCancelled = "cancelled"
	StatusRefunded  = "refunded"
)

// DefaultCurrency is the currency of an order event that names none.
const DefaultCurrency = "CNY"

// Order is one order lifecycle event from the ccqa.orders topic, attributed to the agent who
// served the sale.
type Order struct {
	OrderID       string `json:"order_id"`
	Status        string `json:"status"`
	CustomerID    string `json:"customer_id"`
	AgentID       string `json:"agent_id"`
	InteractionID string `json:"interaction_id,omitempty"`
	// AmountMinor is the amount in minor units (1/100 of the currency unit, 分 for CNY). On the
	// wire it is the decimal "amount" with at most two decimal places.
	AmountMinor int64     `json:"-"`
	Currency    string    `json:"currency,omitempty"`
	At          time.Time `json:"at"`
}
