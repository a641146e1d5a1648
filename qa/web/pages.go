package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ccqa/ccqa/metrics"
	"github.com/ccqa/ccqa/qa"
)

// pageData is what every page template gets.
type pageData struct {
	Title        string
	User         *qa.User
	CSRF         string
	Flash, Error string
	CanCalibrate bool
	Data         any
}

// sectionMark is one section of a stored review, for the history.
type sectionMark struct {
	ID string
	M  qa.SectionScore
}

// sectionsInOrder lists a review's section marks in the rubric's order (marks for sections the
// rubric no longer has come last), so every version reads the same way.
func sectionsInOrder(r *qa.Rubric, sc qa.Scores) []sectionMark {
	var out []sectionMark
	seen := map[string]bool{}
	for _, sec := range r.Sections {
		if m, ok := sc.Sections[sec.ID]; ok {
			out = append(out, sectionMark{sec.ID, m})
			seen[sec.ID] = true
		}
	}
	for _, id := range sortedNames(func() map[string]bool {
		m := map[string]bool{}
		for id := range sc.Sections {
			if !seen[id] {
				m[id] = true
			}
		}
		return m
	}()) {
		out = append(out, sectionMark{id, sc.Sections[id]})
	}
	return out
}

// formArgs is what the scoreform template gets.
type formArgs struct {
	CSRF string
	Form *formView
}

// reqCtx is the signed-in user of a page or API request.
type reqCtx struct {
	user  *qa.User
	sess  *session
	token string
}

func (s *Server) parseTemplates() error {
	loc := s.cfg.Store.Location()
	funcs := template.FuncMap{
		"fmtTime": func(t time.Time) string { return t.In(loc).Format("2006-01-02 15:04:05") },
		"fmtTimeP": func(t *time.Time) string {
			if t == nil {
				return "—"
			}
			return t.In(loc).Format("2006-01-02 15:04:05")
		},
		"fmtScore": func(v any) string {
			switch x := v.(type) {
			case *float64:
				if x == nil {
					return "—"
				}
				return strconv.FormatFloat(*x, 'f', 2, 64)
			case float64:
				return strconv.FormatFloat(x, 'f', 2, 64)
			}
			return fmt.Sprint(v)
		},
		"fmtNum": func(p *float64, digits int) string {
			if p == nil {
				return "—"
			}
			return strconv.FormatFloat(*p, 'f', digits, 64)
		},
		"join": strings.Join,
		"sectionLabel": func(r *qa.Rubric, id string) string {
			if sec := r.Section(id); sec != nil {
				return sec.Label.String()
			}
			return id
		},
		"sectionMax": func(r *qa.Rubric, id string) int {
			if sec := r.Section(id); sec != nil {
				return sec.Max
			}
			return 0
		},
		"itemLabel":       func(r *qa.Rubric, id string) string { return r.ItemLabel(id).String() },
		"formArgs":        func(csrf string, f *formView) formArgs { return formArgs{CSRF: csrf, Form: f} },
		"sectionsInOrder": sectionsInOrder,
	}
	s.pages = map[string]*template.Template{}
	for _, name := range []string{"login", "error", "queue", "contact", "disputes", "dispute", "calibration"} {
		t, err := template.New(name).Funcs(funcs).ParseFS(assets, "templates/layout.html", "templates/form.html", "templates/"+name+".html")
		if err != nil {
			return fmt.Errorf("web: template %s: %w", name, err)
		}
		s.pages[name] = t
	}
	return nil
}

