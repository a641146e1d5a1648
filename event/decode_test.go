package event

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// cst is the business time zone's offset as the decoder represents it: an unnamed fixed zone.
var cst = time.FixedZone("", 8*3600)

// at builds a time in +08:00, the offset most fixtures use.
func at(s string) time.Time {
	t, err := time.Parse("2006-01-02T15:04:05", s)
	if err != nil {
		panic(err)
	}
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), cst)
}

// ptr returns a pointer to a copy of t, for the optional time fields.
func ptr(t time.Time) *time.Time { return &t }

// del, as the value of an edit, removes the key from the base message.
const del = "\x00delete"

// build returns base with edits applied: kv alternates keys and raw JSON values (or del).
// Editing a parsed map keeps each case down to the one field it is about.
func build(t testing.TB, base string, kv ...string) []byte {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(base), &m); err != nil {
		t.Fatalf("bad base message: %v", err)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == del {
			delete(m, kv[i])
		} else {
			m[kv[i]] = json.RawMessage(kv[i+1])
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatalf("bad edit %q: %v", kv, err)
	}
	return b
}

// decodeCase is one row of a decoder table: a message, and either the error expected (code and
// field) or, with code "", an optional check of the decoded value.
type decodeCase[T any] struct {
	name  string
	kv    []string // edits to the base message
	raw   string   // the whole message, used instead of base and kv when set
	code  string
	field string
	check func(t *testing.T, v T)
}

// runDecodeCases runs a decoder table, and round-trips every value that decodes.
func runDecodeCases[T any](t *testing.T, decode func([]byte) (T, error), base string, cases []decodeCase[T]) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := []byte(tc.raw)
			if tc.raw == "" {
				in = build(t, base, tc.kv...)
			}
			v, err := decode(in)
			if tc.code == "" {
				if err != nil {
					t.Fatalf("unexpected error %v\ninput: %s", err, in)
				}
				if tc.check != nil {
					tc.check(t, v)
				}
				roundTrip(t, v, decode)
				return
			}
			assertError(t, err, tc.code, tc.field, in)
			var zero T
			if !reflect.DeepEqual(v, zero) {
				t.Errorf("on error the value should be zero, got %+v", v)
			}
		})
	}
}

// assertError checks that err is a *ValidationError with the given code and field and a
// readable message.
func assertError(t *testing.T, err error, code, field string, in []byte) {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s at %q, got no error\ninput: %s", code, field, in)
	}
	ve, ok := err.(*ValidationError)
	if !ok {
		t.Fatalf("want *ValidationError, got %T: %v", err, err)
	}
	if ve.Code != code || ve.Field != field {
		t.Fatalf("want %s at %q, got %s at %q (%v)\ninput: %s", code, field, ve.Code, ve.Field, err, in)
	}
	if !slices.Contains(Codes, ve.Code) {
		t.Errorf("code %q is not listed in Codes", ve.Code)
	}
	if ve.Msg == "" || strings.ContainsAny(ve.Msg, "\n\r") {
		t.Errorf("message should be one non-empty line, got %q", ve.Msg)
	}
}

// roundTrip checks that v encodes with json.Marshal into a message that decodes to v again.
func roundTrip[T any](t *testing.T, v T, decode func([]byte) (T, error)) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json.Marshal(%+v): %v", v, err)
	}
	got, err := decode(b)
	if err != nil {
		t.Fatalf("re-decoding %s: %v", b, err)
	}
	if !reflect.DeepEqual(got, v) {
		t.Fatalf("round trip changed the value\n was: %+v\n now: %+v\nwire: %s", v, got, b)
	}
}

const baseCall = `{"call_id":"c-1","agent_id":"a-1","customer_id":"u-1","queue":"presale",
	"offered_at":"2026-11-03T09:15:02+08:00","answered_at":"2026-11-03T09:15:20+08:00",
	"ended_at":"2026-11-03T09:21:47+08:00"}`

