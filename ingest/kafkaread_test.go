package ingest

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/compress"

	"github.com/ccqa/ccqa/internal/itest"
)

// TestKafkaGoLinkname fails when go.mod names a kafka-go release other than the one msgReader's
// go:linkname declarations were checked against: the linker only checks that the private
// symbols exist, so a changed signature would build and then misbehave. Re-read
// Batch.readMessage, readNewBytes and errShortRead of the new release, then move
// kafkaGoVersion.
func TestKafkaGoLinkname(t *testing.T) {
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*github\.com/segmentio/kafka-go (\S+)`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod does not require github.com/segmentio/kafka-go")
	}
	if got := string(m[1]); got != kafkaGoVersion {
		t.Fatalf("go.mod requires kafka-go %s, msgReader was checked against %s: check the go:linkname targets in kafkaread.go, then update kafkaGoVersion", got, kafkaGoVersion)
	}
	if errShortRead == nil || errShortRead.Error() != "not enough bytes available to load the response" {
		t.Fatalf("errShortRead is not kafka-go's: %v", errShortRead)
	}
}

// readerMsg is what a test compares of a message read back.
type readerMsg struct {
	offset     int64
	key, value []byte
}

// TestMsgReader reads a real broker's partitions with msgReader and checks every message against
// what was produced (an independent record, not kafka-go's reader): offsets, keys (null, empty
// and set) and values (empty to 100 KB), in order and each once, whatever the fetch size — fetches
// smaller than a message, cut mid-message by the broker's size limit, and starting in the middle
// of a record batch — with and without compression. It also checks that a fetch gives the same
// messages as kafka-go's ReadMessage.
func TestMsgReader(t *testing.T) {
	brokers := itest.KafkaBrokers(t)
	rnd := rand.New(rand.NewPCG(7, 11))
	var produced []kafka.Message
	for i := range 400 {
		var key []byte
		switch i % 3 {
		case 1:
			key = []byte{}
		case 2:
			key = fmt.Appendf(nil, "key-%d", i)
		}
		n := rnd.IntN(2000)
		if i%50 == 7 {
			n = 20000
		}
		if i%41 == 0 {
			n = 0
		}
		if i%97 == 5 {
			n = 100000 // past keepReadBuffer: the buffer is let go after it
		}
		val := make([]byte, n)
		for j := range val {
			val[j] = byte('a' + rnd.IntN(26))
		}
		produced = append(produced, kafka.Message{Key: key, Value: val})
	}
	for _, codec := range []compress.Compression{0, kafka.Lz4} {
		t.Run(fmt.Sprintf("compression=%v", codec), func(t *testing.T) {
			topic := itest.Unique("msgreader")
			if err := EnsureTopics(context.Background(), brokers, []string{topic}, 1, nil); err != nil {
				t.Fatal(err)
			}
			w := &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: topic, RequiredAcks: kafka.RequireAll,
				Compression: codec, BatchSize: 37, BatchTimeout: time.Millisecond}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			// Several produce calls, so that the log holds record batches of different sizes.
			for lo := 0; lo < len(produced); lo += 90 {
				if err := w.WriteMessages(ctx, produced[lo:min(lo+90, len(produced))]...); err != nil {
					t.Fatal(err)
				}
			}
			w.Close()
			want := make([]readerMsg, len(produced))
			for i, m := range produced {
				want[i] = readerMsg{int64(i), m.Key, m.Value}
			}
			for _, fetch := range []int{1 << 10, 5000, 64 << 10, 4 << 20} {
				for _, from := range []int64{0, 13, 250} {
					got := readAll(t, brokers[0], topic, from, fetch)
					if err := sameMsgs(got, want[from:]); err != nil {
						t.Errorf("fetch %d bytes from %d: %v", fetch, from, err)
					}
				}
			}
			// One fetch, both ways.
			for _, from := range []int64{0, 13, 250} {
				ours := fetchOnce(t, brokers[0], topic, from, 64<<10, func(kb *kafka.Batch) ([]readerMsg, error) {
					var out []readerMsg
					r, m := newMsgReader(), kafka.Message{}
					for {
						if err := r.next(kb, from, &m); err != nil {
							return out, err
						}
						out = append(out, readerMsg{m.Offset, bytes.Clone(m.Key), bytes.Clone(m.Value)})
					}
				})
				theirs := fetchOnce(t, brokers[0], topic, from, 64<<10, func(kb *kafka.Batch) ([]readerMsg, error) {
					var out []readerMsg
					for {
						m, err := kb.ReadMessage()
						if err != nil {
							return out, err
						}
						out = append(out, readerMsg{m.Offset, m.Key, m.Value})
					}
				})
				if len(ours) == 0 {
					t.Fatalf("from %d: a 64 KiB fetch read nothing", from)
				}
				if err := sameMsgs(ours, theirs); err != nil {
					t.Errorf("from %d: msgReader against ReadMessage: %v", from, err)
				}
			}
		})
	}
}

// readAll reads the partition from offset from to its end in fetches of at most fetch bytes.
func readAll(t *testing.T, broker, topic string, from int64, fetch int) []readerMsg {
	t.Helper()
	conn, err := kafka.DialLeader(context.Background(), "tcp", broker, topic, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, end, err := conn.ReadOffsets()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Seek(from, kafka.SeekAbsolute); err != nil {
		t.Fatal(err)
	}
	r, m := newMsgReader(), kafka.Message{}
	var out []readerMsg
	next := from
	for fetches := 0; next < end; fetches++ {
		if fetches > 10000 {
			t.Fatalf("no progress at offset %d with %d-byte fetches", next, fetch)
		}
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		kb := conn.ReadBatchWith(kafka.ReadBatchConfig{MinBytes: 1, MaxBytes: fetch, MaxWait: time.Second})
		for {
			if err := r.next(kb, next, &m); err != nil {
				break
			}
			out = append(out, readerMsg{m.Offset, bytes.Clone(m.Key), bytes.Clone(m.Value)})
			next = m.Offset + 1
		}
		if err := kb.Close(); err != nil {
			t.Fatalf("fetch at %d (%d bytes): %v", next, fetch, err)
		}
	}
	return out
}

// fetchOnce runs one fetch from offset from and reads it with read, which returns the messages
// and the error that ended it (io.EOF at the end of the fetch, as kafka-go's readers do).
func fetchOnce(t *testing.T, broker, topic string, from int64, fetch int, read func(*kafka.Batch) ([]readerMsg, error)) []readerMsg {
	t.Helper()
	conn, err := kafka.DialLeader(context.Background(), "tcp", broker, topic, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Seek(from, kafka.SeekAbsolute); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	kb := conn.ReadBatchWith(kafka.ReadBatchConfig{MinBytes: 1, MaxBytes: fetch, MaxWait: time.Second})
	msgs, _ := read(kb)
	if err := kb.Close(); err != nil {
		t.Fatalf("fetch at %d: %v", from, err)
	}
	return msgs
}

// sameMsgs compares messages read with the expected ones; a nil and an empty key or value are
// the same (kafka-go reads both as nil).
func sameMsgs(got, want []readerMsg) error {
	if len(got) != len(want) {
		return fmt.Errorf("read %d messages, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.offset != w.offset || !bytes.Equal(g.key, w.key) || !bytes.Equal(g.value, w.value) {
			return fmt.Errorf("message %d: offset %d key %q value %d bytes, want offset %d key %q value %d bytes",
				i, g.offset, g.key, len(g.value), w.offset, w.key, len(w.value))
		}
	}
	return nil
}
