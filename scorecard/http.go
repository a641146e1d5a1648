package scorecard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/ccqa/ccqa/metrics"
)

// Access is how the adjustments API learns who sends a request and what they may do: the web
// app that mounts the handler owns sign-in and roles, the handler only asks.
//
// User returns the name of the signed-in user, or an error when nobody is (the handler answers
// 401). MayAdjust reports whether that user may see, enter and reverse the adjustments of the
// agent (the handler answers 403 when not, and leaves other agents out of lists). Both must be
// safe for concurrent use.
type Access interface {
	User(r *http.Request) (string, error)
	MayAdjust(ctx context.Context, user, agentID string) bool
}

// HandlerConfig configures the adjustments API.
type HandlerConfig struct {
	Store  *Store
	Policy *Policy
	Access Access
	// Prefix is the path the handler is mounted at, ending in "/", e.g. "/scorecard/".
	Prefix string
	Logger *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// NewHandler returns the adjustments API (即时考核, SPEC §7.3) under cfg.Prefix:
//
//	GET  {prefix}api/items                        the policy's items with the bounds of one entry
//	GET  {prefix}api/adjustments?month=2026-11[&agent=a-01]
//	POST {prefix}api/adjustments                  {"agent_id","month","item","points","reason"}
//	POST {prefix}api/adjustments/{id}/reverse     {"reason"}
//
// The user recorded with an entry is the signed-in user, never a field of the request. Writes
// must be application/json (a browser cannot send that cross-site without CORS, which is what
// protects a session cookie from cross-site requests here). Bad input is a 400 naming the field.
func NewHandler(cfg HandlerConfig) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	h := &handler{cfg: cfg}
	mux := http.NewServeMux()
	p := cfg.Prefix
	mux.HandleFunc("GET "+p+"api/items", h.api(h.items))
	mux.HandleFunc("GET "+p+"api/adjustments", h.api(h.list))
	mux.HandleFunc("POST "+p+"api/adjustments", h.api(h.add))
	mux.HandleFunc("POST "+p+"api/adjustments/{id}/reverse", h.api(h.reverse))
	mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, apiError{Error: "no such endpoint: " + r.Method + " " + r.URL.Path})
	})
	return mux
}

type handler struct{ cfg HandlerConfig }

type apiError struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

// statusError is an error with the HTTP status it answers.
type statusError struct {
	status int
	msg    string
}

func (e *statusError) Error() string { return e.msg }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// api authenticates, runs fn and writes its answer: a FieldError is a 400 naming the field, a
// statusError its status, anything else a logged 500.
func (h *handler) api(fn func(r *http.Request, user string) (int, any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		user, err := h.cfg.Access.User(r)
		if err != nil || user == "" {
			writeJSON(w, http.StatusUnauthorized, apiError{Error: fmt.Sprintf("sign in first: %v", err)})
			return
		}
		status, body, err := fn(r, user)
		if err != nil {
			var fe *FieldError
			var se *statusError
			switch {
			case errors.As(err, &fe):
				writeJSON(w, http.StatusBadRequest, apiError{Error: fe.Error(), Field: fe.Field})
			case errors.As(err, &se):
				writeJSON(w, se.status, apiError{Error: se.msg})
			default:
				h.cfg.Logger.Error("adjustments API", "method", r.Method, "path", r.URL.Path, "user", user, "err", err)
				writeJSON(w, http.StatusInternalServerError, apiError{Error: "internal error; see the server log"})
			}
			return
		}
		writeJSON(w, status, body)
	}
}

// EntryJSON is an entry as the API shows it; points are a decimal string ("-5", "0.5").
type EntryJSON struct {
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

func entryJSON(e Entry) EntryJSON {
	return EntryJSON{e.ID, e.AgentID, e.Month.Format("2006-01"), e.Item, e.Points.String(), e.Reason, e.User, e.At.UTC(), e.Reverses}
}

type itemJSON struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	Label Text   `json:"label"`
	Min   string `json:"min"`
	Max   string `json:"max"`
}

func (h *handler) items(r *http.Request, user string) (int, any, error) {
	p := h.cfg.Policy
	var out []itemJSON
	for _, id := range p.Items() {
		lo, hi, label, _ := p.EntryRange(id)
		kind := "adjustment"
		if p.Component(id) != nil {
			kind = "manual_component"
		}
		out = append(out, itemJSON{id, kind, label, lo.String(), hi.String()})
	}
	return http.StatusOK, map[string]any{"policy": p.Version(), "items": out}, nil
}