// TestDecodeCall covers every ccqa.calls rule of SPEC §3, one field per case.
func TestDecodeCall(t *testing.T) {
	type C = decodeCase[Call]
	runDecodeCases(t, DecodeCall, baseCall, []C{
		{name: "answered call", check: func(t *testing.T, c Call) {
			want := Call{CallID: "c-1", AgentID: "a-1", CustomerID: "u-1", Queue: "presale",
				Direction: DirectionInbound, OfferedAt: at("2026-11-03T09:15:02"),
				AnsweredAt: ptr(at("2026-11-03T09:15:20")), EndedAt: at("2026-11-03T09:21:47")}
			if !reflect.DeepEqual(c, want) {
				t.Errorf("got %+v\nwant %+v", c, want)
			}
			if !c.Answered() {
				t.Error("Answered() = false")
			}
		}},
		{name: "every optional field", kv: []string{"direction", `"outbound"`, "hold_seconds", `35`,
			"acw_seconds", `42.5`, "resolved", `true`, "resolved_at", `"2026-11-03T09:21:47+08:00"`,
			"inquiry", `true`, "complaint", `true`, "transferred", `true`, "recording_url", `"https://r/1"`},
			check: func(t *testing.T, c Call) {
				if c.Direction != DirectionOutbound || c.HoldSeconds != 35 || c.ACWSeconds != 42.5 ||
					!c.Resolved || c.ResolvedAt == nil || !c.Inquiry || !c.Complaint || !c.Transferred ||
					c.RecordingURL != "https://r/1" {
					t.Errorf("got %+v", c)
				}
			}},
		// Abandoned calls: no answer, no agent.
		{name: "abandoned, answered_at null, no agent", kv: []string{"answered_at", `null`, "agent_id", del},
			check: func(t *testing.T, c Call) {
				if c.Answered() || c.AgentID != "" {
					t.Errorf("got %+v", c)
				}
			}},
		{name: "abandoned, answered_at absent, agent empty", kv: []string{"answered_at", del, "agent_id", `""`}},
		{name: "abandoned, agent null", kv: []string{"answered_at", `null`, "agent_id", `null`}},
		{name: "abandoned with an agent is kept", kv: []string{"answered_at", `null`},
			check: func(t *testing.T, c Call) {
				if c.AgentID != "a-1" || c.Answered() {
					t.Errorf("got %+v", c)
				}
			}},
		{name: "answered without agent", kv: []string{"agent_id", del}, code: CodeMissingField, field: "agent_id"},
		{name: "answered with empty agent", kv: []string{"agent_id", `""`}, code: CodeMissingField, field: "agent_id"},
		{name: "answered with null agent", kv: []string{"agent_id", `null`}, code: CodeMissingField, field: "agent_id"},
		{name: "agent wrong type", kv: []string{"agent_id", `7`}, code: CodeWrongType, field: "agent_id"},

		// Required strings.
		{name: "call_id absent", kv: []string{"call_id", del}, code: CodeMissingField, field: "call_id"},
		{name: "call_id null", kv: []string{"call_id", `null`}, code: CodeMissingField, field: "call_id"},
		{name: "call_id empty", kv: []string{"call_id", `""`}, code: CodeMissingField, field: "call_id"},
		{name: "call_id number", kv: []string{"call_id", `12`}, code: CodeWrongType, field: "call_id"},
		{name: "call_id object", kv: []string{"call_id", `{"id":"c-1"}`}, code: CodeWrongType, field: "call_id"},
		{name: "customer_id absent", kv: []string{"customer_id", del}, code: CodeMissingField, field: "customer_id"},
		{name: "customer_id empty", kv: []string{"customer_id", `""`}, code: CodeMissingField, field: "customer_id"},
		{name: "customer_id array", kv: []string{"customer_id", `["u"]`}, code: CodeWrongType, field: "customer_id"},
		{name: "escaped strings", kv: []string{"call_id", `"c\u002d1\t\"x\""`, "queue", `"\u552e\u524d"`},
			check: func(t *testing.T, c Call) {
				if c.CallID != "c-1\t\"x\"" || c.Queue != "售前" {
					t.Errorf("got %q %q", c.CallID, c.Queue)
				}
			}},

		// Optional strings.
		{name: "queue null", kv: []string{"queue", `null`}, check: func(t *testing.T, c Call) {
			if c.Queue != "" {
				t.Errorf("queue %q", c.Queue)
			}
		}},
		{name: "queue number", kv: []string{"queue", `1`}, code: CodeWrongType, field: "queue"},
		{name: "recording_url bool", kv: []string{"recording_url", `false`}, code: CodeWrongType, field: "recording_url"},

		// Direction.
		{name: "direction absent defaults to inbound", kv: []string{"direction", del},
			check: func(t *testing.T, c Call) { wantDirection(t, c, DirectionInbound) }},
		{name: "direction empty defaults to inbound", kv: []string{"direction", `""`},
			check: func(t *testing.T, c Call) { wantDirection(t, c, DirectionInbound) }},
		{name: "direction null defaults to inbound", kv: []string{"direction", `null`},
			check: func(t *testing.T, c Call) { wantDirection(t, c, DirectionInbound) }},
		{name: "direction outbound", kv: []string{"direction", `"outbound"`},
			check: func(t *testing.T, c Call) { wantDirection(t, c, DirectionOutbound) }},
		{name: "direction unknown", kv: []string{"direction", `"sideways"`}, code: CodeInvalidValue, field: "direction"},
		{name: "direction wrong case", kv: []string{"direction", `"Inbound"`}, code: CodeInvalidValue, field: "direction"},
		{name: "direction number", kv: []string{"direction", `1`}, code: CodeWrongType, field: "direction"},

		// Required times.
		{name: "offered_at absent", kv: []string{"offered_at", del}, code: CodeMissingField, field: "offered_at"},
		{name: "offered_at null", kv: []string{"offered_at", `null`}, code: CodeMissingField, field: "offered_at"},
		{name: "offered_at empty", kv: []string{"offered_at", `""`}, code: CodeMissingField, field: "offered_at"},
		{name: "offered_at number", kv: []string{"offered_at", `1762132502`}, code: CodeWrongType, field: "offered_at"},
		{name: "offered_at no offset", kv: []string{"offered_at", `"2026-11-03T09:15:02"`}, code: CodeInvalidTime, field: "offered_at"},
		{name: "offered_at space", kv: []string{"offered_at", `"2026-11-03 09:15:02+08:00"`}, code: CodeInvalidTime, field: "offered_at"},
		{name: "ended_at absent", kv: []string{"ended_at", del}, code: CodeMissingField, field: "ended_at"},
		{name: "ended_at bad date", kv: []string{"ended_at", `"2026-11-31T09:21:47+08:00"`}, code: CodeInvalidTime, field: "ended_at"},
		{name: "times in Z", kv: []string{"offered_at", `"2026-11-03T01:15:02Z"`,
			"answered_at", `"2026-11-03T01:15:20Z"`, "ended_at", `"2026-11-03T01:21:47Z"`},
			check: func(t *testing.T, c Call) {
				if c.OfferedAt.Location() != time.UTC || !c.OfferedAt.Equal(at("2026-11-03T09:15:02")) {
					t.Errorf("offered_at %v", c.OfferedAt)
				}
			}},
		{name: "offsets kept", kv: []string{"answered_at", `"2026-11-03T06:45:20+05:30"`},
			check: func(t *testing.T, c Call) {
				if _, off := c.AnsweredAt.Zone(); off != 5*3600+1800 || !c.AnsweredAt.Equal(at("2026-11-03T09:15:20")) {
					t.Errorf("answered_at %v", c.AnsweredAt)
				}
				if _, off := c.OfferedAt.Zone(); off != 8*3600 {
					t.Errorf("offered_at %v", c.OfferedAt)
				}
			}},

		// Optional times.
		{name: "answered_at empty string", kv: []string{"answered_at", `""`}, code: CodeInvalidTime, field: "answered_at"},
		{name: "answered_at invalid", kv: []string{"answered_at", `"soon"`}, code: CodeInvalidTime, field: "answered_at"},
		{name: "answered_at bool", kv: []string{"answered_at", `true`}, code: CodeWrongType, field: "answered_at"},
		{name: "resolved_at null", kv: []string{"resolved_at", `null`}, check: func(t *testing.T, c Call) {
			if c.ResolvedAt != nil {
				t.Error("resolved_at should be nil")
			}
		}},
		{name: "resolved_at invalid", kv: []string{"resolved_at", `"2026-11-03"`}, code: CodeInvalidTime, field: "resolved_at"},

		// Time order.
		{name: "ended equal to offered", kv: []string{"answered_at", `null`, "ended_at", `"2026-11-03T09:15:02+08:00"`}},
		{name: "answered equal to offered and ended", kv: []string{"answered_at", `"2026-11-03T09:15:02+08:00"`,
			"ended_at", `"2026-11-03T09:15:02+08:00"`}},
		{name: "ended before offered", kv: []string{"ended_at", `"2026-11-03T09:15:01+08:00"`}, code: CodeTimeOrder, field: "ended_at"},
		{name: "ended before offered across offsets", kv: []string{"ended_at", `"2026-11-03T01:15:01Z"`}, code: CodeTimeOrder, field: "ended_at"},
		{name: "ended after offered across offsets", kv: []string{"answered_at", `null`, "ended_at", `"2026-11-03T01:15:03Z"`}},
		{name: "answered before offered", kv: []string{"answered_at", `"2026-11-03T09:15:01+08:00"`}, code: CodeTimeOrder, field: "answered_at"},
		{name: "answered after ended", kv: []string{"answered_at", `"2026-11-03T09:21:48+08:00"`}, code: CodeTimeOrder, field: "answered_at"},
		{name: "resolved after ended is fine", kv: []string{"resolved_at", `"2026-11-10T12:00:00+08:00"`}},
		{name: "resolved equal to offered", kv: []string{"resolved_at", `"2026-11-03T09:15:02+08:00"`}},
		{name: "resolved before offered", kv: []string{"resolved_at", `"2026-11-03T09:15:01.999+08:00"`}, code: CodeTimeOrder, field: "resolved_at"},

		// Durations.
		{name: "hold fractional", kv: []string{"hold_seconds", `12.75`}, check: func(t *testing.T, c Call) {
			if c.HoldSeconds != 12.75 {
				t.Errorf("hold %v", c.HoldSeconds)
			}
		}},
		{name: "hold exponent", kv: []string{"hold_seconds", `1.5E2`}, check: func(t *testing.T, c Call) {
			if c.HoldSeconds != 150 {
				t.Errorf("hold %v", c.HoldSeconds)
			}
		}},
		{name: "hold zero", kv: []string{"hold_seconds", `0`}},
		{name: "hold negative zero is zero", kv: []string{"hold_seconds", `-0.0`}, check: func(t *testing.T, c Call) {
			if math.Signbit(c.HoldSeconds) {
				t.Error("hold is -0")
			}
		}},
		{name: "hold null", kv: []string{"hold_seconds", `null`}},
		{name: "hold underflow is zero", kv: []string{"hold_seconds", `1e-400`}},
		{name: "hold negative", kv: []string{"hold_seconds", `-1`}, code: CodeInvalidValue, field: "hold_seconds"},
		{name: "hold overflow", kv: []string{"hold_seconds", `2e308`}, code: CodeInvalidValue, field: "hold_seconds"},
		{name: "hold string", kv: []string{"hold_seconds", `"12"`}, code: CodeWrongType, field: "hold_seconds"},
		{name: "acw negative", kv: []string{"acw_seconds", `-0.5`}, code: CodeInvalidValue, field: "acw_seconds"},
		{name: "acw bool", kv: []string{"acw_seconds", `true`}, code: CodeWrongType, field: "acw_seconds"},

		// Booleans.
		{name: "resolved string", kv: []string{"resolved", `"true"`}, code: CodeWrongType, field: "resolved"},
		{name: "resolved number", kv: []string{"resolved", `1`}, code: CodeWrongType, field: "resolved"},
		{name: "inquiry string", kv: []string{"inquiry", `"yes"`}, code: CodeWrongType, field: "inquiry"},
		{name: "complaint number", kv: []string{"complaint", `0`}, code: CodeWrongType, field: "complaint"},
		{name: "transferred array", kv: []string{"transferred", `[]`}, code: CodeWrongType, field: "transferred"},
		{name: "booleans false and null", kv: []string{"resolved", `false`, "inquiry", `null`, "complaint", `false`}},

		// Forward compatibility and JSON shape.
		{name: "unknown fields ignored", kv: []string{"ivr", `{"path":[1,2,{"x":null}]}`, "v2_score", `4.5`, "tags", `["a"]`}},
		{name: "first error in field order wins", kv: []string{"call_id", del, "ended_at", `"bad"`, "hold_seconds", `-1`},
			code: CodeMissingField, field: "call_id"},
		{name: "field errors before time order", kv: []string{"ended_at", `"2026-11-03T09:00:00+08:00"`, "complaint", `"x"`},
			code: CodeWrongType, field: "complaint"},
		{name: "empty input", raw: " ", code: CodeInvalidJSON},
		{name: "not json", raw: "call c-1", code: CodeInvalidJSON},
		{name: "array", raw: `[]`, code: CodeInvalidJSON},
		{name: "null", raw: `null`, code: CodeInvalidJSON},
		{name: "number", raw: `42`, code: CodeInvalidJSON},
		{name: "truncated", raw: `{"call_id":"c-1"`, code: CodeInvalidJSON},
		{name: "trailing garbage", raw: string(build(t, baseCall)) + ` x`, code: CodeInvalidJSON},
		{name: "bad escape", raw: `{"call_id":"\x"}`, code: CodeInvalidJSON},
		{name: "surrounding whitespace", raw: "\n\t " + string(build(t, baseCall)) + " \r\n"},
	})
}

