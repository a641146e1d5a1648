package scorecard

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ccqa/ccqa/warehouse"
)

//go:embed sql/*.sql
var sqlFiles embed.FS

func query(name string) string {
	b, err := sqlFiles.ReadFile("sql/" + name)
	if err != nil {
		panic("scorecard: missing embedded sql/" + name)
	}
	return string(b)
}

// Store keeps the scorecard's data in the warehouse: manager entries, rollup runs, approvals and
// the graded months. It is safe for concurrent use.
type Store struct {
	wh  *warehouse.Warehouse
	log *slog.Logger
}

// NewStore returns a store on a migrated warehouse; log may be nil.
func NewStore(wh *warehouse.Warehouse, log *slog.Logger) *Store {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Store{wh: wh, log: log}
}

func (s *Store) sql(name string, vars map[string]string) string {
	return s.wh.Expand(query(name), vars)
}

// AdjustmentInput is a manager entry as entered (CLI or API).
type AdjustmentInput struct {
	AgentID string
	Month   time.Time
	Item    string
	Points  Points
	Reason  string
	User    string
}

// Limits on free text, so that a pasted document cannot end up in every explanation.
const (
	maxReason = 500
	maxName   = 100
)

// Validate checks an entry against the policy and names the bad field: the item must be an
// adjustment item or a manual component of the policy, and the points within the item's bounds
// for one entry.
func (in AdjustmentInput) Validate(p *Policy) error {
	switch {
	case strings.TrimSpace(in.AgentID) == "":
		return &FieldError{"agent", "is required"}
	case utf8.RuneCountInString(in.AgentID) > maxName:
		return &FieldError{"agent", fmt.Sprintf("is longer than %d characters", maxName)}
	case in.Month.IsZero():
		return &FieldError{"month", "is required (YYYY-MM)"}
	case strings.TrimSpace(in.Reason) == "":
		return &FieldError{"reason", "is required: say why, the agent will read it"}
	case utf8.RuneCountInString(in.Reason) > maxReason:
		return &FieldError{"reason", fmt.Sprintf("is longer than %d characters", maxReason)}
	case strings.TrimSpace(in.User) == "":
		return &FieldError{"user", "is required: who enters this"}
	case utf8.RuneCountInString(in.User) > maxName:
		return &FieldError{"user", fmt.Sprintf("is longer than %d characters", maxName)}
	}
	lo, hi, _, ok := p.EntryRange(in.Item)
	if !ok {
		return &FieldError{"item", fmt.Sprintf("%q is not an item of policy %s; one of: %s", in.Item, p.Version(), strings.Join(p.Items(), ", "))}
	}
	if in.Points < lo || in.Points > hi {
		return &FieldError{"points", fmt.Sprintf("%s is outside %s to %s, the bounds of one %s entry", signed(in.Points), signed(lo), signed(hi), in.Item)}
	}
	if in.Points == 0 {
		return &FieldError{"points", "must not be 0"}
	}
	return nil
}

func newID(prefix string) string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("scorecard: no randomness: " + err.Error())
	}
	return prefix + hex.EncodeToString(b[:])
}

// AddAdjustment validates an entry against the policy and stores it.
func (s *Store) AddAdjustment(ctx context.Context, p *Policy, in AdjustmentInput, now time.Time) (Entry, error) {
	in.AgentID, in.Item, in.Reason, in.User = strings.TrimSpace(in.AgentID), strings.TrimSpace(in.Item), strings.TrimSpace(in.Reason), strings.TrimSpace(in.User)
	in.Month = monthStart(in.Month)
	if err := in.Validate(p); err != nil {
		return Entry{}, err
	}
	e := Entry{ID: newID("adj-"), AgentID: in.AgentID, Month: in.Month, Item: in.Item, Points: in.Points,
		Reason: in.Reason, User: in.User, At: now.UTC().Truncate(time.Second)}
	if err := s.insertEntry(ctx, e); err != nil {
		return Entry{}, err
	}
	s.log.Info("adjustment added", "id", e.ID, "agent", e.AgentID, "month", e.Month.Format("2006-01"), "item", e.Item, "points", e.Points.String(), "user", e.User)
	return e, nil
}

// ErrNotFound is returned for an id that does not exist.
var ErrNotFound = errors.New("not found")

