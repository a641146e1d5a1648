package qa

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Message is one chat message as stored: when, who ("customer", "agent" or "system") and the
// text (empty when withheld). Index is its position in the stored event, which identifies it.
type Message struct {
	Index int       `json:"index"`
	At    time.Time `json:"at"`
	From  string    `json:"from"`
	Text  string    `json:"text"`
}

// SortMessages puts a transcript in time order; messages at the same second keep the order
// the platform sent them in.
func SortMessages(ms []Message) {
	sort.SliceStable(ms, func(i, j int) bool {
		if !ms[i].At.Equal(ms[j].At) {
			return ms[i].At.Before(ms[j].At)
		}
		return ms[i].Index < ms[j].Index
	})
}

// Finding kinds: which list of the rubric the matched item is on.
const (
	KindDeduction = "deduction"
	KindCritical  = "critical"
)

// Finding is one auto-QA hit: an agent message that contains a phrase or matches a pattern
// the rubric lists for a deduction or critical item.
type Finding struct {
	// ID is stable for the same contact, item, message and pattern, so a rescan finds the same
	// findings and a reviewer's decision keeps pointing at the right one.
	ID        string    `json:"id"`
	ContactID string    `json:"contact_id"`
	ItemID    string    `json:"item_id"`
	Kind      string    `json:"kind"`
	Pattern   string    `json:"pattern"`
	Match     string    `json:"match"`
	MsgIndex  int       `json:"msg_index"`
	At        time.Time `json:"at"`
	Text      string    `json:"text"`
}

type matcher struct {
	item, kind, pattern string
	phrase              string         // lower-cased literal, when a phrase
	re                  *regexp.Regexp // when a pattern
}

// Detector finds a rubric's phrases and patterns in agent messages. It is safe for concurrent
// use.
type Detector struct {
	rubricVersion string
	matchers      []matcher
}

// NewDetector compiles the phrases and patterns of the rubric's deduction and critical items.
// The rubric was validated, so every pattern compiles.
func NewDetector(r *Rubric) *Detector {
	d := &Detector{rubricVersion: r.Version}
	add := func(item, kind string, phrases, patterns []string) {
		for _, p := range phrases {
			d.matchers = append(d.matchers, matcher{item: item, kind: kind, pattern: p, phrase: strings.ToLower(p)})
		}
		for _, p := range patterns {
			d.matchers = append(d.matchers, matcher{item: item, kind: kind, pattern: p, re: regexp.MustCompile(p)})
		}
	}
	for _, x := range r.Deductions {
		add(x.ID, KindDeduction, x.Phrases, x.Patterns)
	}
	for _, x := range r.Criticals {
		add(x.ID, KindCritical, x.Phrases, x.Patterns)
	}
	return d
}

// Detect returns the findings in a chat's agent messages, in transcript order; customer and
// system messages are never flagged. One message matching one pattern is one finding, however
// often the phrase occurs in it. Phrases match case-insensitively.
func (d *Detector) Detect(contactID string, msgs []Message) []Finding {
	var out []Finding
	for _, m := range msgs {
		if m.From != "agent" || m.Text == "" {
			continue
		}
		lower := strings.ToLower(m.Text)
		for _, mt := range d.matchers {
			var match string
			if mt.re != nil {
				// Patterns never match the empty string (Rubric.Validate), so "" is no match.
				if match = mt.re.FindString(m.Text); match == "" {
					continue
				}
			} else {
				if !strings.Contains(lower, mt.phrase) {
					continue
				}
				match = mt.pattern
			}
			out = append(out, Finding{
				ID:        findingID(contactID, mt.item, mt.pattern, m.Index),
				ContactID: contactID,
				ItemID:    mt.item,
				Kind:      mt.kind,
				Pattern:   mt.pattern,
				Match:     strings.TrimSpace(match),
				MsgIndex:  m.Index,
				At:        m.At,
				Text:      m.Text,
			})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.Before(out[j].At)
		}
		return out[i].MsgIndex < out[j].MsgIndex
	})
	return out
}

func findingID(contact, item, pattern string, msg int) string {
	h := sha256.New()
	for _, s := range []string{contact, item, pattern} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(msg))
	h.Write(b[:])
	return "f" + hex.EncodeToString(h.Sum(nil))[:15]
}

// ScanKey identifies what a scan of a chat looked at: the rubric version and the messages.
// A chat whose key is unchanged since its last scan needs no rescan; a changed chat or rubric
// gets a new scan whose findings replace the old ones.
func ScanKey(rubricVersion string, msgs []Message) string {
	h := sha256.New()
	for _, m := range msgs {
		var b [16]byte
		binary.BigEndian.PutUint64(b[:8], uint64(m.Index))
		binary.BigEndian.PutUint64(b[8:], uint64(m.At.Unix()))
		h.Write(b[:])
		h.Write([]byte(m.From))
		h.Write([]byte{0})
		h.Write([]byte(m.Text))
		h.Write([]byte{0})
	}
	return rubricVersion + ":" + hex.EncodeToString(h.Sum(nil))[:16]
}
