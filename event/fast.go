package event

import (
	"bytes"
	"encoding/binary"
)

// This file holds the fast path of the decoders: a hand-written scanner that walks one JSON
// object and hands each known field's raw value to the same wire types (wire.go) that
// encoding/json would call, without reflection. It exists because ingest decodes hundreds of
// thousands of messages per second and encoding/json spent most of that time in reflection and
// in validating the message twice.
//
// The fast path never decides anything on its own. It accepts only the plain case: one valid
// JSON object, keys without escapes that match a field name exactly and at most once, and a
// chat's messages as an array of objects. Everything else (invalid JSON, escaped or case-folded
// keys, repeated keys, deep nesting, a messages value of another shape) and every message that
// fails validation falls back to the encoding/json path (decodeCallJSON and friends), which
// stays the definition of the semantics. When the fast path accepts a message, it has filled
// the wire struct exactly as encoding/json would have, so the shared validation code returns
// the same value; FuzzFastDecoders checks this equivalence on arbitrary input.

// maxFastDepth bounds the nesting the fast path skips in unknown fields; deeper messages go to
// encoding/json, whose own limit (10000) and error text then apply.
const maxFastDepth = 64

// scanner walks a JSON text; every method reports false on anything it does not accept.
type scanner struct {
	b      []byte
	i      int
	k      []byte // the key of the member being scanned, set by member
	bad    bool   // something the fast path does not accept was found
	shared bool   // strings may share b's memory (the Decode*Shared functions)
	ascii  bool   // the string str scanned last holds only ASCII bytes (so it is valid UTF-8)
}

// ws skips JSON whitespace.
func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// str scans a string starting at the opening quote and returns its bytes including the quotes,
// and whether it contains a backslash. It accepts exactly what encoding/json's scanner accepts:
// no control characters, only the JSON escapes; bytes that are not valid UTF-8 are allowed (the
// wire types replace them as encoding/json does).
func (s *scanner) str() (raw []byte, escaped, ok bool) {
	// Locals rather than s.b and s.i keep the hot loop in registers.
	b, start := s.b, s.i
	i := start + 1  // after the opening quote
	var high uint64 // the bytes seen, OR-ed: bit 7 set means a byte that is not ASCII
	for {
		// Runs of plain bytes, nearly the whole string, are skipped eight at a time, then
		// byte by byte up to the first byte that is not plain.
		for i+8 <= len(b) {
			x := binary.LittleEndian.Uint64(b[i:])
			if hasSpecial(x) {
				break
			}
			high |= x
			i += 8
		}
		for i < len(b) && plainByte[b[i]] {
			high |= uint64(b[i])
			i++
		}
		if i >= len(b) {
			return nil, false, false
		}
		switch c := b[i]; {
		case c == '"':
			s.i = i + 1
			s.ascii = high&0x8080808080808080 == 0
			return b[start:s.i], escaped, true
		case c == '\\':
			escaped = true
			if i+1 >= len(b) {
				return nil, false, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) {
					return nil, false, false
				}
				for _, h := range b[i+2 : i+6] {
					if !isHex(h) {
						return nil, false, false
					}
				}
				i += 6
			default:
				return nil, false, false
			}
		default: // a control character
			return nil, false, false
		}
	}
}

// hasSpecial reports whether any of the eight bytes in x is a quote, a backslash or a control
// character (below 0x20): the bytes that end a run of plain bytes. It may report true for a
// word whose only special byte is followed by a false match (the borrow of the subtraction),
// which is harmless: the caller then looks at the word byte by byte.
func hasSpecial(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	zero := func(v uint64) uint64 { return (v - ones) & ^v & highs }
	return (x-0x20*ones)&^x&highs|zero(x^('"'*ones))|zero(x^('\\'*ones)) != 0
}

// plainByte marks the bytes a JSON string holds as they are: all but the quote, the backslash
// and control characters.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// number scans a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() bool {
	b, i := s.b, s.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !isDigit(b[i]) {
			return false
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return false
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	s.i = i
	return true
}

// literal scans true, false or null.
func (s *scanner) literal(word string) bool {
	if !bytes.HasPrefix(s.b[s.i:], []byte(word)) {
		return false
	}
	s.i += len(word)
	return true
}

