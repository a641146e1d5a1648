package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ccqa/ccqa/metrics"
	"github.com/ccqa/ccqa/qa"
)

const qaUsage = `qa <command> [flags]

QA review (SPEC §6). Commands:
  rubric check FILE       validate a rubric file; prints its version
  rubric print [FILE]     print a rubric (the shipped default without FILE)
  scan --month M          run auto-QA over the month's chats (idempotent)
  sample --month M        sample and assign the month's contacts for review
  calibration --month M   agreement between reviewers on double-scored contacts
  disputes [--status S]   list disputes (申诉)
  passwd                  read a password on stdin, print its bcrypt hash for the users file`

func runQA(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(e.stderr, "Usage: ccqa "+qaUsage)
		if len(args) == 0 {
			return usagef("qa: a command is required")
		}
		return errHelp
	}
	switch args[0] {
	case "rubric":
		return runQARubric(e, args[1:])
	case "scan":
		return runQAScan(ctx, e, args[1:])
	case "sample":
		return runQASample(ctx, e, args[1:])
	case "calibration":
		return runQACalibration(ctx, e, args[1:])
	case "disputes":
		return runQADisputes(ctx, e, args[1:])
	case "passwd":
		return runQAPasswd(e, args[1:])
	}
	fmt.Fprintln(e.stderr, "Usage: ccqa "+qaUsage)
	return usagef("qa: unknown command %q", args[0])
}

func runQARubric(e *env, args []string) error {
	if len(args) == 0 || (args[0] != "check" && args[0] != "print") {
		return usagef("qa rubric: usage: ccqa qa rubric check FILE | ccqa qa rubric print [FILE]")
	}
	fs := newFlags(e, "qa rubric "+args[0], "qa rubric "+args[0]+" FILE")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	switch {
	case args[0] == "check" && fs.NArg() != 1:
		return usagef("qa rubric check: exactly one rubric file is required")
	case fs.NArg() > 1:
		return usagef("qa rubric print: at most one rubric file")
	}
	r, err := qa.LoadRubric(fs.Arg(0))
	if err != nil {
		// A bad rubric is bad input: exit 2 with the field named.
		return usagef("qa rubric %s: %v", args[0], err)
	}
	if args[0] == "print" {
		fmt.Fprint(e.stdout, r.Source)
		return nil
	}
	fmt.Fprintf(e.stdout, "%s: ok, rubric %s version %s, %d sections, %d deduction items, %d critical items\n",
		fs.Arg(0), r.ID, r.Version, len(r.Sections), len(r.Deductions), len(r.Criticals))
	return nil
}

// qaMonthFlags are the flags of the month-based qa commands.
type qaMonthFlags struct {
	ch     chFlags
	month  *string
	rubric *string
}

func (q *qaMonthFlags) register(fs *flag.FlagSet) {
	q.ch.register(fs)
	q.month = fs.String("month", "", "month, YYYY-MM (required)")
	q.rubric = fs.String("rubric", os.Getenv("CCQA_RUBRIC"), "rubric YAML file (env CCQA_RUBRIC; default: the shipped rubric)")
}

// parse checks the month and the rubric flags.
func (q *qaMonthFlags) parse(cmd string) (*qa.Rubric, time.Time, error) {
	if *q.month == "" {
		return nil, time.Time{}, usagef("%s: --month is required (YYYY-MM)", cmd)
	}
	m, err := metrics.ParseMonth(*q.month)
	if err != nil {
		return nil, time.Time{}, usagef("%s: --month: %v", cmd, err)
	}
	r, err := qa.LoadRubric(*q.rubric)
	if err != nil {
		return nil, time.Time{}, usagef("%s: --rubric: %v", cmd, err)
	}
	return r, m.Time, nil
}

// store opens the warehouse and the QA store over it; done closes them.
func (q *qaMonthFlags) store(ctx context.Context, e *env) (s *qa.Store, done func(), err error) {
	w, err := q.ch.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	s, err = qa.NewStore(ctx, w, e.logger(slog.LevelWarn))
	if err != nil {
		w.Close()
		return nil, nil, err
	}
	return s, func() { w.Close() }, nil
}

// open is parse then store.
func (q *qaMonthFlags) open(ctx context.Context, e *env, cmd string) (*qa.Store, *qa.Rubric, time.Time, func(), error) {
	r, m, err := q.parse(cmd)
	if err != nil {
		return nil, nil, time.Time{}, nil, err
	}
	s, done, err := q.store(ctx, e)
	if err != nil {
		return nil, nil, time.Time{}, nil, err
	}
	return s, r, m, done, nil
}

