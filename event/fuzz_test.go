package event

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
)

// The fuzz targets check the decoders' contract on arbitrary bytes: never panic; fail only with
// a *ValidationError carrying a listed code; and accept only values that json.Marshal writes back
// as a message decoding to the same value (so a generator and the decoders always agree).
// Seeds are every fixture line of the kind, good and bad, plus the table bases.

// FuzzDecodeCall checks the decoder property above on mutated ccqa.calls messages.
func FuzzDecodeCall(f *testing.F) {
	seed(f, baseCall, "calls_good.jsonl", "calls_bad.jsonl")
	f.Fuzz(func(t *testing.T, b []byte) { checkDecoder(t, b, DecodeCall) })
}

// FuzzDecodeChat checks the decoder property above on mutated ccqa.chats messages.
func FuzzDecodeChat(f *testing.F) {
	seed(f, baseChat, "chats_good.jsonl", "chats_bad.jsonl")
	f.Add(benchChat())
	f.Fuzz(func(t *testing.T, b []byte) { checkDecoder(t, b, DecodeChat) })
}

// FuzzDecodeSurvey checks the decoder property above on mutated ccqa.surveys messages.
func FuzzDecodeSurvey(f *testing.F) {
	seed(f, baseSurvey, "surveys_good.jsonl", "surveys_bad.jsonl")
	f.Fuzz(func(t *testing.T, b []byte) { checkDecoder(t, b, DecodeSurvey) })
}

// FuzzDecodeOrder checks the decoder property above on mutated ccqa.orders messages.
func FuzzDecodeOrder(f *testing.F) {
	seed(f, baseOrder, "orders_good.jsonl", "orders_bad.jsonl")
	f.Fuzz(func(t *testing.T, b []byte) { checkDecoder(t, b, DecodeOrder) })
}

// seed adds a base message and every line of the given testdata files to the corpus.
func seed(f *testing.F, base string, files ...string) {
	f.Add([]byte(base))
	for _, name := range files {
		for _, line := range fixture(f, name) {
			f.Add(line)
		}
	}
}

// checkDecoder asserts the fuzz property for one input.
func checkDecoder[T any](t *testing.T, b []byte, decode func([]byte) (T, error)) {
	v, err := decode(b)
	if err != nil {
		ve, ok := err.(*ValidationError)
		if !ok {
			t.Fatalf("error is %T, not *ValidationError: %v", err, err)
		}
		if !slices.Contains(Codes, ve.Code) || ve.Msg == "" {
			t.Fatalf("malformed error %+v", ve)
		}
		if (ve.Code == CodeInvalidJSON) != (ve.Field == "") {
			t.Fatalf("only invalid_json may lack a field: %+v", ve)
		}
		return
	}
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json.Marshal(%+v): %v", v, err)
	}
	again, err := decode(out)
	if err != nil {
		t.Fatalf("decoded value does not re-decode: %v\n in: %q\nout: %s", err, b, out)
	}
	if !reflect.DeepEqual(again, v) {
		t.Fatalf("round trip changed the value\n in: %q\nout: %s\n was: %+v\n now: %+v", b, out, v, again)
	}
}