func parseMonth(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, &FieldError{"month", "is required (YYYY-MM)"}
	}
	m, err := metrics.ParseMonth(s)
	if err != nil {
		return time.Time{}, &FieldError{"month", err.Error()}
	}
	return m.Time, nil
}

func (h *handler) list(r *http.Request, user string) (int, any, error) {
	m, err := parseMonth(r.URL.Query().Get("month"))
	if err != nil {
		return 0, nil, err
	}
	agent := strings.TrimSpace(r.URL.Query().Get("agent"))
	if agent != "" && !h.cfg.Access.MayAdjust(r.Context(), user, agent) {
		return 0, nil, &statusError{http.StatusForbidden, fmt.Sprintf("%s may not see the adjustments of %s", user, agent)}
	}
	list, err := h.cfg.Store.Adjustments(r.Context(), m, agent)
	if err != nil {
		return 0, nil, err
	}
	may := map[string]bool{}
	out := []EntryJSON{}
	for _, e := range list {
		ok, seen := may[e.AgentID]
		if !seen {
			ok = h.cfg.Access.MayAdjust(r.Context(), user, e.AgentID)
			may[e.AgentID] = ok
		}
		if ok {
			out = append(out, entryJSON(e))
		}
	}
	return http.StatusOK, map[string]any{"month": m.Format("2006-01"), "adjustments": out}, nil
}

// decode reads a JSON body strictly: JSON content type, at most 64 KiB, no unknown fields.
func decode(r *http.Request, v any) error {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/json" {
		return &statusError{http.StatusUnsupportedMediaType, "the body must be application/json"}
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return &FieldError{"body", fmt.Sprintf("not a valid request: %v", err)}
	}
	if dec.More() {
		return &FieldError{"body", "unexpected data after the JSON object"}
	}
	return nil
}

type addRequest struct {
	AgentID string      `json:"agent_id"`
	Month   string      `json:"month"`
	Item    string      `json:"item"`
	Points  json.Number `json:"points"`
	Reason  string      `json:"reason"`
}

func (h *handler) add(r *http.Request, user string) (int, any, error) {
	var req addRequest
	if err := decode(r, &req); err != nil {
		return 0, nil, err
	}
	m, err := parseMonth(req.Month)
	if err != nil {
		return 0, nil, err
	}
	if req.Points == "" {
		return 0, nil, &FieldError{"points", "is required"}
	}
	pts, err := ParsePoints(string(req.Points))
	if err != nil {
		return 0, nil, &FieldError{"points", err.Error()}
	}
	in := AdjustmentInput{AgentID: strings.TrimSpace(req.AgentID), Month: m, Item: req.Item, Points: pts, Reason: req.Reason, User: user}
	if err := in.Validate(h.cfg.Policy); err != nil {
		return 0, nil, err
	}
	if !h.cfg.Access.MayAdjust(r.Context(), user, in.AgentID) {
		return 0, nil, &statusError{http.StatusForbidden, fmt.Sprintf("%s may not enter adjustments for %s", user, in.AgentID)}
	}
	e, err := h.cfg.Store.AddAdjustment(r.Context(), h.cfg.Policy, in, h.cfg.Now())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, entryJSON(e), nil
}

type reverseRequest struct {
	Reason string `json:"reason"`
}

func (h *handler) reverse(r *http.Request, user string) (int, any, error) {
	var req reverseRequest
	if err := decode(r, &req); err != nil {
		return 0, nil, err
	}
	id := r.PathValue("id")
	orig, _, err := h.cfg.Store.Adjustment(r.Context(), id)
	if err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			return 0, nil, &statusError{http.StatusNotFound, fe.Msg}
		}
		return 0, nil, err
	}
	if !h.cfg.Access.MayAdjust(r.Context(), user, orig.AgentID) {
		return 0, nil, &statusError{http.StatusForbidden, fmt.Sprintf("%s may not reverse adjustments of %s", user, orig.AgentID)}
	}
	e, err := h.cfg.Store.ReverseAdjustment(r.Context(), id, req.Reason, user, h.cfg.Now())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, entryJSON(e), nil
}

// AgentTeam returns the agent's team from the reference data ("" when unknown).
func (s *Store) AgentTeam(ctx context.Context, agentID string) (string, error) {
	rows, err := s.wh.Conn().Query(ctx, s.sql("agent_team.sql", nil), agentID)
	if err != nil {
		return "", fmt.Errorf("agent team: %w", err)
	}
	defer rows.Close()
	var team string
	if rows.Next() {
		if err := rows.Scan(&team); err != nil {
			return "", err
		}
	}
	return team, rows.Err()
}
