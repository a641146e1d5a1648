package main

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ccqa/ccqa/ingest"
)

// TestIngestUsageErrors checks that the ingest flags added for throughput and memory are
// validated with a message naming the flag (exit 2).
func TestIngestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--max-buffered-bytes", "10"}, "max-buffered-bytes"},
		{[]string{"--fetch-bytes", "0"}, "fetch-bytes"},
		{[]string{"--fetch-wait", "1ms"}, "fetch-wait"},
		{[]string{"--memory-limit", "-1"}, "--memory-limit"},
		{[]string{"--drain-timeout", "0s"}, "drain-timeout"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			_, _, err := runCLI(append([]string{"ingest", "--brokers", "127.0.0.1:1"}, tc.args...)...)
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Fatalf("err = %v, want a usage error", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

// TestBenchUsageErrors checks that `ccqa bench` names what is wrong with its invocation.
func TestBenchUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"bench"}, "ccqa bench ingest"},
		{[]string{"bench", "frobnicate"}, "ccqa bench ingest"},
		{[]string{"bench", "ingest", "--mix", "chats"}, "--mix"},
		{[]string{"bench", "ingest", "--events", "0"}, "--events"},
		{[]string{"bench", "ingest", "--partitions", "-1"}, "--partitions"},
		{[]string{"bench", "ingest", "--steady-rate", "-5"}, "--steady-rate"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, _, err := runCLI(tc.args...)
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Fatalf("err = %v, want a usage error", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

// TestStatusLine checks the operator's status line: rates over the interval, lag, and a
// visible PAUSED state while writes are failing.
func TestStatusLine(t *testing.T) {
	prev := ingest.Stats{Consumed: 1000, Inserted: 900}
	st := ingest.Stats{Consumed: 21000, Inserted: 10900, Lag: 1234, Partitions: 4, BufferedBytes: 3 << 20}
	line := statusLine(st, prev, 2*time.Second)
	for _, want := range []string{"10000 msg/s in", "5000 rows/s out", "lag 1234", "4 partitions", "3.0 MiB buffered", "| ok"} {
		if !strings.Contains(line, want) {
			t.Errorf("status line %q lacks %q", line, want)
		}
	}
	st.Retrying = 2
	if line := statusLine(st, prev, time.Second); !strings.Contains(line, "PAUSED: writes failing on 2 partitions") {
		t.Errorf("status line %q does not show the pause", line)
	}
}
