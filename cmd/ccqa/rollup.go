package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ccqa/ccqa/scorecard"
)

func runRollup(ctx context.Context, e *env, args []string) error {
	const cmd = "rollup"
	fs := newFlags(e, cmd, `rollup --month 2026-11 --user U [--policy P] [--note N] [--format table|json] [flags]

Computes every agent's month under the scorecard policy (SPEC §7): components, total (kept within
0–100, rounded half up), grade, pay factor, rank in team and the streak flags, and stores it as a
run. Before the month is approved a rollup replaces the draft (revision 1); after `+"`ccqa approve`"+` it
is a new revision, which payroll sees only once it is approved too. Open QA disputes are listed.`)
	var ch chFlags
	ch.register(fs)
	month := fs.String("month", "", "month to compute, YYYY-MM (required)")
	user := userFlag(fs, "runs the rollup")
	policy := policyFlag(fs)
	note := fs.String("note", "", "why this rollup is run, recorded with it (e.g. after a QA dispute was accepted)")
	format := fs.String("format", "table", "table, or json (one object per agent per line)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	m, err := parseMonthFlag(cmd, *month)
	if err != nil {
		return err
	}
	if strings.TrimSpace(*user) == "" {
		return usagef("%s: --user is required (who runs the rollup; env CCQA_USER)", cmd)
	}
	if *format != "table" && *format != "json" {
		return usagef("%s: --format: %q is not one of table, json", cmd, *format)
	}
	p, err := loadPolicy(*policy)
	if err != nil {
		return usagef("%s: --policy: %v", cmd, err)
	}
	w, err := ch.open(ctx)
	if err != nil {
		return err
	}
	defer w.Close()
	st := scorecard.NewStore(w, e.logger(slog.LevelWarn))
	res, err := st.Rollup(ctx, scorecard.RollupOptions{Month: m, Policy: p, User: *user, Note: *note, Now: time.Now()})
	if err != nil {
		return fieldUsage(cmd, err)
	}
	if *format == "json" {
		// This run's results, whether or not payroll sees it yet (after an approval the approved
		// revision stays current until this one is approved).
		enc := json.NewEncoder(e.stdout)
		for _, g := range sortedGraded(res.Graded) {
			if err := enc.Encode(gradedJSON(m, res.Run, g)); err != nil {
				return err
			}
		}
		return nil
	}
	printRollup(e, res)
	return nil
}

// gradedJSON is one agent of a run as `rollup --format json` prints it.
func gradedJSON(m time.Time, run scorecard.RunInfo, g scorecard.Graded) map[string]any {
	sc := g.Score
	comps := map[string]float64{}
	for _, c := range sc.Components {
		comps[c.ID] = c.Points.Float()
	}
	return map[string]any{
		"month": m.Format("2006-01"), "agent_id": g.AgentID, "agent_name": g.AgentName, "team": g.Team,
		"components": comps, "components_total": sc.ComponentsTotal.Float(), "adjustments_total": sc.AdjustmentsTotal.Float(),
		"total_score": sc.Total.Float(), "score": sc.Rounded, "grade": sc.Grade.Zh, "grade_en": sc.Grade.En,
		"pay_factor": sc.PayFactor, "rank_in_team": g.RankInTeam, "team_size": g.TeamSize,
		"top_streak_3": g.TopStreak3, "fail_streak_3": g.FailStreak3, "last_place_12m": g.LastPlace12m,
		"revision": run.Revision, "run_id": run.RunID, "policy_version": run.PolicyVersion,
	}
}

func printRollup(e *env, res scorecard.RollupResult) {
	m := res.Month.Format("2006-01")
	fmt.Fprintf(e.stdout, "%s: %d agents graded with policy %s by %s\n", m, len(res.Graded), res.Run.PolicyVersion, res.Run.ComputedBy)
	switch {
	case res.Previous == nil:
		fmt.Fprintf(e.stdout, "revision 1 (first rollup of %s), not approved: `ccqa approve --month %s` freezes it\n", m, m)
	case res.NewRevision:
		fmt.Fprintf(e.stdout, "NEW REVISION %d: %s was approved (revision %d, by %s at %s). Payroll keeps seeing revision %d until `ccqa approve --month %s --revision %d`\n",
			res.Run.Revision, m, res.Previous.Revision, res.Previous.ApprovedBy, res.Previous.ApprovedAt.UTC().Format("2006-01-02 15:04 UTC"),
			res.Previous.Revision, m, res.Run.Revision)
	default:
		fmt.Fprintf(e.stdout, "revision %d recomputed (draft, not approved; the previous draft run %d stays in grade_revisions)\n", res.Run.Revision, res.Previous.RunID)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "team\trank\tagent\tname\tcomponents\tadjust\ttotal\tscore\tgrade\tpay\tflags")
	for _, g := range sortedGraded(res.Graded) {
		var flags []string
		if g.TopStreak3 {
			flags = append(flags, "top_streak_3")
		}
		if g.FailStreak3 {
			flags = append(flags, "fail_streak_3")
		}
		if g.LastPlace12m > 0 {
			flags = append(flags, fmt.Sprintf("last_place_12m=%d", g.LastPlace12m))
		}
		sc := g.Score
		fmt.Fprintf(tw, "%s\t%d/%d\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%.2f\t%s\n", g.Team, g.RankInTeam, g.TeamSize, g.AgentID, g.AgentName,
			sc.ComponentsTotal, signedPoints(sc.AdjustmentsTotal), sc.Total, sc.Rounded, sc.Grade.Zh, sc.PayFactor, strings.Join(flags, " "))
	}
	tw.Flush()
	if !res.DisputesTracked {
		fmt.Fprintln(e.stdout, "QA disputes: not tracked in this warehouse (no qa_disputes_open view)")
	} else if len(res.Disputes) == 0 {
		fmt.Fprintf(e.stdout, "QA disputes: none open for %s\n", m)
	} else {
		fmt.Fprintf(e.stdout, "QA disputes: %d open for %s; their QA scores may still change (roll up again once they are resolved):\n", len(res.Disputes), m)
		for _, d := range res.Disputes {
			fmt.Fprintf(e.stdout, "  %s agent %s contact %s reviewer %s, opened by %s at %s: %s\n", d.ID, d.AgentID, d.ContactID, d.Reviewer,
				d.OpenedBy, d.OpenedAt.UTC().Format("2006-01-02 15:04 UTC"), d.Reason)
		}
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(e.stdout, "warning:", w)
	}
}

// sortedGraded orders results by team, rank and agent, as managers read them.
func sortedGraded(gs []scorecard.Graded) []scorecard.Graded {
	out := append([]scorecard.Graded(nil), gs...)
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Team != b.Team {
			return a.Team < b.Team
		}
		if a.RankInTeam != b.RankInTeam {
			return a.RankInTeam < b.RankInTeam
		}
		return a.AgentID < b.AgentID
	})
	return out
}
