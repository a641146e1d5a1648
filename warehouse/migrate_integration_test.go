package warehouse_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ccqa/ccqa/internal/itest"
	"github.com/ccqa/ccqa/warehouse"
)

// TestMigrateIsIdempotent runs migrate on a fresh database twice (itest.Warehouse ran it once)
// and checks that nothing is applied again, every migration is recorded once, data survives and
// the time zone setting follows the last run.
func TestMigrateIsIdempotent(t *testing.T) {
	w := itest.Warehouse(t)
	ctx := context.Background()
	migs, err := warehouse.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Conn().Exec(ctx, "INSERT INTO "+w.Database()+".agents (agent_id, name, team, level, hired_on, updated_at, version) SELECT 'a-1', '张三', 't', 'junior', toDate('2024-01-01'), now(), 1"); err != nil {
		t.Fatal(err)
	}
	res, err := w.Migrate(ctx, warehouse.MigrateOptions{TimeZone: "Europe/Berlin"})
	if err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	if len(res.Applied) != 0 {
		t.Errorf("second migrate applied %d migrations, want 0", len(res.Applied))
	}
	if want := migs[len(migs)-1].Version; res.Current != want {
		t.Errorf("schema version %d, want %d", res.Current, want)
	}
	var recorded, distinct uint64
	if err := w.Conn().QueryRow(ctx, "SELECT count(), uniqExact(version) FROM "+w.Database()+".schema_migrations").Scan(&recorded, &distinct); err != nil {
		t.Fatal(err)
	}
	if recorded != uint64(len(migs)) || distinct != uint64(len(migs)) {
		t.Errorf("schema_migrations has %d rows (%d distinct), want %d", recorded, distinct, len(migs))
	}
	var agents uint64
	if err := w.Conn().QueryRow(ctx, "SELECT count() FROM "+w.Database()+".agents_latest").Scan(&agents); err != nil {
		t.Fatal(err)
	}
	if agents != 1 {
		t.Errorf("agents after re-migrate = %d, want 1 (data must survive)", agents)
	}
	loc, err := w.TimeZone(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if loc.String() != "Europe/Berlin" {
		t.Errorf("time zone %s, want Europe/Berlin", loc)
	}
	if _, err := w.Migrate(ctx, warehouse.MigrateOptions{TimeZone: "Mars/Olympus"}); err == nil {
		t.Error("migrate accepted an unknown time zone")
	}
}

// TestMigrateClusterNeedsACluster asks for cluster mode on a server without that cluster: the
// error names --cluster and is ErrUnknownCluster, and nothing is created.
func TestMigrateClusterNeedsACluster(t *testing.T) {
	w := itest.Warehouse(t)
	ctx := context.Background()
	for _, name := range []string{"no_such_cluster", "bad name"} {
		_, err := w.Migrate(ctx, warehouse.MigrateOptions{Cluster: name})
		if !errors.Is(err, warehouse.ErrUnknownCluster) || !strings.Contains(err.Error(), "--cluster") {
			t.Errorf("migrate --cluster %q: error %v, want ErrUnknownCluster naming --cluster", name, err)
		}
	}
	// The single-node database keeps its mode and says so.
	res, err := w.Migrate(ctx, warehouse.MigrateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Cluster != "" {
		t.Errorf("single-node migrate reports cluster %q", res.Cluster)
	}
	if _, ok, err := w.Setting(ctx, "cluster"); err != nil || ok {
		t.Errorf("single-node database has a cluster setting (ok=%v, err=%v)", ok, err)
	}
}
