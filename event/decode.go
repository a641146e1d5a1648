package event

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// ErrUnknownKind is returned (wrapped) by Decode for a kind it does not know. It is a programming
// or configuration error, not bad data, so it is deliberately not a *ValidationError: a message
// must not be dead-lettered because the consumer was misconfigured.
var ErrUnknownKind = errors.New("event: unknown kind")

// Decode decodes and validates one message of the given kind and returns a Call, Chat, Survey
// or Order value (not a pointer), so that one consumer loop can serve every topic. On error the
// value is nil; data errors are *ValidationError, an unknown kind wraps ErrUnknownKind.
//
// Rules shared by DecodeCall, DecodeChat, DecodeSurvey and DecodeOrder (SPEC §3):
//
//   - The message must be one JSON object; anything else is CodeInvalidJSON.
//   - Unknown fields are ignored, so producers can add fields before consumers know them.
//   - Keys are matched as encoding/json matches them: exactly, or failing that ignoring case;
//     a key given twice takes its last value.
//   - An optional field that is null reads as absent. A required string or time that is
//     absent, null or "" is CodeMissingField.
//   - Times are RFC 3339 with a mandatory offset or Z, e.g. 2026-11-03T09:15:02+08:00: full
//     date and time with seconds, optional fraction (beyond nanoseconds truncated), T and Z
//     also in lower case, no leap second 60. They keep their offset (Z and ±00:00 give UTC).
//   - Only the first problem is reported, checking fields in the order of the SPEC tables and
//     then the order of times, so equal messages always get equal errors.
func Decode(kind Kind, b []byte) (any, error) {
	var (
		v   any
		err error
	)
	switch kind {
	case KindCall:
		v, err = DecodeCall(b)
	case KindChat:
		v, err = DecodeChat(b)
	case KindSurvey:
		v, err = DecodeSurvey(b)
	case KindOrder:
		v, err = DecodeOrder(b)
	default:
		return nil, fmt.Errorf("%w %q", ErrUnknownKind, string(kind))
	}
	if err != nil {
		return nil, err // not a zero value in an interface, which would look like a result
	}
	return v, nil
}

// wireCall mirrors the ccqa.calls message; see wire.go for why every field is a wrapper.
type wireCall struct {
	CallID       wString  `json:"call_id"`
	AgentID      wString  `json:"agent_id"`
	CustomerID   wString  `json:"customer_id"`
	Queue        wString  `json:"queue"`
	Direction    wString  `json:"direction"`
	OfferedAt    wTime    `json:"offered_at"`
	AnsweredAt   wTime    `json:"answered_at"`
	EndedAt      wTime    `json:"ended_at"`
	HoldSeconds  wSeconds `json:"hold_seconds"`
	ACWSeconds   wSeconds `json:"acw_seconds"`
	Resolved     wBool    `json:"resolved"`
	ResolvedAt   wTime    `json:"resolved_at"`
	Inquiry      wBool    `json:"inquiry"`
	Complaint    wBool    `json:"complaint"`
	Transferred  wBool    `json:"transferred"`
	RecordingURL wString  `json:"recording_url"`
}

// DecodeCall decodes and validates one ccqa.calls message. On success Direction is always set
// (absent or "" becomes DirectionInbound) and AnsweredAt is nil exactly for abandoned calls.
// Every error is a *ValidationError; the rules shared by all kinds are listed at Decode.
//
// Beyond field types: agent_id is required when answered_at is set; direction is "inbound" or
// "outbound"; ended_at ≥ offered_at; offered_at ≤ answered_at ≤ ended_at; resolved_at ≥
// offered_at (it may be after ended_at); hold_seconds and acw_seconds are finite and ≥ 0.
func DecodeCall(b []byte) (Call, error) {
	if v, ok := fastCall(b, false); ok {
		return v, nil
	}
	return decodeCallJSON(b)
}

// DecodeCallShared is DecodeCall, except that the strings of the result may share memory with b
// instead of being copies, which saves an allocation per string field. The caller must never
// modify b afterwards; ingest uses it on message buffers that it owns and never reuses.
func DecodeCallShared(b []byte) (Call, error) {
	if v, ok := fastCall(b, true); ok {
		return v, nil
	}
	return decodeCallJSON(b)
}

