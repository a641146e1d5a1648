package warehouse

import (
	"fmt"
	"regexp"
	"strings"
)

// Cluster mode (`ccqa migrate --cluster NAME`) creates the same schema on a ClickHouse cluster
// from the same embedded .sql files: every statement is rewritten by ClusterStatements before it
// runs, and every object keeps the name the queries use, so that every query, view and rollup
// runs unchanged on one node and on the cluster.
//
// Three kinds of table:
//
//   - Sharded (ShardKeys): the raw event tables ingest writes, the dead-letter record and the
//     facts derived from them row by row. Each becomes X_local, a Replicated*MergeTree per shard
//     (ZooKeeper path /clickhouse/tables/{shard}/<db>/X_local), plus X, a Distributed table over
//     the X_local of every shard, sharded by the hash of the event id. Every delivery of an event
//     therefore lands on the same shard, where the existing de-duplication (ReplacingMergeTree,
//     FINAL, LIMIT 1 BY id) sees all of them, so it stays exact; per-agent aggregates are partial
//     sums on each shard that the Distributed engine adds up, which is exact for counts and sums
//     (means are sums over counts in the views). Materialized views read X_local and write
//     Y_local, so each shard derives the facts of its own events (contact_facts, survey_facts,
//     insert_marks).
//   - Node-local (NodeLocal): the month-build cache (contact_metrics and its build log). Each
//     node keeps, builds and swaps its own copy with REPLACE PARTITION exactly as a single node
//     does; it is derived data, rebuilt from the Distributed facts whenever it is stale, so it
//     needs no replication, and a build never has to coordinate with the other nodes.
//   - Everything else (reference data, settings, schema_migrations, QA, scorecard, payroll: the
//     tables the application writes, at a human rate): one full copy on every node, Replicated*MergeTree with a ZooKeeper path without {shard}
//     (/clickhouse/tables/all/<db>/X), so that the app writes and reads them on any node and
//     joins with them stay local.
//
// Views and databases are created ON CLUSTER. Replicated tables drop an INSERT block identical
// to an earlier one (insert_deduplicate); warehouse.Open turns that off per connection, because
// ccqa's own duplicate handling is explicit and an application row must never vanish for
// looking like another (see sessionSettings).

// ShardKeys maps each sharded table to its sharding expression: the hash of the id its
// de-duplication is keyed by, so that all deliveries of one event, or all rows of one order, live
// on one shard.
var ShardKeys = map[string]string{
	"calls":         "cityHash64(call_id)",
	"chats":         "cityHash64(chat_id)",
	"surveys":       "cityHash64(survey_id)",
	"orders":        "cityHash64(order_id)",
	"ingest_errors": "cityHash64(src_topic, src_partition, src_offset)",
	// contact_facts is filled by materialized views on calls_local and chats_local, so its rows
	// live on the shard of their call or chat; this key only places rows inserted through the
	// Distributed table, and agrees with that placement (contact_id is the call or chat id).
	"contact_facts": "cityHash64(contact_id)",
	// survey_facts and insert_marks are filled by materialized views on surveys_local (and
	// calls_local, chats_local) too. They were first full copies on every node; then every
	// INSERT of every shard made a part on every node, and with one replica down their merges
	// fell behind until inserts failed with "Too many parts" (seen in `make test-cluster`).
	// Sharded, each shard holds the marks and surveys of its own inserts, and the readers
	// aggregate them through the Distributed table (maxMerge, argMax by survey_id), which is
	// exact across shards.
	"survey_facts": "cityHash64(survey_id)",
	"insert_marks": "cityHash64(source)",
}

// NodeLocal lists the tables every node keeps to itself (a cache that each node builds from the
// Distributed tables): created ON CLUSTER with their single-node engine.
var NodeLocal = map[string]bool{
	"contact_metrics":        true,
	"contact_metrics_builds": true,
	"contact_metrics_days":   true,
}

// ShardedSuffix is appended to a sharded table's name for its per-shard local table.
const ShardedSuffix = "_local"

var (
	reLeadingComments = regexp.MustCompile(`^(?:\s*--[^\n]*\n)*\s*`)
	reCreateDatabase  = regexp.MustCompile(`^CREATE DATABASE IF NOT EXISTS (\S+)$`)
	reCreateTable     = regexp.MustCompile(`^CREATE TABLE IF NOT EXISTS (\$\{db\}(?:_payroll)?)\.(\w+) \(`)
	reEngine          = regexp.MustCompile(`\) ENGINE = (\w+)(?:\(([^()]*)\))?`)
	reCreateMV        = regexp.MustCompile(`^CREATE MATERIALIZED VIEW IF NOT EXISTS (\$\{db\})\.(\w+) TO (\$\{db\})\.(\w+) AS\b`)
	reCreateView      = regexp.MustCompile(`^CREATE VIEW (IF NOT EXISTS )?(\$\{db\}(?:_payroll)?)\.(\w+) AS\b`)
	reDropTable       = regexp.MustCompile(`^DROP TABLE IF EXISTS (\$\{db\}(?:_payroll)?)\.(\w+)$`)
	reFromDB          = regexp.MustCompile(`\bFROM \$\{db\}\.(\w+)\b`)
	reInsert          = regexp.MustCompile(`^INSERT INTO \$\{db\}`)
)

