package dashboards

import (
	"context"
	"embed"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/ccqa/ccqa/metrics"
	"github.com/ccqa/ccqa/qa"
	"github.com/ccqa/ccqa/warehouse"
)

//go:embed sql/*.sql
var sqlFiles embed.FS

// source reads what the pages show from ClickHouse: the metrics through metrics.Rows (one
// definition of every SPEC §5 metric), the rest with the embedded queries of sql/.
type source struct {
	wh  *warehouse.Warehouse
	loc *time.Location
	qa  *qa.Store
	// memo, when set, keeps metric rows by query for the life of the source: an export renders
	// the same team in two languages and once per heat-map metric from the same rows.
	memo *rowMemo
	// teams keeps team-level rows (the team means of the agent page) for teamTTL: every agent
	// page of a team shows the same team series, and a team's 12 months take seconds to compute.
	teams   *rowMemo
	teamTTL time.Duration
	// buildMu makes the month builds of concurrent pages happen one at a time (see ensureBuilt).
	buildMu sync.Mutex
}

// rowMemo is a cache of metric rows by query.
type rowMemo struct {
	mu   sync.Mutex
	rows map[metrics.Query][]metrics.Row
	at   map[metrics.Query]time.Time
}

func newRowMemo() *rowMemo {
	return &rowMemo{rows: map[metrics.Query][]metrics.Row{}, at: map[metrics.Query]time.Time{}}
}

// ensureBuilt brings the metrics month builds of [from, to) up to date before a page runs its
// metric queries side by side. Without it, each parallel metrics.Rows would find the same stale
// month and rebuild it at once; on ClickHouse 18.16 a month swap (ALTER TABLE ... DROP/REPLACE
// PARTITION) racing a query that reads contact_metrics twice was seen to deadlock both (see the
// README, Dashboards). After this, the queries' own checks find nothing to build unless data
// arrived in between.
func (s *source) ensureBuilt(ctx context.Context, from, to time.Time) error {
	s.buildMu.Lock()
	defer s.buildMu.Unlock()
	_, err := metrics.EnsureBuilt(ctx, s.wh, s.loc, from, to)
	return err
}

// query returns the embedded statement sql/NAME.sql with ${db}, ${tz} and vars filled in.
func (s *source) query(name string, vars map[string]string) string {
	b, err := sqlFiles.ReadFile("sql/" + name + ".sql")
	if err != nil {
		panic("dashboards: missing embedded query " + name)
	}
	all := map[string]string{"tz": s.loc.String()}
	for k, v := range vars {
		all[k] = v
	}
	return s.wh.Expand(string(b), all)
}

// agentInfo is one agent of the reference data.
type agentInfo struct {
	ID, Name, Team, Level string
}

// roster is every agent, by id and by team.
type roster struct {
	byID   map[string]*agentInfo
	byTeam map[string][]*agentInfo
	teams  []string
}

func (s *source) roster(ctx context.Context) (*roster, error) {
	rows, err := s.wh.Conn().Query(ctx, s.query("agents", nil))
	if err != nil {
		return nil, fmt.Errorf("dashboards: agents: %w", err)
	}
	defer rows.Close()
	r := &roster{byID: map[string]*agentInfo{}, byTeam: map[string][]*agentInfo{}}
	for rows.Next() {
		a := &agentInfo{}
		if err := rows.Scan(&a.ID, &a.Name, &a.Team, &a.Level); err != nil {
			return nil, fmt.Errorf("dashboards: agents: %w", err)
		}
		r.byID[a.ID] = a
		if _, ok := r.byTeam[a.Team]; !ok {
			r.teams = append(r.teams, a.Team)
		}
		r.byTeam[a.Team] = append(r.byTeam[a.Team], a)
	}
	sort.Strings(r.teams)
	return r, rows.Err()
}

// gradeRow is one row of the payroll view (SPEC §7.5).
type gradeRow struct {
	AgentID, AgentName, Team string
	Month                    time.Time
	TotalScore               float64
	Score                    uint32
	Grade, GradeEn           string
	PayFactor                float64
	RankInTeam, TeamSize     uint32
	Approved                 uint8
	Revision                 uint32
}