// decodeCallJSON is DecodeCall on encoding/json: the definition of its semantics, used for every
// message the fast path (fast.go) does not accept.
func decodeCallJSON(b []byte) (Call, error) {
	var w wireCall
	if _, err := unmarshalObject(b, &w); err != nil {
		return Call{}, err
	}
	c, err := w.call()
	if err != nil {
		return Call{}, err
	}
	return c, nil
}

// call validates the decoded fields in contract order and builds the Call.
func (w *wireCall) call() (c Call, e *ValidationError) {
	if c.CallID, e = w.CallID.required(); e != nil {
		return c, e.at("call_id")
	}
	if c.AgentID, e = w.AgentID.optional(); e != nil {
		return c, e.at("agent_id")
	}
	if c.CustomerID, e = w.CustomerID.required(); e != nil {
		return c, e.at("customer_id")
	}
	if c.Queue, e = w.Queue.optional(); e != nil {
		return c, e.at("queue")
	}
	if c.Direction, e = w.Direction.optional(); e != nil {
		return c, e.at("direction")
	}
	switch c.Direction {
	case "":
		c.Direction = DirectionInbound
	case DirectionInbound, DirectionOutbound:
	default:
		return c, newError(CodeInvalidValue, `must be "inbound" or "outbound", got `+quote(c.Direction)).at("direction")
	}
	if c.OfferedAt, e = w.OfferedAt.required(); e != nil {
		return c, e.at("offered_at")
	}
	if c.AnsweredAt, e = w.AnsweredAt.optional(); e != nil {
		return c, e.at("answered_at")
	}
	if c.AnsweredAt != nil && c.AgentID == "" {
		// Only abandoned calls may lack an agent; say which way this one lacks it.
		msg := "is required when answered_at is set"
		switch w.AgentID.typ {
		case jNull:
			msg += ", but is null"
		case jString:
			msg += ", but is empty"
		}
		return c, newError(CodeMissingField, msg).at("agent_id")
	}
	if c.EndedAt, e = w.EndedAt.required(); e != nil {
		return c, e.at("ended_at")
	}
	if c.HoldSeconds, e = w.HoldSeconds.value(); e != nil {
		return c, e.at("hold_seconds")
	}
	if c.ACWSeconds, e = w.ACWSeconds.value(); e != nil {
		return c, e.at("acw_seconds")
	}
	if c.Resolved, e = w.Resolved.value(); e != nil {
		return c, e.at("resolved")
	}
	if c.ResolvedAt, e = w.ResolvedAt.optional(); e != nil {
		return c, e.at("resolved_at")
	}
	if c.Inquiry, e = w.Inquiry.value(); e != nil {
		return c, e.at("inquiry")
	}
	if c.Complaint, e = w.Complaint.value(); e != nil {
		return c, e.at("complaint")
	}
	if c.Transferred, e = w.Transferred.value(); e != nil {
		return c, e.at("transferred")
	}
	if c.RecordingURL, e = w.RecordingURL.optional(); e != nil {
		return c, e.at("recording_url")
	}

	if c.EndedAt.Before(c.OfferedAt) {
		return c, before("ended_at", "offered_at", c.OfferedAt)
	}
	if c.AnsweredAt != nil {
		if c.AnsweredAt.Before(c.OfferedAt) {
			return c, before("answered_at", "offered_at", c.OfferedAt)
		}
		if c.AnsweredAt.After(c.EndedAt) {
			return c, after("answered_at", "ended_at", c.EndedAt)
		}
	}
	if c.ResolvedAt != nil && c.ResolvedAt.Before(c.OfferedAt) {
		return c, before("resolved_at", "offered_at", c.OfferedAt)
	}
	return c, nil
}

// wireMessage mirrors one element of a chat's messages array.
type wireMessage struct {
	At   wTime   `json:"at"`
	From wString `json:"from"`
	Text wString `json:"text"`
}