func wantDirection(t *testing.T, c Call, want string) {
	t.Helper()
	if c.Direction != want {
		t.Errorf("direction %q, want %q", c.Direction, want)
	}
}

const baseChat = `{"chat_id":"h-1","agent_id":"a-1","customer_id":"u-1","queue":"presale",
	"started_at":"2026-11-03T10:00:00+08:00","ended_at":"2026-11-03T10:10:00+08:00",
	"messages":[{"at":"2026-11-03T10:00:05+08:00","from":"customer","text":"hi"},
		{"at":"2026-11-03T10:00:30+08:00","from":"agent","text":"hello"}]}`

// chatHead is a valid chat message up to, not including, its messages.
const chatHead = `{"chat_id":"h-1","agent_id":"a-1","customer_id":"u-1",` +
	`"started_at":"2026-11-03T10:00:00+08:00","ended_at":"2026-11-03T10:10:00+08:00",`

// TestDecodeChat covers every ccqa.chats rule, including the shapes of the messages array.
func TestDecodeChat(t *testing.T) {
	type C = decodeCase[Chat]
	msgs := func(elems ...string) string { return "[" + strings.Join(elems, ",") + "]" }
	const ok = `{"at":"2026-11-03T10:00:05+08:00","from":"customer"}`
	runDecodeCases(t, DecodeChat, baseChat, []C{
		{name: "chat", check: func(t *testing.T, c Chat) {
			want := Chat{ChatID: "h-1", AgentID: "a-1", CustomerID: "u-1", Queue: "presale",
				StartedAt: at("2026-11-03T10:00:00"), EndedAt: at("2026-11-03T10:10:00"),
				Messages: []Message{
					{At: at("2026-11-03T10:00:05"), From: FromCustomer, Text: "hi"},
					{At: at("2026-11-03T10:00:30"), From: FromAgent, Text: "hello"},
				}}
			if !reflect.DeepEqual(c, want) {
				t.Errorf("got %+v\nwant %+v", c, want)
			}
		}},
		{name: "empty messages", kv: []string{"messages", `[]`}, check: func(t *testing.T, c Chat) {
			if c.Messages == nil || len(c.Messages) != 0 {
				t.Errorf("messages %#v, want empty non-nil", c.Messages)
			}
		}},
		{name: "out of order messages kept in order given", kv: []string{"messages", msgs(
			`{"at":"2026-11-03T10:05:00+08:00","from":"agent","text":"2"}`,
			`{"at":"2026-11-03T02:01:00Z","from":"customer","text":"1"}`)},
			check: func(t *testing.T, c Chat) {
				if c.Messages[0].Text != "2" || c.Messages[1].Text != "1" {
					t.Errorf("messages %+v", c.Messages)
				}
			}},
		{name: "text withheld, null or empty", kv: []string{"messages", msgs(ok,
			`{"at":"2026-11-03T10:00:06+08:00","from":"agent","text":null}`,
			`{"at":"2026-11-03T10:00:07+08:00","from":"system","text":""}`)}},
		{name: "message times outside the session", kv: []string{"messages", msgs(
			`{"at":"2026-11-03T09:59:00+08:00","from":"system"}`, `{"at":"2026-11-03T11:00:00+08:00","from":"agent"}`)}},
		{name: "unknown fields in messages", kv: []string{"messages", msgs(
			`{"at":"2026-11-03T10:00:05+08:00","from":"customer","read":true,"att":[{"t":"img"}]}`), "x", `{}`}},
		{name: "resolved and flags", kv: []string{"resolved", `true`, "resolved_at", `"2026-11-04T10:00:00+08:00"`,
			"inquiry", `true`, "complaint", `false`, "transferred", `true`}},

		{name: "chat_id absent", kv: []string{"chat_id", del}, code: CodeMissingField, field: "chat_id"},
		{name: "chat_id number", kv: []string{"chat_id", `1`}, code: CodeWrongType, field: "chat_id"},
		{name: "agent_id absent", kv: []string{"agent_id", del}, code: CodeMissingField, field: "agent_id"},
		{name: "agent_id null", kv: []string{"agent_id", `null`}, code: CodeMissingField, field: "agent_id"},
		{name: "customer_id empty", kv: []string{"customer_id", `""`}, code: CodeMissingField, field: "customer_id"},
		{name: "queue number", kv: []string{"queue", `3`}, code: CodeWrongType, field: "queue"},
		{name: "started_at absent", kv: []string{"started_at", del}, code: CodeMissingField, field: "started_at"},
		{name: "started_at invalid", kv: []string{"started_at", `"2026-11-03T10:00:00+8:00"`}, code: CodeInvalidTime, field: "started_at"},
		{name: "ended_at null", kv: []string{"ended_at", `null`}, code: CodeMissingField, field: "ended_at"},
		{name: "ended before started", kv: []string{"ended_at", `"2026-11-03T09:59:59+08:00"`}, code: CodeTimeOrder, field: "ended_at"},
		{name: "ended equal to started", kv: []string{"ended_at", `"2026-11-03T10:00:00+08:00"`}},
		{name: "resolved before started", kv: []string{"resolved_at", `"2026-11-03T09:00:00+08:00"`}, code: CodeTimeOrder, field: "resolved_at"},
		{name: "resolved_at invalid", kv: []string{"resolved_at", `"x"`}, code: CodeInvalidTime, field: "resolved_at"},
		{name: "resolved string", kv: []string{"resolved", `"true"`}, code: CodeWrongType, field: "resolved"},
		{name: "complaint number", kv: []string{"complaint", `1`}, code: CodeWrongType, field: "complaint"},

		{name: "messages absent", kv: []string{"messages", del}, code: CodeMissingField, field: "messages"},
		{name: "messages null", kv: []string{"messages", `null`}, code: CodeMissingField, field: "messages"},
		{name: "messages string", kv: []string{"messages", `"hi"`}, code: CodeWrongType, field: "messages"},
		{name: "messages object", kv: []string{"messages", ok}, code: CodeWrongType, field: "messages"},
		{name: "messages number", kv: []string{"messages", `0`}, code: CodeWrongType, field: "messages"},
		{name: "message number", kv: []string{"messages", msgs(ok, `7`)}, code: CodeWrongType, field: "messages[1]"},
		{name: "message null", kv: []string{"messages", msgs(ok, ok, `null`)}, code: CodeWrongType, field: "messages[2]"},
		{name: "message array", kv: []string{"messages", msgs(`[]`)}, code: CodeWrongType, field: "messages[0]"},
		{name: "message string", kv: []string{"messages", msgs(`"hi"`)}, code: CodeWrongType, field: "messages[0]"},
		{name: "message empty object", kv: []string{"messages", msgs(ok, `{}`)}, code: CodeMissingField, field: "messages[1].at"},
		{name: "message of unknown keys", kv: []string{"messages", msgs(`{"when":"x"}`)}, code: CodeMissingField, field: "messages[0].at"},
		{name: "message at null", kv: []string{"messages", msgs(`{"at":null,"from":"agent"}`)}, code: CodeMissingField, field: "messages[0].at"},
		{name: "message at invalid", kv: []string{"messages", msgs(ok, `{"at":"10:00","from":"agent"}`)}, code: CodeInvalidTime, field: "messages[1].at"},
		{name: "message at number", kv: []string{"messages", msgs(`{"at":1,"from":"agent"}`)}, code: CodeWrongType, field: "messages[0].at"},
		{name: "message from absent", kv: []string{"messages", msgs(`{"at":"2026-11-03T10:00:05+08:00"}`)}, code: CodeMissingField, field: "messages[0].from"},
		{name: "message from empty", kv: []string{"messages", msgs(`{"at":"2026-11-03T10:00:05+08:00","from":""}`)}, code: CodeMissingField, field: "messages[0].from"},
		{name: "message from unknown", kv: []string{"messages", msgs(ok, ok, ok, `{"at":"2026-11-03T10:00:05+08:00","from":"bot"}`)}, code: CodeInvalidValue, field: "messages[3].from"},
		{name: "message from number", kv: []string{"messages", msgs(`{"at":"2026-11-03T10:00:05+08:00","from":1}`)}, code: CodeWrongType, field: "messages[0].from"},
		{name: "message text number", kv: []string{"messages", msgs(`{"at":"2026-11-03T10:00:05+08:00","from":"agent","text":1}`)}, code: CodeWrongType, field: "messages[0].text"},
		{name: "message text object", kv: []string{"messages", msgs(`{"at":"2026-11-03T10:00:05+08:00","from":"agent","text":{"zh":"你好"}}`)}, code: CodeWrongType, field: "messages[0].text"},
		{name: "earlier message error wins over later shape error", kv: []string{"messages", msgs(`{"at":"2026-11-03T10:00:05+08:00","from":"x"}`, `5`)},
			code: CodeInvalidValue, field: "messages[0].from"},
		{name: "earlier field wins over messages shape", kv: []string{"agent_id", del, "messages", `"x"`}, code: CodeMissingField, field: "agent_id"},
		{name: "messages shape wins over later fields", kv: []string{"messages", `"x"`, "resolved", `"x"`}, code: CodeWrongType, field: "messages"},
		{name: "not an object", raw: `["h-1"]`, code: CodeInvalidJSON},
		{name: "broken JSON", raw: `{"chat_id":"h-1","messages":[}`, code: CodeInvalidJSON},
		// A repeated key takes its last value, as in encoding/json, but a repeated messages
		// key is refused when any of its values has the wrong shape.
		{name: "repeated messages, last valid", raw: chatHead + `"messages":[` + ok + `],"messages":[]}`},
		{name: "repeated messages, last bad element", raw: chatHead + `"messages":[` + ok + `],"messages":[5]}`,
			code: CodeWrongType, field: "messages[0]"},
		{name: "repeated messages, last not an array", raw: chatHead + `"messages":[` + ok + `],"messages":"x"}`,
			code: CodeWrongType, field: "messages"},
		{name: "repeated messages, earlier not an array", raw: chatHead + `"messages":"x","messages":[` + ok + `]}`,
			code: CodeWrongType, field: "messages"},
	})
}

