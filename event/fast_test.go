package event

import (
	"encoding/binary"
	"reflect"
	"strings"
	"testing"
)

// The fast path (fast.go) must be invisible: for every input, DecodeX returns exactly what the
// encoding/json path decodeXJSON returns, value and error alike, and whenever the fast path
// accepts a message on its own, encoding/json accepts it with an equal value. The fuzz target
// checks this differential property on arbitrary bytes; the tests below pin the cases the fast
// path must hand over, and check that it really serves the ordinary messages.

// differential asserts the property above for one input and one kind.
func differential[T any](t *testing.T, b []byte, public, shared, slow func([]byte) (T, error), fast func([]byte, bool) (T, bool)) {
	t.Helper()
	want, wantErr := slow(b)
	got, gotErr := public(b)
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotErr, wantErr) {
		t.Fatalf("decoders differ on %q\nencoding/json: %+v, %v\n       public: %+v, %v", b, want, wantErr, got, gotErr)
	}
	// The shared variant must give equal values (TestSharedStrings checks what it shares).
	got, gotErr = shared(b)
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotErr, wantErr) {
		t.Fatalf("shared decoder differs on %q\nencoding/json: %+v, %v\n       shared: %+v, %v", b, want, wantErr, got, gotErr)
	}
	for _, sh := range []bool{false, true} {
		v, ok := fast(b, sh)
		if !ok {
			continue
		}
		if wantErr != nil {
			t.Fatalf("fast path accepted %q, encoding/json refused it: %v", b, wantErr)
		}
		if !reflect.DeepEqual(v, want) {
			t.Fatalf("fast path value differs on %q\nencoding/json: %+v\n         fast: %+v", b, want, v)
		}
	}
}

// reusedChatDecoder is shared by every differential check, so that a ChatDecoder is checked on
// memory left by other inputs (longer, shorter and invalid chats).
var reusedChatDecoder ChatDecoder

// checkAllKinds runs the differential check of every kind on one input.
func checkAllKinds(t *testing.T, b []byte) {
	t.Helper()
	differential(t, b, DecodeCall, DecodeCallShared, decodeCallJSON, fastCall)
	differential(t, b, DecodeChat, DecodeChatShared, decodeChatJSON, fastChat)
	// One decoder for every input, so that each decode reuses the memory of the ones before.
	differential(t, b, DecodeChat, reusedChatDecoder.DecodeShared, decodeChatJSON, fastChat)
	differential(t, b, DecodeSurvey, DecodeSurveyShared, decodeSurveyJSON, fastSurvey)
	differential(t, b, DecodeOrder, DecodeOrderShared, decodeOrderJSON, fastOrder)
}

// FuzzFastDecoders checks the differential property on mutated messages of every kind; each
// input is tried as each kind, so that a mutation turning a call into half a chat is covered.
func FuzzFastDecoders(f *testing.F) {
	for _, base := range []string{baseCall, baseChat, baseSurvey, baseOrder} {
		f.Add([]byte(base))
	}
	for _, name := range []string{"calls_good.jsonl", "calls_bad.jsonl", "chats_good.jsonl", "chats_bad.jsonl",
		"surveys_good.jsonl", "surveys_bad.jsonl", "orders_good.jsonl", "orders_bad.jsonl"} {
		for _, line := range fixture(f, name) {
			f.Add(line)
		}
	}
	for _, tc := range handOverCases {
		f.Add([]byte(tc.in))
	}
	f.Add(benchChat())
	f.Fuzz(checkAllKinds)
}

