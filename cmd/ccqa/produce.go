package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ccqa/ccqa/event"
	"github.com/ccqa/ccqa/traffic"
)

// produce sends every record of g to Kafka, keyed by event id, in chunks so that the writer
// can batch per partition. It waits for the brokers to acknowledge each chunk.
func produce(ctx context.Context, brokers []string, topics map[event.Kind]string, g *traffic.Generator, progress func(n int)) (traffic.Counts, error) {
	w := &kafka.Writer{
		Addr:                   kafka.TCP(brokers...),
		Balancer:               &kafka.Hash{},
		RequiredAcks:           kafka.RequireAll,
		BatchSize:              2000,
		BatchBytes:             4 << 20,
		BatchTimeout:           20 * time.Millisecond,
		AllowAutoTopicCreation: true,
		Compression:            kafka.Lz4,
	}
	defer w.Close()
	var counts traffic.Counts
	sent := 0
	const chunk = 10000
	buf := make([]kafka.Message, 0, chunk)
	send := func() error {
		if len(buf) == 0 {
			return nil
		}
		if err := w.WriteMessages(ctx, buf...); err != nil {
			return fmt.Errorf("produce to %v: %w", brokers, err)
		}
		sent += len(buf)
		if progress != nil {
			progress(sent)
		}
		buf = buf[:0]
		return nil
	}
	err := g.Generate(ctx, func(r traffic.Record) error {
		topic := topics[r.Kind]
		if topic == "" {
			topic = event.DefaultTopic(r.Kind)
		}
		buf = append(buf, kafka.Message{Topic: topic, Key: r.Key, Value: r.Value})
		counts.Add(r)
		if len(buf) == chunk {
			return send()
		}
		return nil
	})
	if err != nil {
		return counts, err
	}
	return counts, send()
}

// progressBar draws "label [#####.....] 45% 1234/5678" on a terminal, redrawing in place, or
// prints a line every 10% elsewhere (logs, CI).
type progressBar struct {
	w         io.Writer
	label     string
	total     int
	tty       bool
	lastDecil int
	start     time.Time
}

func newProgressBar(w io.Writer, label string, total int) *progressBar {
	tty := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progressBar{w: w, label: label, total: total, tty: tty, lastDecil: -1, start: time.Now()}
}

func (p *progressBar) set(n int) {
	frac := 1.0
	if p.total > 0 {
		frac = min(float64(n)/float64(p.total), 1)
	}
	if p.tty {
		const width = 30
		filled := int(frac * width)
		fmt.Fprintf(p.w, "\r%-10s [%s%s] %3.0f%% %d/%d", p.label, strings.Repeat("#", filled), strings.Repeat(".", width-filled), frac*100, n, p.total)
		return
	}
	if d := int(frac * 10); d != p.lastDecil {
		p.lastDecil = d
		fmt.Fprintf(p.w, "%s: %3.0f%% (%d/%d)\n", p.label, frac*100, n, p.total)
	}
}

func (p *progressBar) done(n int) {
	p.set(n)
	if p.tty {
		fmt.Fprintf(p.w, "  %.1fs\n", time.Since(p.start).Seconds())
	}
}