func runQAScan(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "qa scan", "qa scan --month 2026-11 [flags]\n\nRuns auto-QA over every chat of the month: the rubric's phrases and patterns in agent messages become findings.\nIdempotent: unchanged chats are skipped. Prints the per-agent finding rates.")
	var q qaMonthFlags
	q.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	s, r, month, done, err := q.open(ctx, e, "qa scan")
	if err != nil {
		return err
	}
	defer done()
	res, err := s.Scan(ctx, month, r)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: %d chats, %d scanned now, %d new findings (rubric %s)\n", month.Format("2006-01"), res.Chats, res.Scanned, res.Findings, r.Version)
	rates, err := s.FindingRates(ctx, month)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "agent_id\tname\tchats_scanned\tchats_with_findings\tfindings\tfinding_rate")
	for _, a := range rates {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\n", a.AgentID, a.AgentName, a.ChatsScanned, a.ChatsWithFindings, a.Findings, fmtRate(a.FindingRate))
	}
	return tw.Flush()
}

func fmtRate(p *float64) string {
	if p == nil {
		return "NULL"
	}
	return fmt.Sprintf("%.3f", *p)
}

func runQASample(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "qa sample", `qa sample --month 2026-11 --users users.yaml [flags]

Samples the month's contacts for QA review (SPEC §6) and assigns them to reviewers: every contact
with a complaint or a survey score <= 2, plus --per-agent contacts per agent spread over the month
(chats with auto-QA findings first), reproducible with --seed, never a contact twice. A share
(--double) goes to two reviewers for calibration. Running it again tops the month up: it adds
only contacts that became mandatory since and quotas not yet filled. Auto-QA runs first.`)
	var q qaMonthFlags
	q.register(fs)
	perAgent := fs.Int("per-agent", 5, "contacts drawn per agent, besides the mandatory ones")
	seed := fs.Int64("seed", 1, "random seed: the same seed over the same data picks the same contacts")
	double := fs.Float64("double", 0.10, "share of new contacts assigned to two reviewers for calibration")
	users := fs.String("users", os.Getenv("CCQA_USERS"), "users file; its reviewers get the contacts (env CCQA_USERS)")
	reviewers := fs.String("reviewers", "", "comma-separated reviewers to assign to (default: every reviewer in --users)")
	by := fs.String("by", envOr("USER", "cli"), "who runs the sampling, recorded with each row")
	dryRun := fs.Bool("dry-run", false, "print the picks without storing them")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	names := splitList(*reviewers)
	if *users != "" {
		u, err := qa.LoadUsers(*users)
		if err != nil {
			return usagef("qa sample: --users: %v", err)
		}
		all := u.WithRole(qa.RoleReviewer)
		if len(names) == 0 {
			names = all
		}
		for _, n := range names {
			if !slices.Contains(all, n) {
				return usagef("qa sample: --reviewers: %q is not a reviewer in %s", n, *users)
			}
		}
	}
	r, month, err := q.parse("qa sample")
	if err != nil {
		return err
	}
	opt := qa.SampleOptions{Month: month, PerAgent: *perAgent, Seed: *seed, DoubleShare: *double, Reviewers: names}
	if err := opt.Validate(); err != nil {
		return usagef("qa sample: --%v", err)
	}
	s, done, err := q.store(ctx, e)
	if err != nil {
		return err
	}
	defer done()
	if !*dryRun {
		if _, err := s.Scan(ctx, month, r); err != nil {
			return err
		}
	}
	in, err := s.LoadSampleInput(ctx, month)
	if err != nil {
		return err
	}
	picks, err := qa.Assign(qa.Select(in.Candidates, in.Existing, in.Reviewed, opt), in.Existing, opt)
	if err != nil {
		return usagef("qa sample: %v", err)
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "contact_id\tchannel\tagent_id\tstart\treasons\treviewers")
	for _, p := range picks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.ContactID, p.Channel, p.AgentID, p.Start.In(s.Location()).Format("2006-01-02 15:04"),
			strings.Join(p.Reasons, ","), strings.Join(p.Reviewers, ","))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if *dryRun {
		fmt.Fprintf(e.stdout, "dry run: %d contacts would be sampled for %s (%d already sampled); nothing stored\n", len(picks), month.Format("2006-01"), len(in.Existing))
		return nil
	}
	run, err := s.SaveSample(ctx, qa.SampleRun{Month: month, Seed: *seed, By: *by}, picks)
	if err != nil {
		return err
	}
	load := map[string]int{}
	for _, p := range append(in.Existing, picks...) {
		for _, rv := range p.Reviewers {
			load[rv]++
		}
	}
	var parts []string
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s=%d", n, load[n]))
	}
	fmt.Fprintf(e.stdout, "%s: %d contacts sampled (run %s, seed %d), %d in the month's sample; reviewer load: %s\n",
		month.Format("2006-01"), len(picks), run, *seed, len(in.Existing)+len(picks), strings.Join(parts, " "))
	return nil
}

