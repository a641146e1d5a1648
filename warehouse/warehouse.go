// Package warehouse owns ccqa's ClickHouse schema: it connects with clickhouse-go v2 over the
// native protocol, creates and upgrades the database with versioned migrations embedded in the
// binary, and (re)creates the views that every metric reads.
//
// All SQL lives in embedded .sql files written in the subset of ClickHouse SQL that both
// Debian 12's ClickHouse 18.16 and current releases accept (SPEC §4).
package warehouse

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// DefaultDatabase is the database ccqa uses unless told otherwise.
const DefaultDatabase = "ccqa"

// DefaultTimeZone is the business time zone used for day, week and month buckets unless the
// deployment configures another one.
const DefaultTimeZone = "Asia/Shanghai"

// Options says where ClickHouse is and which database ccqa owns there.
type Options struct {
	// Addr is host:port of the native protocol (9000 by default on a server), or several
	// comma-separated: the driver connects to the first that answers, in order (for a cluster,
	// list nodes of different shards or replicas so that one node's restart does not stop ccqa).
	Addr string
	// Database is the ccqa database, DefaultDatabase when empty.
	Database string
	// User and Password authenticate; User defaults to "default".
	User     string
	Password string
	// TLS enables a TLS connection when non-nil.
	TLS *tls.Config
	// DialTimeout bounds a connection attempt; 5 s when zero.
	DialTimeout time.Duration
}

// Warehouse is a connection to the ccqa database.
type Warehouse struct {
	conn driver.Conn
	db   string
}

var identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Validate checks the options and names the bad field.
func (o Options) Validate() error {
	if o.Addr == "" {
		return errors.New("clickhouse address: must not be empty (host:port of the native protocol)")
	}
	for _, a := range strings.Split(o.Addr, ",") {
		if _, _, err := net.SplitHostPort(a); err != nil {
			return fmt.Errorf("clickhouse address %q: %w", a, err)
		}
	}
	if o.Database != "" && !identRe.MatchString(o.Database) {
		return fmt.Errorf("database %q: must be a plain identifier (letters, digits, underscore)", o.Database)
	}
	return nil
}

// Open connects to ClickHouse and checks that it answers. It does not create the database:
// run Migrate for that.
func Open(ctx context.Context, o Options) (*Warehouse, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if o.Database == "" {
		o.Database = DefaultDatabase
	}
	if o.User == "" {
		o.User = "default"
	}
	if o.DialTimeout == 0 {
		o.DialTimeout = 5 * time.Second
	}
	opts := &clickhouse.Options{
		Addr:     strings.Split(o.Addr, ","),
		Settings: sessionSettings(),
		// The database is named in every statement, so the session stays in "default"; this
		// lets Migrate create the ccqa database over the same connection.
		Auth:            clickhouse.Auth{Database: "default", Username: o.User, Password: o.Password},
		TLS:             o.TLS,
		DialTimeout:     o.DialTimeout,
		MaxOpenConns:    16,
		MaxIdleConns:    8,
		ConnMaxLifetime: time.Hour,
		Compression:     &clickhouse.Compression{Method: clickhouse.CompressionLZ4},
	}
	conn, err := open(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("clickhouse %s: %w", o.Addr, err)
	}
	// A server that takes settings as strings also gets RequiredClusterSettings with every
	// query, so a cluster of current releases needs nothing in its users' profiles; 18.16 (integer
	// settings only, through clickhouse-go) needs them in the profile.
	if v, err := conn.ServerVersion(); err == nil && v.Revision > stringSettingsRevision {
		for k, val := range RequiredClusterSettings {
			opts.Settings[k] = val
		}
		conn.Close()
		if conn, err = open(ctx, opts); err != nil {
			return nil, fmt.Errorf("clickhouse %s: %w", o.Addr, err)
		}
	}
	return &Warehouse{conn: conn, db: o.Database}, nil
}

