// Package web is the QA reviewers' web app and its JSON API (SPEC §6), mounted under /qa/ by
// `ccqa serve`. Pages are rendered on the server with html/template; the only static file is
// the stylesheet the binary serves itself, so a page makes no request to any other host.
//
// Access: users sign in with a password from the users file (bcrypt); the session is an
// HttpOnly, SameSite=Lax cookie holding a random token, and every form carries a per-session
// CSRF token. The JSON API accepts the same session (with the CSRF token in the X-CSRF-Token
// header on writes) or HTTP Basic credentials for scripts. What a user may see and do depends on
// the role: see the can* methods.
package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/ccqa/ccqa/qa"
)

//go:embed templates/*.html static/*
var assets embed.FS

// Config is what the web app needs.
type Config struct {
	Store  *qa.Store
	Users  *qa.Users
	Rubric *qa.Rubric
	Logger *slog.Logger
	// SecureCookies marks cookies Secure: set it when the app is served over HTTPS.
	SecureCookies bool
	// SessionTTL is how long a sign-in lasts (default 12 h).
	SessionTTL time.Duration
}

// Server serves the QA web app and API. Sessions live in memory: restarting the server signs
// everyone out, which is acceptable for a back-office tool and keeps no secret on disk.
type Server struct {
	cfg   Config
	log   *slog.Logger
	pages map[string]*template.Template
	mux   *http.ServeMux
	now   func() time.Time

	mu       sync.Mutex
	sessions map[string]*session
}

type session struct {
	user    *qa.User
	csrf    string
	expires time.Time
}

const (
	sessionCookie = "ccqa_session"
	loginCookie   = "ccqa_login"
	maxBody       = 1 << 20
)

// New builds the server; it stores the rubric so reviews scored with it can be shown later.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.Users == nil || cfg.Rubric == nil {
		return nil, errors.New("web: Store, Users and Rubric are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if err := cfg.Store.SaveRubric(ctx, cfg.Rubric); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, now: time.Now, sessions: map[string]*session{}}
	if err := s.parseTemplates(); err != nil {
		return nil, err
	}
	s.routes()
	return s, nil
}

// Handler returns the app's handler; it expects to be mounted at /qa/.
func (s *Server) Handler() http.Handler { return s.mux }

func (s *Server) routes() {
	m := http.NewServeMux()
	static, _ := fs.Sub(assets, "static")
	m.Handle("GET /qa/static/", http.StripPrefix("/qa/static/", http.FileServerFS(static)))
	m.HandleFunc("GET /qa/{$}", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/qa/queue", http.StatusSeeOther) })
	m.HandleFunc("GET /qa/login", s.loginPage)
	m.HandleFunc("POST /qa/login", s.login)
	m.HandleFunc("POST /qa/logout", s.page(s.logout))
	m.HandleFunc("GET /qa/queue", s.page(s.queuePage))
	m.HandleFunc("GET /qa/contacts/{id}", s.page(s.contactPage))
	m.HandleFunc("POST /qa/contacts/{id}/review", s.page(s.reviewPost))
	m.HandleFunc("POST /qa/contacts/{id}/disputes", s.page(s.disputePost))
	m.HandleFunc("GET /qa/disputes", s.page(s.disputesPage))
	m.HandleFunc("GET /qa/disputes/{id}", s.page(s.disputePage))
	m.HandleFunc("POST /qa/disputes/{id}/resolve", s.page(s.resolvePost))
	m.HandleFunc("GET /qa/calibration", s.page(s.calibrationPage))

	m.HandleFunc("GET /qa/api/me", s.api(s.apiMe))
	m.HandleFunc("GET /qa/api/rubric", s.api(s.apiRubric))
	m.HandleFunc("GET /qa/api/queue", s.api(s.apiQueue))
	m.HandleFunc("GET /qa/api/contacts/{id}", s.api(s.apiContact))
	m.HandleFunc("GET /qa/api/contacts/{id}/history", s.api(s.apiHistory))
	m.HandleFunc("POST /qa/api/contacts/{id}/review", s.api(s.apiReview))
	m.HandleFunc("POST /qa/api/contacts/{id}/disputes", s.api(s.apiOpenDispute))
	m.HandleFunc("GET /qa/api/disputes", s.api(s.apiDisputes))
	m.HandleFunc("POST /qa/api/disputes/{id}/resolve", s.api(s.apiResolve))
	m.HandleFunc("GET /qa/api/calibration", s.api(s.apiCalibration))
	m.HandleFunc("GET /qa/api/finding-rates", s.api(s.apiFindingRates))
	m.HandleFunc("/qa/api/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, apiError{Error: "no such API endpoint: " + r.Method + " " + r.URL.Path})
	})
	s.mux = m
}

func randomToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

func (s *Server) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.cfg.SecureCookies, MaxAge: maxAge}
}

func (s *Server) newSession(u *qa.User) (token string, sess *session) {
	token = randomToken()
	sess = &session{user: u, csrf: randomToken(), expires: s.now().Add(s.cfg.SessionTTL)}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Drop expired sessions now and then, so the map does not grow without bound.
	for k, v := range s.sessions {
		if v.expires.Before(s.now()) {
			delete(s.sessions, k)
		}
	}
	s.sessions[token] = sess
	return token, sess
}

func (s *Server) sessionOf(r *http.Request) (string, *session) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return "", nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := s.sessions[c.Value]
	if sess == nil || sess.expires.Before(s.now()) {
		delete(s.sessions, c.Value)
		return "", nil
	}
	return c.Value, sess
}

func tokensEqual(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// httpError is an error with the status it should be answered with.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func errStatus(status int, format string, args ...any) error {
	return &httpError{status: status, msg: fmt.Sprintf(format, args...)}
}

var errForbidden = errStatus(http.StatusForbidden, "forbidden: your role may not do this")

// statusOf maps an error to an HTTP status and a message fit to show. Anything unexpected is a
// 500 with a generic message (and logged); every kind of wrong input has its own 4xx.
func (s *Server) statusOf(r *http.Request, err error) (int, string) {
	var he *httpError
	var ve qa.Errors
	var ce *qa.ConflictError
	var fe *qa.FieldError
	switch {
	case errors.As(err, &he):
		return he.status, he.msg
	case errors.As(err, &ve), errors.As(err, &fe):
		return http.StatusUnprocessableEntity, err.Error()
	case errors.As(err, &ce):
		return http.StatusConflict, err.Error()
	case errors.Is(err, qa.ErrState):
		return http.StatusConflict, err.Error()
	case errors.Is(err, qa.ErrNotFound):
		return http.StatusNotFound, "not found"
	case errors.Is(err, context.Canceled):
		return 499, "request cancelled"
	}
	s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	return http.StatusInternalServerError, "internal error; the details are in the server log"
}