// hasTable reports whether the database has the table or view.
func (s *source) hasTable(ctx context.Context, name string) (bool, error) {
	var n uint64
	if err := s.wh.Conn().QueryRow(ctx, s.query("table_exists", nil), s.wh.Database(), name).Scan(&n); err != nil {
		return false, fmt.Errorf("dashboards: look for %s: %w", name, err)
	}
	return n > 0, nil
}

// grades runs one of the grade queries; ok is false when the payroll view does not exist yet
// (the grades issue adds it), so pages can say "no data yet".
func (s *source) grades(ctx context.Context, name string, args ...any) (out []gradeRow, ok bool, err error) {
	if ok, err = s.hasTable(ctx, "payroll_monthly_grades"); err != nil || !ok {
		return nil, ok, err
	}
	rows, err := s.wh.Conn().Query(ctx, s.query(name, nil), args...)
	if err != nil {
		return nil, true, fmt.Errorf("dashboards: grades: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var g gradeRow
		if err := rows.Scan(&g.AgentID, &g.AgentName, &g.Team, &g.Month, &g.TotalScore, &g.Score, &g.Grade, &g.GradeEn,
			&g.PayFactor, &g.RankInTeam, &g.TeamSize, &g.Approved, &g.Revision); err != nil {
			return nil, true, fmt.Errorf("dashboards: grades: %w", err)
		}
		out = append(out, g)
	}
	return out, true, rows.Err()
}

// reviewRow is one current QA review in the agent page's list.
type reviewRow struct {
	ContactID, Reviewer string
	Version             uint32
	Total               float64
	Critical            uint8
	Channel             string
	ContactStart        time.Time
	WrittenAt           time.Time
	Comment             string
}

func (s *source) agentReviews(ctx context.Context, agentID string, before time.Time) ([]reviewRow, error) {
	rows, err := s.wh.Conn().Query(ctx, s.query("reviews_agent", nil), agentID, before.UTC().Format(time.DateTime))
	if err != nil {
		return nil, fmt.Errorf("dashboards: QA reviews: %w", err)
	}
	defer rows.Close()
	var out []reviewRow
	for rows.Next() {
		var r reviewRow
		if err := rows.Scan(&r.ContactID, &r.Reviewer, &r.Version, &r.Total, &r.Critical, &r.Channel, &r.ContactStart, &r.WrittenAt, &r.Comment); err != nil {
			return nil, fmt.Errorf("dashboards: QA reviews: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// sectionMean is the mean points of one rubric section and how many section scores it is over.
type sectionMean struct {
	Mean float64
	N    uint64
}

func (s *source) sectionMeans(ctx context.Context, name string, args ...any) (map[string]sectionMean, error) {
	rows, err := s.wh.Conn().Query(ctx, s.query(name, nil), args...)
	if err != nil {
		return nil, fmt.Errorf("dashboards: QA sections: %w", err)
	}
	defer rows.Close()
	out := map[string]sectionMean{}
	for rows.Next() {
		var id string
		var m sectionMean
		if err := rows.Scan(&id, &m.Mean, &m.N); err != nil {
			return nil, fmt.Errorf("dashboards: QA sections: %w", err)
		}
		out[id] = m
	}
	return out, rows.Err()
}

// ingestBucket is one time bucket of the ingest health page.
type ingestBucket struct {
	Start time.Time
	// Rows is rows stored per raw table; LagMean and LagMax are over all tables' rows (nil
	// without rows).
	Rows    map[string]uint64
	LagMean *float64
	LagMax  *int64
	// Errors is dead letters per error code.
	Errors map[string]uint64
}

// ingestHealth returns one bucket per minute (step = time.Minute) or hour from from to to, empty
// buckets included (from must start a minute or hour in the business time zone): no row stored is a true zero, and its lag is unknown (nil).
func (s *source) ingestHealth(ctx context.Context, from, to time.Time, step time.Duration) ([]*ingestBucket, error) {
	fn := "toStartOfHour"
	if step == time.Minute {
		fn = "toStartOfMinute"
	}
	f, t := from.UTC().Format(time.DateTime), to.UTC().Format(time.DateTime)
	var buckets []*ingestBucket
	index := map[int64]*ingestBucket{}
	for at := from; at.Before(to); at = at.Add(step) {
		b := &ingestBucket{Start: at, Rows: map[string]uint64{}, Errors: map[string]uint64{}}
		buckets = append(buckets, b)
		index[at.Unix()] = b
	}
	// ClickHouse returns each bucket's start in the business zone, as from is aligned.
	bucketOf := func(at time.Time) *ingestBucket { return index[at.Unix()] }
	rows, err := s.wh.Conn().Query(ctx, s.query("ingest_rows", map[string]string{"bucket": fn}), f, t, f, t, f, t, f, t)
	if err != nil {
		return nil, fmt.Errorf("dashboards: ingest rows: %w", err)
	}
	type lagSum struct {
		sum float64
		n   uint64
	}
	sums := map[*ingestBucket]*lagSum{}
	for rows.Next() {
		var at time.Time
		var kind string
		var n uint64
		var mean float64
		var max int64
		if err := rows.Scan(&at, &kind, &n, &mean, &max); err != nil {
			rows.Close()
			return nil, fmt.Errorf("dashboards: ingest rows: %w", err)
		}
		b := bucketOf(at)
		if b == nil {
			continue
		}
		b.Rows[kind] += n
		ls := sums[b]
		if ls == nil {
			ls = &lagSum{}
			sums[b] = ls
		}
		ls.sum += mean * float64(n)
		ls.n += n
		if b.LagMax == nil || max > *b.LagMax {
			m := max
			b.LagMax = &m
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("dashboards: ingest rows: %w", err)
	}
	for b, ls := range sums {
		if ls.n > 0 {
			m := ls.sum / float64(ls.n)
			b.LagMean = &m
		}
	}
	erows, err := s.wh.Conn().Query(ctx, s.query("ingest_errors", map[string]string{"bucket": fn}), f, t)
	if err != nil {
		return nil, fmt.Errorf("dashboards: ingest errors: %w", err)
	}
	defer erows.Close()
	for erows.Next() {
		var at time.Time
		var code string
		var n uint64
		if err := erows.Scan(&at, &code, &n); err != nil {
			return nil, fmt.Errorf("dashboards: ingest errors: %w", err)
		}
		if b := bucketOf(at); b != nil {
			b.Errors[code] += n
		}
	}
	return buckets, erows.Err()
}

// metricRowsTogether returns the rows of each query, from the memo where it has them all, else
// from one metrics.RowsTogether statement (each source read once for all the queries).
func (s *source) metricRowsTogether(ctx context.Context, qs []metrics.Query) ([][]metrics.Row, error) {
	if s.memo != nil {
		out := make([][]metrics.Row, len(qs))
		s.memo.mu.Lock()
		all := true
		for i, q := range qs {
			rows, ok := s.memo.rows[q]
			out[i], all = rows, all && ok
		}
		s.memo.mu.Unlock()
		if all {
			return out, nil
		}
	}
	out, err := metrics.RowsTogether(ctx, s.wh, qs)
	if err != nil {
		return nil, err
	}
	if s.memo != nil {
		s.memo.mu.Lock()
		for i, q := range qs {
			s.memo.rows[q] = out[i]
		}
		s.memo.mu.Unlock()
	}
	return out, nil
}

// freshTeamRows returns the team cache's rows of q when they are younger than teamTTL.
func (s *source) freshTeamRows(q metrics.Query, now time.Time) ([]metrics.Row, bool) {
	if s.teams == nil || s.teamTTL <= 0 {
		return nil, false
	}
	s.teams.mu.Lock()
	defer s.teams.mu.Unlock()
	rows, ok := s.teams.rows[q]
	return rows, ok && now.Sub(s.teams.at[q]) < s.teamTTL
}

// keepTeamRows puts team rows into the team cache (when it is on).
func (s *source) keepTeamRows(q metrics.Query, rows []metrics.Row, now time.Time) {
	if s.teams == nil || s.teamTTL <= 0 {
		return
	}
	s.teams.mu.Lock()
	s.teams.rows[q], s.teams.at[q] = rows, now
	s.teams.mu.Unlock()
}
