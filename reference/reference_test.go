package reference

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestReadAgentsCSV(t *testing.T) {
	in := "\ufeffagent_id,name,team,level,hired_on\na-1,张伟,售前一组,junior,2024-03-01\na-2,\"O'Brien, Pat\",售后一组,senior,\n"
	got, err := ReadAgentsCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Agent{
		{ID: "a-1", Name: "张伟", Team: "售前一组", Level: "junior", HiredOn: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)},
		{ID: "a-2", Name: "O'Brien, Pat", Team: "售后一组", Level: "senior"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d agents, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("agent %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestReadCSVErrors(t *testing.T) {
	tests := []struct {
		name    string
		targets bool
		in      string
		line    int
		field   string
	}{
		{"empty file", false, "", 1, "header"},
		{"missing column", false, "agent_id,name,team,level\na,b,c,d\n", 1, "hired_on"},
		{"empty id", false, "agent_id,name,team,level,hired_on\n,x,t,l,\n", 2, "agent_id"},
		{"duplicate id", false, "agent_id,name,team,level,hired_on\na,x,t,l,\na,y,t,l,\n", 3, "agent_id"},
		{"bad date", false, "agent_id,name,team,level,hired_on\na,x,t,l,01/03/2024\n", 2, "hired_on"},
		{"bad month", true, "agent_id,month,sales_target\na,2026/11,100\n", 2, "month"},
		{"negative target", true, "agent_id,month,sales_target\na,2026-11,-1\n", 2, "sales_target"},
		{"three decimals", true, "agent_id,month,sales_target\na,2026-11,1.005\n", 2, "sales_target"},
		{"duplicate target", true, "agent_id,month,sales_target\na,2026-11,1\na,2026-11,2\n", 3, "agent_id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.targets {
				_, err = ReadTargetsCSV(strings.NewReader(tc.in))
			} else {
				_, err = ReadAgentsCSV(strings.NewReader(tc.in))
			}
			var le *LineError
			if !errors.As(err, &le) {
				t.Fatalf("err = %v, want a *LineError", err)
			}
			if le.Line != tc.line || le.Field != tc.field {
				t.Errorf("error at line %d field %q (%v), want line %d field %q", le.Line, le.Field, err, tc.line, tc.field)
			}
		})
	}
}

func TestReadTargetsCSV(t *testing.T) {
	got, err := ReadTargetsCSV(strings.NewReader("agent_id,month,sales_target\na-1,2026-11,12000\na-1,2026-12,12000.5\na-2,2026-11,0.07\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []int64{1200000, 1200050, 7}
	for i, w := range want {
		if got[i].SalesTargetMinor != w {
			t.Errorf("target %d = %d minor units, want %d", i, got[i].SalesTargetMinor, w)
		}
	}
	if got[1].Month != time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) {
		t.Errorf("month = %v", got[1].Month)
	}
}

func TestParseMinor(t *testing.T) {
	good := map[string]int64{"0": 0, "1": 100, "1.5": 150, "1.50": 150, "19.99": 1999, "92233720368547758.07": 9223372036854775807}
	for in, want := range good {
		got, err := ParseMinor(in)
		if err != nil || got != want {
			t.Errorf("ParseMinor(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "1.", ".5", "1.234", "1e3", "abc", "92233720368547758.08", "1,5"} {
		if _, err := ParseMinor(in); err == nil {
			t.Errorf("ParseMinor(%q) accepted", in)
		}
	}
}
