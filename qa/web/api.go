package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"

	"github.com/ccqa/ccqa/qa"
)

// apiError is every API error body: a message, and per-field messages for validation errors.
type apiError struct {
	Error  string            `json:"error"`
	Fields map[string]string `json:"fields,omitempty"`
	// Current is the current review on a version conflict.
	Current *qa.Review `json:"current,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// api wraps an API handler: the caller authenticates with HTTP Basic credentials or the
// session cookie (then a write needs the session's CSRF token in X-CSRF-Token); errors become
// JSON with the right status.
func (s *Server) api(h func(*http.Request, *reqCtx) (int, any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rc, err := s.apiAuth(r)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Basic realm="ccqa-api"`)
			writeJSON(w, http.StatusUnauthorized, apiError{Error: err.Error()})
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		}
		status, body, err := h(r, rc)
		if err != nil {
			st, msg := s.statusOf(r, err)
			e := apiError{Error: msg}
			var ve qa.Errors
			if errors.As(err, &ve) {
				e.Fields = map[string]string{}
				for _, fe := range ve {
					e.Fields[fe.Field] = fe.Msg
				}
			}
			var ce *qa.ConflictError
			if errors.As(err, &ce) {
				e.Current = ce.Current
			}
			writeJSON(w, st, e)
			return
		}
		writeJSON(w, status, body)
	}
}

func (s *Server) apiAuth(r *http.Request) (*reqCtx, error) {
	if user, pass, ok := r.BasicAuth(); ok {
		u := s.cfg.Users.Authenticate(user, pass)
		if u == nil {
			s.log.Warn("API sign-in failed", "username", user, "remote", r.RemoteAddr)
			return nil, errors.New("wrong username or password")
		}
		return &reqCtx{user: u, sess: &session{user: u}}, nil
	}
	token, sess := s.sessionOf(r)
	if sess == nil {
		return nil, errors.New("sign in: HTTP Basic credentials or a session cookie are required")
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && !tokensEqual(r.Header.Get("X-CSRF-Token"), sess.csrf) {
		return nil, errors.New("a write with the session cookie needs the session's CSRF token in the X-CSRF-Token header")
	}
	return &reqCtx{user: sess.user, sess: sess, token: token}, nil
}

// decodeJSON decodes a request body strictly: unknown fields, wrong types and trailing data are
// 400s naming the problem.
func decodeJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return errStatus(http.StatusUnsupportedMediaType, "Content-Type must be application/json, not %q", ct)
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &te):
			return errStatus(http.StatusBadRequest, "field %s: %s is not a valid %s", te.Field, te.Value, te.Type)
		case errors.As(err, &mbe):
			return errStatus(http.StatusRequestEntityTooLarge, "request body larger than %d bytes", mbe.Limit)
		case errors.Is(err, io.EOF):
			return errStatus(http.StatusBadRequest, "empty request body; a JSON object is required")
		}
		return errStatus(http.StatusBadRequest, "invalid JSON: %v", err)
	}
	if dec.More() {
		return errStatus(http.StatusBadRequest, "invalid JSON: more than one value in the body")
	}
	return nil
}

type meResponse struct {
	User *qa.User `json:"user"`
	CSRF string   `json:"csrf_token,omitempty"`
}

func (s *Server) apiMe(r *http.Request, rc *reqCtx) (int, any, error) {
	return http.StatusOK, meResponse{User: rc.user, CSRF: rc.sess.csrf}, nil
}

func (s *Server) apiRubric(r *http.Request, rc *reqCtx) (int, any, error) {
	return http.StatusOK, s.cfg.Rubric, nil
}