const baseSurvey = `{"survey_id":"s-1","interaction_id":"c-1","channel":"call","score":5,
	"answered_at":"2026-11-05T20:00:00+08:00","comment":"很好"}`

// TestDecodeSurvey covers every ccqa.surveys rule, above all the 1–5 whole-number score.
func TestDecodeSurvey(t *testing.T) {
	type C = decodeCase[Survey]
	score := func(want int) func(*testing.T, Survey) {
		return func(t *testing.T, s Survey) {
			if s.Score != want {
				t.Errorf("score %d, want %d", s.Score, want)
			}
		}
	}
	runDecodeCases(t, DecodeSurvey, baseSurvey, []C{
		{name: "survey", check: func(t *testing.T, s Survey) {
			want := Survey{SurveyID: "s-1", InteractionID: "c-1", Channel: ChannelCall, Score: 5,
				AnsweredAt: at("2026-11-05T20:00:00"), Comment: "很好"}
			if !reflect.DeepEqual(s, want) {
				t.Errorf("got %+v\nwant %+v", s, want)
			}
			if !s.Satisfied() {
				t.Error("5 should be satisfied")
			}
		}},
		{name: "score 1", kv: []string{"score", `1`}, check: score(1)},
		{name: "score 3", kv: []string{"score", `3`}, check: score(3)},
		{name: "score 4", kv: []string{"score", `4`}, check: score(4)},
		{name: "score 5.0 is a whole number", kv: []string{"score", `5.0`}, check: score(5)},
		{name: "score 4e0", kv: []string{"score", `4e0`}, check: score(4)},
		{name: "score 0.3e1", kv: []string{"score", `0.3e1`}, check: score(3)},
		{name: "score 4.5", kv: []string{"score", `4.5`}, code: CodeInvalidValue, field: "score"},
		{name: "score 0", kv: []string{"score", `0`}, code: CodeInvalidValue, field: "score"},
		{name: "score 6", kv: []string{"score", `6`}, code: CodeInvalidValue, field: "score"},
		{name: "score -5", kv: []string{"score", `-5`}, code: CodeInvalidValue, field: "score"},
		{name: "score 1e100", kv: []string{"score", `1e100`}, code: CodeInvalidValue, field: "score"},
		{name: "score nearly 5", kv: []string{"score", `4.99999999999999999999`}, code: CodeInvalidValue, field: "score"},
		{name: "score string", kv: []string{"score", `"5"`}, code: CodeWrongType, field: "score"},
		{name: "score bool", kv: []string{"score", `true`}, code: CodeWrongType, field: "score"},
		{name: "score absent", kv: []string{"score", del}, code: CodeMissingField, field: "score"},
		{name: "score null", kv: []string{"score", `null`}, code: CodeMissingField, field: "score"},
		{name: "channel chat", kv: []string{"channel", `"chat"`}},
		{name: "channel absent", kv: []string{"channel", del}},
		{name: "channel empty", kv: []string{"channel", `""`}},
		{name: "channel null", kv: []string{"channel", `null`}},
		{name: "channel unknown", kv: []string{"channel", `"email"`}, code: CodeInvalidValue, field: "channel"},
		{name: "channel number", kv: []string{"channel", `1`}, code: CodeWrongType, field: "channel"},
		{name: "survey_id absent", kv: []string{"survey_id", del}, code: CodeMissingField, field: "survey_id"},
		{name: "interaction_id empty", kv: []string{"interaction_id", `""`}, code: CodeMissingField, field: "interaction_id"},
		{name: "interaction_id number", kv: []string{"interaction_id", `9`}, code: CodeWrongType, field: "interaction_id"},
		{name: "answered_at absent", kv: []string{"answered_at", del}, code: CodeMissingField, field: "answered_at"},
		{name: "answered_at invalid", kv: []string{"answered_at", `"2026-11-05"`}, code: CodeInvalidTime, field: "answered_at"},
		{name: "comment absent", kv: []string{"comment", del}},
		{name: "comment number", kv: []string{"comment", `5`}, code: CodeWrongType, field: "comment"},
		{name: "unknown fields", kv: []string{"nps", `9`, "answers", `[{"q":1}]`}},
		{name: "not an object", raw: `"s-1"`, code: CodeInvalidJSON},
	})
}

const baseOrder = `{"order_id":"o-1","status":"paid","customer_id":"u-1","agent_id":"a-1",
	"interaction_id":"h-1","amount":19.90,"currency":"CNY","at":"2026-11-03T09:40:00+08:00"}`

