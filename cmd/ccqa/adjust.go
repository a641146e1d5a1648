package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"text/tabwriter"
	"time"

	"github.com/ccqa/ccqa/metrics"
	"github.com/ccqa/ccqa/qa"
	"github.com/ccqa/ccqa/qa/web"
	"github.com/ccqa/ccqa/scorecard"
	"github.com/ccqa/ccqa/warehouse"
)

const adjustUsage = `adjust <command> [flags]

Manager entries (即时考核, SPEC §7.3): points added to or taken from an agent's month for an
adjustment item (lateness, praise, a banner …) or a manual component of the policy, each with a
reason and the user who entered it. Nothing is ever deleted: a reversal is a new entry.
Commands:
  add --agent A --month M --item I --points P --reason R --user U
  list --month M [--agent A] [--format table|json]
  reverse --id ID --reason R --user U
  items [--policy P]        the items the policy accepts, with the bounds of one entry`

func runAdjust(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(e.stderr, "Usage: ccqa "+adjustUsage)
		if len(args) == 0 {
			return usagef("adjust: a command is required (add, list, reverse or items)")
		}
		return errHelp
	}
	switch args[0] {
	case "add":
		return runAdjustAdd(ctx, e, args[1:])
	case "list":
		return runAdjustList(ctx, e, args[1:])
	case "reverse":
		return runAdjustReverse(ctx, e, args[1:])
	case "items":
		return runAdjustItems(e, args[1:])
	}
	fmt.Fprintln(e.stderr, "Usage: ccqa "+adjustUsage)
	return usagef("adjust: unknown command %q", args[0])
}

// fieldUsage turns a scorecard.FieldError (bad input) into a usage error naming the flag.
func fieldUsage(cmd string, err error) error {
	var fe *scorecard.FieldError
	if errors.As(err, &fe) {
		return usagef("%s: --%s: %s", cmd, fe.Field, fe.Msg)
	}
	return err
}

func parseMonthFlag(cmd, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, usagef("%s: --month is required (YYYY-MM)", cmd)
	}
	m, err := metrics.ParseMonth(v)
	if err != nil {
		return time.Time{}, usagef("%s: --month: %v", cmd, err)
	}
	return m.Time, nil
}

func runAdjustAdd(ctx context.Context, e *env, args []string) error {
	const cmd = "adjust add"
	fs := newFlags(e, cmd, "adjust add --agent A --month 2026-11 --item late --points -2 --reason \"迟到 8 分钟\" --user U [flags]")
	var ch chFlags
	ch.register(fs)
	agent := fs.String("agent", "", "agent id (required)")
	month := fs.String("month", "", "month the entry counts for, YYYY-MM (required)")
	item := fs.String("item", "", "adjustment item or manual component id of the policy (required; `ccqa adjust items` lists them)")
	points := fs.String("points", "", "points, negative to deduct, e.g. -2 or 10 or 0.5 (required)")
	reason := fs.String("reason", "", "why, in words the agent will read (required)")
	user := userFlag(fs, "enters the adjustment")
	policy := policyFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q", cmd, fs.Arg(0))
	}
	m, err := parseMonthFlag(cmd, *month)
	if err != nil {
		return err
	}
	if *points == "" {
		return usagef("%s: --points is required", cmd)
	}
	pts, err := scorecard.ParsePoints(*points)
	if err != nil {
		return usagef("%s: --points: %v", cmd, err)
	}
	p, err := loadPolicy(*policy)
	if err != nil {
		return usagef("%s: --policy: %v", cmd, err)
	}
	in := scorecard.AdjustmentInput{AgentID: *agent, Month: m, Item: *item, Points: pts, Reason: *reason, User: *user}
	// Check the input before connecting, so a typo is reported without a warehouse.
	if err := in.Validate(p); err != nil {
		return fieldUsage(cmd, err)
	}
	w, err := ch.open(ctx)
	if err != nil {
		return err
	}
	defer w.Close()
	st := scorecard.NewStore(w, nil)
	entry, err := st.AddAdjustment(ctx, p, in, time.Now())
	if err != nil {
		return fieldUsage(cmd, err)
	}
	fmt.Fprintf(e.stdout, "%s: %s %s %s points for %s in %s (%s), by %s\n", entry.ID, entry.Item, itemLabel(p, entry.Item),
		signedPoints(entry.Points), entry.AgentID, m.Format("2006-01"), entry.Reason, entry.User)
	return noteApproved(ctx, e, st, m)
}

