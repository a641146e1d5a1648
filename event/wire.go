package event

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"
)

// This file holds the wire field types the decoders unmarshal into. Each implements
// json.Unmarshaler and never returns an error: it records the JSON type it saw (so that absent,
// null and a zero value stay distinguishable) and, for malformed values, a *ValidationError
// without a field name. The decoders then check the fields in a fixed order and name the first
// problem. Decoding this way takes one pass of encoding/json, with no intermediate maps or
// json.RawMessage copies on the hot path.
//
// encoding/json hands UnmarshalJSON exactly the bytes of one valid JSON value (it checks the
// whole message first), so the helpers below may rely on well-formed input.

// jsonType is the JSON type of a value, or jAbsent when its key never occurred.
type jsonType uint8

const (
	jAbsent jsonType = iota
	jNull
	jBool
	jNumber
	jString
	jArray
	jObject
)

// typeOf classifies one valid JSON value by its first byte.
func typeOf(b []byte) jsonType {
	if len(b) == 0 {
		return jAbsent
	}
	switch b[0] {
	case 'n':
		return jNull
	case 't', 'f':
		return jBool
	case '"':
		return jString
	case '[':
		return jArray
	case '{':
		return jObject
	}
	return jNumber
}

// String names the type with its article, to complete sentences like "must be a string, got …".
func (t jsonType) String() string {
	switch t {
	case jNull:
		return "null"
	case jBool:
		return "a boolean"
	case jNumber:
		return "a number"
	case jString:
		return "a string"
	case jArray:
		return "an array"
	case jObject:
		return "an object"
	}
	return "nothing"
}

// wrongType reports a value of the wrong JSON type.
func wrongType(want string, got jsonType) *ValidationError {
	return newError(CodeWrongType, "must be "+want+", got "+got.String())
}

// missing reports a required field that is absent, null or empty, saying which, because "the
// producer sent null" and "the producer forgot the field" are different bugs upstream.
func missing(t jsonType) *ValidationError {
	switch t {
	case jNull:
		return newError(CodeMissingField, "is required but is null")
	case jString:
		return newError(CodeMissingField, "is required but is empty")
	}
	return newError(CodeMissingField, "is required")
}

// unquote returns the content of a JSON string literal. Strings without escapes that are valid
// UTF-8 (nearly all of them) are copied directly; the rest go through encoding/json, which
// resolves escapes and replaces invalid UTF-8 with U+FFFD exactly as it would for a string field.
func unquote(b []byte) string {
	in := b[1 : len(b)-1]
	if s, ok := intern(in); ok {
		return s
	}
	if bytes.IndexByte(in, '\\') < 0 && utf8.Valid(in) {
		return string(in)
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return string(in) // unreachable for valid JSON; keep the bytes rather than lose them
	}
	return s
}

// intern returns the shared copy of the contract's enumeration words, so that decoding a chat
// does not allocate a "customer" string for every message.
func intern(b []byte) (string, bool) {
	switch string(b) { // no allocation: the compiler compares the bytes in place
	case FromCustomer:
		return FromCustomer, true
	case FromAgent:
		return FromAgent, true
	case FromSystem:
		return FromSystem, true
	case DirectionInbound:
		return DirectionInbound, true
	case DirectionOutbound:
		return DirectionOutbound, true
	case ChannelCall:
		return ChannelCall, true
	case ChannelChat:
		return ChannelChat, true
	case StatusCreated:
		return StatusCreated, true
	case StatusPaid:
		return StatusPaid, true
	case StatusCancelled:
		return StatusCancelled, true
	case StatusRefunded:
		return StatusRefunded, true
	case DefaultCurrency:
		return DefaultCurrency, true
	}
	return "", false
}

// wString is a string field.
type wString struct {
	typ jsonType
	s   string
}

// UnmarshalJSON records the value; see the file comment.
func (w *wString) UnmarshalJSON(b []byte) error {
	*w = wString{typ: typeOf(b)}
	if w.typ == jString {
		w.s = unquote(b)
	}
	return nil
}

// setShared is UnmarshalJSON with one difference: a string that needs no unescaping shares
// b's memory instead of being copied. Only the fast path calls it, for the Decode*Shared
// functions, whose callers promise never to modify b.
func (w *wString) setShared(b []byte) {
	*w = wString{typ: typeOf(b)}
	if w.typ != jString {
		return
	}
	in := b[1 : len(b)-1]
	if s, ok := intern(in); ok {
		w.s = s
		return
	}
	if len(in) > 0 && bytes.IndexByte(in, '\\') < 0 && utf8.Valid(in) {
		w.s = unsafe.String(&in[0], len(in))
		return
	}
	w.s = unquote(b)
}