// wireChat mirrors the ccqa.chats message. Messages is a plain slice so that encoding/json fills
// it in the same pass; shapes it cannot hold (a non-array, non-object elements) are diagnosed
// afterwards by messageShape, off the hot path.
type wireChat struct {
	ChatID      wString       `json:"chat_id"`
	AgentID     wString       `json:"agent_id"`
	CustomerID  wString       `json:"customer_id"`
	Queue       wString       `json:"queue"`
	StartedAt   wTime         `json:"started_at"`
	EndedAt     wTime         `json:"ended_at"`
	Messages    []wireMessage `json:"messages"`
	Resolved    wBool         `json:"resolved"`
	ResolvedAt  wTime         `json:"resolved_at"`
	Inquiry     wBool         `json:"inquiry"`
	Complaint   wBool         `json:"complaint"`
	Transferred wBool         `json:"transferred"`

	msgBuf []Message // memory for the validated messages, reused by a ChatDecoder
}

// DecodeChat decodes and validates one ccqa.chats message. On success Messages is non-nil (an
// empty array stays empty) and keeps the order of the message, which the contract allows to be
// any order: consumers sort by At when order matters. Every error is a *ValidationError; the
// rules shared by all kinds are listed at Decode.
//
// Beyond field types: messages must be an array whose elements are objects with a valid "at"
// and "from" of "customer", "agent" or "system" ("text" is optional, it may be withheld for
// privacy); ended_at ≥ started_at; resolved_at ≥ started_at. Message times are not required to
// lie between started_at and ended_at, because the clocks of chat platforms drift.
func DecodeChat(b []byte) (Chat, error) {
	if v, ok := fastChat(b, false); ok {
		return v, nil
	}
	return decodeChatJSON(b)
}

// DecodeChatShared is DecodeChat, except that the strings of the result may share memory with b
// instead of being copies, which saves an allocation per string field. The caller must never
// modify b afterwards; ingest uses it on message buffers that it owns and never reuses.
func DecodeChatShared(b []byte) (Chat, error) {
	if v, ok := fastChat(b, true); ok {
		return v, nil
	}
	return decodeChatJSON(b)
}

// ChatDecoder decodes chats like DecodeChatShared, reusing its memory from one call to the
// next: the Messages of a returned Chat are valid only until the next call of DecodeShared on
// the same decoder (and share memory with b, as DecodeChatShared's strings do). A chat carries
// a few dozen messages, and allocating them for every chat was most of the cost of decoding
// one; ingest copies each chat into its columns right away, so it needs them no longer. The
// zero value is ready to use; a ChatDecoder must not be used by two goroutines at once.
type ChatDecoder struct {
	wire []wireMessage
	msgs []Message
}

// DecodeShared is DecodeChatShared with the decoder's memory reuse.
func (d *ChatDecoder) DecodeShared(b []byte) (Chat, error) {
	if v, ok := fastChatInto(b, true, d); ok {
		return v, nil
	}
	return decodeChatJSON(b)
}

// decodeChatJSON is DecodeChat on encoding/json: the definition of its semantics, used for every
// message the fast path (fast.go) does not accept.
func decodeChatJSON(b []byte) (Chat, error) {
	var w wireChat
	typeErr, err := unmarshalObject(b, &w)
	if err != nil {
		return Chat{}, err
	}
	c, err := w.chat(b, typeErr)
	if err != nil {
		return Chat{}, err
	}
	return c, nil
}

// chat validates the decoded fields in contract order and builds the Chat. b is the original
// message, re-read only to explain a malformed messages array; typeErr is the error
// encoding/json reported for that array, if any.
func (w *wireChat) chat(b []byte, typeErr *json.UnmarshalTypeError) (c Chat, e *ValidationError) {
	if c.ChatID, e = w.ChatID.required(); e != nil {
		return c, e.at("chat_id")
	}
	if c.AgentID, e = w.AgentID.required(); e != nil {
		return c, e.at("agent_id")
	}
	if c.CustomerID, e = w.CustomerID.required(); e != nil {
		return c, e.at("customer_id")
	}
	if c.Queue, e = w.Queue.optional(); e != nil {
		return c, e.at("queue")
	}
	if c.StartedAt, e = w.StartedAt.required(); e != nil {
		return c, e.at("started_at")
	}
	if c.EndedAt, e = w.EndedAt.required(); e != nil {
		return c, e.at("ended_at")
	}
	if c.Messages, e = w.messages(b, typeErr); e != nil {
		return c, e
	}
	if c.Resolved, e = w.Resolved.value(); e != nil {
		return c, e.at("resolved")
	}
	if c.ResolvedAt, e = w.ResolvedAt.optional(); e != nil {
		return c, e.at("resolved_at")
	}
	if c.Inquiry, e = w.Inquiry.value(); e != nil {
		return c, e.at("inquiry")
	}
	if c.Complaint, e = w.Complaint.value(); e != nil {
		return c, e.at("complaint")
	}
	if c.Transferred, e = w.Transferred.value(); e != nil {
		return c, e.at("transferred")
	}

	if c.EndedAt.Before(c.StartedAt) {
		return c, before("ended_at", "started_at", c.StartedAt)
	}
	if c.ResolvedAt != nil && c.ResolvedAt.Before(c.StartedAt) {
		return c, before("resolved_at", "started_at", c.StartedAt)
	}
	return c, nil
}

