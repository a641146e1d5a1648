package web

import "testing"

func TestSafeNext(t *testing.T) {
	for next, want := range map[string]bool{
		"/qa/queue":                   true,
		"/dashboards/agent?agent=a-1": true,
		"/scorecard/api/items":        true,
		"":                            false,
		"/":                           false,
		"//evil.example/qa/":          false,
		"https://evil.example/qa/":    false,
		"/qa/\\evil":                  false,
		"/other/":                     false,
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %v, want %v", next, got, want)
		}
	}
}