// TestDecodeOrder covers every ccqa.orders rule, above all exact decimal amounts.
func TestDecodeOrder(t *testing.T) {
	type C = decodeCase[Order]
	amount := func(want int64) func(*testing.T, Order) {
		return func(t *testing.T, o Order) {
			if o.AmountMinor != want {
				t.Errorf("amount %d, want %d", o.AmountMinor, want)
			}
		}
	}
	currency := func(want string) func(*testing.T, Order) {
		return func(t *testing.T, o Order) {
			if o.Currency != want {
				t.Errorf("currency %q, want %q", o.Currency, want)
			}
		}
	}
	runDecodeCases(t, DecodeOrder, baseOrder, []C{
		{name: "order", check: func(t *testing.T, o Order) {
			want := Order{OrderID: "o-1", Status: StatusPaid, CustomerID: "u-1", AgentID: "a-1",
				InteractionID: "h-1", AmountMinor: 1990, Currency: "CNY", At: at("2026-11-03T09:40:00")}
			if !reflect.DeepEqual(o, want) {
				t.Errorf("got %+v\nwant %+v", o, want)
			}
		}},
		{name: "status created", kv: []string{"status", `"created"`}},
		{name: "status cancelled", kv: []string{"status", `"cancelled"`}},
		{name: "status refunded", kv: []string{"status", `"refunded"`}},
		{name: "status unknown", kv: []string{"status", `"shipped"`}, code: CodeInvalidValue, field: "status"},
		{name: "status wrong case", kv: []string{"status", `"PAID"`}, code: CodeInvalidValue, field: "status"},
		{name: "status empty", kv: []string{"status", `""`}, code: CodeMissingField, field: "status"},
		{name: "status absent", kv: []string{"status", del}, code: CodeMissingField, field: "status"},
		{name: "status number", kv: []string{"status", `2`}, code: CodeWrongType, field: "status"},
		{name: "order_id absent", kv: []string{"order_id", del}, code: CodeMissingField, field: "order_id"},
		{name: "customer_id null", kv: []string{"customer_id", `null`}, code: CodeMissingField, field: "customer_id"},
		{name: "agent_id absent", kv: []string{"agent_id", del}, code: CodeMissingField, field: "agent_id"},
		{name: "agent_id empty", kv: []string{"agent_id", `""`}, code: CodeMissingField, field: "agent_id"},
		{name: "interaction_id absent", kv: []string{"interaction_id", del}},
		{name: "interaction_id number", kv: []string{"interaction_id", `5`}, code: CodeWrongType, field: "interaction_id"},
		{name: "at absent", kv: []string{"at", del}, code: CodeMissingField, field: "at"},
		{name: "at invalid", kv: []string{"at", `"2026-11-03T09:40:00.+08:00"`}, code: CodeInvalidTime, field: "at"},

		{name: "amount 19.9", kv: []string{"amount", `19.9`}, check: amount(1990)},
		{name: "amount 19.90", kv: []string{"amount", `19.90`}, check: amount(1990)},
		{name: "amount 19.900", kv: []string{"amount", `19.900`}, check: amount(1990)},
		{name: "amount 0", kv: []string{"amount", `0`}, check: amount(0)},
		{name: "amount -0", kv: []string{"amount", `-0`}, check: amount(0)},
		{name: "amount 0.01", kv: []string{"amount", `0.01`}, check: amount(1)},
		{name: "amount 1e2", kv: []string{"amount", `1e2`}, check: amount(10000)},
		{name: "amount 1999e-2", kv: []string{"amount", `1999e-2`}, check: amount(1999)},
		{name: "amount 0.5E+1", kv: []string{"amount", `0.5E+1`}, check: amount(500)},
		{name: "amount 0e999999", kv: []string{"amount", `0e999999`}, check: amount(0)},
		{name: "amount max", kv: []string{"amount", `92233720368547758.07`}, check: amount(math.MaxInt64)},
		{name: "amount negative", kv: []string{"amount", `-1`}, code: CodeInvalidValue, field: "amount"},
		{name: "amount negative cent", kv: []string{"amount", `-0.01`}, code: CodeInvalidValue, field: "amount"},
		{name: "amount 3 places", kv: []string{"amount", `19.999`}, code: CodeInvalidValue, field: "amount"},
		{name: "amount 3 places via exponent", kv: []string{"amount", `1999e-3`}, code: CodeInvalidValue, field: "amount"},
		{name: "amount tiny", kv: []string{"amount", `1e-999999999999`}, code: CodeInvalidValue, field: "amount"},
		{name: "amount max+1", kv: []string{"amount", `92233720368547758.08`}, code: CodeInvalidValue, field: "amount"},
		{name: "amount huge", kv: []string{"amount", `1e20`}, code: CodeInvalidValue, field: "amount"},
		{name: "amount huge exponent", kv: []string{"amount", `1e99999999999999999999`}, code: CodeInvalidValue, field: "amount"},
		{name: "amount string", kv: []string{"amount", `"19.90"`}, code: CodeWrongType, field: "amount"},
		{name: "amount object", kv: []string{"amount", `{"value":1990}`}, code: CodeWrongType, field: "amount"},
		{name: "amount absent", kv: []string{"amount", del}, code: CodeMissingField, field: "amount"},
		{name: "amount null", kv: []string{"amount", `null`}, code: CodeMissingField, field: "amount"},

		{name: "currency absent defaults", kv: []string{"currency", del}, check: currency("CNY")},
		{name: "currency empty defaults", kv: []string{"currency", `""`}, check: currency("CNY")},
		{name: "currency null defaults", kv: []string{"currency", `null`}, check: currency("CNY")},
		{name: "currency USD", kv: []string{"currency", `"USD"`}, check: currency("USD")},
		{name: "currency lower case", kv: []string{"currency", `"cny"`}, code: CodeInvalidValue, field: "currency"},
		{name: "currency too short", kv: []string{"currency", `"CN"`}, code: CodeInvalidValue, field: "currency"},
		{name: "currency too long", kv: []string{"currency", `"CNYY"`}, code: CodeInvalidValue, field: "currency"},
		{name: "currency symbol", kv: []string{"currency", `"¥"`}, code: CodeInvalidValue, field: "currency"},
		{name: "currency number", kv: []string{"currency", `156`}, code: CodeWrongType, field: "currency"},
		{name: "unknown fields", kv: []string{"sku", `"X"`, "lines", `[{"q":1}]`}},
		{name: "not an object", raw: `true`, code: CodeInvalidJSON},
	})
}

// TestErrorMessages pins the wording of representative errors: they are read by people in the
// dead-letter topic and the ingest_errors table, so changes should be deliberate.
func TestErrorMessages(t *testing.T) {
	cases := []struct {
		name string
		err  func() error
		want string
	}{
		{"time order", func() error {
			_, err := DecodeCall(build(t, baseCall, "ended_at", `"2026-11-03T09:10:00+08:00"`))
			return err
		}, "ended_at: is before offered_at (2026-11-03T09:15:02+08:00)"},
		{"answered after ended", func() error {
			_, err := DecodeCall(build(t, baseCall, "answered_at", `"2026-11-03T09:30:00+08:00"`))
			return err
		}, "answered_at: is after ended_at (2026-11-03T09:21:47+08:00)"},
		{"missing", func() error {
			_, err := DecodeCall(build(t, baseCall, "call_id", del))
			return err
		}, "call_id: is required"},
		{"null", func() error {
			_, err := DecodeCall(build(t, baseCall, "customer_id", `null`))
			return err
		}, "customer_id: is required but is null"},
		{"agent", func() error {
			_, err := DecodeCall(build(t, baseCall, "agent_id", `""`))
			return err
		}, "agent_id: is required when answered_at is set, but is empty"},
		{"wrong type", func() error {
			_, err := DecodeCall(build(t, baseCall, "hold_seconds", `"12"`))
			return err
		}, "hold_seconds: must be a number, got a string"},
		{"bad time", func() error {
			_, err := DecodeCall(build(t, baseCall, "offered_at", `"2026-11-03 09:15:02"`))
			return err
		}, `offered_at: "2026-11-03 09:15:02" is not an RFC 3339 time with an offset, such as 2026-11-03T09:15:02+08:00`},
		{"direction", func() error {
			_, err := DecodeCall(build(t, baseCall, "direction", `"in\nbound"`))
			return err
		}, `direction: must be "inbound" or "outbound", got "in\nbound"`},
		{"sender", func() error {
			_, err := DecodeChat(build(t, baseChat, "messages", `[{"at":"2026-11-03T10:00:00Z","from":"bot"}]`))
			return err
		}, `messages[0].from: must be "customer", "agent" or "system", got "bot"`},
		{"score", func() error {
			_, err := DecodeSurvey(build(t, baseSurvey, "score", `4.5`))
			return err
		}, "score: must be a whole number from 1 to 5, got 4.5"},
		{"amount places", func() error {
			_, err := DecodeOrder(build(t, baseOrder, "amount", `19.999`))
			return err
		}, "amount: must have at most 2 decimal places, got 19.999"},
		{"amount negative", func() error {
			_, err := DecodeOrder(build(t, baseOrder, "amount", `-5`))
			return err
		}, "amount: must not be negative, got -5"},
		{"amount overflow", func() error {
			_, err := DecodeOrder(build(t, baseOrder, "amount", `1e18`))
			return err
		}, "amount: is too large, got 1e18 (the maximum is 92233720368547758.07)"},
		{"not an object", func() error {
			_, err := DecodeOrder([]byte(`[1]`))
			return err
		}, "message must be a JSON object, got an array"},
		{"syntax", func() error {
			_, err := DecodeOrder([]byte(`{"a":}`))
			return err
		}, "message is not valid JSON: invalid character '}' looking for beginning of value (at byte 6)"},
		{"long values are cut", func() error {
			_, err := DecodeOrder(build(t, baseOrder, "status", `"`+strings.Repeat("é", 40)+`"`))
			return err
		}, `status: must be "created", "paid", "cancelled" or "refunded", got "` + strings.Repeat("é", 32) + `"…`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.err()
			if err == nil || err.Error() != tc.want {
				t.Errorf("got  %v\nwant %s", err, tc.want)
			}
		})
	}
}

