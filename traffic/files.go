package traffic

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ccqa/ccqa/event"
)

// File names written by WriteFiles.
const (
	AgentsFile  = "agents.csv"
	TargetsFile = "targets.csv"
)

// FileName returns the JSON-lines file name of a kind, e.g. "calls.jsonl" for event.KindCall.
func FileName(k event.Kind) string { return string(k) + "s.jsonl" }

// KindCounts counts the records of one kind.
type KindCounts struct {
	// Records is every record emitted, including duplicates and invalid ones.
	Records int
	// Duplicates is the number of byte-identical re-sends.
	Duplicates int
	// Invalid is the number of deliberately invalid messages.
	Invalid int
}

// Valid returns the number of distinct valid messages: records that are neither re-sends nor
// invalid.
func (k KindCounts) Valid() int { return k.Records - k.Duplicates - k.Invalid }

// Counts totals generated records per kind.
type Counts struct {
	// Calls counts ccqa.calls records.
	Calls KindCounts
	// Chats counts ccqa.chats records.
	Chats KindCounts
	// Surveys counts ccqa.surveys records.
	Surveys KindCounts
	// Orders counts ccqa.orders records.
	Orders KindCounts
}

// Add counts one record.
func (c *Counts) Add(r Record) {
	k := c.of(r.Kind)
	if k == nil {
		return
	}
	k.Records++
	if r.Duplicate {
		k.Duplicates++
	}
	if r.Invalid {
		k.Invalid++
	}
}

// Of returns the counts of one kind (zero for an unknown kind).
func (c Counts) Of(kind event.Kind) KindCounts {
	if k := c.of(kind); k != nil {
		return *k
	}
	return KindCounts{}
}

// Total returns the counts summed over all kinds.
func (c Counts) Total() KindCounts {
	var t KindCounts
	for _, k := range []KindCounts{c.Calls, c.Chats, c.Surveys, c.Orders} {
		t.Records += k.Records
		t.Duplicates += k.Duplicates
		t.Invalid += k.Invalid
	}
	return t
}

// String summarises the counts on one line, for logs and CLI output.
func (c Counts) String() string {
	t := c.Total()
	return fmt.Sprintf("%d records (calls %d, chats %d, surveys %d, orders %d), %d duplicates, %d invalid",
		t.Records, c.Calls.Records, c.Chats.Records, c.Surveys.Records, c.Orders.Records, t.Duplicates, t.Invalid)
}

func (c *Counts) of(kind event.Kind) *KindCounts {
	switch kind {
	case event.KindCall:
		return &c.Calls
	case event.KindChat:
		return &c.Chats
	case event.KindSurvey:
		return &c.Surveys
	case event.KindOrder:
		return &c.Orders
	}
	return nil
}

// WriteFiles generates g's traffic into dir (created if needed) as JSON lines, one message per
// line and one file per kind (calls.jsonl, chats.jsonl, surveys.jsonl, orders.jsonl, in emit
// order, duplicates and invalid messages included), plus agents.csv and targets.csv. Existing
// files of those names are replaced. It returns the counts of what was written.
func WriteFiles(ctx context.Context, g *Generator, dir string) (counts Counts, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return counts, err
	}
	if err := writeFile(filepath.Join(dir, AgentsFile), func(w *bufio.Writer) error {
		return WriteAgentsCSV(w, g.Agents())
	}); err != nil {
		return counts, err
	}
	if err := writeFile(filepath.Join(dir, TargetsFile), func(w *bufio.Writer) error {
		return WriteTargetsCSV(w, g.Targets())
	}); err != nil {
		return counts, err
	}

	type sink struct {
		f *os.File
		w *bufio.Writer
	}
	sinks := make(map[event.Kind]*sink, len(event.Kinds))
	defer func() {
		for _, k := range event.Kinds {
			if s := sinks[k]; s != nil {
				if cerr := s.f.Close(); cerr != nil && err == nil {
					err = cerr
				}
			}
		}
	}()
	for _, k := range event.Kinds {
		f, err := os.Create(filepath.Join(dir, FileName(k)))
		if err != nil {
			return counts, err
		}
		sinks[k] = &sink{f: f, w: bufio.NewWriterSize(f, 256<<10)}
	}
	err = g.Generate(ctx, func(r Record) error {
		s := sinks[r.Kind]
		if s == nil {
			return fmt.Errorf("traffic: record of unknown kind %q", r.Kind)
		}
		s.w.Write(r.Value)
		if err := s.w.WriteByte('\n'); err != nil {
			return err
		}
		counts.Add(r)
		return nil
	})
	if err != nil {
		return counts, err
	}
	for _, k := range event.Kinds {
		if err := sinks[k].w.Flush(); err != nil {
			return counts, err
		}
	}
	return counts, nil
}

func writeFile(path string, fill func(w *bufio.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	err = fill(w)
	if err == nil {
		err = w.Flush()
	}
	return errors.Join(err, f.Close())
}