// ReverseAdjustment cancels an entry with a new entry of the opposite points; the original stays.
// An entry can be reversed once, and a reversal cannot itself be reversed (enter a new entry).
func (s *Store) ReverseAdjustment(ctx context.Context, id, reason, user string, now time.Time) (Entry, error) {
	id, reason, user = strings.TrimSpace(id), strings.TrimSpace(reason), strings.TrimSpace(user)
	switch {
	case id == "":
		return Entry{}, &FieldError{"id", "is required"}
	case reason == "":
		return Entry{}, &FieldError{"reason", "is required: say why the entry is reversed"}
	case utf8.RuneCountInString(reason) > maxReason:
		return Entry{}, &FieldError{"reason", fmt.Sprintf("is longer than %d characters", maxReason)}
	case user == "":
		return Entry{}, &FieldError{"user", "is required: who reverses it"}
	}
	orig, reversedBy, err := s.Adjustment(ctx, id)
	if err != nil {
		return Entry{}, err
	}
	if orig.Reverses != "" {
		return Entry{}, &FieldError{"id", fmt.Sprintf("%s is itself a reversal (of %s); enter a new adjustment instead", id, orig.Reverses)}
	}
	if reversedBy != "" {
		return Entry{}, &FieldError{"id", fmt.Sprintf("%s was already reversed by %s", id, reversedBy)}
	}
	e := Entry{ID: newID("adj-"), AgentID: orig.AgentID, Month: orig.Month, Item: orig.Item, Points: -orig.Points,
		Reason: reason, User: user, At: now.UTC().Truncate(time.Second), Reverses: orig.ID}
	if err := s.insertEntry(ctx, e); err != nil {
		return Entry{}, err
	}
	s.log.Info("adjustment reversed", "id", e.ID, "reverses", orig.ID, "user", user)
	return e, nil
}

func (s *Store) insertEntry(ctx context.Context, e Entry) error {
	b, err := s.wh.Conn().PrepareBatch(ctx, s.wh.Expand("INSERT INTO ${db}.adjustments (id, agent_id, month, item, points_micro, reason, user, created_at, reverses)", nil))
	if err != nil {
		return fmt.Errorf("save adjustment: %w", err)
	}
	if err := b.Append(e.ID, e.AgentID, e.Month, e.Item, int64(e.Points), e.Reason, e.User, e.At, e.Reverses); err != nil {
		_ = b.Abort()
		return fmt.Errorf("save adjustment: %w", err)
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("save adjustment: %w", err)
	}
	return nil
}

// Adjustment returns one entry by id and the id of the entry that reversed it ("" if none).
// The error is a *FieldError for the id when there is no such entry.
func (s *Store) Adjustment(ctx context.Context, id string) (Entry, string, error) {
	rows, err := s.wh.Conn().Query(ctx, s.sql("adjustment.sql", nil), id, id)
	if err != nil {
		return Entry{}, "", fmt.Errorf("read adjustment %s: %w", id, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return Entry{}, "", err
		}
		return Entry{}, "", &FieldError{"id", fmt.Sprintf("no adjustment %q: %v", id, ErrNotFound)}
	}
	var e Entry
	var micro int64
	var reversedBy string
	if err := rows.Scan(&e.ID, &e.AgentID, &e.Month, &e.Item, &micro, &e.Reason, &e.User, &e.At, &e.Reverses, &reversedBy); err != nil {
		return Entry{}, "", fmt.Errorf("read adjustment %s: %w", id, err)
	}
	e.Points = Points(micro)
	e.Month = monthStart(e.Month)
	return e, reversedBy, nil
}

// Adjustments lists a month's entries, reversals included, oldest first per agent; agent ""
// lists every agent's.
func (s *Store) Adjustments(ctx context.Context, month time.Time, agent string) ([]Entry, error) {
	rows, err := s.wh.Conn().Query(ctx, s.sql("adjustments.sql", nil), monthStart(month).Format("2006-01-02"), agent, agent)
	if err != nil {
		return nil, fmt.Errorf("read adjustments: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var micro int64
		if err := rows.Scan(&e.ID, &e.AgentID, &e.Month, &e.Item, &micro, &e.Reason, &e.User, &e.At, &e.Reverses); err != nil {
			return nil, fmt.Errorf("read adjustments: %w", err)
		}
		e.Points = Points(micro)
		e.Month = monthStart(e.Month)
		out = append(out, e)
	}
	return out, rows.Err()
}

// tableExists reports whether the ccqa database has a table or view of that name.
func (s *Store) tableExists(ctx context.Context, name string) (bool, error) {
	var n uint64
	if err := s.wh.Conn().QueryRow(ctx, query("table_exists.sql"), s.wh.Database(), name).Scan(&n); err != nil {
		return false, fmt.Errorf("look up table %s: %w", name, err)
	}
	return n > 0, nil
}

// columns returns the column names of a table or view in the ccqa database.
func (s *Store) columns(ctx context.Context, table string) (map[string]bool, error) {
	rows, err := s.wh.Conn().Query(ctx, query("columns.sql"), s.wh.Database(), table)
	if err != nil {
		return nil, fmt.Errorf("columns of %s: %w", table, err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out[n] = true
	}
	return out, rows.Err()
}
