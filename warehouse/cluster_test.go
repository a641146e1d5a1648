package warehouse

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestClusterStatementsGolden rewrites each testdata/cluster/NAME.sql (one statement) for the
// cluster "ccqa" and compares with NAME.golden, written by hand: the statements to run, joined
// by a line holding ";".
func TestClusterStatementsGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/cluster/*.sql")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no inputs in testdata/cluster: %v", err)
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".sql")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(strings.TrimSuffix(in, ".sql") + ".golden")
			if err != nil {
				t.Fatal(err)
			}
			stmts := SplitStatements(string(src))
			if len(stmts) != 1 {
				t.Fatalf("%s holds %d statements, want 1", in, len(stmts))
			}
			out, err := ClusterStatements(stmts[0], "ccqa")
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(out, "\n;\n") + "\n"
			if got != string(want) {
				t.Errorf("rewritten:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// TestClusterStatementsRefuses checks that a statement the rewriting does not understand is an
// error naming the problem, never a single-node object passed through to a cluster.
func TestClusterStatementsRefuses(t *testing.T) {
	tests := []struct {
		name, stmt, want string
	}{
		{"alter", "ALTER TABLE ${db}.calls ADD COLUMN x UInt8", "unknown form"},
		{"create without IF NOT EXISTS", "CREATE TABLE ${db}.calls (x UInt8) ENGINE = MergeTree ORDER BY x", "unknown form"},
		{"memory engine", "CREATE TABLE IF NOT EXISTS ${db}.scratch (x UInt8) ENGINE = Memory", "engine Memory has no Replicated form"},
		{"already replicated", "CREATE TABLE IF NOT EXISTS ${db}.agents (x UInt8) ENGINE = ReplicatedMergeTree('/p', 'r') ORDER BY x", "engine ReplicatedMergeTree"},
		{"sharded table in payroll db", "CREATE TABLE IF NOT EXISTS ${db}_payroll.calls (x UInt8) ENGINE = MergeTree ORDER BY x", "sharded tables live in ${db}"},
		{"select", "SELECT 1", "unknown form"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := ClusterStatements(tc.stmt, "ccqa")
			if err == nil {
				t.Fatalf("ClusterStatements(%q) = %q, want an error", tc.stmt, out)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

var reTableName = regexp.MustCompile(`CREATE TABLE IF NOT EXISTS \$\{db\}\.(\w+) \(`)

// TestClusterCoversEmbeddedSchema rewrites every embedded migration and view: each statement
// must be of a known form, every table named in ShardKeys and NodeLocal must exist (a renamed
// table would otherwise silently become a full copy), and every sharded table must come out as
// a _local table plus a Distributed one.
func TestClusterCoversEmbeddedSchema(t *testing.T) {
	migs, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	stmts := SplitStatements(schemaMigrationsSQL)
	for _, m := range migs {
		stmts = append(stmts, SplitStatements(m.SQL)...)
	}
	files, order, err := Views()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range order {
		stmts = append(stmts, SplitStatements(files[name])...)
	}
	tables := map[string]bool{}
	for _, s := range stmts {
		out, err := ClusterStatements(s, "ccqa")
		if err != nil {
			t.Error(err)
			continue
		}
		for _, o := range out {
			if !strings.Contains(o, " ON CLUSTER ccqa") && !strings.HasPrefix(o, "INSERT INTO") {
				t.Errorf("DDL without ON CLUSTER: %.100q", o)
			}
		}
		m := reTableName.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		tables[m[1]] = true
		if _, ok := ShardKeys[m[1]]; ok {
			if len(out) != 2 || !strings.Contains(out[0], m[1]+"_local ON CLUSTER") || !strings.Contains(out[1], "ENGINE = Distributed(ccqa, ${db}, "+m[1]+"_local, ") {
				t.Errorf("sharded table %s rewritten as %q", m[1], out)
			}
		}
	}
	for name := range ShardKeys {
		if !tables[name] {
			t.Errorf("ShardKeys names %s, which no migration creates", name)
		}
	}
	for name := range NodeLocal {
		if !tables[name] {
			t.Errorf("NodeLocal names %s, which no migration creates", name)
		}
	}
}