// value scans any JSON value and returns its bytes. After a scalar the next byte must end it
// (whitespace, a comma or a closing bracket, or the end of the text, which the caller checks).
func (s *scanner) value(depth int) ([]byte, bool) {
	if s.i >= len(s.b) {
		return nil, false
	}
	start := s.i
	ok := false
	switch c := s.b[s.i]; {
	case c == '"':
		_, _, ok = s.str()
	case c == '{':
		ok = s.skipObject(depth + 1)
	case c == '[':
		ok = s.skipArray(depth + 1)
	case c == 't':
		ok = s.literal("true")
	case c == 'f':
		ok = s.literal("false")
	case c == 'n':
		ok = s.literal("null")
	case c == '-' || isDigit(c):
		ok = s.number()
	}
	if !ok || !s.ends() {
		return nil, false
	}
	return s.b[start:s.i], true
}

// ends reports whether the scanner stands at the end of a value: the end of the text, JSON
// whitespace, a comma or a closing bracket. encoding/json refuses "truex" and "1.5e" this way.
func (s *scanner) ends() bool {
	if s.i >= len(s.b) {
		return true
	}
	switch s.b[s.i] {
	case ' ', '\t', '\n', '\r', ',', '}', ']':
		return true
	}
	return false
}

// skipObject scans an object whose content does not matter (an unknown field's value).
func (s *scanner) skipObject(depth int) bool {
	if depth > maxFastDepth {
		return false
	}
	s.i++ // {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return true
	}
	for {
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return false
		}
		if _, _, ok := s.str(); !ok {
			return false
		}
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return false
		}
		s.i++
		s.ws()
		if _, ok := s.value(depth); !ok {
			return false
		}
		s.ws()
		if s.i >= len(s.b) {
			return false
		}
		switch s.b[s.i] {
		case ',':
			s.i++
			s.ws()
		case '}':
			s.i++
			return true
		default:
			return false
		}
	}
}

// skipArray scans an array whose content does not matter.
func (s *scanner) skipArray(depth int) bool {
	if depth > maxFastDepth {
		return false
	}
	s.i++ // [
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		return true
	}
	for {
		if _, ok := s.value(depth); !ok {
			return false
		}
		s.ws()
		if s.i >= len(s.b) {
			return false
		}
		switch s.b[s.i] {
		case ',':
			s.i++
			s.ws()
		case ']':
			s.i++
			return true
		default:
			return false
		}
	}
}

// begin starts scanning a whole message, which must be one object.
func (s *scanner) begin() bool {
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != '{' {
		return false
	}
	s.i++
	return true
}

// end reports whether the object just closed was the whole message, trailing whitespace aside,
// and nothing was refused on the way.
func (s *scanner) end() bool {
	s.ws()
	return !s.bad && s.i == len(s.b)
}

// member advances to the next member of the object being scanned, just after its '{' (first)
// or just after the previous member's value, and leaves its key in s.k and the scanner at its
// value. It returns false at the closing brace, and on anything refused (s.bad).
func (s *scanner) member(first bool) bool {
	s.ws()
	if s.i >= len(s.b) {
		s.bad = true
		return false
	}
	switch c := s.b[s.i]; {
	case c == '}':
		s.i++
		return false
	case first:
	case c == ',':
		s.i++
		s.ws()
	default:
		s.bad = true
		return false
	}
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		s.bad = true
		return false
	}
	k, escaped, ok := s.str()
	if !ok || escaped {
		s.bad = true // an escaped key may unescape to a field name: encoding/json decides
		return false
	}
	s.k = k[1 : len(k)-1]
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != ':' {
		s.bad = true
		return false
	}
	s.i++
	s.ws()
	return true
}

// val scans the value of a known member and returns its bytes, for the wire type's
// UnmarshalJSON (which records rather than fails, so a refused value, nil here, is harmless).
func (s *scanner) val(depth int) []byte {
	raw, ok := s.value(depth)
	if !ok {
		s.bad = true
	}
	return raw
}

// strField scans the value of a known string member into w, sharing b's memory when allowed.
func (s *scanner) strField(w *wString, depth int) {
	if s.shared && s.i < len(s.b) && s.b[s.i] == '"' {
		// The common case, a string: scanned once, and what the scan found (no escapes, valid
		// UTF-8) is not looked for again.
		raw, escaped, ok := s.str()
		if !ok || !s.ends() {
			s.bad = true
			return
		}
		w.setSharedScanned(raw, escaped, s.ascii)
		return
	}
	raw := s.val(depth)
	if s.shared {
		w.setShared(raw)
		return
	}
	_ = w.UnmarshalJSON(raw)
}

