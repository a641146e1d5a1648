package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ccqa/ccqa/event"
	"github.com/ccqa/ccqa/ingest"
	"github.com/ccqa/ccqa/metrics"
	"github.com/ccqa/ccqa/traffic"
)

// genFlags describe the synthetic traffic, shared by `ccqa gen` and `ccqa demo`.
type genFlags struct {
	seed                   int64
	month                  string
	days, agents, teams    int
	rate, dupRate, invalid float64
	tz                     string
}

func (f *genFlags) register(fs interface {
	Int64Var(*int64, string, int64, string)
	StringVar(*string, string, string, string)
	IntVar(*int, string, int, string)
	Float64Var(*float64, string, float64, string)
}) {
	d := traffic.DefaultConfig(1)
	fs.Int64Var(&f.seed, "seed", 1, "random seed: the same seed and flags give byte-identical traffic")
	fs.StringVar(&f.month, "month", "", "month to generate, YYYY-MM (default: the current month in --tz)")
	fs.IntVar(&f.days, "days", 0, "days to generate from the month's first day (default: the whole month)")
	fs.IntVar(&f.agents, "agents", d.Agents, "number of agents")
	fs.IntVar(&f.teams, "teams", d.Teams, "number of teams")
	fs.Float64Var(&f.rate, "contacts-per-agent-day", d.ContactsPerAgentDay, "mean handled contacts per agent per working day")
	fs.Float64Var(&f.dupRate, "duplicate-rate", d.DuplicateRate, "share of messages re-sent as exact duplicates")
	fs.Float64Var(&f.invalid, "invalid-rate", d.InvalidRate, "invalid messages per valid message")
	fs.StringVar(&f.tz, "tz", "Asia/Shanghai", "business time zone")
}

// config turns the flags into a generator configuration; errors name the flag.
func (f *genFlags) config() (traffic.Config, metrics.Month, error) {
	loc, err := time.LoadLocation(f.tz)
	if err != nil {
		return traffic.Config{}, metrics.Month{}, usagef("--tz: unknown time zone %q", f.tz)
	}
	var m metrics.Month
	if f.month == "" {
		now := time.Now().In(loc)
		m = metrics.Month{Time: time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)}
	} else if m, err = metrics.ParseMonth(f.month); err != nil {
		return traffic.Config{}, metrics.Month{}, usagef("--month: %v", err)
	}
	days := f.days
	if days == 0 {
		days = int(m.AddDate(0, 1, 0).Sub(m.Time).Hours() / 24)
	}
	// Zero means "none" on the command line; the generator reads zero as "default".
	off := func(r float64) float64 {
		if r == 0 {
			return traffic.RateOff
		}
		return r
	}
	cfg := traffic.Config{
		Seed: f.seed, Start: time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, loc), Days: days, Location: loc,
		Agents: f.agents, Teams: f.teams, ContactsPerAgentDay: f.rate, DuplicateRate: off(f.dupRate), InvalidRate: off(f.invalid),
	}
	if err := cfg.Validate(); err != nil {
		return cfg, m, usagef("%v", err)
	}
	return cfg, m, nil
}

func runGen(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "gen", "gen [--out DIR | --brokers HOST:PORT] [flags]\n\nGenerates realistic synthetic traffic (calls, chats, surveys, orders, with a small share of\nduplicates and invalid messages) to JSON-lines files in DIR, or to the Kafka topics.\nWith --out it also writes agents.csv and targets.csv.")
	var gf genFlags
	gf.register(fs)
	out := fs.String("out", "", "write JSON-lines files and reference CSVs into this directory instead of Kafka")
	brokers := fs.String("brokers", envOr("CCQA_BROKERS", "127.0.0.1:9092"), "Kafka bootstrap brokers (env CCQA_BROKERS)")
	partitions := fs.Int("partitions", 4, "partitions of topics created when missing")
	topics := map[event.Kind]*string{}
	for _, k := range event.Kinds {
		topics[k] = fs.String("topic-"+string(k)+"s", event.DefaultTopic(k), "topic of "+string(k)+" events")
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, _, err := gf.config()
	if err != nil {
		return err
	}
	g, err := traffic.New(cfg)
	if err != nil {
		return usagef("%v", err)
	}
	if *out != "" {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return err
		}
		c, err := traffic.WriteFiles(ctx, g, *out)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "wrote %s to %s\n", c, filepath.Clean(*out))
		return nil
	}
	tm := map[event.Kind]string{}
	var names []string
	for k, t := range topics {
		tm[k] = *t
		names = append(names, *t)
	}
	bl := splitList(*brokers)
	if len(bl) == 0 {
		return usagef("gen: --brokers: at least one broker is required (or use --out DIR)")
	}
	if err := ingest.EnsureTopics(ctx, bl, names, *partitions, nil); err != nil {
		return err
	}
	bar := newProgressBar(e.stderr, "producing", 0)
	pc, err := produce(ctx, bl, tm, g, func(n int) { bar.set(n) })
	if err != nil {
		return err
	}
	bar.done(pc.Total().Records)
	fmt.Fprintf(e.stdout, "produced %s\n", pc)
	return nil
}