// setSharedScanned is setShared for a JSON string the fast path has just scanned: it knows
// whether the string holds an escape and whether it is all ASCII (valid UTF-8 then), and does
// not look again.
func (w *wString) setSharedScanned(b []byte, escaped, ascii bool) {
	*w = wString{typ: jString}
	in := b[1 : len(b)-1]
	if s, ok := intern(in); ok {
		w.s = s
		return
	}
	if len(in) > 0 && !escaped && (ascii || utf8.Valid(in)) {
		w.s = unsafe.String(&in[0], len(in))
		return
	}
	w.s = unquote(b)
}

// required returns a string that must be present and non-empty.
func (w *wString) required() (string, *ValidationError) {
	switch w.typ {
	case jString:
		if w.s == "" {
			return "", missing(jString)
		}
		return w.s, nil
	case jAbsent, jNull:
		return "", missing(w.typ)
	}
	return "", wrongType("a string", w.typ)
}

// optional returns a string that may be absent or null (both read as "").
func (w *wString) optional() (string, *ValidationError) {
	switch w.typ {
	case jString, jAbsent, jNull:
		return w.s, nil
	}
	return "", wrongType("a string", w.typ)
}

// wTime is a time field: a JSON string holding an RFC 3339 time with an offset.
type wTime struct {
	typ   jsonType
	empty bool // the value was ""; tracked apart from t because 0001-01-01T00:00:00Z is valid
	t     time.Time
	bad   *ValidationError // wrong type or unparsable; nil for absent, null and ""
}

// UnmarshalJSON parses the time straight from the message bytes when the string has no escapes,
// which avoids allocating; see the file comment.
func (w *wTime) UnmarshalJSON(b []byte) error {
	*w = wTime{typ: typeOf(b)}
	switch w.typ {
	case jAbsent, jNull:
	case jString:
		w.setString(b, bytes.IndexByte(b, '\\') >= 0)
	default:
		w.bad = wrongType("a string with an RFC 3339 time", w.typ)
	}
	return nil
}

// setString sets w from a JSON string b (quotes included), which holds a backslash escape or
// not: UnmarshalJSON for a string, and the fast path's entry when it has scanned the string.
func (w *wTime) setString(b []byte, escaped bool) {
	*w = wTime{typ: jString}
	in := b[1 : len(b)-1]
	if len(in) == 0 {
		w.empty = true // reported as missing or invalid by the accessor
		return
	}
	var ok bool
	if !escaped {
		w.t, ok = parseTime(in)
	} else {
		w.t, ok = parseTime(unquote(b))
	}
	if !ok {
		w.bad = badTime(unquote(b))
	}
}

// badTime reports a string that is not a contract time, quoting it and showing a good one.
func badTime(s string) *ValidationError {
	return newError(CodeInvalidTime, quote(s)+
		" is not an RFC 3339 time with an offset, such as 2026-11-03T09:15:02+08:00")
}

// required returns a time that must be present; "" counts as missing, like an empty string.
func (w *wTime) required() (time.Time, *ValidationError) {
	if w.bad != nil {
		return time.Time{}, w.bad
	}
	if w.typ != jString || w.empty {
		return time.Time{}, missing(w.typ)
	}
	return w.t, nil
}

// optional returns a time that may be absent or null (nil). An empty string is not a time and
// not null either, so it is invalid here: guessing that "" means null would hide producer bugs.
func (w *wTime) optional() (*time.Time, *ValidationError) {
	switch {
	case w.bad != nil:
		return nil, w.bad
	case w.typ == jAbsent || w.typ == jNull:
		return nil, nil
	case w.empty:
		return nil, badTime("")
	}
	t := w.t
	return &t, nil
}

// wBool is an optional boolean field; absent and null read as false.
type wBool struct {
	typ jsonType
	v   bool
}

// UnmarshalJSON records the value; see the file comment.
func (w *wBool) UnmarshalJSON(b []byte) error {
	*w = wBool{typ: typeOf(b)}
	w.v = w.typ == jBool && b[0] == 't'
	return nil
}

// value returns the boolean, refusing strings such as "true" and numbers such as 1, which some
// producers emit and which would otherwise be silently read as false.
func (w *wBool) value() (bool, *ValidationError) {
	switch w.typ {
	case jBool, jAbsent, jNull:
		return w.v, nil
	}
	return false, wrongType("true or false", w.typ)
}

