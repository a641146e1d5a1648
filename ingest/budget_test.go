package ingest

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestBudget checks the memory budget's accounting: bytes taken are not available to others
// until given back, a waiter wakes when enough is given back, and a waiter gives up with its
// context.
func TestBudget(t *testing.T) {
	b := newBudget(100)
	if !b.tryTake(60) || b.used() != 60 {
		t.Fatalf("tryTake(60) on an empty budget: used %d, want 60", b.used())
	}
	if b.tryTake(41) {
		t.Fatal("tryTake(41) succeeded with only 40 free")
	}
	if got := b.clamp(1000); got != 100 {
		t.Errorf("clamp(1000) = %d, want the whole budget 100", got)
	}

	got := make(chan error, 1)
	go func() { got <- b.take(context.Background(), 70) }()
	select {
	case err := <-got:
		t.Fatalf("take(70) returned %v with only 40 free", err)
	case <-time.After(50 * time.Millisecond):
	}
	b.give(20) // 60 free: still not enough
	select {
	case err := <-got:
		t.Fatalf("take(70) returned %v with only 60 free", err)
	case <-time.After(50 * time.Millisecond):
	}
	b.give(40) // 100 free
	if err := <-got; err != nil {
		t.Fatalf("take(70) after the bytes came back: %v", err)
	}
	if b.used() != 70 {
		t.Fatalf("used %d, want 70", b.used())
	}

	ctx, cancel := context.WithCancel(context.Background())
	go func() { got <- b.take(ctx, 50) }()
	cancel()
	if err := <-got; !errors.Is(err, context.Canceled) {
		t.Fatalf("take with a cancelled context: %v, want context.Canceled", err)
	}
	if b.used() != 70 {
		t.Fatalf("a cancelled take changed the budget: used %d, want 70", b.used())
	}
}
