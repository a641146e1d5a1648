package warehouse

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/*.sql views/*.sql
var sqlFiles embed.FS

// Migration is one versioned schema change: the file migrations/NNNN_name.sql.
type Migration struct {
	Version uint32
	Name    string
	SQL     string
}

// Migrations returns the embedded migrations in version order.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(sqlFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		num, rest, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		v, err := strconv.ParseUint(num, 10, 32)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration file %s: name must be NNNN_name.sql", name)
		}
		b, err := sqlFiles.ReadFile(path.Join("migrations", name))
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: uint32(v), Name: rest, SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("two migrations with version %d", out[i].Version)
		}
	}
	return out, nil
}

// Views returns the embedded view definitions (views/*.sql) in file order. Views are not
// versioned: Migrate drops and recreates all of them every time, so they always match the binary
// and the configured time zone.
func Views() (map[string]string, []string, error) {
	entries, err := fs.ReadDir(sqlFiles, "views")
	if err != nil {
		return nil, nil, err
	}
	files := map[string]string{}
	var order []string
	for _, e := range entries {
		b, err := sqlFiles.ReadFile(path.Join("views", e.Name()))
		if err != nil {
			return nil, nil, err
		}
		files[e.Name()] = string(b)
		order = append(order, e.Name())
	}
	sort.Strings(order)
	return files, order, nil
}

// MigrateOptions tunes Migrate.
type MigrateOptions struct {
	// TimeZone is the business time zone baked into the views; DefaultTimeZone when empty.
	TimeZone string
	// Logger receives one line per applied migration; nil discards.
	Logger *slog.Logger
	// Cluster, when set, creates the schema on that ClickHouse cluster (a name of the server's
	// remote_servers, as in system.clusters): replicated and Distributed tables, everything ON
	// CLUSTER (see ClusterStatements). A database is created in one mode for good: the mode is
	// recorded (setting "cluster"), a later Migrate without Cluster keeps it, and Cluster on a
	// single-node database, or another cluster name, is refused (ErrClusterMode).
	Cluster string
}

// ErrUnknownCluster is returned (wrapped) by Migrate when MigrateOptions.Cluster names no cluster
// the server knows.
var ErrUnknownCluster = errors.New("no such cluster on this server")

// ErrClusterMode is returned (wrapped) by Migrate when MigrateOptions.Cluster disagrees with the
// mode the database was created in.
var ErrClusterMode = errors.New("cluster mode does not match the database")

// MigrateResult says what Migrate did.
type MigrateResult struct {
	Applied []Migration // migrations applied by this run
	Current uint32      // schema version after the run
	Views   int         // views recreated
	Cluster string      // the cluster the schema is on; empty on a single node
}

// Migrate creates the database if needed, applies every migration not yet recorded in
// schema_migrations, in order, and recreates the views. It is idempotent: a second run applies
// nothing and leaves the data alone. Statements use IF NOT EXISTS, so a run interrupted between
// a statement and its record is safe to repeat.
//
// Two Migrate runs at the same moment are not coordinated; run one at a time (as a deploy step).
func (w *Warehouse) Migrate(ctx context.Context, opt MigrateOptions) (MigrateResult, error) {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	tz := opt.TimeZone
	if tz == "" {
		tz = DefaultTimeZone
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return MigrateResult{}, fmt.Errorf("time zone %q: %w", tz, err)
	}
	var res MigrateResult
	cluster, err := w.clusterMode(ctx, opt.Cluster)
	if err != nil {
		return res, err
	}
	res.Cluster = cluster
	if cluster != "" {
		log.Info("cluster mode", "cluster", cluster)
	}
	exec := func(stmt string, vars map[string]string) error {
		stmts := []string{stmt}
		if cluster != "" {
			var err error
			if stmts, err = ClusterStatements(stmt, cluster); err != nil {
				return err
			}
		}
		for _, s := range stmts {
			if err := w.conn.Exec(ctx, w.Expand(s, vars)); err != nil {
				return err
			}
		}
		return nil
	}
	if err := exec("CREATE DATABASE IF NOT EXISTS ${db}", nil); err != nil {
		return res, fmt.Errorf("create database %s: %w", w.db, err)
	}
	if err := exec(schemaMigrationsSQL, nil); err != nil {
		return res, fmt.Errorf("create schema_migrations: %w", err)
	}
	applied, err := w.appliedVersions(ctx)
	if err != nil {
		return res, err
	}
	migs, err := Migrations()
	if err != nil {
		return res, err
	}
	for _, m := range migs {
		if applied[m.Version] {
			res.Current = m.Version
			continue
		}
		for i, stmt := range SplitStatements(m.SQL) {
			if err := exec(stmt, nil); err != nil {
				return res, fmt.Errorf("migration %04d_%s statement %d: %w", m.Version, m.Name, i+1, err)
			}
		}
		if err := w.insertRow(ctx, "INSERT INTO ${db}.schema_migrations (version, name, applied_at)", m.Version, m.Name, time.Now().UTC()); err != nil {
			return res, fmt.Errorf("record migration %04d: %w", m.Version, err)
		}
		log.Info("migration applied", "version", m.Version, "name", m.Name)
		res.Applied = append(res.Applied, m)
		res.Current = m.Version
	}
	n, err := w.recreateViews(ctx, tz, exec)
	if err != nil {
		return res, err
	}
	res.Views = n
	if err := w.SetSetting(ctx, "time_zone", tz); err != nil {
		return res, err
	}
	if cluster != "" {
		if err := w.SetSetting(ctx, "cluster", cluster); err != nil {
			return res, err
		}
	}
	return res, nil
}

// schemaMigrationsSQL creates the table of applied migrations (before any migration can run).
const schemaMigrationsSQL = `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations (
    version UInt32,
    name String,
    applied_at DateTime('UTC')
) ENGINE = MergeTree ORDER BY version`

// clusterMode decides the mode of this run from the option and the database as found: the
// recorded cluster of an existing clustered database (kept when the option is empty), the
// option for a new database, none for a single-node one. The database's mode is read from the
// engine of its schema_migrations (Replicated on a cluster), which exists from a run's first
// statement, so an interrupted first run is recognised too.
func (w *Warehouse) clusterMode(ctx context.Context, want string) (string, error) {
	if want != "" {
		if !identRe.MatchString(want) {
			return "", fmt.Errorf("--cluster %q: %w (a cluster name is a plain identifier)", want, ErrUnknownCluster)
		}
		var n uint64
		if err := w.conn.QueryRow(ctx, "SELECT count() FROM system.clusters WHERE cluster = ?", want).Scan(&n); err != nil {
			return "", fmt.Errorf("read system.clusters: %w", err)
		}
		if n == 0 {
			return "", fmt.Errorf("--cluster %q: %w (see system.clusters; clusters come from <remote_servers> in the server config)", want, ErrUnknownCluster)
		}
		for name, value := range RequiredClusterSettings {
			var got string
			if err := w.conn.QueryRow(ctx, "SELECT value FROM system.settings WHERE name = ?", name).Scan(&got); err != nil {
				return "", fmt.Errorf("read setting %s: %w", name, err)
			}
			if got != value {
				return "", fmt.Errorf("--cluster %s: the ClickHouse user's profile has %s = %s; cluster mode needs %s (README \"Scale-out\"): %w", want, name, got, value, ErrClusterMode)
			}
		}
	}
	var engine string
	rows, err := w.conn.Query(ctx, "SELECT engine FROM system.tables WHERE database = ? AND name = 'schema_migrations'", w.db)
	if err != nil {
		return "", fmt.Errorf("read system.tables: %w", err)
	}
	if rows.Next() {
		err = rows.Scan(&engine)
	}
	rows.Close()
	if err != nil {
		return "", err
	}
	switch {
	case engine == "": // a new database: the option decides
		return want, nil
	case !strings.HasPrefix(engine, "Replicated"):
		if want != "" {
			return "", fmt.Errorf("--cluster %s: database %s was created for a single node: %w (create a new database on the cluster and copy the data)", want, w.db, ErrClusterMode)
		}
		return "", nil
	}
	have, ok, err := w.Setting(ctx, "cluster")
	if err != nil && want == "" {
		return "", err
	}
	if !ok {
		// The setting is written last and replicated asynchronously: a migrate through another
		// node right after the first may not see it yet, but the Distributed tables name the
		// cluster too.
		have, ok, err = w.distributedCluster(ctx)
		if err != nil {
			return "", err
		}
	}
	switch {
	case ok && want != "" && have != want:
		return "", fmt.Errorf("--cluster %s: database %s is on cluster %s: %w", want, w.db, have, ErrClusterMode)
	case ok:
		return have, nil
	case want == "":
		return "", fmt.Errorf("database %s was being created on a cluster whose name is not recorded yet: run migrate with --cluster again: %w", w.db, ErrClusterMode)
	}
	return want, nil
}

// distributedCluster returns the cluster named by the first argument of a Distributed table of
// the database, if it has one.
func (w *Warehouse) distributedCluster(ctx context.Context) (string, bool, error) {
	rows, err := w.conn.Query(ctx, "SELECT engine_full FROM system.tables WHERE database = ? AND engine = 'Distributed' ORDER BY name LIMIT 1", w.db)
	if err != nil {
		return "", false, fmt.Errorf("read system.tables: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		return "", false, rows.Err()
	}
	var full string
	if err := rows.Scan(&full); err != nil {
		return "", false, err
	}
	name, _, _ := strings.Cut(strings.TrimPrefix(full, "Distributed("), ",")
	name = strings.Trim(strings.TrimSpace(name), "'")
	if !identRe.MatchString(name) {
		return "", false, fmt.Errorf("cluster of a Distributed table of %s: cannot read %q", w.db, full)
	}
	return name, true, nil
}

func (w *Warehouse) appliedVersions(ctx context.Context) (map[uint32]bool, error) {
	rows, err := w.conn.Query(ctx, w.Expand("SELECT version FROM ${db}.schema_migrations", nil))
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
	out := map[uint32]bool{}
	for rows.Next() {
		var v uint32
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out[v] = true
	}
	return out, rows.Err()
}

var viewNameRe = strings.NewReplacer("\n", " ", "\t", " ")

// recreateViews drops and creates every view of views/*.sql. Views depend on each other in file
// order, so they are dropped in reverse and created in order.
func (w *Warehouse) recreateViews(ctx context.Context, tz string, exec func(string, map[string]string) error) (int, error) {
	files, order, err := Views()
	if err != nil {
		return 0, err
	}
	vars := map[string]string{"tz": tz}
	var stmts []string
	for _, name := range order {
		stmts = append(stmts, SplitStatements(files[name])...)
	}
	var names []string
	for _, s := range stmts {
		n, err := viewName(s)
		if err != nil {
			return 0, err
		}
		names = append(names, n)
	}
	for i := len(names) - 1; i >= 0; i-- {
		if err := exec("DROP TABLE IF EXISTS ${db}."+names[i], nil); err != nil {
			return 0, fmt.Errorf("drop view %s: %w", names[i], err)
		}
	}
	for i, s := range stmts {
		if err := exec(s, vars); err != nil {
			return 0, fmt.Errorf("create view %s: %w", names[i], err)
		}
	}
	return len(stmts), nil
}

// viewName extracts NAME from "... CREATE VIEW ${db}.NAME AS ...".
func viewName(stmt string) (string, error) {
	s := viewNameRe.Replace(stmt)
	i := strings.Index(s, "CREATE VIEW ${db}.")
	if i < 0 {
		return "", fmt.Errorf("view file statement does not start with CREATE VIEW ${db}.NAME: %.60q", stmt)
	}
	rest := s[i+len("CREATE VIEW ${db}."):]
	name, _, _ := strings.Cut(rest, " ")
	if !identRe.MatchString(name) {
		return "", fmt.Errorf("bad view name %q", name)
	}
	return name, nil
}

// SetSetting records a deployment setting (settings table, latest wins).
func (w *Warehouse) SetSetting(ctx context.Context, key, value string) error {
	now := time.Now()
	if err := w.insertRow(ctx, "INSERT INTO ${db}.settings (key, value, updated_at, version)", key, value, now.UTC(), uint64(now.UnixNano())); err != nil {
		return fmt.Errorf("save setting %s: %w", key, err)
	}
	return nil
}

// Setting reads a deployment setting; ok is false when it was never set.
func (w *Warehouse) Setting(ctx context.Context, key string) (value string, ok bool, err error) {
	rows, err := w.conn.Query(ctx, w.Expand("SELECT value FROM ${db}.settings WHERE key = ? ORDER BY version DESC LIMIT 1", nil), key)
	if err != nil {
		return "", false, fmt.Errorf("read setting %s: %w", key, err)
	}
	defer rows.Close()
	if rows.Next() {
		if err := rows.Scan(&value); err != nil {
			return "", false, err
		}
		return value, true, nil
	}
	return "", false, rows.Err()
}

// TimeZone returns the business time zone the views were built with (DefaultTimeZone if the
// database predates the setting).
func (w *Warehouse) TimeZone(ctx context.Context) (*time.Location, error) {
	name, ok, err := w.Setting(ctx, "time_zone")
	if err != nil {
		return nil, err
	}
	if !ok {
		name = DefaultTimeZone
	}
	return time.LoadLocation(name)
}

// insertRow inserts one row through a prepared batch. clickhouse-go v2 sends an INSERT with
// inline VALUES as plain query text, which ClickHouse 18.16 answers by waiting for a data block
// that never comes; a batch speaks the native insert protocol that every version understands.
func (w *Warehouse) insertRow(ctx context.Context, insert string, values ...any) error {
	b, err := w.conn.PrepareBatch(ctx, w.Expand(insert, nil))
	if err != nil {
		return err
	}
	if err := b.Append(values...); err != nil {
		_ = b.Abort()
		return err
	}
	return b.Send()
}
