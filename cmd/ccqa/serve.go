package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/ccqa/ccqa/qa"
	"github.com/ccqa/ccqa/qa/web"
)

// mount is one application that `ccqa serve` serves under its own path prefix. Each package
// that has pages builds its handler; serve only puts them side by side (the dashboards will
// mount at /dashboards/ the same way).
type mount struct {
	prefix  string // ends with "/", e.g. "/qa/"
	handler http.Handler
}

// serveMux puts the mounted apps on one mux, with / redirecting to the first and /healthz
// for load balancers.
func serveMux(mounts []mount) *http.ServeMux {
	mux := http.NewServeMux()
	for _, m := range mounts {
		mux.Handle(m.prefix, m.handler)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	home := "/qa/"
	if len(mounts) > 0 {
		home = mounts[0].prefix
	}
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, home, http.StatusSeeOther) })
	return mux
}

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", `serve --users users.yaml [flags]

Serves the QA reviewers' web app and JSON API at /qa/ (SPEC §6). Users and roles come from the
users file (see qa/users.example.yaml; `+"`ccqa qa passwd`"+` makes password hashes). Auto-QA runs over
the current and previous month's chats every --scan-interval.`)
	var ch chFlags
	ch.register(fs)
	addr := fs.String("addr", envOr("CCQA_HTTP_ADDR", "127.0.0.1:8080"), "HTTP listen address (env CCQA_HTTP_ADDR)")
	users := fs.String("users", os.Getenv("CCQA_USERS"), "users file with roles and bcrypt password hashes (env CCQA_USERS; required)")
	rubric := fs.String("rubric", os.Getenv("CCQA_RUBRIC"), "rubric YAML file (env CCQA_RUBRIC; default: the shipped rubric)")
	scanEvery := fs.Duration("scan-interval", 10*time.Minute, "how often auto-QA scans the current and previous month's chats; 0 turns it off")
	secure := fs.Bool("secure-cookies", false, "mark cookies Secure (set when served over HTTPS, e.g. behind a TLS proxy)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *users == "" {
		return usagef("serve: --users is required (a users file; see qa/users.example.yaml)")
	}
	u, err := qa.LoadUsers(*users)
	if err != nil {
		return usagef("serve: --users: %v", err)
	}
	r, err := qa.LoadRubric(*rubric)
	if err != nil {
		return usagef("serve: --rubric: %v", err)
	}
	if *scanEvery < 0 {
		return usagef("serve: --scan-interval: must not be negative")
	}
	if _, _, err := net.SplitHostPort(*addr); err != nil {
		return usagef("serve: --addr %q: %v", *addr, err)
	}
	log := e.logger(slog.LevelInfo)
	w, err := ch.open(ctx)
	if err != nil {
		return err
	}
	defer w.Close()
	store, err := qa.NewStore(ctx, w, log)
	if err != nil {
		return err
	}
	app, err := web.New(ctx, web.Config{Store: store, Users: u, Rubric: r, Logger: log, SecureCookies: *secure})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	dash, err := dashboardsMount(ctx, w, r, app, log)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: serveMux([]mount{{prefix: "/qa/", handler: app.Handler()}, dash}), ReadHeaderTimeout: 10 * time.Second}
	if err := mountAdjustments(srv.Handler.(*http.ServeMux), w, app, u, log); err != nil {
		return err
	}
	if *scanEvery > 0 {
		go scanLoop(ctx, store, r, *scanEvery, log)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("serving", "url", "http://"+ln.Addr().String()+"/qa/", "rubric", r.Version, "users", len(u.All()))
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	return nil
}

// scanLoop runs auto-QA over the current and previous month (business time zone) now and then
// every interval, so chats ingested while the server runs get their findings before a reviewer
// opens them. Scans are idempotent, so overlapping with `ccqa qa scan` is harmless.
func scanLoop(ctx context.Context, s *qa.Store, r *qa.Rubric, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		now := time.Now().In(s.Location())
		cur := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
		for _, m := range []time.Time{cur.AddDate(0, -1, 0), cur} {
			if _, err := s.Scan(ctx, m, r); err != nil && ctx.Err() == nil {
				log.Error("auto-QA scan failed", "month", m.Format("2006-01"), "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