// stringSettingsRevision is the last native protocol revision whose settings are sent as
// integers (clickhouse-go's DBMS_MIN_REVISION_WITH_SETTINGS_SERIALIZED_AS_STRINGS); later
// servers take settings of any type.
const stringSettingsRevision = 54429

// open opens a connection pool and checks that the server answers.
func open(ctx context.Context, opts *clickhouse.Options) (driver.Conn, error) {
	conn, err := clickhouse.Open(opts)
	if err != nil {
		return nil, err
	}
	if err := conn.Ping(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// sessionSettings are sent with every query. They make the same SQL correct on a cluster (see
// ClusterStatements) and change nothing on a single node, which has no Distributed or
// Replicated tables for them to act on:
//
//   - insert_distributed_sync = 1: an INSERT into a Distributed table returns only once every
//     shard has stored its rows, so ingest commits Kafka offsets after data that is actually
//     written, exactly as on one node (asynchronous sends would acknowledge rows still queued on
//     the initiator's disk).
//   - insert_deduplicate = 0: Replicated tables would silently drop an INSERT block identical to
//     a recent one. Raw events are de-duplicated by id anyway, but an application row (a QA
//     review, an approval, an adjustment) must never vanish for resembling an earlier one.
//   - max_replica_delay_for_distributed_queries = 30: a read through a Distributed table skips a
//     replica more than 30 s behind (one just restarted) when its shard has a fresher one. The
//     month builds count data inserted up to a minute before they start as seen (metrics
//     buildMargin); reading a replica at most 30 s behind keeps that true (the default, 300 s,
//     would not).
//
// A cluster also needs distributed_product_mode = global (see RequiredClusterSettings). Open
// adds it when the server takes string settings; clickhouse-go can send only integer settings
// to a server as old as 18.16, so there it belongs in the ClickHouse profile of ccqa's user.
func sessionSettings() clickhouse.Settings {
	return clickhouse.Settings{
		"insert_distributed_sync":                   1,
		"insert_deduplicate":                        0,
		"max_replica_delay_for_distributed_queries": 30,
	}
}

// Conn returns the underlying clickhouse-go connection pool.
func (w *Warehouse) Conn() driver.Conn { return w.conn }

// Database returns the name of the ccqa database.
func (w *Warehouse) Database() string { return w.db }

// Close closes the connection pool.
func (w *Warehouse) Close() error { return w.conn.Close() }

// Expand replaces ${db} in a statement with the database name and ${name} with vars[name]. It
// is how every embedded .sql file is turned into a runnable statement.
func (w *Warehouse) Expand(sql string, vars map[string]string) string {
	return expand(sql, w.db, vars)
}

func expand(sql, db string, vars map[string]string) string {
	pairs := []string{"${db}", db}
	for k, v := range vars {
		pairs = append(pairs, "${"+k+"}", v)
	}
	return strings.NewReplacer(pairs...).Replace(sql)
}

// SplitStatements splits the text of a .sql file into statements at semicolons that end a line,
// dropping comment-only and empty pieces. The files are ours, so this simple rule is enough:
// no statement contains a semicolon at the end of a line inside a string.
func SplitStatements(text string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		s := strings.TrimSpace(cur.String())
		cur.Reset()
		if hasCode(s) {
			out = append(out, s)
		}
	}
	for _, line := range strings.SplitAfter(text, "\n") {
		trimmed := strings.TrimRight(line, " \t\r\n")
		if strings.HasSuffix(trimmed, ";") && !strings.HasPrefix(strings.TrimSpace(trimmed), "--") {
			cur.WriteString(strings.TrimSuffix(trimmed, ";"))
			flush()
			continue
		}
		cur.WriteString(line)
	}
	flush()
	return out
}

// hasCode reports whether a piece of SQL has anything besides comments and blanks.
func hasCode(s string) bool {
	for _, line := range strings.Split(s, "\n") {
		t := strings.TrimSpace(line)
		if t != "" && !strings.HasPrefix(t, "--") {
			return true
		}
	}
	return false
}
