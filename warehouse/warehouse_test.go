package warehouse

import (
	"strings"
	"testing"
)

func TestSplitStatements(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"one", "SELECT 1;\n", []string{"SELECT 1"}},
		{"no trailing semicolon", "SELECT 1", []string{"SELECT 1"}},
		{"two with comments", "-- first;\nCREATE TABLE a (x UInt8) ENGINE = Memory;\n\n-- second\nSELECT 2;\n", []string{"-- first;\nCREATE TABLE a (x UInt8) ENGINE = Memory", "-- second\nSELECT 2"}},
		{"comment only", "-- nothing here;\n\n", nil},
		{"semicolon inside a line stays", "SELECT ';' AS x, 1;\n", []string{"SELECT ';' AS x, 1"}},
		{"multi-line statement", "SELECT\n  1,\n  2;\nSELECT 3;", []string{"SELECT\n  1,\n  2", "SELECT 3"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := SplitStatements(tc.in)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
				t.Errorf("SplitStatements(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestExpand(t *testing.T) {
	got := expand("SELECT toDate(x, '${tz}') FROM ${db}.calls, ${db}.chats", "ccqa_x", map[string]string{"tz": "Asia/Shanghai"})
	want := "SELECT toDate(x, 'Asia/Shanghai') FROM ccqa_x.calls, ccqa_x.chats"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestMigrationsAreOrderedAndNamed(t *testing.T) {
	ms, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 {
		t.Fatal("no embedded migrations")
	}
	for i, m := range ms {
		if i > 0 && m.Version <= ms[i-1].Version {
			t.Errorf("migration %d (%s) not after %d", m.Version, m.Name, ms[i-1].Version)
		}
		if len(SplitStatements(m.SQL)) == 0 {
			t.Errorf("migration %d (%s) has no statement", m.Version, m.Name)
		}
		for _, s := range SplitStatements(m.SQL) {
			if strings.Contains(s, "CREATE TABLE") && !strings.Contains(s, "IF NOT EXISTS") {
				t.Errorf("migration %d: CREATE TABLE without IF NOT EXISTS is not safe to repeat: %.60q", m.Version, s)
			}
		}
	}
}

func TestViewNames(t *testing.T) {
	files, order, err := Views()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range order {
		for _, s := range SplitStatements(files[f]) {
			n, err := viewName(s)
			if err != nil {
				t.Errorf("%s: %v", f, err)
				continue
			}
			if seen[n] {
				t.Errorf("%s: view %s defined twice", f, n)
			}
			seen[n] = true
		}
	}
	if _, err := viewName("CREATE TABLE ${db}.x (a UInt8)"); err == nil {
		t.Error("viewName accepted a statement that is not CREATE VIEW")
	}
}

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		o    Options
		want string
	}{
		{Options{}, "clickhouse address"},
		{Options{Addr: "localhost"}, "clickhouse address"},
		{Options{Addr: "localhost:9000", Database: "bad-name"}, "database"},
		{Options{Addr: "localhost:9000", Database: "x; DROP"}, "database"},
		{Options{Addr: "ch1:9000,ch2"}, `clickhouse address "ch2"`},
		{Options{Addr: "ch1:9000,"}, `clickhouse address ""`},
	}
	for _, tc := range tests {
		err := tc.o.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v, want an error naming %q", tc.o, err, tc.want)
		}
	}
	for _, ok := range []Options{{Addr: "127.0.0.1:9000", Database: "ccqa_1"}, {Addr: "ch1:9000,ch3:9000,ch2:9000"}} {
		if err := ok.Validate(); err != nil {
			t.Errorf("valid options %+v refused: %v", ok, err)
		}
	}
}