// TestValidationError checks the error text format and that AsValidation sees through wrapping.
func TestValidationError(t *testing.T) {
	e := &ValidationError{Code: CodeTimeOrder, Field: "ended_at", Msg: "is before offered_at (x)"}
	if got := e.Error(); got != "ended_at: is before offered_at (x)" {
		t.Errorf("Error() = %q", got)
	}
	if got := (&ValidationError{Code: CodeInvalidJSON, Msg: "message is empty"}).Error(); got != "message is empty" {
		t.Errorf("Error() without field = %q", got)
	}
	wrapped := fmt.Errorf("partition 3 offset 17: %w", e)
	if got, ok := AsValidation(wrapped); !ok || got != e {
		t.Errorf("AsValidation(wrapped) = %v, %v", got, ok)
	}
	if got, ok := AsValidation(errors.New("broker down")); ok || got != nil {
		t.Errorf("AsValidation(other) = %v, %v", got, ok)
	}
	if got, ok := AsValidation(nil); ok || got != nil {
		t.Errorf("AsValidation(nil) = %v, %v", got, ok)
	}
}

// TestDecode checks the dispatch by kind, and that an unknown kind is not a data error.
func TestDecode(t *testing.T) {
	inputs := map[Kind]string{KindCall: baseCall, KindChat: baseChat, KindSurvey: baseSurvey, KindOrder: baseOrder}
	wantType := map[Kind]reflect.Type{
		KindCall: reflect.TypeFor[Call](), KindChat: reflect.TypeFor[Chat](),
		KindSurvey: reflect.TypeFor[Survey](), KindOrder: reflect.TypeFor[Order](),
	}
	for _, k := range Kinds {
		v, err := Decode(k, []byte(inputs[k]))
		if err != nil {
			t.Fatalf("Decode(%s): %v", k, err)
		}
		if reflect.TypeOf(v) != wantType[k] {
			t.Errorf("Decode(%s) returned %T", k, v)
		}
		// A message of another kind lacks that kind's id field.
		other := Kinds[(slices.Index(Kinds, k)+1)%len(Kinds)]
		_, err = Decode(k, []byte(inputs[other]))
		if ve, ok := AsValidation(err); !ok || ve.Code != CodeMissingField {
			t.Errorf("Decode(%s, %s message) = %v, want missing_field", k, other, err)
		}
	}
	_, err := Decode("refund", []byte(baseOrder))
	if !errors.Is(err, ErrUnknownKind) {
		t.Errorf("unknown kind: %v", err)
	}
	if _, ok := AsValidation(err); ok {
		t.Error("an unknown kind must not look like bad data")
	}
}

// TestRoundTrip checks that json.Marshal of each type writes a message its decoder accepts and
// maps back to the same value, which is what a traffic generator relies on.
func TestRoundTrip(t *testing.T) {
	nepal := time.FixedZone("", 5*3600+45*60)
	t.Run("call", func(t *testing.T) {
		for _, c := range []Call{
			{CallID: "c-1", AgentID: "a-1", CustomerID: "u-1", Queue: "q", Direction: DirectionOutbound,
				OfferedAt: at("2026-11-03T09:00:00"), AnsweredAt: ptr(at("2026-11-03T09:00:01.5")),
				EndedAt: at("2026-11-03T09:10:00"), HoldSeconds: 12.25, ACWSeconds: 1e-3, Resolved: true,
				ResolvedAt: ptr(time.Date(2026, 11, 9, 1, 2, 3, 4, time.UTC)), Inquiry: true, Complaint: true,
				Transferred: true, RecordingURL: "https://x/<a>&b"},
			{CallID: "c-2", CustomerID: "u-2", Direction: DirectionInbound,
				OfferedAt: time.Date(2026, 11, 3, 9, 0, 0, 0, nepal), EndedAt: time.Date(2026, 11, 3, 9, 0, 0, 0, nepal)},
		} {
			roundTrip(t, c, DecodeCall)
		}
	})
	t.Run("chat", func(t *testing.T) {
		for _, c := range []Chat{
			{ChatID: "h-1", AgentID: "a", CustomerID: "u", StartedAt: at("2026-11-03T09:00:00"),
				EndedAt: at("2026-11-03T09:00:00"), Messages: []Message{}},
			{ChatID: "h-2", AgentID: "a", CustomerID: "u", Queue: "q", StartedAt: at("2026-11-03T09:00:00"),
				EndedAt: at("2026-11-03T09:30:00"), Resolved: true, ResolvedAt: ptr(at("2026-11-04T09:00:00")),
				Inquiry: true, Complaint: true, Transferred: true,
				Messages: []Message{{At: at("2026-11-03T09:00:10"), From: FromCustomer, Text: "在吗？\u2028"},
					{At: time.Date(2026, 11, 3, 1, 0, 20, 123456789, time.UTC), From: FromAgent},
					{At: at("2026-11-03T09:00:05"), From: FromSystem, Text: "joined"}}},
		} {
			roundTrip(t, c, DecodeChat)
		}
	})
	t.Run("chat with nil messages", func(t *testing.T) {
		b, err := json.Marshal(Chat{ChatID: "h", AgentID: "a", CustomerID: "u"})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte(`"messages":[]`)) {
			t.Errorf("nil messages should be written as [], got %s", b)
		}
		c, err := DecodeChat(b)
		if err != nil || c.Messages == nil {
			t.Errorf("DecodeChat(%s) = %+v, %v", b, c, err)
		}
	})
	t.Run("survey", func(t *testing.T) {
		for _, s := range []Survey{
			{SurveyID: "s", InteractionID: "c", Score: 1, AnsweredAt: at("2026-11-03T09:00:00")},
			{SurveyID: "s", InteractionID: "h", Channel: ChannelChat, Score: 5, AnsweredAt: at("2026-11-03T09:00:00"), Comment: "ok"},
		} {
			roundTrip(t, s, DecodeSurvey)
		}
	})
	t.Run("order", func(t *testing.T) {
		for _, minor := range []int64{0, 1, 9, 10, 99, 100, 1990, 123456789, math.MaxInt64} {
			o := Order{OrderID: "o", Status: StatusPaid, CustomerID: "u", AgentID: "a", AmountMinor: minor,
				Currency: "CNY", At: at("2026-11-03T09:00:00")}
			roundTrip(t, o, DecodeOrder)
		}
		b, err := json.Marshal(Order{OrderID: "o", Status: StatusPaid, CustomerID: "u", AgentID: "a",
			AmountMinor: 1990, At: at("2026-11-03T09:00:00")})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte(`"amount":19.90`)) {
			t.Errorf("amount not written as an exact decimal: %s", b)
		}
		if o, err := DecodeOrder(b); err != nil || o.Currency != DefaultCurrency || o.AmountMinor != 1990 {
			t.Errorf("DecodeOrder(%s) = %+v, %v", b, o, err)
		}
	})
	t.Run("named zone keeps instant and offset", func(t *testing.T) {
		shanghai := time.FixedZone("CST", 8*3600)
		c := Call{CallID: "c", CustomerID: "u", OfferedAt: time.Date(2026, 11, 3, 9, 0, 0, 0, shanghai),
			EndedAt: time.Date(2026, 11, 3, 9, 1, 0, 0, shanghai)}
		b, _ := json.Marshal(c)
		got, err := DecodeCall(b)
		if err != nil {
			t.Fatal(err)
		}
		if _, off := got.OfferedAt.Zone(); !got.OfferedAt.Equal(c.OfferedAt) || off != 8*3600 {
			t.Errorf("offered_at %v, want %v", got.OfferedAt, c.OfferedAt)
		}
	})
}

