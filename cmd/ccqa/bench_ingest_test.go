package main

import (
	"net"
	"os"
	"testing"
	"time"
)

// TestLocalListenerPID checks that the bench finds the process listening on a local port (here
// this test's own listener), and refuses ports nobody listens on and non-local hosts.
func TestLocalListenerPID(t *testing.T) {
	if _, err := os.Stat("/proc/net/tcp"); err != nil {
		t.Skip("no /proc/net/tcp on this system")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if got := localListenerPID(addr); got != os.Getpid() {
		t.Errorf("localListenerPID(%s) = %d, want this process %d", addr, got, os.Getpid())
	}
	ln.Close()
	if got := localListenerPID(addr); got != -1 {
		t.Errorf("localListenerPID(%s) after closing = %d, want -1", addr, got)
	}
	if got := localListenerPID("192.0.2.1:9000"); got != -1 {
		t.Errorf("localListenerPID of a non-local address = %d, want -1", got)
	}
}

// TestCPUUse checks the accounting of a window: per-process differences, unknown processes
// staying unknown, and other processes' CPU as the machine's busy time minus the known ones.
func TestCPUUse(t *testing.T) {
	s := time.Second
	before := cpuSnap{ingest: 1 * s, broker: 2 * s, ch: -1, self: 1 * s, busy: 10 * s, total: 20 * s}
	after := cpuSnap{ingest: 4 * s, broker: 3 * s, ch: -1, self: 2 * s, busy: 18 * s, total: 36 * s}
	u := after.sub(before)
	if u.ingest != 3*s || u.broker != 1*s || u.ch != -1 || u.self != 1*s || u.busy != 8*s || u.total != 16*s {
		t.Fatalf("sub = %+v", u)
	}
	if got := u.other(); got != 3*s { // 8 busy - 3 ingest - 1 broker - 1 bench
		t.Errorf("other = %s, want 3s", got)
	}
	if got := perRow(u.ch, 100); got != "n/a" {
		t.Errorf("perRow of an unknown process = %q, want n/a", got)
	}
	if got := perRow(u.ingest, 1_000_000); got != "3.00" {
		t.Errorf("perRow(3s, 1e6 rows) = %q, want 3.00 (us)", got)
	}
}
