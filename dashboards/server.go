package dashboards

import (
	"bytes"
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
)

// linker makes the links of a page: to other pages, to the embedded assets and to the QA app.
// The server links to URLs with query strings; the static export to files (see exportLinker).
type linker interface {
	// page returns the address of a page (route "", "team", "agent", "qa" or "ingest") with
	// the parameters, or "" when that page is not available here (the template then shows
	// plain text).
	page(route string, p params) string
	// asset returns the address of an embedded asset, e.g. "echarts.min.js".
	asset(name string) string
	// contact returns the QA app's page of a reviewed contact, or "".
	contact(id string) string
}

// serverLinker links within /dashboards/ on the server.
type serverLinker struct{ qaPath string }

func (serverLinker) page(route string, p params) string {
	u := "/dashboards/" + route
	if q := p.values(route).Encode(); q != "" {
		u += "?" + q
	}
	return u
}

func (serverLinker) asset(name string) string { return "/dashboards/assets/" + name }

func (l serverLinker) contact(id string) string { return l.qaPath + "contacts/" + url.PathEscape(id) }

// Handler serves the dashboards; it expects to be mounted at /dashboards/. Every page needs a
// signed-in admin, QA lead or manager (a manager sees their teams only); the assets are public.
func (d *Dashboards) Handler() http.Handler {
	mux := http.NewServeMux()
	assets, _ := fs.Sub(staticFiles, "static")
	mux.Handle("GET /dashboards/assets/", http.StripPrefix("/dashboards/assets/", cacheAssets(http.FileServerFS(assets))))
	for _, route := range []string{"", "team", "agent", "qa", "ingest"} {
		path := "GET /dashboards/" + route
		if route == "" {
			path += "{$}"
		}
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) { d.serve(w, r, route) })
	}
	return mux
}

// cacheAssets lets browsers keep the embedded assets for a day: they change only with the
// binary.
func cacheAssets(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}

func (d *Dashboards) serve(w http.ResponseWriter, r *http.Request, route string) {
	lk := serverLinker{qaPath: d.cfg.QAPath}
	p, perr := d.parseParams(r.URL.Query())
	if d.cfg.Auth == nil {
		d.fail(w, lk, p, http.StatusServiceUnavailable, "sign-in is not configured for the dashboards")
		return
	}
	u := d.cfg.Auth.SignedInUser(r)
	if u == nil {
		http.Redirect(w, r, d.cfg.LoginPath+"?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	v, ok := viewerOf(u)
	if !ok {
		d.fail(w, lk, p, http.StatusForbidden, "the dashboards are for managers, QA leads and admins; your role is "+u.Role)
		return
	}
	if perr != nil {
		d.fail(w, lk, p, http.StatusBadRequest, perr.Error())
		return
	}
	var buf bytes.Buffer
	err := d.render(r.Context(), &buf, route, p, v, lk)
	var pe *paramError
	switch {
	case err == nil:
	case errors.As(err, &pe):
		d.fail(w, lk, p, http.StatusBadRequest, pe.Error())
		return
	case errors.Is(err, errNotFound):
		d.fail(w, lk, p, http.StatusNotFound, err.Error())
		return
	case r.Context().Err() != nil:
		return // the browser went away
	default:
		d.log.Error("dashboard page failed", "path", r.URL.Path, "err", err)
		d.fail(w, lk, p, http.StatusInternalServerError, "internal error; the details are in the server log")
		return
	}
	writeHTML(w, http.StatusOK, buf.Bytes())
}

// contentSecurityPolicy allows scripts only from ccqa itself (no inline script), and no
// connection anywhere: pages load ECharts and dashboards.js from /dashboards/assets/ and
// nothing else. ECharts sets element styles, hence 'unsafe-inline' for styles only; its
// "save as image" makes data: URLs.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func writeHTML(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", contentSecurityPolicy)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	w.Write(body)
}

// fail answers with an error page of the status, in the request's language when it parsed.
func (d *Dashboards) fail(w http.ResponseWriter, lk linker, p params, status int, msg string) {
	if p.Lang == "" {
		p.Lang = Zh
	}
	var buf bytes.Buffer
	if err := d.pages.render(&buf, "error", d.basePage(p, lk, "error", http.StatusText(status), errorBody{Status: status, Message: msg})); err != nil {
		d.log.Error("render error page", "err", err)
		http.Error(w, strings.TrimSpace(msg), status)
		return
	}
	writeHTML(w, status, buf.Bytes())
}

type errorBody struct {
	Status  int
	Message string
}
