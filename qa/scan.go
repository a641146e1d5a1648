package qa

import (
	"context"
	"fmt"
	"time"
)

// ScanResult says what a scan of a month did.
type ScanResult struct {
	Chats    int // chats of the month
	Scanned  int // chats scanned now (new, changed, or scanned with another rubric before)
	Findings int // findings made by this run
}

// scanBatch is how many chats are written per INSERT.
const scanBatch = 5000

// Scan runs auto-QA over every chat of the month with the rubric's phrases and patterns and
// stores a scan row per chat and a row per finding. It is idempotent: a chat whose messages and
// rubric are unchanged since its last scan is skipped, and a rescan of the same chat writes the
// same keys, which collapse. Findings are written before the scan rows that point at them, so a
// run stopped half-way leaves no scan without its findings; the next run redoes those chats.
func (s *Store) Scan(ctx context.Context, month time.Time, r *Rubric) (ScanResult, error) {
	var res ScanResult
	if err := s.SaveRubric(ctx, r); err != nil {
		return res, err
	}
	m := dateParam(month)
	keys := map[string]string{}
	rows, err := s.wh.Conn().Query(ctx, s.query("scan_keys"), m)
	if err != nil {
		return res, fmt.Errorf("scan keys: %w", err)
	}
	for rows.Next() {
		var id, key string
		if err := rows.Scan(&id, &key); err != nil {
			rows.Close()
			return res, err
		}
		keys[id] = key
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return res, err
	}
	det := NewDetector(r)
	type scanRow struct {
		id, key, agent string
		start          time.Time
		findings       []Finding
	}
	var pending []scanRow
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		now := s.now()
		version := uint64(now.UnixNano())
		fb, err := s.wh.Conn().PrepareBatch(ctx, s.query("finding_insert"))
		if err != nil {
			return fmt.Errorf("store findings: %w", err)
		}
		n := 0
		for _, p := range pending {
			for _, f := range p.findings {
				if err := fb.Append(p.id, p.key, f.ID, f.ItemID, f.Kind, f.Pattern, f.Match, uint32(f.MsgIndex), f.At.UTC(), f.Text, p.agent, version); err != nil {
					_ = fb.Abort()
					return fmt.Errorf("store findings: %w", err)
				}
				n++
			}
		}
		if n > 0 {
			if err := fb.Send(); err != nil {
				return fmt.Errorf("store findings: %w", err)
			}
		} else {
			_ = fb.Abort()
		}
		sb, err := s.wh.Conn().PrepareBatch(ctx, s.query("scan_insert"))
		if err != nil {
			return fmt.Errorf("store scans: %w", err)
		}
		for _, p := range pending {
			if err := sb.Append(p.id, p.key, r.Version, p.agent, p.start.UTC(), uint32(len(p.findings)), now.UTC(), version); err != nil {
				_ = sb.Abort()
				return fmt.Errorf("store scans: %w", err)
			}
		}
		if err := sb.Send(); err != nil {
			return fmt.Errorf("store scans: %w", err)
		}
		pending = pending[:0]
		return nil
	}
	rows, err = s.wh.Conn().Query(ctx, s.query("scan_chats"), m)
	if err != nil {
		return res, fmt.Errorf("scan chats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, agent string
		var start time.Time
		var at []time.Time
		var from, text []string
		if err := rows.Scan(&id, &agent, &start, &at, &from, &text); err != nil {
			return res, fmt.Errorf("scan chats: %w", err)
		}
		res.Chats++
		msgs := messagesOf(at, from, text)
		key := ScanKey(r.Version, msgs)
		if keys[id] == key {
			continue
		}
		fs := det.Detect(id, msgs)
		res.Scanned++
		res.Findings += len(fs)
		pending = append(pending, scanRow{id: id, key: key, agent: agent, start: start, findings: fs})
		if len(pending) >= scanBatch {
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("scan chats: %w", err)
	}
	if err := flush(); err != nil {
		return res, err
	}
	s.log.Info("auto-QA scan", "month", m, "chats", res.Chats, "scanned", res.Scanned, "findings", res.Findings, "rubric", r.Version)
	return res, nil
}

// AgentFindingRate is one agent's auto-QA figures for a month (view qa_autoqa_agent_month).
type AgentFindingRate struct {
	AgentID           string   `json:"agent_id"`
	AgentName         string   `json:"agent_name"`
	ChatsScanned      uint64   `json:"chats_scanned"`
	ChatsWithFindings uint64   `json:"chats_with_findings"`
	Findings          uint64   `json:"findings"`
	FindingRate       *float64 `json:"finding_rate"`
}

// FindingRates returns every agent's auto-QA finding rate for the month.
func (s *Store) FindingRates(ctx context.Context, month time.Time) ([]AgentFindingRate, error) {
	rows, err := s.wh.Conn().Query(ctx, s.query("autoqa_month"), dateParam(month))
	if err != nil {
		return nil, fmt.Errorf("finding rates: %w", err)
	}
	defer rows.Close()
	var out []AgentFindingRate
	for rows.Next() {
		var a AgentFindingRate
		if err := rows.Scan(&a.AgentID, &a.AgentName, &a.ChatsScanned, &a.ChatsWithFindings, &a.Findings, &a.FindingRate); err != nil {
			return nil, fmt.Errorf("finding rates: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
