package event

import (
	"errors"
	"strconv"
	"unicode/utf8"
)

// Validation error codes. They are few and fixed so that ingest can use them as a Prometheus
// label and as the dead-letter reason header without exploding cardinality; the detail belongs in
// ValidationError.Field and ValidationError.Msg.
const (
	// CodeInvalidJSON means the message is not JSON, or is JSON but not an object.
	CodeInvalidJSON = "invalid_json"
	// CodeMissingField means a required field is absent, null or an empty string.
	CodeMissingField = "missing_field"
	// CodeWrongType means a field has the wrong JSON type, e.g. a string where a number belongs.
	CodeWrongType = "wrong_type"
	// CodeInvalidValue means a field has the right type but a value outside the contract,
	// e.g. an unknown status, a negative amount or a score of 6.
	CodeInvalidValue = "invalid_value"
	// CodeInvalidTime means a time field is a string that is not an RFC 3339 time with an offset.
	CodeInvalidTime = "invalid_time"
	// CodeTimeOrder means the times are each valid but impossible together, e.g. ended_at
	// before offered_at.
	CodeTimeOrder = "time_order"
)

// Codes lists every validation error code, so that metrics can pre-register one series per code
// and dashboards show zeros rather than gaps.
var Codes = []string{
	CodeInvalidJSON, CodeMissingField, CodeWrongType,
	CodeInvalidValue, CodeInvalidTime, CodeTimeOrder,
}

// ValidationError reports why a message breaks the event contract (SPEC §3). Decoders return
// only the first problem they find, checking fields in a fixed order, so the same bad message
// always yields the same error however its keys are ordered.
type ValidationError struct {
	// Code is one of the Code* constants: short and low-cardinality, for metrics and headers.
	Code string
	// Field is the JSON path of the offending field, e.g. "answered_at" or "messages[3].from";
	// it is empty when the message as a whole is at fault (CodeInvalidJSON).
	Field string
	// Msg is a sentence for people, completing the field name, e.g. "is before offered_at
	// (2026-11-03T09:15:02+08:00)". Values quoted from the message are escaped and shortened.
	Msg string
}

// Error returns "FIELD: MSG", or just MSG when no single field is at fault.
func (e *ValidationError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

// AsValidation finds a *ValidationError in err's chain, so callers that wrap decode errors can
// still route the message to the dead-letter topic with its code.
func AsValidation(err error) (*ValidationError, bool) {
	var v *ValidationError
	if errors.As(err, &v) {
		return v, true
	}
	return nil, false
}

// newError builds a ValidationError without a field; the caller names the field with at, since
// the value decoders do not know where they sit.
func newError(code, msg string) *ValidationError {
	return &ValidationError{Code: code, Msg: msg}
}

// at sets the field name and returns e, for one-line returns.
func (e *ValidationError) at(field string) *ValidationError {
	e.Field = field
	return e
}

// maxQuoted bounds how much of an offending value goes into an error text: error texts travel
// in Kafka headers, logs and the ingest_errors table, where a megabyte of junk does not help.
const maxQuoted = 64

// quote renders a string value for an error text: cut to maxQuoted bytes on a rune boundary and
// Go-quoted, so that control characters and newlines cannot forge log lines.
func quote(s string) string {
	if len(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	n := maxQuoted
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return strconv.Quote(s[:n]) + "…"
}

// clipRaw renders raw JSON text (a number) for an error text, cut to maxQuoted bytes. JSON
// number text is plain ASCII, so it needs no quoting.
func clipRaw(b []byte) string {
	if len(b) <= maxQuoted {
		return string(b)
	}
	return string(b[:maxQuoted]) + "…"
}