// handOverCases are inputs around the edges of what the fast path accepts.
var handOverCases = []struct{ name, in string }{
	{"escaped key", `{"call\u005fid":"c-1","customer_id":"u","offered_at":"2026-11-03T09:15:02+08:00","ended_at":"2026-11-03T09:16:02+08:00"}`},
	{"upper-case key", `{"CALL_ID":"c-1","customer_id":"u","offered_at":"2026-11-03T09:15:02+08:00","ended_at":"2026-11-03T09:16:02+08:00"}`},
	// No field name has a k, so a Kelvin sign (which folds to k) is an unknown key either way.
	{"kelvin sign key", "{\"chat_id\":\"h\",\"agent_id\":\"a\",\"customer_id\":\"u\",\"started_at\":\"2026-11-03T09:15:02+08:00\",\"ended_at\":\"2026-11-03T09:16:02+08:00\",\"messages\":[],\"\u212aey\":1}"},
	{"long s key", "{\"\u017furvey_id\":\"s\",\"survey_id\":\"s\",\"interaction_id\":\"c\",\"score\":5,\"answered_at\":\"2026-11-03T09:15:02+08:00\"}"},
	{"repeated key", `{"call_id":"c-1","call_id":"c-2","customer_id":"u","offered_at":"2026-11-03T09:15:02+08:00","ended_at":"2026-11-03T09:16:02+08:00"}`},
	{"repeated messages", `{"chat_id":"h","agent_id":"a","customer_id":"u","started_at":"2026-11-03T09:15:02+08:00","ended_at":"2026-11-03T09:16:02+08:00","messages":[1],"messages":[]}`},
	{"whitespace everywhere", " \t\r\n{ \"survey_id\" : \"s\" , \"interaction_id\":\"c\",\"score\" :5 ,\"answered_at\":\"2026-11-03T09:15:02+08:00\" } \n"},
	{"trailing garbage", `{"survey_id":"s","interaction_id":"c","score":5,"answered_at":"2026-11-03T09:15:02+08:00"}x`},
	{"two objects", `{"survey_id":"s","interaction_id":"c","score":5,"answered_at":"2026-11-03T09:15:02+08:00"}{}`},
	{"unknown nested field", `{"survey_id":"s","interaction_id":"c","score":5,"answered_at":"2026-11-03T09:15:02+08:00","x":{"a":[1,{"b":null}],"c":"\u00e9\n"}}`},
	{"deep unknown field", `{"survey_id":"s","interaction_id":"c","score":5,"answered_at":"2026-11-03T09:15:02+08:00","x":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`},
	{"escapes in values", `{"order_id":"o\"1\\\/","status":"paid","customer_id":"\u4e2d\ud83d\ude00","agent_id":"a\ud800","amount":1999e-2,"at":"2026-11-03T09:15:02+08:00"}`},
	{"invalid utf-8", "{\"order_id\":\"o\xff\",\"status\":\"paid\",\"customer_id\":\"u\",\"agent_id\":\"a\",\"amount\":1,\"at\":\"2026-11-03T09:15:02+08:00\"}"},
	{"control character", "{\"order_id\":\"o\x01\",\"status\":\"paid\",\"customer_id\":\"u\",\"agent_id\":\"a\",\"amount\":1,\"at\":\"2026-11-03T09:15:02+08:00\"}"},
	{"bad escape", `{"order_id":"o\x","status":"paid","customer_id":"u","agent_id":"a","amount":1,"at":"2026-11-03T09:15:02+08:00"}`},
	{"bad number", `{"order_id":"o","status":"paid","customer_id":"u","agent_id":"a","amount":01,"at":"2026-11-03T09:15:02+08:00"}`},
	{"number then letter", `{"order_id":"o","status":"paid","customer_id":"u","agent_id":"a","amount":1x,"at":"2026-11-03T09:15:02+08:00"}`},
	{"bad literal", `{"call_id":"c","customer_id":"u","resolved":tru,"offered_at":"2026-11-03T09:15:02+08:00","ended_at":"2026-11-03T09:16:02+08:00"}`},
	{"null fields", `{"call_id":"c","agent_id":null,"customer_id":"u","answered_at":null,"hold_seconds":null,"resolved":null,"offered_at":"2026-11-03T09:15:02+08:00","ended_at":"2026-11-03T09:16:02+08:00"}`},
	{"wrong types", `{"call_id":"c","customer_id":"u","queue":["x"],"offered_at":"2026-11-03T09:15:02+08:00","ended_at":"2026-11-03T09:16:02+08:00"}`},
	{"empty message object", `{"chat_id":"h","agent_id":"a","customer_id":"u","started_at":"2026-11-03T09:15:02+08:00","ended_at":"2026-11-03T09:16:02+08:00","messages":[{}]}`},
	{"non-object message", `{"chat_id":"h","agent_id":"a","customer_id":"u","started_at":"2026-11-03T09:15:02+08:00","ended_at":"2026-11-03T09:16:02+08:00","messages":["hi"]}`},
	{"messages null", `{"chat_id":"h","agent_id":"a","customer_id":"u","started_at":"2026-11-03T09:15:02+08:00","ended_at":"2026-11-03T09:16:02+08:00","messages":null}`},
	{"messages empty", `{"chat_id":"h","agent_id":"a","customer_id":"u","started_at":"2026-11-03T09:15:02+08:00","ended_at":"2026-11-03T09:16:02+08:00","messages":[ ]}`},
	{"message unknown key", `{"chat_id":"h","agent_id":"a","customer_id":"u","started_at":"2026-11-03T09:15:02+08:00","ended_at":"2026-11-03T09:16:02+08:00","messages":[{"at":"2026-11-03T09:15:03+08:00","from":"agent","seq":[1]}]}`},
	{"message upper key", `{"chat_id":"h","agent_id":"a","customer_id":"u","started_at":"2026-11-03T09:15:02+08:00","ended_at":"2026-11-03T09:16:02+08:00","messages":[{"AT":"2026-11-03T09:15:03+08:00","from":"agent"}]}`},
	{"canonical message", `{"chat_id":"h","agent_id":"a","customer_id":"u","started_at":"2026-11-03T09:15:02+08:00","ended_at":"2026-11-03T09:16:02+08:00","messages":[{"at":"2026-11-03T09:15:03+08:00","from":"agent","text":"您好"},{"at":"2026-11-03T09:15:04Z","from":"customer","text":"hi"}]}`},
	{"canonical escaped values", `{"chat_id":"h","agent_id":"a","customer_id":"u","started_at":"2026-11-03T09:15:02+08:00","ended_at":"2026-11-03T09:16:02+08:00","messages":[{"at":"2026-11-03T09:15:03\u002b08:00","from":"ag\u0065nt","text":"a\"b\\n\u4e2d"}]}`},
	{"canonical empty values", `{"chat_id":"h","agent_id":"a","customer_id":"u","started_at":"2026-11-03T09:15:02+08:00","ended_at":"2026-11-03T09:16:02+08:00","messages":[{"at":"","from":"","text":""}]}`},
	{"canonical bad time", `{"chat_id":"h","agent_id":"a","customer_id":"u","started_at":"2026-11-03T09:15:02+08:00","ended_at":"2026-11-03T09:16:02+08:00","messages":[{"at":"2026-13-03T09:15:03+08:00","from":"agent","text":"x"}]}`},
	{"canonical then extra key", `{"chat_id":"h","agent_id":"a","customer_id":"u","started_at":"2026-11-03T09:15:02+08:00","ended_at":"2026-11-03T09:16:02+08:00","messages":[{"at":"2026-11-03T09:15:03+08:00","from":"agent","text":"x","seq":1}]}`},
	{"canonical then repeated key", `{"chat_id":"h","agent_id":"a","customer_id":"u","started_at":"2026-11-03T09:15:02+08:00","ended_at":"2026-11-03T09:16:02+08:00","messages":[{"at":"2026-11-03T09:15:03+08:00","from":"agent","text":"x","text":"y"}]}`},
	{"canonical then space", `{"chat_id":"h","agent_id":"a","customer_id":"u","started_at":"2026-11-03T09:15:02+08:00","ended_at":"2026-11-03T09:16:02+08:00","messages":[{"at":"2026-11-03T09:15:03+08:00","from":"agent","text":"x" }]}`},
	{"canonical wrong types", `{"chat_id":"h","agent_id":"a","customer_id":"u","started_at":"2026-11-03T09:15:02+08:00","ended_at":"2026-11-03T09:16:02+08:00","messages":[{"at":"2026-11-03T09:15:03+08:00","from":"agent","text":5}]}`},
	{"canonical invalid utf-8", "{\"chat_id\":\"h\",\"agent_id\":\"a\",\"customer_id\":\"u\",\"started_at\":\"2026-11-03T09:15:02+08:00\",\"ended_at\":\"2026-11-03T09:16:02+08:00\",\"messages\":[{\"at\":\"2026-11-03T09:15:03+08:00\",\"from\":\"agent\",\"text\":\"a\xffb\"}]}"},
	{"canonical truncated", `{"chat_id":"h","agent_id":"a","customer_id":"u","started_at":"2026-11-03T09:15:02+08:00","ended_at":"2026-11-03T09:16:02+08:00","messages":[{"at":"2026-11-03T09:15:03+08:00","from":"ag`},
	{"canonical order swapped", `{"chat_id":"h","agent_id":"a","customer_id":"u","started_at":"2026-11-03T09:15:02+08:00","ended_at":"2026-11-03T09:16:02+08:00","messages":[{"from":"agent","at":"2026-11-03T09:15:03+08:00","text":"x"}]}`},
	{"not an object", `["call_id"]`},
	{"empty", ``},
	{"truncated", `{"call_id":"c"`},
}