// unknown skips the value of a member whose key is not a field name. A key equal to a field
// name ignoring case is refused, because encoding/json would match it.
func (s *scanner) unknown(depth int, names []string) {
	for _, n := range names {
		if bytes.EqualFold(s.k, []byte(n)) {
			s.bad = true
			return
		}
	}
	if _, ok := s.value(depth); !ok {
		s.bad = true
	}
}

// once records that field idx was seen, refusing a repeated key: encoding/json's
// last-one-wins is left to encoding/json.
func (s *scanner) once(seen *uint64, idx uint) {
	if *seen&(1<<idx) != 0 {
		s.bad = true
	}
	*seen |= 1 << idx
}

var callNames = []string{"call_id", "agent_id", "customer_id", "queue", "direction", "offered_at", "answered_at",
	"ended_at", "hold_seconds", "acw_seconds", "resolved", "resolved_at", "inquiry", "complaint", "transferred",
	"recording_url"}

// fastCall decodes a call on the fast path; ok is false when the message must go to
// encoding/json (see the file comment). The wire types' UnmarshalJSON never fails.
func fastCall(b []byte, shared bool) (c Call, ok bool) {
	var w wireCall
	s := scanner{b: b, shared: shared}
	if !s.begin() {
		return Call{}, false
	}
	var seen uint64
	for first := true; s.member(first); first = false {
		switch string(s.k) {
		case "call_id":
			s.once(&seen, 0)
			s.strField(&w.CallID, 0)
		case "agent_id":
			s.once(&seen, 1)
			s.strField(&w.AgentID, 0)
		case "customer_id":
			s.once(&seen, 2)
			s.strField(&w.CustomerID, 0)
		case "queue":
			s.once(&seen, 3)
			s.strField(&w.Queue, 0)
		case "direction":
			s.once(&seen, 4)
			s.strField(&w.Direction, 0)
		case "offered_at":
			s.once(&seen, 5)
			_ = w.OfferedAt.UnmarshalJSON(s.val(0))
		case "answered_at":
			s.once(&seen, 6)
			_ = w.AnsweredAt.UnmarshalJSON(s.val(0))
		case "ended_at":
			s.once(&seen, 7)
			_ = w.EndedAt.UnmarshalJSON(s.val(0))
		case "hold_seconds":
			s.once(&seen, 8)
			_ = w.HoldSeconds.UnmarshalJSON(s.val(0))
		case "acw_seconds":
			s.once(&seen, 9)
			_ = w.ACWSeconds.UnmarshalJSON(s.val(0))
		case "resolved":
			s.once(&seen, 10)
			_ = w.Resolved.UnmarshalJSON(s.val(0))
		case "resolved_at":
			s.once(&seen, 11)
			_ = w.ResolvedAt.UnmarshalJSON(s.val(0))
		case "inquiry":
			s.once(&seen, 12)
			_ = w.Inquiry.UnmarshalJSON(s.val(0))
		case "complaint":
			s.once(&seen, 13)
			_ = w.Complaint.UnmarshalJSON(s.val(0))
		case "transferred":
			s.once(&seen, 14)
			_ = w.Transferred.UnmarshalJSON(s.val(0))
		case "recording_url":
			s.once(&seen, 15)
			s.strField(&w.RecordingURL, 0)
		default:
			s.unknown(0, callNames)
		}
		if s.bad {
			return Call{}, false
		}
	}
	if !s.end() {
		return Call{}, false
	}
	c, e := w.call()
	if e != nil {
		return Call{}, false
	}
	return c, true
}

var chatNames = []string{"chat_id", "agent_id", "customer_id", "queue", "started_at", "ended_at", "messages",
	"resolved", "resolved_at", "inquiry", "complaint", "transferred"}

// fastChat decodes a chat on the fast path; ok is false when the message must go to
// encoding/json (see the file comment).
func fastChat(b []byte, shared bool) (c Chat, ok bool) { return fastChatInto(b, shared, nil) }