// messages validates the messages array. The returned error already carries its field name.
func (w *wireChat) messages(b []byte, typeErr *json.UnmarshalTypeError) ([]Message, *ValidationError) {
	// shape is the slow path: it re-reads the message to tell null from absent, and to find
	// which element is not an object. It runs only when something is already wrong.
	var (
		shaped bool
		typ    jsonType
		elems  []json.RawMessage
	)
	shape := func() {
		if !shaped {
			typ, elems = messageShape(b)
			shaped = true
		}
	}
	if w.Messages == nil || typeErr != nil {
		shape()
		switch typ {
		case jArray:
		case jAbsent, jNull:
			return nil, missing(typ).at("messages")
		default:
			return nil, wrongType("an array of messages", typ).at("messages")
		}
	}

	msgs := w.msgBuf[:0]
	if msgs == nil || cap(msgs) < len(w.Messages) {
		msgs = make([]Message, len(w.Messages))
	} else {
		msgs = msgs[:len(w.Messages)]
	}
	for i := range w.Messages {
		wm := &w.Messages[i]
		m := &msgs[i]
		if wm.At.typ == jAbsent && wm.From.typ == jAbsent && wm.Text.typ == jAbsent {
			// Either {} (or an object of unknown keys) or not an object at all, which
			// encoding/json leaves as a zero element: find out which.
			shape()
		}
		if shaped && i < len(elems) {
			if t := typeOf(elems[i]); t != jObject {
				return nil, wrongType("an object", t).at(messageField(i, ""))
			}
		}
		var e *ValidationError
		if m.At, e = wm.At.required(); e != nil {
			return nil, e.at(messageField(i, "at"))
		}
		if m.From, e = wm.From.required(); e != nil {
			return nil, e.at(messageField(i, "from"))
		}
		switch m.From {
		case FromCustomer, FromAgent, FromSystem:
		default:
			return nil, newError(CodeInvalidValue,
				`must be "customer", "agent" or "system", got `+quote(m.From)).at(messageField(i, "from"))
		}
		if m.Text, e = wm.Text.optional(); e != nil {
			return nil, e.at(messageField(i, "text"))
		}
	}
	if typeErr != nil {
		// encoding/json objected to a value the checks above found fine. The only way is a
		// repeated "messages" key whose last value is valid but an earlier one is not; reject
		// it rather than guess which value the producer meant.
		return nil, newError(CodeWrongType,
			"appears more than once, and not every value is an array of message objects").at("messages")
	}
	return msgs, nil
}

// messageField names a message or one of its fields, e.g. "messages[3].from". It is called only
// on the error path, so the formatting cost does not matter.
func messageField(i int, name string) string {
	f := "messages[" + strconv.Itoa(i) + "]"
	if name != "" {
		f += "." + name
	}
	return f
}

// messageShape re-reads a chat message to report the JSON type of its "messages" value (jAbsent
// when the key is missing) and, for an array, its raw elements.
func messageShape(b []byte) (jsonType, []json.RawMessage) {
	var probe struct {
		Messages json.RawMessage `json:"messages"`
	}
	if json.Unmarshal(b, &probe) != nil {
		return jAbsent, nil
	}
	t := typeOf(probe.Messages)
	if t != jArray {
		return t, nil
	}
	var elems []json.RawMessage
	if json.Unmarshal(probe.Messages, &elems) != nil {
		return t, nil
	}
	return t, elems
}

