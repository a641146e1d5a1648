package ingest

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// TestStrCol checks that a string column gives back exactly the strings put in, at chunk
// boundaries and across them, and again after a reset reuses its chunks.
func TestStrCol(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	lengths := []int{0, 1, 0, strChunk - 2, 1, 2, 0, strChunk, strChunk + 1, 3*strChunk + 5, 0, 7}
	for range 2000 {
		lengths = append(lengths, rng.IntN(300))
	}
	var c strCol
	for round := range 2 {
		var want []string
		for i, n := range lengths {
			s := strings.Repeat(string(rune('a'+(i+round)%26)), n)
			if n > 2 {
				s = "<" + s[2:] + ">" // the ends are distinct, so an off-by-one shows
			}
			want = append(want, s)
			c.add(s)
		}
		if c.len() != len(want) {
			t.Fatalf("round %d: len %d, want %d", round, c.len(), len(want))
		}
		// Whole column, then odd blocks as insertRows sends them.
		for _, block := range []int{len(want), 7, 1} {
			for lo := 0; lo < len(want); lo += block {
				hi := min(lo+block, len(want))
				got := c.chunk(lo, hi).([]string)
				for i, s := range got {
					if s != want[lo+i] {
						t.Fatalf("round %d block %d: row %d is %d bytes %.20q..., want %d bytes %.20q...", round, block, lo+i, len(s), s, len(want[lo+i]), want[lo+i])
					}
				}
			}
		}
		c.reset()
		if c.len() != 0 || c.size != 0 {
			t.Fatalf("after reset: len %d size %d", c.len(), c.size)
		}
	}
}

// TestNullTimeAndArrays checks the Nullable(DateTime) column and the flat Array columns.
func TestNullTimeAndArrays(t *testing.T) {
	t1 := time.Date(2026, 11, 3, 9, 0, 5, 0, time.UTC)
	var n nullTimeCol
	n.add(nil)
	n.add(&t1)
	n.add(nil)
	got := n.chunk(0, 3).([]*int64)
	if got[0] != nil || got[2] != nil || got[1] == nil || *got[1] != t1.Unix() {
		t.Fatalf("nullable times: %v", got)
	}
	if got := n.chunk(1, 2).([]*int64); len(got) != 1 || *got[0] != t1.Unix() {
		t.Fatalf("nullable times [1,2): %v", got)
	}

	var ends arrayEnds
	texts := strArrayCol{ends: &ends}
	rows := [][]string{{"a", "bb"}, {}, {"", "ccc", "d"}}
	for _, r := range rows {
		for _, s := range r {
			texts.elems.add(s)
		}
		ends.close(texts.elems.len())
	}
	for lo := range len(rows) {
		for hi := lo + 1; hi <= len(rows); hi++ {
			first, last := ends.elems(lo, hi)
			flat := texts.elems.views(nil, first, last)
			for i := lo; i < hi; i++ {
				a, b := ends.span(i)
				if strings.Join(flat[a-first:b-first], "|") != strings.Join(rows[i], "|") {
					t.Fatalf("[%d,%d) row %d: %q, want %q", lo, hi, i, flat[a-first:b-first], rows[i])
				}
			}
		}
	}
}