// TestOrderJSON checks Order's JSON methods and the exact formatting of amounts.
func TestOrderJSON(t *testing.T) {
	var o Order
	if err := json.Unmarshal([]byte(baseOrder), &o); err != nil {
		t.Fatal(err)
	}
	if o.AmountMinor != 1990 || o.OrderID != "o-1" {
		t.Errorf("json.Unmarshal gave %+v", o)
	}
	if err := json.Unmarshal([]byte(`null`), &o); err != nil || o.OrderID != "o-1" {
		t.Errorf("null should leave the order alone: %+v, %v", o, err)
	}
	var holder struct{ Order Order }
	err := json.Unmarshal([]byte(`{"Order":`+string(build(t, baseOrder, "amount", `-1`))+`}`), &holder)
	if ve, ok := AsValidation(err); !ok || ve.Field != "amount" {
		t.Errorf("invalid nested order: %v", err)
	}
	for _, c := range []struct {
		minor int64
		want  string
	}{{0, "0.00"}, {5, "0.05"}, {-5, "-0.05"}, {1990, "19.90"}, {-100, "-1.00"},
		{math.MaxInt64, "92233720368547758.07"}, {math.MinInt64, "-92233720368547758.08"}} {
		if got := formatMinor(c.minor); got != c.want {
			t.Errorf("formatMinor(%d) = %s, want %s", c.minor, got, c.want)
		}
	}
}

// TestParseTime checks the strict RFC 3339 parser on valid and near-miss timestamps.
func TestParseTime(t *testing.T) {
	good := []struct {
		in   string
		utc  string // the instant, in UTC
		off  int    // the offset kept, in seconds
		nsec int
	}{
		{"2026-11-03T09:15:02+08:00", "2026-11-03T01:15:02Z", 8 * 3600, 0},
		{"2026-11-03T09:15:02Z", "2026-11-03T09:15:02Z", 0, 0},
		{"2026-11-03t09:15:02z", "2026-11-03T09:15:02Z", 0, 0},
		{"2026-11-03T09:15:02-00:00", "2026-11-03T09:15:02Z", 0, 0},
		{"2026-11-03T09:15:02+00:00", "2026-11-03T09:15:02Z", 0, 0},
		{"2026-11-03T09:15:02-05:00", "2026-11-03T14:15:02Z", -5 * 3600, 0},
		{"2026-11-03T09:15:02+05:45", "2026-11-03T03:30:02Z", 5*3600 + 45*60, 0},
		{"2026-11-03T09:15:02+23:59", "2026-11-02T09:16:02Z", 23*3600 + 59*60, 0},
		{"2026-11-03T09:15:02.5+08:00", "2026-11-03T01:15:02Z", 8 * 3600, 500000000},
		{"2026-11-03T09:15:02.000000001Z", "2026-11-03T09:15:02Z", 0, 1},
		{"2026-11-03T09:15:02.1234567891234Z", "2026-11-03T09:15:02Z", 0, 123456789},
		{"2028-02-29T00:00:00Z", "2028-02-29T00:00:00Z", 0, 0},
		{"2000-02-29T00:00:00Z", "2000-02-29T00:00:00Z", 0, 0},
		{"0000-01-01T00:00:00Z", "0000-01-01T00:00:00Z", 0, 0},
		{"9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z", 0, 0},
		{"2026-12-31T23:59:59-10:00", "2027-01-01T09:59:59Z", -10 * 3600, 0},
	}
	for _, c := range good {
		got, ok := parseTime(c.in)
		if !ok {
			t.Errorf("parseTime(%q) failed", c.in)
			continue
		}
		if s := got.UTC().Format(time.RFC3339); s != c.utc {
			t.Errorf("parseTime(%q) = %s, want %s", c.in, s, c.utc)
		}
		if _, off := got.Zone(); off != c.off {
			t.Errorf("parseTime(%q) offset %d, want %d", c.in, off, c.off)
		}
		if got.Nanosecond() != c.nsec {
			t.Errorf("parseTime(%q) nsec %d, want %d", c.in, got.Nanosecond(), c.nsec)
		}
		if got2, ok := parseTime([]byte(c.in)); !ok || !got2.Equal(got) {
			t.Errorf("parseTime([]byte(%q)) differs", c.in)
		}
	}
	bad := []string{
		"", "2026-11-03", "2026-11-03T09:15:02", "2026-11-03 09:15:02+08:00", "2026-11-03T09:15+08:00",
		"2026-11-03T9:15:02+08:00", "2026-11-03T09:15:02+0800", "2026-11-03T09:15:02+08", "2026-11-03T09:15:02 +08:00",
		"2026-11-03T09:15:02+24:00", "2026-11-03T09:15:02+08:60", "2026-11-03T09:15:02,5Z", "2026-11-03T09:15:02.Z",
		"2026-11-03T24:00:00Z", "2026-11-03T23:60:00Z", "2026-11-03T23:59:60Z", "2026-13-01T00:00:00Z",
		"2026-00-01T00:00:00Z", "2026-11-00T00:00:00Z", "2026-11-31T00:00:00Z", "2026-02-29T00:00:00Z",
		"1900-02-29T00:00:00Z", "+2026-11-03T09:15:02Z", "20261103T091502Z", "2026-11-03T09:15:02ZZ",
		"2026-11-03T09:15:02+08:00[Asia/Shanghai]", "2026-11-03T09:15:02 ", " 2026-11-03T09:15:02Z",
		"2026-11-03T09:15:02+8:00", "2026-11-03T09:15:02Z+08:00", "2026/11/03T09:15:02Z", "2026-11-03X09:15:02Z",
		"２０２６-11-03T09:15:02Z", "2026-11-03T09:15:02.5", "2026-11-03T09:15:02+08:0a", "Tue, 03 Nov 2026 09:15:02 +0800",
	}
	for _, s := range bad {
		if got, ok := parseTime(s); ok {
			t.Errorf("parseTime(%q) = %v, want failure", s, got)
		}
	}
}