// TestFastMatchesJSON runs the differential check on the hand-over cases and every fixture.
func TestFastMatchesJSON(t *testing.T) {
	for _, tc := range handOverCases {
		t.Run(tc.name, func(t *testing.T) { checkAllKinds(t, []byte(tc.in)) })
	}
	for _, name := range []string{"calls_good.jsonl", "calls_bad.jsonl", "chats_good.jsonl", "chats_bad.jsonl",
		"surveys_good.jsonl", "surveys_bad.jsonl", "orders_good.jsonl", "orders_bad.jsonl"} {
		for i, line := range fixture(t, name) {
			t.Run(name+"/"+string(rune('a'+i%26)), func(t *testing.T) { checkAllKinds(t, line) })
		}
	}
}

// TestFastPathServes checks that the fast path itself accepts the ordinary messages (every good
// fixture and the plain edge cases), so that the speed it exists for is not silently lost to
// the fallback, and that it hands over the cases it must not decide.
func TestFastPathServes(t *testing.T) {
	accept := func(name string, ok bool) {
		t.Helper()
		if !ok {
			t.Errorf("%s: the fast path refused an ordinary message", name)
		}
	}
	for _, line := range fixture(t, "calls_good.jsonl") {
		_, ok := fastCall(line, false)
		accept(string(line), ok)
	}
	for _, line := range fixture(t, "chats_good.jsonl") {
		if strings.Contains(string(line), `"messages":[{}`) || !strings.Contains(string(line), `"messages"`) {
			continue // handed over on purpose, see messages
		}
		_, ok := fastChat(line, false)
		accept(string(line), ok)
	}
	for _, line := range fixture(t, "surveys_good.jsonl") {
		_, ok := fastSurvey(line, false)
		accept(string(line), ok)
	}
	for _, line := range fixture(t, "orders_good.jsonl") {
		_, ok := fastOrder(line, false)
		accept(string(line), ok)
	}
	_, ok := fastChat(benchChat(), false)
	accept("benchChat", ok)
	for _, name := range []string{"whitespace everywhere", "unknown nested field", "escapes in values", "invalid utf-8", "null fields", "messages empty", "message unknown key",
		"kelvin sign key"} {
		in := caseInput(t, name)
		ok := false
		for _, fast := range []func([]byte) bool{
			func(b []byte) bool { _, ok := fastCall(b, false); return ok },
			func(b []byte) bool { _, ok := fastChat(b, false); return ok },
			func(b []byte) bool { _, ok := fastSurvey(b, false); return ok },
			func(b []byte) bool { _, ok := fastOrder(b, false); return ok },
		} {
			ok = ok || fast(in)
		}
		accept(name, ok)
	}
	for _, name := range []string{"escaped key", "upper-case key", "long s key", "repeated key", "repeated messages",
		"trailing garbage", "two objects", "deep unknown field", "control character", "bad escape", "bad number",
		"number then letter", "bad literal", "empty message object", "non-object message", "messages null", "message upper key"} {
		in := caseInput(t, name)
		_, c := fastCall(in, false)
		_, h := fastChat(in, false)
		_, s := fastSurvey(in, false)
		_, o := fastOrder(in, false)
		if c || h || s || o {
			t.Errorf("%s: the fast path decided a message it must hand to encoding/json: %s", name, in)
		}
	}
}

