package traffic

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"
	"unicode/utf8"

	"github.com/ccqa/ccqa/event"
)

// fault turns a decoded message (as a generic JSON object) into an invalid one. It returns the
// reason and either replaces fields in m or returns raw bytes to send instead (nil to marshal m).
type fault func(rng *rand.Rand, m map[string]any, wire []byte) (reason string, raw []byte)

// Field names per kind: the id and the main timestamps.
var idField = map[event.Kind]string{
	event.KindCall: "call_id", event.KindChat: "chat_id", event.KindSurvey: "survey_id", event.KindOrder: "order_id",
}

var idPrefix = map[event.Kind]string{
	event.KindCall: "call", event.KindChat: "chat", event.KindSurvey: "sv", event.KindOrder: "ord",
}

var timeField = map[event.Kind]string{
	event.KindCall: "offered_at", event.KindChat: "started_at", event.KindSurvey: "answered_at", event.KindOrder: "at",
}

func missing(field string) fault {
	return func(_ *rand.Rand, m map[string]any, _ []byte) (string, []byte) {
		delete(m, field)
		return "missing required field " + field, nil
	}
}

func set(field string, value any, reason string) fault {
	return func(_ *rand.Rand, m map[string]any, _ []byte) (string, []byte) {
		m[field] = value
		return reason, nil
	}
}

// endBeforeStart moves the end a few minutes before the start.
func endBeforeStart(startField string) fault {
	return func(rng *rand.Rand, m map[string]any, _ []byte) (string, []byte) {
		s, _ := m[startField].(string)
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return "missing required field ended_at", nil // unreachable for generated input
		}
		m["ended_at"] = t.Add(-time.Duration(1+rng.IntN(600)) * time.Second).Format(time.RFC3339)
		return "ended_at before " + startField, nil
	}
}

var commonFaults = []fault{
	func(rng *rand.Rand, _ map[string]any, wire []byte) (string, []byte) {
		// The producer died mid-write (cut on a character boundary: the file stays UTF-8).
		n := len(wire)/2 + rng.IntN(len(wire)/3)
		for n > 0 && !utf8.RuneStart(wire[n]) {
			n--
		}
		return "not JSON: truncated message", bytes.Clone(wire[:n])
	},
	func(rng *rand.Rand, _ map[string]any, _ []byte) (string, []byte) {
		junk := []string{
			"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
			"ping",
			"call_id=;status=ok",
			"undefined",
		}
		return "not JSON: garbage payload", []byte(pick(rng, junk))
	},
	func(_ *rand.Rand, _ map[string]any, wire []byte) (string, []byte) {
		return "not a JSON object: array", append(append([]byte{'['}, wire...), ']')
	},
}

var kindFaults = map[event.Kind][]fault{
	event.KindCall: {
		missing("customer_id"),
		missing("offered_at"),
		missing("ended_at"),
		endBeforeStart("offered_at"),
		set("hold_seconds", "12s", "wrong type: hold_seconds is a string"),
		set("answered_at", 1762132502, "wrong type: answered_at is a number"),
		set("offered_at", "2026-11-03 09:15:02", "offered_at is not RFC 3339 (no T, no offset)"),
	},
	event.KindChat: {
		missing("agent_id"),
		missing("started_at"),
		endBeforeStart("started_at"),
		set("messages", "客户：你好", "wrong type: messages is a string"),
		func(rng *rand.Rand, m map[string]any, _ []byte) (string, []byte) {
			msgs, _ := m["messages"].([]any)
			if len(msgs) == 0 {
				m["messages"] = 42
				return "wrong type: messages is a number", nil
			}
			msg, _ := msgs[rng.IntN(len(msgs))].(map[string]any)
			msg["from"] = pick(rng, []string{"bot", "robot", "Customer"})
			return "unknown message sender", nil
		},
		set("started_at", "1762132502", "started_at is not RFC 3339"),
	},
	event.KindSurvey: {
		set("score", 7, "score outside 1..5 (7)"),
		set("score", 0, "score outside 1..5 (0)"),
		set("score", -1, "score outside 1..5 (-1)"),
		set("score", "5", "wrong type: score is a string"),
		set("score", json.Number("4.5"), "score is not an integer"),
		missing("score"),
		missing("interaction_id"),
		missing("answered_at"),
	},
	event.KindOrder: {
		func(rng *rand.Rand, m map[string]any, _ []byte) (string, []byte) {
			m["amount"] = json.Number("-" + formatMinor(int64(100+rng.IntN(50000))))
			return "negative amount", nil
		},
		set("amount", "很多", "wrong type: amount is not a number"),
		set("amount", true, "wrong type: amount is a boolean"),
		missing("agent_id"),
		missing("customer_id"),
		missing("at"),
		missing("status"),
	},
}

// invalidFrom derives a deliberately invalid message from a valid record: a copy with a fresh
// id and one fault. Missing-id faults leave the key empty.
func (r *run) invalidFrom(rec Record) Record {
	rng := r.erng
	r.nInvalid++
	id := fmt.Sprintf("%s-%s-x%05d", idPrefix[rec.Kind], r.g.tag, r.nInvalid)

	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(rec.Value))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		panic("traffic: generated message does not decode: " + err.Error())
	}
	m[idField[rec.Kind]] = id
	wire := mustJSON(m)

	out := Record{Kind: rec.Kind, Key: []byte(id), Invalid: true}
	out.At = rec.At.Add(time.Duration(1+rng.IntN(600)) * time.Second)

	faults := kindFaults[rec.Kind]
	var f fault
	switch u := rng.Float64(); {
	case u < 0.2:
		f = pick(rng, commonFaults)
	case u < 0.27:
		f = missing(idField[rec.Kind])
		out.Key = nil
	default:
		f = pick(rng, faults)
	}
	reason, raw := f(rng, m, wire)
	if raw == nil {
		raw = mustJSON(m)
	}
	out.Value = raw
	out.InvalidReason = reason
	return out
}
