package scorecard_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/ccqa/ccqa/internal/itest"
	"github.com/ccqa/ccqa/scorecard"
	"github.com/ccqa/ccqa/warehouse"
)

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestPayrollUserOnClickHouse starts a ClickHouse server of its own with the repository's dev
// script, so the payroll user of deploy/dev/users.d/payroll.xml is configured exactly as shipped,
// and checks that this user can read the payroll views and nothing else, and can write nothing.
func TestPayrollUserOnClickHouse(t *testing.T) {
	itest.ClickHouseAddr(t) // the same skip/fail rule as every test that needs ClickHouse
	script, err := filepath.Abs("../deploy/dev/clickhouse.sh")
	if err != nil {
		t.Fatal(err)
	}
	tcp, http := freePort(t), freePort(t)
	env := append(os.Environ(), "CCQA_DEV_DIR="+t.TempDir(), fmt.Sprintf("CCQA_CH_TCP_PORT=%d", tcp), fmt.Sprintf("CCQA_CH_HTTP_PORT=%d", http))
	sh := func(arg string) {
		cmd := exec.Command("bash", script, arg)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("clickhouse.sh %s: %v\n%s", arg, err, out)
		}
	}
	sh("up")
	t.Cleanup(func() { sh("down") })
	addr := fmt.Sprintf("127.0.0.1:%d", tcp)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// As the default user: migrate the production database name and roll up a month.
	admin, err := warehouse.Open(ctx, warehouse.Options{Addr: addr, Database: "ccqa"})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Migrate(ctx, warehouse.MigrateOptions{}); err != nil {
		t.Fatal(err)
	}
	st := scorecard.NewStore(admin, nil)
	p := scorecard.DefaultPolicy()
	if _, err := st.AddAdjustment(ctx, p, scorecard.AdjustmentInput{AgentID: "a-01", Month: month("2026-11"), Item: "banner",
		Points: 20 * scorecard.PointScale, Reason: "锦旗", User: "mgr"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Rollup(ctx, scorecard.RollupOptions{Month: month("2026-11"), Policy: p, User: "ops", Now: time.Now()}); err != nil {
		t.Fatal(err)
	}

	// Payroll connects like any SQL client would, to its own database (warehouse.Open starts
	// sessions in "default", which this user may not use).
	payConn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{addr},
		Auth: clickhouse.Auth{Database: "ccqa_payroll", Username: "payroll", Password: "ccqa-payroll-dev"}})
	if err != nil {
		t.Fatal(err)
	}
	defer payConn.Close()
	if err := payConn.Ping(ctx); err != nil {
		t.Fatalf("payroll cannot connect: %v", err)
	}
	// Allowed: the payroll views. a-01 has no metrics: 0 + 10 + 10 + 10 + 55 = 85, +20 → 105 → 100.
	var agent, grade string
	var score uint8
	if err := payConn.QueryRow(ctx, "SELECT agent_id, score, grade FROM ccqa_payroll.payroll_monthly_grades WHERE month = toDate('2026-11-01')").
		Scan(&agent, &score, &grade); err != nil {
		t.Fatalf("payroll cannot read payroll_monthly_grades: %v", err)
	}
	if agent != "a-01" || score != 100 || grade != "优秀" {
		t.Errorf("payroll read %s %d %s, want a-01 100 优秀", agent, score, grade)
	}
	var lines uint64
	if err := payConn.QueryRow(ctx, "SELECT count() FROM ccqa_payroll.payroll_grade_components").Scan(&lines); err != nil || lines != 13 {
		t.Errorf("payroll read %d component rows (%v), want 13", lines, err)
	}
	// Refused: every raw, reference, QA and scorecard input table, and every write.
	refused := []string{
		"SELECT count() FROM ccqa.calls",
		"SELECT count() FROM ccqa.chats",
		"SELECT count() FROM ccqa.surveys",
		"SELECT count() FROM ccqa.agents",
		"SELECT count() FROM ccqa.contacts",
		"SELECT count() FROM ccqa.adjustments",
		"SELECT count() FROM ccqa.agent_metrics_month",
		"SELECT count() FROM ccqa.qa_reviews",
		"INSERT INTO ccqa_payroll.grade_approvals (month, run_id, revision, approved_by, approved_at) SELECT toDate('2026-11-01'), 1, 1, 'payroll', now()",
		"CREATE TABLE ccqa_payroll.x (a UInt8) ENGINE = Memory",
		"DROP TABLE ccqa_payroll.monthly_grades",
		"ALTER TABLE ccqa_payroll.monthly_grades DELETE WHERE 1",
		"TRUNCATE TABLE ccqa_payroll.grade_runs",
		"CREATE DATABASE payroll_own",
	}
	for _, q := range refused {
		err := payConn.Exec(ctx, q)
		if err == nil {
			t.Errorf("payroll was allowed: %s", q)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, "Access denied") && !strings.Contains(msg, "readonly") {
			t.Errorf("%s: refused for another reason than access: %v", q, err)
		}
	}
	// The refused write changed nothing.
	var approvals uint64
	if err := admin.Conn().QueryRow(ctx, "SELECT count() FROM ccqa_payroll.grade_approvals").Scan(&approvals); err != nil || approvals != 0 {
		t.Errorf("grade_approvals has %d rows (%v) after payroll's refused insert", approvals, err)
	}
}