func caseInput(t *testing.T, name string) []byte {
	t.Helper()
	for _, tc := range handOverCases {
		if tc.name == name {
			return []byte(tc.in)
		}
	}
	t.Fatalf("no hand-over case %q", name)
	return nil
}

// TestSharedStrings checks the one difference of the Decode*Shared functions: their strings
// share the input's memory (so the saving is real), while DecodeCall's are copies that do not
// change when the input is overwritten.
func TestSharedStrings(t *testing.T) {
	msg := fixture(t, "calls_good.jsonl")[0]
	copied, err := DecodeCall(append([]byte(nil), msg...))
	if err != nil {
		t.Fatal(err)
	}
	in := append([]byte(nil), msg...)
	own, err := DecodeCall(in)
	if err != nil {
		t.Fatal(err)
	}
	shared, err := DecodeCallShared(in)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(shared, copied) {
		t.Fatalf("shared value differs: %+v vs %+v", shared, copied)
	}
	for i := range in {
		in[i] = 'x'
	}
	if !reflect.DeepEqual(own, copied) {
		t.Errorf("DecodeCall's strings changed with its input: %+v", own)
	}
	if shared.CallID == copied.CallID || !strings.HasPrefix(shared.CallID, "x") {
		t.Errorf("DecodeCallShared's call_id %q does not share the input's memory", shared.CallID)
	}
}