// fastChatInto is fastChat reusing d's memory for the messages when d is not nil.
func fastChatInto(b []byte, shared bool, d *ChatDecoder) (c Chat, ok bool) {
	var w wireChat
	var wire []wireMessage
	if d != nil {
		wire, w.msgBuf = d.wire[:0], d.msgs
	}
	s := scanner{b: b, shared: shared}
	if !s.begin() {
		return Chat{}, false
	}
	var seen uint64
	for first := true; s.member(first); first = false {
		switch string(s.k) {
		case "chat_id":
			s.once(&seen, 0)
			s.strField(&w.ChatID, 0)
		case "agent_id":
			s.once(&seen, 1)
			s.strField(&w.AgentID, 0)
		case "customer_id":
			s.once(&seen, 2)
			s.strField(&w.CustomerID, 0)
		case "queue":
			s.once(&seen, 3)
			s.strField(&w.Queue, 0)
		case "started_at":
			s.once(&seen, 4)
			_ = w.StartedAt.UnmarshalJSON(s.val(0))
		case "ended_at":
			s.once(&seen, 5)
			_ = w.EndedAt.UnmarshalJSON(s.val(0))
		case "messages":
			s.once(&seen, 6)
			w.Messages = s.messages(wire)
		case "resolved":
			s.once(&seen, 7)
			_ = w.Resolved.UnmarshalJSON(s.val(0))
		case "resolved_at":
			s.once(&seen, 8)
			_ = w.ResolvedAt.UnmarshalJSON(s.val(0))
		case "inquiry":
			s.once(&seen, 9)
			_ = w.Inquiry.UnmarshalJSON(s.val(0))
		case "complaint":
			s.once(&seen, 10)
			_ = w.Complaint.UnmarshalJSON(s.val(0))
		case "transferred":
			s.once(&seen, 11)
			_ = w.Transferred.UnmarshalJSON(s.val(0))
		default:
			s.unknown(0, chatNames)
		}
		if s.bad {
			return Chat{}, false
		}
	}
	if !s.end() || w.Messages == nil {
		return Chat{}, false // an absent messages key is explained by encoding/json's path
	}
	c, e := w.chat(b, nil)
	if d != nil {
		// Keep what grew for the next message; a failed decode keeps the old buffers.
		if cap(w.Messages) > cap(d.wire) {
			d.wire = w.Messages
		}
		if cap(c.Messages) > cap(d.msgs) {
			d.msgs = c.Messages
		}
	}
	if e != nil {
		return Chat{}, false
	}
	return c, true
}

var messageNames = []string{"at", "from", "text"}

// message decodes one message of a chat's messages, the scanner just past its '{', member by
// member; false means s.bad.
func (s *scanner) message(m *wireMessage) bool {
	var seen uint64
	for first := true; s.member(first); first = false {
		switch string(s.k) {
		case "at":
			s.once(&seen, 0)
			_ = m.At.UnmarshalJSON(s.val(2))
		case "from":
			s.once(&seen, 1)
			s.strField(&m.From, 2)
		case "text":
			s.once(&seen, 2)
			s.strField(&m.Text, 2)
		default:
			s.unknown(2, messageNames)
		}
		if s.bad {
			return false
		}
	}
	if s.bad || seen == 0 {
		s.bad = true
		return false
	}
	return true
}

// canonMessage decodes a chat message laid out as producers write it, the keys in the
// contract's order with no whitespace: "at":"…","from":"…","text":"…"} (the scanner just past
// the '{'). A chat carries a dozen or more messages, and matching the three keys as one literal
// each, instead of scanning, switching on and checking each key, took a quarter off the decoding
// of a 24-message chat (BenchmarkChatDecoder). It yields exactly what message would: the same
// scans of the values, handed to the same wire types. On any other layout it returns false with
// the scanner and m as they were, and message decodes it. Only for the shared decoders (ingest's),
// whose strings keep the scanned bytes.
func (s *scanner) canonMessage(m *wireMessage) bool {
	if !s.shared {
		return false
	}
	start := s.i
	fail := func() bool {
		s.i = start
		*m = wireMessage{}
		return false
	}
	if !s.lit(`"at":"`) {
		return false
	}
	s.i-- // the value's opening quote
	raw, escaped, ok := s.str()
	if !ok || !s.lit(`,"from":"`) {
		return fail()
	}
	m.At.setString(raw, escaped)
	s.i--
	if raw, escaped, ok = s.str(); !ok || !s.lit(`,"text":"`) {
		return fail()
	}
	m.From.setSharedScanned(raw, escaped, s.ascii)
	s.i--
	if raw, escaped, ok = s.str(); !ok || !s.lit(`}`) {
		return fail()
	}
	m.Text.setSharedScanned(raw, escaped, s.ascii)
	return true
}

