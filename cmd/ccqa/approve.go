package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/ccqa/ccqa/scorecard"
)

func runApprove(ctx context.Context, e *env, args []string) error {
	const cmd = "approve"
	fs := newFlags(e, cmd, `approve --month 2026-11 --user U [--revision N] [flags]

Approves the month's newest rollup: payroll sees it (approved = 1) and the month is frozen, so a
later rollup is a new revision that payroll sees only once it is approved in turn. With
--revision, the newest revision must be N (so nobody approves a rollup they have not seen).`)
	var ch chFlags
	ch.register(fs)
	month := fs.String("month", "", "month to approve, YYYY-MM (required)")
	user := userFlag(fs, "approves")
	revision := fs.Uint("revision", 0, "the revision being approved; refused if it is not the newest (0: the newest)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	m, err := parseMonthFlag(cmd, *month)
	if err != nil {
		return err
	}
	if strings.TrimSpace(*user) == "" {
		return usagef("%s: --user is required (who approves; env CCQA_USER)", cmd)
	}
	if *revision > 1<<31 {
		return usagef("%s: --revision: %d is too large", cmd, *revision)
	}
	w, err := ch.open(ctx)
	if err != nil {
		return err
	}
	defer w.Close()
	res, err := scorecard.NewStore(w, e.logger(slog.LevelWarn)).Approve(ctx, m, *user, uint32(*revision), time.Now())
	if err != nil {
		return fieldUsage(cmd, err)
	}
	ms := m.Format("2006-01")
	if res.AlreadyApproved {
		fmt.Fprintf(e.stdout, "%s revision %d was already approved by %s at %s; nothing changed\n", ms, res.Run.Revision,
			res.Run.ApprovedBy, res.Run.ApprovedAt.UTC().Format("2006-01-02 15:04 UTC"))
		return nil
	}
	fmt.Fprintf(e.stdout, "%s revision %d (computed by %s at %s, policy %s) approved by %s: payroll_monthly_grades now shows it\n",
		ms, res.Run.Revision, res.Run.ComputedBy, res.Run.ComputedAt.UTC().Format("2006-01-02 15:04 UTC"), res.Run.PolicyVersion, res.Run.ApprovedBy)
	if res.Replaced != nil {
		fmt.Fprintf(e.stdout, "it replaces revision %d (approved by %s at %s), which stays in grade_revisions\n",
			res.Replaced.Revision, res.Replaced.ApprovedBy, res.Replaced.ApprovedAt.UTC().Format("2006-01-02 15:04 UTC"))
	}
	return nil
}