// wireSurvey mirrors the ccqa.surveys message.
type wireSurvey struct {
	SurveyID      wString `json:"survey_id"`
	InteractionID wString `json:"interaction_id"`
	Channel       wString `json:"channel"`
	Score         wScore  `json:"score"`
	AnsweredAt    wTime   `json:"answered_at"`
	Comment       wString `json:"comment"`
}

// DecodeSurvey decodes and validates one ccqa.surveys message. Every error is a
// *ValidationError; the rules shared by all kinds are listed at Decode.
//
// Beyond field types: score is a JSON number equal to a whole number from 1 to 5 (5 and 5.0 are
// accepted; 4.5, 0, 6 and the string "5" are not); channel, when present and non-empty, is
// "call" or "chat". An absent channel stays "": the survey is matched to its contact by
// interaction_id, not guessed here.
func DecodeSurvey(b []byte) (Survey, error) {
	if v, ok := fastSurvey(b, false); ok {
		return v, nil
	}
	return decodeSurveyJSON(b)
}

// DecodeSurveyShared is DecodeSurvey, except that the strings of the result may share memory with b
// instead of being copies, which saves an allocation per string field. The caller must never
// modify b afterwards; ingest uses it on message buffers that it owns and never reuses.
func DecodeSurveyShared(b []byte) (Survey, error) {
	if v, ok := fastSurvey(b, true); ok {
		return v, nil
	}
	return decodeSurveyJSON(b)
}

// decodeSurveyJSON is DecodeSurvey on encoding/json: the definition of its semantics, used for every
// message the fast path (fast.go) does not accept.
func decodeSurveyJSON(b []byte) (Survey, error) {
	var w wireSurvey
	if _, err := unmarshalObject(b, &w); err != nil {
		return Survey{}, err
	}
	s, err := w.survey()
	if err != nil {
		return Survey{}, err
	}
	return s, nil
}

// survey validates the decoded fields in contract order and builds the Survey.
func (w *wireSurvey) survey() (s Survey, e *ValidationError) {
	if s.SurveyID, e = w.SurveyID.required(); e != nil {
		return s, e.at("survey_id")
	}
	if s.InteractionID, e = w.InteractionID.required(); e != nil {
		return s, e.at("interaction_id")
	}
	if s.Channel, e = w.Channel.optional(); e != nil {
		return s, e.at("channel")
	}
	switch s.Channel {
	case "", ChannelCall, ChannelChat:
	default:
		return s, newError(CodeInvalidValue, `must be "call" or "chat", got `+quote(s.Channel)).at("channel")
	}
	if s.Score, e = w.Score.required(); e != nil {
		return s, e.at("score")
	}
	if s.AnsweredAt, e = w.AnsweredAt.required(); e != nil {
		return s, e.at("answered_at")
	}
	if s.Comment, e = w.Comment.optional(); e != nil {
		return s, e.at("comment")
	}
	return s, nil
}

// wireOrder mirrors the ccqa.orders message.
type wireOrder struct {
	OrderID       wString `json:"order_id"`
	Status        wString `json:"status"`
	CustomerID    wString `json:"customer_id"`
	AgentID       wString `json:"agent_id"`
	InteractionID wString `json:"interaction_id"`
	Amount        wAmount `json:"amount"`
	Currency      wString `json:"currency"`
	At            wTime   `json:"at"`
}

// DecodeOrder decodes and validates one ccqa.orders message. On success Currency is always set
// (absent or "" becomes DefaultCurrency). Every error is a *ValidationError; the rules shared
// by all kinds are listed at Decode.
//
// Beyond field types: status is one of created, paid, cancelled, refunded; amount is a JSON
// number (a quoted "19.90" is refused), ≥ 0, with at most 2 decimal places, parsed exactly from
// its text into AmountMinor (19.90 and 19.9 give 1990). Exponents are accepted and evaluated
// exactly (1e2 is 10000 minor units, 1999e-2 is 1999); trailing zeros do not count as decimal
// places (19.900 is fine). Amounts above math.MaxInt64 minor units are refused. currency, when
// present and non-empty, is three upper-case ASCII letters (ISO 4217 style, not checked against
// the list of real currencies).
func DecodeOrder(b []byte) (Order, error) {
	if v, ok := fastOrder(b, false); ok {
		return v, nil
	}
	return decodeOrderJSON(b)
}