// wSeconds is an optional non-negative duration in seconds, which may be fractional.
type wSeconds struct {
	typ jsonType
	v   float64
	bad *ValidationError
}

// UnmarshalJSON parses and range-checks the number; see the file comment.
func (w *wSeconds) UnmarshalJSON(b []byte) error {
	*w = wSeconds{typ: typeOf(b)}
	switch w.typ {
	case jAbsent, jNull:
	case jNumber:
		f, err := strconv.ParseFloat(string(b), 64)
		switch {
		case math.IsInf(f, 0):
			// ParseFloat's only error for valid JSON number text; underflow such as 1e-400
			// rounds to 0 without error, which is harmless for a duration.
			w.bad = newError(CodeInvalidValue, "is too large to be a number of seconds ("+clipRaw(b)+")")
		case err != nil:
			w.bad = newError(CodeInvalidValue, "is not a usable number ("+clipRaw(b)+")")
		case f < 0:
			w.bad = newError(CodeInvalidValue, "must not be negative, got "+clipRaw(b))
		}
		if f == 0 {
			f = 0 // turn -0 into 0, so the value re-encodes as "0" rather than "-0"
		}
		w.v = f
	default:
		w.bad = wrongType("a number", w.typ)
	}
	return nil
}

// value returns the duration; absent and null read as 0.
func (w *wSeconds) value() (float64, *ValidationError) { return w.v, w.bad }

// wScore is a survey score: a JSON number equal to a whole number from 1 to 5.
type wScore struct {
	typ jsonType
	v   int
	bad *ValidationError
}

// UnmarshalJSON parses and range-checks the score exactly; see the file comment.
func (w *wScore) UnmarshalJSON(b []byte) error {
	*w = wScore{typ: typeOf(b)}
	switch w.typ {
	case jAbsent, jNull:
	case jNumber:
		// Exact decimal parsing rather than float64, so that 4.9999999999999999999 is not
		// rounded into a valid 5. Spellings of a whole number such as 5.0 or 5e0 are accepted.
		d := parseDecimal(b, 0)
		if d.status != decOK || d.neg || d.mag < 1 || d.mag > 5 {
			w.bad = newError(CodeInvalidValue, "must be a whole number from 1 to 5, got "+clipRaw(b))
			return nil
		}
		w.v = int(d.mag)
	default:
		w.bad = wrongType("a number from 1 to 5", w.typ)
	}
	return nil
}

// required returns the score, which must be present.
func (w *wScore) required() (int, *ValidationError) {
	if w.bad != nil {
		return 0, w.bad
	}
	if w.typ != jNumber {
		return 0, missing(w.typ)
	}
	return w.v, nil
}

// wAmount is an order amount: a non-negative JSON number with at most two decimal places, kept
// exactly in minor units.
type wAmount struct {
	typ   jsonType
	minor int64
	bad   *ValidationError
}

// UnmarshalJSON parses the amount exactly; see the file comment and parseDecimal.
func (w *wAmount) UnmarshalJSON(b []byte) error {
	*w = wAmount{typ: typeOf(b)}
	switch w.typ {
	case jAbsent, jNull:
	case jNumber:
		d := parseDecimal(b, 2)
		switch {
		case d.zero:
			// 0, 0.00, -0 and 0e5 are all a zero amount.
		case d.status == decSyntax:
			w.bad = newError(CodeInvalidValue, "is not a decimal number ("+clipRaw(b)+")")
		case d.neg:
			w.bad = newError(CodeInvalidValue, "must not be negative, got "+clipRaw(b))
		case d.status == decFraction:
			w.bad = newError(CodeInvalidValue, "must have at most 2 decimal places, got "+clipRaw(b))
		case d.status == decOverflow:
			w.bad = newError(CodeInvalidValue, "is too large, got "+clipRaw(b)+
				" (the maximum is "+formatMinor(math.MaxInt64)+")")
		default:
			w.minor = d.mag
		}
	default:
		// A quoted amount such as "19.90" is refused rather than parsed, because the contract
		// says number and a producer sending strings likely sends other things wrong too.
		w.bad = wrongType("a number", w.typ)
	}
	return nil
}

// required returns the amount in minor units, which must be present.
func (w *wAmount) required() (int64, *ValidationError) {
	if w.bad != nil {
		return 0, w.bad
	}
	if w.typ != jNumber {
		return 0, missing(w.typ)
	}
	return w.minor, nil
}