// TestParseDecimal checks exact decimal scaling, including exponents and int64 limits.
func TestParseDecimal(t *testing.T) {
	cases := []struct {
		in     string
		scale  int
		mag    int64
		neg    bool
		zero   bool
		status decStatus
	}{
		{"0", 2, 0, false, true, decOK},
		{"-0", 2, 0, true, true, decOK},
		{"0.000", 2, 0, false, true, decOK},
		{"0e-99999", 2, 0, false, true, decOK},
		{"1", 2, 100, false, false, decOK},
		{"19.9", 2, 1990, false, false, decOK},
		{"19.90", 2, 1990, false, false, decOK},
		{"19.9000000000000000000000", 2, 1990, false, false, decOK},
		{"0019.9", 2, 1990, false, false, decOK}, // not JSON, but harmless: leading zeros
		{"-19.9", 2, 1990, true, false, decOK},
		{"1e2", 2, 10000, false, false, decOK},
		{"1E+2", 2, 10000, false, false, decOK},
		{"1999e-2", 2, 1999, false, false, decOK},
		{"0.01e2", 2, 100, false, false, decOK},
		{"19.999", 2, 0, false, false, decFraction},
		{"0.001", 2, 0, false, false, decFraction},
		{"1e-3", 2, 0, false, false, decFraction},
		{"92233720368547758.07", 2, math.MaxInt64, false, false, decOK},
		{"92233720368547758.08", 2, 0, false, false, decOverflow},
		{"9223372036854775807", 0, math.MaxInt64, false, false, decOK},
		{"9223372036854775808", 0, 0, false, false, decOverflow},
		{"1e18", 0, 1000000000000000000, false, false, decOK},
		{"1e19", 0, 0, false, false, decOverflow},
		{"1e99999999999999999999999", 2, 0, false, false, decOverflow},
		{"1e-99999999999999999999999", 2, 0, false, false, decFraction},
		{"5", 0, 5, false, false, decOK},
		{"5.0", 0, 5, false, false, decOK},
		{"4.5", 0, 0, false, false, decFraction},
		{"", 2, 0, false, false, decSyntax},
		{"-", 2, 0, true, false, decSyntax},
		{"1.", 2, 0, false, false, decSyntax},
		{".5", 2, 0, false, false, decSyntax},
		{"1e", 2, 0, false, false, decSyntax},
		{"1e+", 2, 0, false, false, decSyntax},
		{"1x", 2, 0, false, false, decSyntax},
		{"0x10", 2, 0, false, false, decSyntax},
	}
	for _, c := range cases {
		got := parseDecimal([]byte(c.in), c.scale)
		want := decimal{mag: c.mag, neg: c.neg, zero: c.zero, status: c.status}
		if got != want {
			t.Errorf("parseDecimal(%q, %d) = %+v, want %+v", c.in, c.scale, got, want)
		}
	}
}

// fixture reads the non-blank lines of a testdata file.
func fixture(t testing.TB, name string) [][]byte {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			lines = append(lines, bytes.Clone(sc.Bytes()))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// wants reads a .want sidecar: per bad line, "code field" ("-" for no field) and an optional
// "# comment".
func wants(t testing.TB, name string) [][2]string {
	t.Helper()
	var out [][2]string
	for _, line := range fixture(t, name) {
		s, _, _ := strings.Cut(string(line), "#")
		f := strings.Fields(s)
		if len(f) != 2 {
			t.Fatalf("%s: bad line %q", name, line)
		}
		if f[1] == "-" {
			f[1] = ""
		}
		out = append(out, [2]string{f[0], f[1]})
	}
	return out
}

// TestFixtures runs the testdata files, which double as the fuzz seeds.
func TestFixtures(t *testing.T) {
	t.Run("calls", func(t *testing.T) { runFixtures(t, "calls", DecodeCall) })
	t.Run("chats", func(t *testing.T) { runFixtures(t, "chats", DecodeChat) })
	t.Run("surveys", func(t *testing.T) { runFixtures(t, "surveys", DecodeSurvey) })
	t.Run("orders", func(t *testing.T) { runFixtures(t, "orders", DecodeOrder) })
}

// runFixtures checks that every good line decodes and round-trips, and that every bad line
// fails with the code and field of its line in the .want sidecar.
func runFixtures[T any](t *testing.T, stem string, decode func([]byte) (T, error)) {
	for i, line := range fixture(t, stem+"_good.jsonl") {
		v, err := decode(line)
		if err != nil {
			t.Errorf("%s_good.jsonl:%d: %v", stem, i+1, err)
			continue
		}
		roundTrip(t, v, decode)
	}
	bad := fixture(t, stem+"_bad.jsonl")
	want := wants(t, stem+"_bad.want")
	if len(bad) != len(want) {
		t.Fatalf("%s: %d bad lines but %d expectations", stem, len(bad), len(want))
	}
	for i, line := range bad {
		t.Run(fmt.Sprintf("bad_line_%d", i+1), func(t *testing.T) {
			_, err := decode(line)
			assertError(t, err, want[i][0], want[i][1], line)
		})
	}
}

// TestFixtureValues spot-checks decoded values of fixtures whose point is a value, not an error.
func TestFixtureValues(t *testing.T) {
	calls := fixture(t, "calls_good.jsonl")
	c, _ := DecodeCall(calls[1])
	if c.Answered() || c.AgentID != "" || c.Direction != DirectionInbound {
		t.Errorf("abandoned call: %+v", c)
	}
	c, _ = DecodeCall(calls[10])
	if c.CallID != "c-0011" || c.Queue != "售前" {
		t.Errorf("escaped call: %+v", c)
	}
	chats := fixture(t, "chats_good.jsonl")
	h, _ := DecodeChat(chats[2])
	if got := []string{h.Messages[0].Text, h.Messages[1].Text, h.Messages[2].Text}; !slices.Equal(got, []string{"second", "first", "third"}) {
		t.Errorf("out-of-order chat reordered: %v", got)
	}
	orders := fixture(t, "orders_good.jsonl")
	var minors []int64
	for _, line := range orders {
		o, _ := DecodeOrder(line)
		minors = append(minors, o.AmountMinor)
	}
	if want := []int64{1990, 1990, 0, 10000, math.MaxInt64, 1999, 1230, 0}; !slices.Equal(minors, want) {
		t.Errorf("order amounts %v, want %v", minors, want)
	}
}

// benchChat is a realistic closed chat: 24 messages with text, some of it Chinese.
func benchChat() []byte {
	var b strings.Builder
	b.WriteString(`{"chat_id":"h-20261103-000123","agent_id":"a-07","customer_id":"u-9f2c81d0","queue":"presale",` +
		`"started_at":"2026-11-03T09:15:02+08:00","ended_at":"2026-11-03T09:31:40+08:00","messages":[`)
	from := []string{"customer", "agent", "customer", "agent", "system"}
	for i := range 24 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"at":"2026-11-03T09:%02d:%02d+08:00","from":%q,"text":"您好，请问这件外套有L码吗？message %d"}`,
			15+i/2, (i*17)%60, from[i%len(from)], i)
	}
	b.WriteString(`],"resolved":true,"resolved_at":"2026-11-03T09:31:40+08:00","inquiry":true,"complaint":false}`)
	return []byte(b.String())
}

// BenchmarkDecodeCall measures decoding a fully populated answered call.
func BenchmarkDecodeCall(b *testing.B) {
	msg := fixture(b, "calls_good.jsonl")[0]
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if _, err := DecodeCall(msg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeChat measures decoding a 24-message chat.
func BenchmarkDecodeChat(b *testing.B) {
	msg := benchChat()
	if _, err := DecodeChat(msg); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if _, err := DecodeChat(msg); err != nil {
			b.Fatal(err)
		}
	}
}

// TestUnixSeconds checks parseTime's date arithmetic against time.Date over every day of years
// around the epoch, the leap-year rules and the ends of the four-digit range, at several times
// of day and offsets.
func TestUnixSeconds(t *testing.T) {
	years := []int{0, 1, 3, 4, 99, 100, 399, 400, 401, 1600, 1899, 1900, 1969, 1970, 1971, 1999, 2000, 2024, 2026, 2100, 2400, 9998, 9999}
	offs := []int{0, 8 * 3600, -5 * 3600, 5*3600 + 45*60, -(23*3600 + 59*60)}
	n := 0
	for _, y := range years {
		for m := 1; m <= 12; m++ {
			for d := 1; d <= daysIn(m, y); d++ {
				for i, off := range offs {
					h, mi, s := (d*7+i)%24, (d*13+i)%60, (d*29+m)%60
					want := time.Date(y, time.Month(m), d, h, mi, s, 0, time.FixedZone("", off)).Unix()
					if got := unixSeconds(y, m, d, h, mi, s, off); got != want {
						t.Fatalf("unixSeconds(%04d-%02d-%02d %02d:%02d:%02d %+d) = %d, time.Date says %d", y, m, d, h, mi, s, off, got, want)
					}
					n++
				}
			}
		}
	}
	if n < 40000 {
		t.Fatalf("checked only %d instants", n)
	}
}