// render writes a page; it renders into a buffer first so a template error is a clean 500
// rather than half a page.
func (s *Server) render(w http.ResponseWriter, status int, name string, rc *reqCtx, d pageData) {
	if rc != nil {
		d.User, d.CSRF = rc.user, rc.sess.csrf
		d.CanCalibrate = isLead(rc.user)
	}
	var buf bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&buf, "layout", d); err != nil {
		s.log.Error("render", "page", name, "err", err)
		http.Error(w, "internal error rendering the page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// page wraps a page handler: it requires a signed-in user (sending others to the sign-in page),
// checks the CSRF token of every POST, and renders any error as a page with its status.
func (s *Server) page(h func(http.ResponseWriter, *http.Request, *reqCtx) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, sess := s.sessionOf(r)
		if sess == nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/qa/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.render(w, http.StatusUnauthorized, "error", nil, pageData{Title: "请先登录 / Please sign in", Error: "your session has ended; sign in again"})
			return
		}
		rc := &reqCtx{user: sess.user, sess: sess, token: token}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
			if err := r.ParseForm(); err != nil {
				s.render(w, http.StatusBadRequest, "error", rc, pageData{Title: "表单无效 / Bad form", Error: err.Error()})
				return
			}
			if !tokensEqual(r.PostForm.Get("csrf"), sess.csrf) {
				s.render(w, http.StatusForbidden, "error", rc, pageData{Title: "表单已过期 / Form expired",
					Error: "the form's CSRF token is missing or wrong: reload the page and submit again"})
				return
			}
		}
		if err := h(w, r, rc); err != nil {
			status, msg := s.statusOf(r, err)
			s.render(w, status, "error", rc, pageData{Title: http.StatusText(status), Error: msg})
		}
	}
}

type loginData struct{ Next, Username string }

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	tok := randomToken()
	http.SetCookie(w, s.cookie(loginCookie, tok, 3600))
	s.render(w, http.StatusOK, "login", nil, pageData{Title: "登录 / Sign in", CSRF: tok, Data: loginData{Next: r.URL.Query().Get("next")}})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		s.render(w, http.StatusBadRequest, "error", nil, pageData{Title: "表单无效 / Bad form", Error: err.Error()})
		return
	}
	next := r.PostForm.Get("next")
	c, err := r.Cookie(loginCookie)
	if err != nil || !tokensEqual(r.PostForm.Get("csrf"), c.Value) {
		tok := randomToken()
		http.SetCookie(w, s.cookie(loginCookie, tok, 3600))
		s.render(w, http.StatusForbidden, "login", nil, pageData{Title: "登录 / Sign in", CSRF: tok,
			Error: "the sign-in form expired (CSRF token missing or wrong); please try again", Data: loginData{Next: next}})
		return
	}
	u := s.cfg.Users.Authenticate(r.PostForm.Get("username"), r.PostForm.Get("password"))
	if u == nil {
		s.log.Warn("sign-in failed", "username", r.PostForm.Get("username"), "remote", r.RemoteAddr)
		s.render(w, http.StatusUnauthorized, "login", nil, pageData{Title: "登录 / Sign in", CSRF: c.Value,
			Error: "用户名或密码错误 / wrong username or password", Data: loginData{Next: next, Username: r.PostForm.Get("username")}})
		return
	}
	token, _ := s.newSession(u)
	http.SetCookie(w, s.cookie(sessionCookie, token, int(s.cfg.SessionTTL.Seconds())))
	http.SetCookie(w, s.cookie(loginCookie, "", -1))
	s.log.Info("signed in", "user", u.Username, "role", u.Role)
	if !safeNext(next) {
		next = "/qa/queue"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	s.mu.Lock()
	delete(s.sessions, rc.token)
	s.mu.Unlock()
	http.SetCookie(w, s.cookie(sessionCookie, "", -1))
	http.Redirect(w, r, "/qa/login", http.StatusSeeOther)
	return nil
}

// monthParam reads ?month=YYYY-MM, defaulting to the current month in the business time zone.
func (s *Server) monthParam(r *http.Request) (time.Time, error) {
	v := r.URL.Query().Get("month")
	if v == "" {
		now := s.now().In(s.cfg.Store.Location())
		return time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC), nil
	}
	m, err := metrics.ParseMonth(v)
	if err != nil {
		return time.Time{}, errStatus(http.StatusBadRequest, "month: %v", err)
	}
	return m.Time, nil
}

type queueData struct {
	Month string
	Items []qa.QueueItem
}