// noteApproved tells the user when the month is already approved: the entry counts from the
// next rollup, which will be a new revision.
func noteApproved(ctx context.Context, e *env, st *scorecard.Store, m time.Time) error {
	run, err := st.LatestRun(ctx, m)
	if err != nil {
		return err
	}
	if run != nil && run.Approved {
		fmt.Fprintf(e.stdout, "note: %s is approved (revision %d); this counts from the next `ccqa rollup --month %s`, which will be revision %d and needs approving\n",
			m.Format("2006-01"), run.Revision, m.Format("2006-01"), run.Revision+1)
	} else if run != nil {
		fmt.Fprintf(e.stdout, "note: %s was rolled up (revision %d, not approved); run `ccqa rollup --month %s` again to count this\n",
			m.Format("2006-01"), run.Revision, m.Format("2006-01"))
	}
	return nil
}

func itemLabel(p *scorecard.Policy, item string) string {
	if _, _, label, ok := p.EntryRange(item); ok {
		return "(" + label.String() + ")"
	}
	return ""
}

func signedPoints(p scorecard.Points) string {
	if p > 0 {
		return "+" + p.String()
	}
	return p.String()
}

func runAdjustReverse(ctx context.Context, e *env, args []string) error {
	const cmd = "adjust reverse"
	fs := newFlags(e, cmd, "adjust reverse --id ID --reason R --user U [flags]")
	var ch chFlags
	ch.register(fs)
	id := fs.String("id", "", "id of the entry to reverse (required; `ccqa adjust list` shows ids)")
	reason := fs.String("reason", "", "why it is reversed (required)")
	user := userFlag(fs, "reverses the entry")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q", cmd, fs.Arg(0))
	}
	switch {
	case *id == "":
		return usagef("%s: --id is required", cmd)
	case *reason == "":
		return usagef("%s: --reason is required", cmd)
	case *user == "":
		return usagef("%s: --user is required", cmd)
	}
	w, err := ch.open(ctx)
	if err != nil {
		return err
	}
	defer w.Close()
	st := scorecard.NewStore(w, nil)
	r, err := st.ReverseAdjustment(ctx, *id, *reason, *user, time.Now())
	if err != nil {
		return fieldUsage(cmd, err)
	}
	fmt.Fprintf(e.stdout, "%s: reverses %s (%s %s points for %s in %s), by %s\n", r.ID, r.Reverses, r.Item, signedPoints(r.Points),
		r.AgentID, r.Month.Format("2006-01"), r.User)
	return noteApproved(ctx, e, st, r.Month)
}

// entryJSON is an entry as `adjust list --format json` prints it, one object per line.
type entryJSON struct {
	ID       string    `json:"id"`
	AgentID  string    `json:"agent_id"`
	Month    string    `json:"month"`
	Item     string    `json:"item"`
	Points   string    `json:"points"`
	Reason   string    `json:"reason"`
	User     string    `json:"user"`
	At       time.Time `json:"at"`
	Reverses string    `json:"reverses,omitempty"`
}

