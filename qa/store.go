package qa

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ccqa/ccqa/warehouse"
)

//go:embed sql/*.sql
var sqlFiles embed.FS

// Store reads and writes the QA tables of the warehouse (warehouse/migrations/0020_qa.sql and
// the views of warehouse/views/20_qa.sql). It is safe for concurrent use.
type Store struct {
	wh  *warehouse.Warehouse
	log *slog.Logger
	tz  string
	loc *time.Location
	now func() time.Time

	// writeMu serialises writes of a new review version within this process, so two requests
	// editing the same review cannot both take the same version number. Across processes the
	// table keeps both rows and the later write is current (see qa_reviews_current).
	writeMu sync.Mutex

	rubricsMu sync.Mutex
	rubrics   map[string]*Rubric
}

// NewStore returns a store over a migrated warehouse. It reads the business time zone the
// views were built with, so its own queries bucket days and months the same way.
func NewStore(ctx context.Context, wh *warehouse.Warehouse, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	loc, err := wh.TimeZone(ctx)
	if err != nil {
		return nil, err
	}
	return &Store{wh: wh, log: log, tz: loc.String(), loc: loc, now: time.Now, rubrics: map[string]*Rubric{}}, nil
}

// Location is the business time zone.
func (s *Store) Location() *time.Location { return s.loc }

// query returns the embedded statement sql/NAME.sql with ${db} and ${tz} filled in.
func (s *Store) query(name string) string {
	b, err := sqlFiles.ReadFile("sql/" + name + ".sql")
	if err != nil {
		panic("qa: missing embedded query " + name)
	}
	return s.wh.Expand(string(b), map[string]string{"tz": s.tz})
}

func dateParam(t time.Time) string { return t.Format("2006-01-02") }

func newID(prefix string) string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return prefix + hex.EncodeToString(b[:])
}

// SaveRubric records a rubric by its version so reviews scored with it can be shown later.
// Saving the same version again is harmless.
func (s *Store) SaveRubric(ctx context.Context, r *Rubric) error {
	b, err := s.wh.Conn().PrepareBatch(ctx, s.query("rubric_insert"))
	if err != nil {
		return fmt.Errorf("save rubric %s: %w", r.Version, err)
	}
	if err := b.Append(r.Version, r.ID, r.Source, s.now().UTC()); err != nil {
		_ = b.Abort()
		return fmt.Errorf("save rubric %s: %w", r.Version, err)
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("save rubric %s: %w", r.Version, err)
	}
	s.rubricsMu.Lock()
	s.rubrics[r.Version] = r
	s.rubricsMu.Unlock()
	return nil
}

// Rubric returns a stored rubric by version.
func (s *Store) Rubric(ctx context.Context, version string) (*Rubric, error) {
	s.rubricsMu.Lock()
	r := s.rubrics[version]
	s.rubricsMu.Unlock()
	if r != nil {
		return r, nil
	}
	var content string
	if err := s.wh.Conn().QueryRow(ctx, s.query("rubric_get"), version).Scan(&content); err != nil {
		return nil, fmt.Errorf("rubric %s: %w", version, err)
	}
	r, err := ParseRubric([]byte(content))
	if err != nil {
		return nil, fmt.Errorf("stored rubric %s: %w", version, err)
	}
	s.rubricsMu.Lock()
	s.rubrics[version] = r
	s.rubricsMu.Unlock()
	return r, nil
}

// SampleInput is what sampling needs from the warehouse for a month.
type SampleInput struct {
	Candidates []Candidate
	Existing   []Sampled
	Reviewed   map[string]bool
}

// LoadSampleInput reads the month's handled contacts with their flags, the month's existing
// sample and the contacts already reviewed.
func (s *Store) LoadSampleInput(ctx context.Context, month time.Time) (SampleInput, error) {
	in := SampleInput{Reviewed: map[string]bool{}}
	m := dateParam(month)
	rows, err := s.wh.Conn().Query(ctx, s.query("sample_candidates"), m, m)
	if err != nil {
		return in, fmt.Errorf("sample candidates: %w", err)
	}
	for rows.Next() {
		var c Candidate
		var complaint, low, find uint8
		if err := rows.Scan(&c.ContactID, &c.Channel, &c.AgentID, &c.Start, &c.Day, &complaint, &low, &find); err != nil {
			rows.Close()
			return in, fmt.Errorf("sample candidates: %w", err)
		}
		c.Complaint, c.LowSurvey, c.Findings = complaint == 1, low == 1, find == 1
		in.Candidates = append(in.Candidates, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return in, fmt.Errorf("sample candidates: %w", err)
	}
	if in.Existing, err = s.sampleRows(ctx, s.query("sample_existing"), m); err != nil {
		return in, err
	}
	rows, err = s.wh.Conn().Query(ctx, s.query("reviewed_contacts"), m)
	if err != nil {
		return in, fmt.Errorf("reviewed contacts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return in, err
		}
		in.Reviewed[id] = true
	}
	return in, rows.Err()
}

func (s *Store) sampleRows(ctx context.Context, q string, args ...any) ([]Sampled, error) {
	rows, err := s.wh.Conn().Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sample: %w", err)
	}
	defer rows.Close()
	var out []Sampled
	for rows.Next() {
		var e Sampled
		var double uint8
		if err := rows.Scan(&e.ContactID, &e.Channel, &e.AgentID, &e.Start, &e.Day, &e.Reasons, &e.Reviewers, &double); err != nil {
			return nil, fmt.Errorf("sample: %w", err)
		}
		e.Double = double == 1
		out = append(out, e)
	}
	return out, rows.Err()
}

// MonthSample returns the month's stored sample.
func (s *Store) MonthSample(ctx context.Context, month time.Time) ([]Sampled, error) {
	return s.sampleRows(ctx, s.query("sample_existing"), dateParam(month))
}

// SampleRun describes a sampling run, recorded on every row it writes.
type SampleRun struct {
	Month time.Time
	Seed  int64
	By    string
}

// SaveSample writes new picks in one INSERT (one block, so all or none land) and returns the
// run id.
func (s *Store) SaveSample(ctx context.Context, run SampleRun, picks []Sampled) (string, error) {
	id := newID("run_")
	if len(picks) == 0 {
		return id, nil
	}
	now := s.now()
	b, err := s.wh.Conn().PrepareBatch(ctx, s.query("sample_insert"))
	if err != nil {
		return "", fmt.Errorf("save sample: %w", err)
	}
	for _, p := range picks {
		var double uint8
		if p.Double {
			double = 1
		}
		if err := b.Append(p.ContactID, run.Month, p.Channel, p.AgentID, p.Start.UTC(), p.Reasons, p.Reviewers,
			double, run.Seed, id, run.By, now.UTC(), uint64(now.UnixNano())); err != nil {
			_ = b.Abort()
			return "", fmt.Errorf("save sample: %w", err)
		}
	}
	if err := b.Send(); err != nil {
		return "", fmt.Errorf("save sample: %w", err)
	}
	return id, nil
}