func (s *Server) queuePage(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	month, err := s.monthParam(r)
	if err != nil {
		return err
	}
	f := queueFilter(rc.user)
	f.Month = month
	items, err := s.cfg.Store.Queue(r.Context(), f)
	if err != nil {
		return err
	}
	title := "我的队列 / My queue"
	if rc.user.Role != qa.RoleReviewer {
		title = "质检分配 / Assignments"
	}
	s.render(w, http.StatusOK, "queue", rc, pageData{Title: title, Data: queueData{Month: month.Format("2006-01"), Items: items}})
	return nil
}

// versionView is one stored review version with the rubric it was scored with.
type versionView struct {
	*qa.Review
	Rubric *qa.Rubric
}

type contactData struct {
	Contact    *qa.Contact
	Assignment *qa.Sampled
	Metrics    *qa.DayMetrics
	Findings   []qa.Finding
	Rubric     *qa.Rubric
	History    []versionView
	Disputes   []*qa.Dispute
	Form       *formView
	// DisputeTargets are the reviewers whose current review the user may dispute.
	DisputeTargets []string
	DisputeReason  string
}

// contactView loads everything the contact page and the API's contact object show.
func (s *Server) contactView(ctx context.Context, rc *reqCtx, id string) (*contactData, error) {
	c, a, err := s.contactAccess(ctx, rc.user, id)
	if err != nil {
		return nil, err
	}
	d := &contactData{Contact: c, Assignment: a, Rubric: s.cfg.Rubric}
	if d.Metrics, err = s.cfg.Store.AgentDay(ctx, c.AgentID, c.Day); err != nil {
		return nil, err
	}
	if d.Findings, err = s.cfg.Store.Findings(ctx, id); err != nil {
		return nil, err
	}
	hist, err := s.cfg.Store.History(ctx, id)
	if err != nil {
		return nil, err
	}
	current := map[string]bool{}
	for _, rv := range visibleVersions(rc.user, hist) {
		rb, err := s.cfg.Store.Rubric(ctx, rv.RubricVersion)
		if err != nil {
			s.log.Warn("rubric of a review not stored; showing labels from the current one", "version", rv.RubricVersion, "err", err)
			rb = s.cfg.Rubric
		}
		d.History = append(d.History, versionView{Review: rv, Rubric: rb})
		current[rv.Reviewer] = true
	}
	ds, err := s.cfg.Store.ContactDisputes(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, x := range ds {
		if rc.user.Role != qa.RoleReviewer || x.Reviewer == rc.user.Username {
			d.Disputes = append(d.Disputes, x)
		}
	}
	if canDispute(rc.user, c) {
		d.DisputeTargets = sortedNames(current)
	}
	return d, nil
}

func sortedNames(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// renderContact renders the contact page; raw and errs re-show a rejected submission.
func (s *Server) renderContact(w http.ResponseWriter, r *http.Request, rc *reqCtx, status int, raw url.Values, errs qa.Errors, flash, errMsg string) error {
	id := r.PathValue("id")
	d, err := s.contactView(r.Context(), rc, id)
	if err != nil {
		return err
	}
	if assigned(rc.user, d.Assignment) {
		cur, err := s.cfg.Store.CurrentReview(r.Context(), id, rc.user.Username)
		if err != nil && !errors.Is(err, qa.ErrNotFound) {
			return err
		}
		d.Form = newForm(s.cfg.Rubric, s.cfg.Store.Location(), "/qa/contacts/"+url.PathEscape(id)+"/review", cur, d.Findings, raw, errs)
	}
	if raw != nil {
		d.DisputeReason = raw.Get("reason")
	}
	s.render(w, status, "contact", rc, pageData{Title: "联系 / Contact " + id, Flash: flash, Error: errMsg, Data: d})
	return nil
}

func (s *Server) contactPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	flash := ""
	if v := r.URL.Query().Get("saved"); v != "" {
		flash = "已保存第 " + v + " 版 / Saved as version " + v
	}
	if r.URL.Query().Get("disputed") != "" {
		flash = "申诉已提交 / Dispute opened"
	}
	return s.renderContact(w, r, rc, http.StatusOK, nil, nil, flash, "")
}

func (s *Server) reviewPost(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	id := r.PathValue("id")
	ctx := r.Context()
	// Access first: someone who may not score gets 403/404, not a list of field errors.
	_, a, err := s.contactAccess(ctx, rc.user, id)
	if err != nil {
		return err
	}
	if !assigned(rc.user, a) {
		return errStatus(http.StatusForbidden, "forbidden: only a reviewer the contact is assigned to may score it")
	}
	findings, err := s.cfg.Store.Findings(ctx, id)
	if err != nil {
		return err
	}
	base, sc, perrs := parseScores(s.cfg.Rubric, r.PostForm, findings)
	if len(perrs) > 0 {
		_, serrs := qa.Score(s.cfg.Rubric, sc, findings)
		errs := mergeErrors(perrs, serrs)
		return s.renderContact(w, r, rc, http.StatusUnprocessableEntity, r.PostForm, errs, "", "请改正标出的错误 / Please correct the marked fields")
	}
	rev, err := s.submitReview(ctx, rc.user, id, base, sc)
	var ve qa.Errors
	var ce *qa.ConflictError
	switch {
	case errors.As(err, &ve):
		return s.renderContact(w, r, rc, http.StatusUnprocessableEntity, r.PostForm, ve, "", "请改正标出的错误 / Please correct the marked fields")
	case errors.As(err, &ce):
		return s.renderContact(w, r, rc, http.StatusConflict, nil, nil, "", ce.Error())
	case err != nil:
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/qa/contacts/%s?saved=%d", url.PathEscape(id), rev.Version), http.StatusSeeOther)
	return nil
}

func (s *Server) disputePost(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	id := r.PathValue("id")
	_, err := s.openDispute(r.Context(), rc.user, id, r.PostForm.Get("reviewer"), r.PostForm.Get("reason"))
	var ve qa.Errors
	switch {
	case errors.As(err, &ve):
		return s.renderContact(w, r, rc, http.StatusUnprocessableEntity, r.PostForm, nil, "", "申诉 / dispute: "+ve.Error())
	case errors.Is(err, qa.ErrState):
		return s.renderContact(w, r, rc, http.StatusConflict, r.PostForm, nil, "", err.Error())
	case err != nil:
		return err
	}
	http.Redirect(w, r, "/qa/contacts/"+url.PathEscape(id)+"?disputed=1", http.StatusSeeOther)
	return nil
}

type disputesData struct {
	Status   string
	Disputes []*qa.Dispute
}

func (s *Server) disputesPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	status := r.URL.Query().Get("status")
	if status != "" && status != qa.DisputeOpen && status != qa.DisputeAccepted && status != qa.DisputeRejected {
		return errStatus(http.StatusBadRequest, "status: %q is not open, accepted or rejected", status)
	}
	ds, err := s.disputesFor(r.Context(), rc.user, status)
	if err != nil {
		return err
	}
	s.render(w, http.StatusOK, "disputes", rc, pageData{Title: "申诉 / Disputes", Data: disputesData{Status: status, Disputes: ds}})
	return nil
}

type disputeData struct {
	Dispute *qa.Dispute
	Review  *versionView
	Form    *formView
}

// disputeAccess loads a dispute the user may see.
func (s *Server) disputeAccess(ctx context.Context, u *qa.User, id string) (*qa.Dispute, error) {
	d, err := s.cfg.Store.Dispute(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, _, err := s.contactAccess(ctx, u, d.ContactID); err != nil {
		return nil, err
	}
	if u.Role == qa.RoleReviewer && d.Reviewer != u.Username {
		return nil, qa.ErrNotFound
	}
	return d, nil
}

func (s *Server) renderDispute(w http.ResponseWriter, r *http.Request, rc *reqCtx, status int, raw url.Values, errs qa.Errors, flash, errMsg string) error {
	ctx := r.Context()
	d, err := s.disputeAccess(ctx, rc.user, r.PathValue("id"))
	if err != nil {
		return err
	}
	data := disputeData{Dispute: d}
	cur, err := s.cfg.Store.CurrentReview(ctx, d.ContactID, d.Reviewer)
	if err != nil {
		return err
	}
	rb, err := s.cfg.Store.Rubric(ctx, cur.RubricVersion)
	if err != nil {
		rb = s.cfg.Rubric
	}
	data.Review = &versionView{Review: cur, Rubric: rb}
	if isLead(rc.user) && d.Status == qa.DisputeOpen {
		findings, err := s.cfg.Store.Findings(ctx, d.ContactID)
		if err != nil {
			return err
		}
		data.Form = newForm(s.cfg.Rubric, s.cfg.Store.Location(), "/qa/disputes/"+url.PathEscape(d.ID)+"/resolve", cur, findings, raw, errs)
		data.Form.Resolve = true
	}
	s.render(w, status, "dispute", rc, pageData{Title: "申诉 / Dispute " + d.ID, Flash: flash, Error: errMsg, Data: data})
	return nil
}

func (s *Server) disputePage(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	flash := ""
	if r.URL.Query().Get("resolved") != "" {
		flash = "申诉已处理 / Dispute resolved"
	}
	return s.renderDispute(w, r, rc, http.StatusOK, nil, nil, flash, "")
}

func (s *Server) resolvePost(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	ctx := r.Context()
	id := r.PathValue("id")
	if !isLead(rc.user) {
		return errStatus(http.StatusForbidden, "forbidden: only a QA lead may resolve a dispute")
	}
	d, err := s.disputeAccess(ctx, rc.user, id)
	if err != nil {
		return err
	}
	decision := r.PostForm.Get("decision")
	var sc *qa.Scores
	if decision == "accept" {
		findings, err := s.cfg.Store.Findings(ctx, d.ContactID)
		if err != nil {
			return err
		}
		_, parsed, perrs := parseScores(s.cfg.Rubric, r.PostForm, findings)
		if len(perrs) > 0 {
			_, serrs := qa.Score(s.cfg.Rubric, parsed, findings)
			return s.renderDispute(w, r, rc, http.StatusUnprocessableEntity, r.PostForm, mergeErrors(perrs, serrs), "", "请改正标出的错误 / Please correct the marked fields")
		}
		sc = &parsed
	}
	_, err = s.resolveDispute(ctx, rc.user, id, decision, r.PostForm.Get("resolution"), sc)
	var ve qa.Errors
	switch {
	case errors.As(err, &ve):
		return s.renderDispute(w, r, rc, http.StatusUnprocessableEntity, r.PostForm, ve, "", ve.Error())
	case errors.Is(err, qa.ErrState):
		return s.renderDispute(w, r, rc, http.StatusConflict, nil, nil, "", err.Error())
	case err != nil:
		return err
	}
	http.Redirect(w, r, "/qa/disputes/"+url.PathEscape(id)+"?resolved=1", http.StatusSeeOther)
	return nil
}

type calibrationData struct {
	Month string
	Cal   *qa.Calibration
	Rates []qa.AgentFindingRate
}

func (s *Server) calibrationPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	if !isLead(rc.user) {
		return errStatus(http.StatusForbidden, "forbidden: calibration is for QA leads")
	}
	month, err := s.monthParam(r)
	if err != nil {
		return err
	}
	cal, err := s.cfg.Store.Calibration(r.Context(), month, s.cfg.Rubric)
	if err != nil {
		return err
	}
	rates, err := s.cfg.Store.FindingRates(r.Context(), month)
	if err != nil {
		return err
	}
	s.render(w, http.StatusOK, "calibration", rc, pageData{Title: "校准 / Calibration", Data: calibrationData{Month: month.Format("2006-01"), Cal: cal, Rates: rates}})
	return nil
}

// safeNext reports whether a post-sign-in redirect target is one of ccqa serve's own apps (the
// QA app, the dashboards, the scorecard API) on this host: a path, never a scheme or another
// host ("//evil" or a backslash are refused), so sign-in cannot be used as an open redirect.
func safeNext(next string) bool {
	if strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return false
	}
	for _, app := range []string{"/qa/", "/dashboards/", "/scorecard/"} {
		if strings.HasPrefix(next, app) {
			return true
		}
	}
	return false
}