func runAdjustList(ctx context.Context, e *env, args []string) error {
	const cmd = "adjust list"
	fs := newFlags(e, cmd, "adjust list --month M [--agent A] [--format table|json] [flags]")
	var ch chFlags
	ch.register(fs)
	month := fs.String("month", "", "month, YYYY-MM (required)")
	agent := fs.String("agent", "", "only this agent")
	format := fs.String("format", "table", "table or json (one object per line)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	m, err := parseMonthFlag(cmd, *month)
	if err != nil {
		return err
	}
	if *format != "table" && *format != "json" {
		return usagef("%s: --format: %q is not one of table, json", cmd, *format)
	}
	w, err := ch.open(ctx)
	if err != nil {
		return err
	}
	defer w.Close()
	list, err := scorecard.NewStore(w, nil).Adjustments(ctx, m, *agent)
	if err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(e.stdout)
		for _, x := range list {
			if err := enc.Encode(entryJSON{x.ID, x.AgentID, x.Month.Format("2006-01"), x.Item, x.Points.String(), x.Reason, x.User, x.At.UTC(), x.Reverses}); err != nil {
				return err
			}
		}
		return nil
	}
	if len(list) == 0 {
		fmt.Fprintf(e.stderr, "no adjustments in %s\n", m.Format("2006-01"))
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "id\tagent\titem\tpoints\tuser\tat (UTC)\treason")
	for _, x := range list {
		reason := x.Reason
		if x.Reverses != "" {
			reason = "reverses " + x.Reverses + ": " + reason
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", x.ID, x.AgentID, x.Item, signedPoints(x.Points), x.User, x.At.UTC().Format("2006-01-02 15:04"), reason)
	}
	return tw.Flush()
}

func runAdjustItems(e *env, args []string) error {
	fs := newFlags(e, "adjust items", "adjust items [--policy P]")
	policy := policyFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	p, err := loadPolicy(*policy)
	if err != nil {
		return usagef("adjust items: --policy: %v", err)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "item\tkind\tone entry\tlabel\n")
	for _, id := range p.Items() {
		lo, hi, label, _ := p.EntryRange(id)
		kind := "adjustment"
		if c := p.Component(id); c != nil {
			kind = "manual component (default " + c.Default.Points.String() + " of " + c.Max.Points.String() + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s to %s\t%s\n", id, kind, signedPoints(lo), signedPoints(hi), label)
	}
	return tw.Flush()
}

// adjustAccess lets the adjustments API use the QA app's sign-in and roles: HTTP Basic
// credentials from the users file, or the QA app's session cookie. Admins may adjust every
// agent, managers the agents of their teams (from agents.csv); nobody else.
type adjustAccess struct {
	users *qa.Users
	// sessions is the QA app when it can tell the user signed in with a session cookie (its
	// SignedInUser hook, which the dashboards share too); nil otherwise.
	sessions interface{ SignedInUser(*http.Request) *qa.User }
	store    *scorecard.Store
	log      *slog.Logger
}

func (a *adjustAccess) User(r *http.Request) (string, error) {
	if name, pass, ok := r.BasicAuth(); ok {
		if u := a.users.Authenticate(name, pass); u != nil {
			return u.Username, nil
		}
		return "", errors.New("wrong username or password")
	}
	if a.sessions != nil {
		if u := a.sessions.SignedInUser(r); u != nil {
			return u.Username, nil
		}
	}
	return "", errors.New("HTTP Basic credentials or the QA app's session cookie are required")
}

func (a *adjustAccess) MayAdjust(ctx context.Context, user, agentID string) bool {
	u := a.users.Get(user)
	switch {
	case u == nil:
		return false
	case u.Is(qa.RoleAdmin):
		return true
	case !u.Is(qa.RoleManager):
		return false
	}
	team, err := a.store.AgentTeam(ctx, agentID)
	if err != nil {
		a.log.Error("adjustments API: agent team", "agent", agentID, "err", err)
		return false
	}
	return u.Manages(team)
}

// mountAdjustments adds the adjustments API (scorecard.NewHandler) to serve's mux at /scorecard/,
// with the shipped policy or --policy's (env CCQA_POLICY).
func mountAdjustments(mux *http.ServeMux, w *warehouse.Warehouse, app *web.Server, users *qa.Users, log *slog.Logger) error {
	p, err := loadPolicy(os.Getenv("CCQA_POLICY"))
	if err != nil {
		return usagef("serve: CCQA_POLICY: %v", err)
	}
	st := scorecard.NewStore(w, log)
	acc := &adjustAccess{users: users, store: st, log: log}
	if s, ok := any(app).(interface{ SignedInUser(*http.Request) *qa.User }); ok {
		acc.sessions = s
	}
	mux.Handle("/scorecard/", scorecard.NewHandler(scorecard.HandlerConfig{Store: st, Policy: p, Prefix: "/scorecard/", Logger: log, Access: acc}))
	return nil
}