func (s *Server) apiQueue(r *http.Request, rc *reqCtx) (int, any, error) {
	month, err := s.monthParam(r)
	if err != nil {
		return 0, nil, err
	}
	f := queueFilter(rc.user)
	f.Month = month
	items, err := s.cfg.Store.Queue(r.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	if items == nil {
		items = []qa.QueueItem{}
	}
	return http.StatusOK, map[string]any{"month": month.Format("2006-01"), "items": items}, nil
}

type contactResponse struct {
	Contact    *qa.Contact    `json:"contact"`
	Assignment *qa.Sampled    `json:"assignment,omitempty"`
	Metrics    *qa.DayMetrics `json:"agent_day_metrics"`
	Findings   []qa.Finding   `json:"findings"`
	Reviews    []*qa.Review   `json:"reviews"`
	Disputes   []*qa.Dispute  `json:"disputes"`
	CanScore   bool           `json:"can_score"`
	CanDispute bool           `json:"can_dispute"`
	Rubric     string         `json:"rubric_version"`
	Current    *qa.Review     `json:"my_current_review,omitempty"`
}

func (s *Server) apiContact(r *http.Request, rc *reqCtx) (int, any, error) {
	id := r.PathValue("id")
	d, err := s.contactView(r.Context(), rc, id)
	if err != nil {
		return 0, nil, err
	}
	resp := contactResponse{Contact: d.Contact, Assignment: d.Assignment, Metrics: d.Metrics, Findings: d.Findings,
		Disputes: d.Disputes, CanScore: assigned(rc.user, d.Assignment), CanDispute: canDispute(rc.user, d.Contact), Rubric: s.cfg.Rubric.Version}
	for _, v := range d.History {
		resp.Reviews = append(resp.Reviews, v.Review)
	}
	if resp.CanScore {
		cur, err := s.cfg.Store.CurrentReview(r.Context(), id, rc.user.Username)
		if err != nil && !errors.Is(err, qa.ErrNotFound) {
			return 0, nil, err
		}
		resp.Current = cur
	}
	if resp.Findings == nil {
		resp.Findings = []qa.Finding{}
	}
	if resp.Reviews == nil {
		resp.Reviews = []*qa.Review{}
	}
	if resp.Disputes == nil {
		resp.Disputes = []*qa.Dispute{}
	}
	return http.StatusOK, resp, nil
}

func (s *Server) apiHistory(r *http.Request, rc *reqCtx) (int, any, error) {
	id := r.PathValue("id")
	if _, _, err := s.contactAccess(r.Context(), rc.user, id); err != nil {
		return 0, nil, err
	}
	hist, err := s.cfg.Store.History(r.Context(), id)
	if err != nil {
		return 0, nil, err
	}
	out := visibleVersions(rc.user, hist)
	if out == nil {
		out = []*qa.Review{}
	}
	return http.StatusOK, map[string]any{"contact_id": id, "versions": out}, nil
}

// reviewRequest is the body of POST /qa/api/contacts/{id}/review: the marks, and the version
// they edit (0 for a new review). Points and counts are read as numbers and must be whole, so
// that 7.5 is reported against its field like any other invalid mark.
type reviewRequest struct {
	BaseVersion *uint32               `json:"base_version"`
	Sections    map[string]apiSection `json:"sections"`
	Deductions  map[string]apiItem    `json:"deductions"`
	Criticals   map[string]string     `json:"criticals"`
	Findings    map[string]string     `json:"findings"`
	Comment     string                `json:"comment"`
}

type apiSection struct {
	Score   *float64 `json:"score"`
	NA      bool     `json:"na"`
	Comment string   `json:"comment"`
}

type apiItem struct {
	Count   float64 `json:"count"`
	Comment string  `json:"comment"`
}

func whole(x float64) (int, bool) {
	if x != math.Trunc(x) || math.Abs(x) > 1e6 {
		return 0, false
	}
	return int(x), true
}

// scores converts the request to marks; a missing score is left out (qa.Score reports it as
// required) and a fractional one is an error naming its field.
func (q reviewRequest) scores() (qa.Scores, qa.Errors) {
	var errs qa.Errors
	sc := qa.Scores{Sections: map[string]qa.SectionScore{}, Criticals: q.Criticals, Findings: q.Findings, Comment: q.Comment}
	for id, m := range q.Sections {
		ss := qa.SectionScore{NA: m.NA, Comment: m.Comment}
		if m.Score != nil && !m.NA {
			n, ok := whole(*m.Score)
			if !ok {
				errs = append(errs, qa.FieldError{Field: "sections." + id + ".score", Msg: fmt.Sprintf("%v is not a whole number of points", *m.Score)})
				continue
			}
			ss.Score = n
		} else if !m.NA {
			continue
		}
		sc.Sections[id] = ss
	}
	if len(q.Deductions) > 0 {
		sc.Deductions = map[string]qa.ItemMark{}
	}
	for id, m := range q.Deductions {
		n, ok := whole(m.Count)
		if !ok {
			errs = append(errs, qa.FieldError{Field: "deductions." + id + ".count", Msg: fmt.Sprintf("%v is not a whole number", m.Count)})
			continue
		}
		sc.Deductions[id] = qa.ItemMark{Count: n, Comment: m.Comment}
	}
	return sc, errs
}

func (s *Server) apiReview(r *http.Request, rc *reqCtx) (int, any, error) {
	var q reviewRequest
	if err := decodeJSON(r, &q); err != nil {
		return 0, nil, err
	}
	if q.BaseVersion == nil {
		return 0, nil, qa.Errors{{Field: "base_version", Msg: "required: 0 for a new review, else the version being edited"}}
	}
	sc, errs := q.scores()
	if errs != nil {
		return 0, nil, errs
	}
	rev, err := s.submitReview(r.Context(), rc.user, r.PathValue("id"), *q.BaseVersion, sc)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, rev, nil
}

type disputeRequest struct {
	Reviewer string `json:"reviewer"`
	Reason   string `json:"reason"`
}

func (s *Server) apiOpenDispute(r *http.Request, rc *reqCtx) (int, any, error) {
	var q disputeRequest
	if err := decodeJSON(r, &q); err != nil {
		return 0, nil, err
	}
	d, err := s.openDispute(r.Context(), rc.user, r.PathValue("id"), q.Reviewer, q.Reason)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, d, nil
}

func (s *Server) apiDisputes(r *http.Request, rc *reqCtx) (int, any, error) {
	status := r.URL.Query().Get("status")
	if status != "" && status != qa.DisputeOpen && status != qa.DisputeAccepted && status != qa.DisputeRejected {
		return 0, nil, errStatus(http.StatusBadRequest, "status: %q is not open, accepted or rejected", status)
	}
	ds, err := s.disputesFor(r.Context(), rc.user, status)
	if err != nil {
		return 0, nil, err
	}
	if ds == nil {
		ds = []*qa.Dispute{}
	}
	return http.StatusOK, map[string]any{"disputes": ds}, nil
}

// resolveRequest is the body of POST /qa/api/disputes/{id}/resolve: accept with the corrected
// marks, or reject; a reason either way.
type resolveRequest struct {
	Decision   string         `json:"decision"`
	Resolution string         `json:"resolution"`
	Review     *reviewRequest `json:"review"`
}

func (s *Server) apiResolve(r *http.Request, rc *reqCtx) (int, any, error) {
	var q resolveRequest
	if err := decodeJSON(r, &q); err != nil {
		return 0, nil, err
	}
	if !isLead(rc.user) {
		return 0, nil, errStatus(http.StatusForbidden, "forbidden: only a QA lead may resolve a dispute")
	}
	if _, err := s.disputeAccess(r.Context(), rc.user, r.PathValue("id")); err != nil {
		return 0, nil, err
	}
	var sc *qa.Scores
	if q.Review != nil {
		x, errs := q.Review.scores()
		if errs != nil {
			return 0, nil, errs
		}
		sc = &x
	}
	d, err := s.resolveDispute(r.Context(), rc.user, r.PathValue("id"), q.Decision, q.Resolution, sc)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, d, nil
}

func (s *Server) apiCalibration(r *http.Request, rc *reqCtx) (int, any, error) {
	if !isLead(rc.user) {
		return 0, nil, errStatus(http.StatusForbidden, "forbidden: calibration is for QA leads")
	}
	month, err := s.monthParam(r)
	if err != nil {
		return 0, nil, err
	}
	cal, err := s.cfg.Store.Calibration(r.Context(), month, s.cfg.Rubric)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, cal, nil
}

func (s *Server) apiFindingRates(r *http.Request, rc *reqCtx) (int, any, error) {
	if !isLead(rc.user) && rc.user.Role != qa.RoleManager {
		return 0, nil, errStatus(http.StatusForbidden, "forbidden: finding rates are for QA leads and managers")
	}
	month, err := s.monthParam(r)
	if err != nil {
		return 0, nil, err
	}
	rates, err := s.cfg.Store.FindingRates(r.Context(), month)
	if err != nil {
		return 0, nil, err
	}
	if rc.user.Role == qa.RoleManager {
		teams, err := s.cfg.Store.AgentTeams(r.Context())
		if err != nil {
			return 0, nil, err
		}
		var mine []qa.AgentFindingRate
		for _, a := range rates {
			if rc.user.Manages(teams[a.AgentID]) {
				mine = append(mine, a)
			}
		}
		rates = mine
	}
	if rates == nil {
		rates = []qa.AgentFindingRate{}
	}
	return http.StatusOK, map[string]any{"month": month.Format("2006-01"), "agents": rates}, nil
}