// DecodeOrderShared is DecodeOrder, except that the strings of the result may share memory with b
// instead of being copies, which saves an allocation per string field. The caller must never
// modify b afterwards; ingest uses it on message buffers that it owns and never reuses.
func DecodeOrderShared(b []byte) (Order, error) {
	if v, ok := fastOrder(b, true); ok {
		return v, nil
	}
	return decodeOrderJSON(b)
}

// decodeOrderJSON is DecodeOrder on encoding/json: the definition of its semantics, used for every
// message the fast path (fast.go) does not accept.
func decodeOrderJSON(b []byte) (Order, error) {
	var w wireOrder
	if _, err := unmarshalObject(b, &w); err != nil {
		return Order{}, err
	}
	o, err := w.order()
	if err != nil {
		return Order{}, err
	}
	return o, nil
}

// order validates the decoded fields in contract order and builds the Order.
func (w *wireOrder) order() (o Order, e *ValidationError) {
	if o.OrderID, e = w.OrderID.required(); e != nil {
		return o, e.at("order_id")
	}
	if o.Status, e = w.Status.required(); e != nil {
		return o, e.at("status")
	}
	switch o.Status {
	case StatusCreated, StatusPaid, StatusCancelled, StatusRefunded:
	default:
		return o, newError(CodeInvalidValue,
			`must be "created", "paid", "cancelled" or "refunded", got `+quote(o.Status)).at("status")
	}
	if o.CustomerID, e = w.CustomerID.required(); e != nil {
		return o, e.at("customer_id")
	}
	if o.AgentID, e = w.AgentID.required(); e != nil {
		return o, e.at("agent_id")
	}
	if o.InteractionID, e = w.InteractionID.optional(); e != nil {
		return o, e.at("interaction_id")
	}
	if o.AmountMinor, e = w.Amount.required(); e != nil {
		return o, e.at("amount")
	}
	if o.Currency, e = w.Currency.optional(); e != nil {
		return o, e.at("currency")
	}
	switch {
	case o.Currency == "":
		o.Currency = DefaultCurrency
	case !isCurrencyCode(o.Currency):
		return o, newError(CodeInvalidValue,
			"must be a currency code of 3 upper-case letters such as CNY, got "+quote(o.Currency)).at("currency")
	}
	if o.At, e = w.At.required(); e != nil {
		return o, e.at("at")
	}
	return o, nil
}

// isCurrencyCode reports whether s is three upper-case ASCII letters.
func isCurrencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// before reports that field's time is earlier than the other field's time t.
func before(field, other string, t time.Time) *ValidationError {
	return newError(CodeTimeOrder, "is before "+other+" ("+t.Format(time.RFC3339Nano)+")").at(field)
}

// after reports that field's time is later than the other field's time t.
func after(field, other string, t time.Time) *ValidationError {
	return newError(CodeTimeOrder, "is after "+other+" ("+t.Format(time.RFC3339Nano)+")").at(field)
}

// unmarshalObject decodes one JSON object into a wire struct. It returns a *ValidationError
// for anything that is not a JSON object, and hands back an *json.UnmarshalTypeError for the
// caller to explain: encoding/json keeps decoding the other fields after such an error, so
// the caller can still report problems in contract order.
func unmarshalObject(b []byte, v any) (*json.UnmarshalTypeError, *ValidationError) {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	if i == len(b) {
		return nil, newError(CodeInvalidJSON, "message is empty, expected a JSON object")
	}
	if b[i] != '{' {
		// Either not JSON, or JSON of another type: decode generically to tell which.
		var raw json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			return nil, jsonError(err)
		}
		return nil, newError(CodeInvalidJSON, "message must be a JSON object, got "+typeOf(raw).String())
	}
	err := json.Unmarshal(b, v)
	if err == nil {
		return nil, nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te, nil
	}
	return nil, jsonError(err)
}

// jsonError reports a message that is not valid JSON, with the byte offset when known, so that
// someone looking at the dead-letter copy can find the fault.
func jsonError(err error) *ValidationError {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return newError(CodeInvalidJSON, fmt.Sprintf("message is not valid JSON: %v (at byte %d)", se, se.Offset))
	}
	return newError(CodeInvalidJSON, "message is not valid JSON: "+err.Error())
}