// ClusterStatements rewrites one statement of the embedded .sql files (placeholders not yet
// expanded) for the cluster named cluster; it returns the statements to run in its place, in
// order. A statement of a kind it does not know is an error rather than a silent single-node
// object on a cluster: a new migration must be written in the forms below (or this function
// taught a new one).
//
//   - CREATE DATABASE IF NOT EXISTS d           → … ON CLUSTER c
//   - CREATE TABLE IF NOT EXISTS d.X (…) ENGINE = E(p) … → see the package comment on cluster mode
//   - CREATE MATERIALIZED VIEW IF NOT EXISTS d.V TO d.T AS SELECT … FROM d.S
//     → ON CLUSTER, T and S replaced by their _local tables when sharded
//   - CREATE VIEW d.V AS …, DROP TABLE IF EXISTS d.V → … ON CLUSTER c
//   - INSERT INTO d.X … SELECT … (backfills) → unchanged: it runs once, through the Distributed
//     or replicated tables, on the node migrate is connected to.
func ClusterStatements(stmt, cluster string) ([]string, error) {
	s := strings.TrimSpace(reLeadingComments.ReplaceAllString(stmt, ""))
	on := " ON CLUSTER " + cluster
	switch {
	case reCreateDatabase.MatchString(s):
		return []string{s + on}, nil
	case reCreateTable.MatchString(s):
		return clusterTable(s, cluster)
	case reCreateMV.MatchString(s):
		m := reCreateMV.FindStringSubmatch(s)
		target := m[4]
		if _, ok := ShardKeys[target]; ok {
			target += ShardedSuffix
		}
		head := "CREATE MATERIALIZED VIEW IF NOT EXISTS " + m[1] + "." + m[2] + on + " TO " + m[3] + "." + target + " AS"
		body := reFromDB.ReplaceAllStringFunc(s[len(m[0]):], func(from string) string {
			name := reFromDB.FindStringSubmatch(from)[1]
			if _, ok := ShardKeys[name]; ok {
				return "FROM ${db}." + name + ShardedSuffix
			}
			return from
		})
		return []string{head + body}, nil
	case reCreateView.MatchString(s):
		m := reCreateView.FindStringSubmatch(s)
		return []string{"CREATE VIEW " + m[1] + m[2] + "." + m[3] + on + " AS" + s[len(m[0]):]}, nil
	case reDropTable.MatchString(s):
		return []string{s + on}, nil
	case reInsert.MatchString(s):
		return []string{s}, nil
	}
	return nil, fmt.Errorf("cluster mode: statement of an unknown form (cluster rewriting knows CREATE DATABASE/TABLE/VIEW/MATERIALIZED VIEW IF NOT EXISTS, DROP TABLE IF EXISTS and INSERT ... SELECT): %.80q", s)
}

// clusterTable rewrites a CREATE TABLE for the cluster (see ClusterStatements).
func clusterTable(s, cluster string) ([]string, error) {
	m := reCreateTable.FindStringSubmatch(s)
	db, name := m[1], m[2]
	on := " ON CLUSTER " + cluster
	// The column list ends at the table's own ") ENGINE = ": the last one, as the columns
	// themselves hold no engine clause.
	locs := reEngine.FindAllStringSubmatchIndex(s, -1)
	if len(locs) == 0 {
		return nil, fmt.Errorf("cluster mode: table %s: no ENGINE clause", name)
	}
	loc := locs[len(locs)-1]
	engine := s[loc[2]:loc[3]]
	params := ""
	if loc[4] >= 0 {
		params = strings.TrimSpace(s[loc[4]:loc[5]])
	}
	columns := s[len(m[0]) : loc[0]+1] // "…cols…)"
	rest := s[loc[1]:]
	if NodeLocal[name] {
		return []string{"CREATE TABLE IF NOT EXISTS " + db + "." + name + on + " (" + columns + " ENGINE = " + engine + parenthesize(params) + rest}, nil
	}
	if !strings.HasSuffix(engine, "MergeTree") || strings.HasPrefix(engine, "Replicated") {
		return nil, fmt.Errorf("cluster mode: table %s: engine %s has no Replicated form (use a *MergeTree engine)", name, engine)
	}
	local, zkPath := name, "/clickhouse/tables/all/"+db+"/"+name
	key, sharded := ShardKeys[name]
	if sharded {
		if db != "${db}" {
			return nil, fmt.Errorf("cluster mode: table %s.%s: sharded tables live in ${db}", db, name)
		}
		local = name + ShardedSuffix
		zkPath = "/clickhouse/tables/{shard}/" + db + "/" + local
	}
	args := "'" + zkPath + "', '{replica}'"
	if params != "" {
		args += ", " + params
	}
	out := []string{"CREATE TABLE IF NOT EXISTS " + db + "." + local + on + " (" + columns + " ENGINE = Replicated" + engine + "(" + args + ")" + rest}
	if sharded {
		out = append(out, "CREATE TABLE IF NOT EXISTS "+db+"."+name+on+" AS "+db+"."+local+
			" ENGINE = Distributed("+cluster+", "+db+", "+local+", "+key+")")
	}
	return out, nil
}

func parenthesize(params string) string {
	if params == "" {
		return ""
	}
	return "(" + params + ")"
}

// RequiredClusterSettings are the settings cluster mode needs beyond sessionSettings, string
// settings that clickhouse-go cannot send per query to ClickHouse 18.16: there they must be in
// the profile of ccqa's ClickHouse user; Open sends them with every query to servers that take
// string settings (current releases). Migrate in cluster mode refuses to run without them.
//
// distributed_product_mode = global: an IN or JOIN whose subquery reads a Distributed table,
// inside a query over a Distributed table, is computed once on the initiator and shipped to the
// shards (GLOBAL IN / GLOBAL JOIN), so each shard matches against all the data rather than its
// own part; the default, deny, refuses such queries, and local would silently match each shard
// against its own part only.
var RequiredClusterSettings = map[string]string{
	"distributed_product_mode": "global",
}