// BenchmarkDecodeCallShared measures the variant ingest uses: the same call, strings shared
// with the input.
func BenchmarkDecodeCallShared(b *testing.B) {
	msg := fixture(b, "calls_good.jsonl")[0]
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if _, err := DecodeCallShared(msg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeCallJSON measures the encoding/json path, the fallback and the reference.
func BenchmarkDecodeCallJSON(b *testing.B) {
	msg := fixture(b, "calls_good.jsonl")[0]
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if _, err := decodeCallJSON(msg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeChatJSON measures the encoding/json path on the 24-message chat.
func BenchmarkDecodeChatJSON(b *testing.B) {
	msg := benchChat()
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if _, err := decodeChatJSON(msg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChatDecoder measures the variant ingest uses for chats: strings shared with the
// input, the messages' memory reused from chat to chat.
func BenchmarkChatDecoder(b *testing.B) {
	msg := benchChat()
	var d ChatDecoder
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if _, err := d.DecodeShared(msg); err != nil {
			b.Fatal(err)
		}
	}
}

// TestHasSpecial checks the eight-bytes-at-a-time test of str against the byte table: it must
// never miss a quote, a backslash or a control character in any position, next to any other
// byte (a false alarm is allowed, and then str looks byte by byte).
func TestHasSpecial(t *testing.T) {
	for pos := range 8 {
		for c := range 256 {
			for _, fill := range []byte{'a', 0x7f, 0x80, 0xff, 0x20, 0x21} {
				var w [8]byte
				for i := range w {
					w[i] = fill
				}
				w[pos] = byte(c)
				special := false
				for _, b := range w {
					special = special || !plainByte[b]
				}
				if got := hasSpecial(binary.LittleEndian.Uint64(w[:])); special && !got {
					t.Fatalf("hasSpecial(%q) = false, but byte %d (%#x) is not plain", w, pos, c)
				}
				if !special && hasSpecial(binary.LittleEndian.Uint64(w[:])) {
					t.Errorf("hasSpecial(%q) = true for a word of plain bytes", w)
				}
			}
		}
	}
}
