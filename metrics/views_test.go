package metrics

import (
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite generated files (warehouse/views/90_metrics.sql)")

const viewsFile = "../warehouse/views/90_metrics.sql"

// TestViewsGenerated checks that the metric views the warehouse creates are exactly the
// template this package runs, so the views and `ccqa metrics` can never disagree. Run with
// -update after changing sql/metrics.sql.
func TestViewsGenerated(t *testing.T) {
	want := ViewsSQL()
	if *update {
		if err := os.WriteFile(viewsFile, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(viewsFile)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("%s is out of date: run `go test ./metrics -run TestViewsGenerated -update`", viewsFile)
	}
}