// lit advances past the literal text if the scanner stands at it.
func (s *scanner) lit(text string) bool {
	if len(s.b)-s.i < len(text) || string(s.b[s.i:s.i+len(text)]) != text {
		return false
	}
	s.i += len(text)
	return true
}

// messages scans a chat's messages value. It accepts only an array of objects each of which
// has at least one known key: an element without one needs encoding/json's path to tell {}
// from a non-object.
func (s *scanner) messages(buf []wireMessage) []wireMessage {
	if s.i >= len(s.b) || s.b[s.i] != '[' {
		s.bad = true
		return nil
	}
	s.i++
	s.ws()
	msgs := buf[:0]
	if msgs == nil {
		msgs = make([]wireMessage, 0, 16)
	}
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		if !s.ends() {
			s.bad = true
		}
		return msgs
	}
	for {
		if s.i >= len(s.b) || s.b[s.i] != '{' {
			s.bad = true
			return nil
		}
		s.i++
		msgs = append(msgs, wireMessage{})
		m := &msgs[len(msgs)-1]
		if !s.canonMessage(m) && !s.message(m) {
			return nil
		}
		s.ws()
		if s.i >= len(s.b) {
			s.bad = true
			return nil
		}
		switch s.b[s.i] {
		case ',':
			s.i++
			s.ws()
		case ']':
			s.i++
			if !s.ends() {
				s.bad = true
			}
			return msgs
		default:
			s.bad = true
			return nil
		}
	}
}

var surveyNames = []string{"survey_id", "interaction_id", "channel", "score", "answered_at", "comment"}

// fastSurvey decodes a survey on the fast path; ok is false when the message must go to
// encoding/json (see the file comment).
func fastSurvey(b []byte, shared bool) (v Survey, ok bool) {
	var w wireSurvey
	s := scanner{b: b, shared: shared}
	if !s.begin() {
		return Survey{}, false
	}
	var seen uint64
	for first := true; s.member(first); first = false {
		switch string(s.k) {
		case "survey_id":
			s.once(&seen, 0)
			s.strField(&w.SurveyID, 0)
		case "interaction_id":
			s.once(&seen, 1)
			s.strField(&w.InteractionID, 0)
		case "channel":
			s.once(&seen, 2)
			s.strField(&w.Channel, 0)
		case "score":
			s.once(&seen, 3)
			_ = w.Score.UnmarshalJSON(s.val(0))
		case "answered_at":
			s.once(&seen, 4)
			_ = w.AnsweredAt.UnmarshalJSON(s.val(0))
		case "comment":
			s.once(&seen, 5)
			s.strField(&w.Comment, 0)
		default:
			s.unknown(0, surveyNames)
		}
		if s.bad {
			return Survey{}, false
		}
	}
	if !s.end() {
		return Survey{}, false
	}
	v, e := w.survey()
	if e != nil {
		return Survey{}, false
	}
	return v, true
}

var orderNames = []string{"order_id", "status", "customer_id", "agent_id", "interaction_id", "amount", "currency", "at"}

// fastOrder decodes an order on the fast path; ok is false when the message must go to
// encoding/json (see the file comment).
func fastOrder(b []byte, shared bool) (v Order, ok bool) {
	var w wireOrder
	s := scanner{b: b, shared: shared}
	if !s.begin() {
		return Order{}, false
	}
	var seen uint64
	for first := true; s.member(first); first = false {
		switch string(s.k) {
		case "order_id":
			s.once(&seen, 0)
			s.strField(&w.OrderID, 0)
		case "status":
			s.once(&seen, 1)
			s.strField(&w.Status, 0)
		case "customer_id":
			s.once(&seen, 2)
			s.strField(&w.CustomerID, 0)
		case "agent_id":
			s.once(&seen, 3)
			s.strField(&w.AgentID, 0)
		case "interaction_id":
			s.once(&seen, 4)
			s.strField(&w.InteractionID, 0)
		case "amount":
			s.once(&seen, 5)
			_ = w.Amount.UnmarshalJSON(s.val(0))
		case "currency":
			s.once(&seen, 6)
			s.strField(&w.Currency, 0)
		case "at":
			s.once(&seen, 7)
			_ = w.At.UnmarshalJSON(s.val(0))
		default:
			s.unknown(0, orderNames)
		}
		if s.bad {
			return Order{}, false
		}
	}
	if !s.end() {
		return Order{}, false
	}
	v, e := w.order()
	if e != nil {
		return Order{}, false
	}
	return v, true
}