func runQACalibration(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "qa calibration", "qa calibration --month 2026-11 [--format table|json] [flags]\n\nAgreement between reviewers on the month's double-scored contacts: mean absolute difference and ICC(1,1), overall, per section and per reviewer.")
	var q qaMonthFlags
	q.register(fs)
	format := fs.String("format", "table", "output format: table or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *format != "table" && *format != "json" {
		return usagef("qa calibration: --format: %q is not one of table, json", *format)
	}
	s, r, month, done, err := q.open(ctx, e, "qa calibration")
	if err != nil {
		return err
	}
	defer done()
	cal, err := s.Calibration(ctx, month, r)
	if err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(cal)
	}
	return writeCalibration(e, cal)
}

func fmtNum(p *float64) string {
	if p == nil {
		return "NULL"
	}
	return fmt.Sprintf("%.2f", *p)
}

func writeCalibration(e *env, cal *qa.Calibration) error {
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "calibration %s: %d double-scored contacts, %d pairs, total score MAD %s, ICC %s\n\n",
		cal.Month, cal.Total.Contacts, cal.Total.Pairs, fmtNum(cal.Total.MAD), fmtNum(cal.Total.ICC))
	fmt.Fprintln(tw, "section\tmax\tcontacts\tMAD\tICC")
	for _, s := range cal.Sections {
		fmt.Fprintf(tw, "%s %s\t%d\t%d\t%s\t%s\n", s.SectionID, s.Label.Zh, s.Max, s.Contacts, fmtNum(s.MAD), fmtNum(s.ICC))
	}
	fmt.Fprintln(tw, "\nreviewer\tcontacts\tMAD\tbias\tICC")
	for _, r := range cal.Reviewers {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", r.Reviewer, r.Total.Contacts, fmtNum(r.Total.MAD), fmtNum(r.Bias), fmtNum(r.Total.ICC))
	}
	return tw.Flush()
}

func runQADisputes(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "qa disputes", "qa disputes [--status open|accepted|rejected] [flags]")
	var ch chFlags
	ch.register(fs)
	status := fs.String("status", "open", "dispute status to list, or all")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	st := *status
	if st == "all" {
		st = ""
	}
	if st != "" && st != qa.DisputeOpen && st != qa.DisputeAccepted && st != qa.DisputeRejected {
		return usagef("qa disputes: --status: %q is not one of open, accepted, rejected, all", *status)
	}
	w, err := ch.open(ctx)
	if err != nil {
		return err
	}
	defer w.Close()
	s, err := qa.NewStore(ctx, w, e.logger(slog.LevelWarn))
	if err != nil {
		return err
	}
	ds, err := s.Disputes(ctx, st)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "dispute_id\tstatus\tmonth\tagent_id\tcontact_id\treviewer\tversion\topened_by\topened_at\treason")
	for _, d := range ds {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", d.ID, d.Status, d.Month.Format("2006-01"), d.AgentID, d.ContactID,
			d.Reviewer, d.ReviewVersion, d.OpenedBy, d.OpenedAt.Format(time.RFC3339), d.Reason)
	}
	return tw.Flush()
}

func runQAPasswd(e *env, args []string) error {
	fs := newFlags(e, "qa passwd", "qa passwd < password.txt\n\nReads one password (the first line of standard input) and prints its bcrypt hash for the users file.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && line == "" {
		return usagef("qa passwd: no password on standard input")
	}
	h, err := qa.HashPassword(strings.TrimRight(line, "\r\n"))
	if err != nil {
		var fe *qa.FieldError
		if errors.As(err, &fe) {
			return usagef("qa passwd: %v", err)
		}
		return err
	}
	fmt.Fprintln(e.stdout, h)
	return nil
}
