package dashboards

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// ErrUnknownTeam is a team asked for that no agent of agents.csv is in.
var ErrUnknownTeam = errors.New("no agent of agents.csv is in this team")

// ExportOptions says what `ccqa dashboards export` writes.
type ExportOptions struct {
	// Month is the month of every page (its first day); the agent pages show Months months up
	// to it (default 6).
	Month  time.Time
	Months int
	// Out is the folder to write to; it is created if missing. Existing files of the same
	// names are replaced, others are left alone.
	Out string
	// Langs are the languages to write (default both).
	Langs []Lang
	// Teams limits the export to these teams (default every team).
	Teams []string
	// Hours is the ingest health window, ending at the time of the export (default 24).
	Hours int
	// Progress, when set, is called after each page with the pages written and known so far.
	Progress func(done, known int)
}

// ExportResult is what an export wrote.
type ExportResult struct {
	Pages int
	Bytes int64
	Dir   string
}

// exportLinker links pages of a static export: a page of language L is the file L/NAME.html
// and links to other pages as ../L2/NAME2.html and to the assets as ../assets/..., relative,
// so the folder opens from disk (file://) and can be moved or zipped. Only the export's month
// exists: links to other months (and to the QA app) are left out. Each page it links is queued
// for writing, so the export holds exactly the pages its pages link to.
type exportLinker struct {
	opt   ExportOptions
	queue func(route string, p params)
}

func (e exportLinker) page(route string, p params) string {
	if !p.Month.Equal(e.opt.Month) || p.Months != e.opt.Months || p.Hours != e.opt.Hours || !slices.Contains(e.opt.Langs, p.Lang) {
		return ""
	}
	if len(e.opt.Teams) > 0 && p.Team != "" && !slices.Contains(e.opt.Teams, p.Team) {
		return ""
	}
	e.queue(route, p)
	return "../" + string(p.Lang) + "/" + exportName(route, p)
}

func (exportLinker) asset(name string) string { return "../assets/" + name }

func (exportLinker) contact(string) string { return "" }

// exportName is the file name of a page in the export.
func exportName(route string, p params) string {
	switch route {
	case "":
		return "index.html"
	case "team":
		name := "team-" + fileSlug(p.Team)
		if p.Metric != defaultMetric {
			name += "-" + p.Metric
		}
		return name + ".html"
	case "agent":
		return "agent-" + fileSlug(p.Agent) + ".html"
	case "qa":
		name := "qa-" + fileSlug(p.Team)
		if p.Agent != "" {
			name += "-" + fileSlug(p.Agent)
		}
		return name + ".html"
	}
	return route + ".html"
}

// fileSlug makes a file-name part of an id or team name from data: letters, digits, '.', '_'
// and '-' are kept, anything else (slashes, dots at the start, spaces, non-ASCII) becomes '_',
// and then a short hash of the original is appended so two names never share a file.
func fileSlug(s string) string {
	var b strings.Builder
	changed := s == ""
	if s == "" {
		b.WriteByte('_')
	}
	for i, r := range s {
		ok := r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || (r == '.' && i > 0))
		if ok {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
			changed = true
		}
		if b.Len() >= 64 {
			changed = true
			break
		}
	}
	if changed {
		h := sha256.Sum256([]byte(s))
		b.WriteString("-" + hex.EncodeToString(h[:4]))
	}
	return b.String()
}

// Export writes the dashboards of a month as static HTML files that open offline from disk:
// OUT/index.html (the language choice), OUT/zh/*.html and OUT/en/*.html, and OUT/assets/
// (ECharts, its licence, the script and the stylesheet). It starts from each language's index
// page and writes every page reachable from it within the month: team pages (one per heat-map
// metric), agent pages, QA pages and ingest health.
func (d *Dashboards) Export(ctx context.Context, opt ExportOptions) (ExportResult, error) {
	if opt.Month.IsZero() {
		return ExportResult{}, errors.New("dashboards export: month is required")
	}
	opt.Month = time.Date(opt.Month.Year(), opt.Month.Month(), 1, 0, 0, 0, 0, time.UTC)
	if opt.Out == "" {
		return ExportResult{}, errors.New("dashboards export: out folder is required")
	}
	if opt.Months == 0 {
		opt.Months = defaultMonths
	}
	if opt.Months < 1 || opt.Months > maxMonths {
		return ExportResult{}, fmt.Errorf("dashboards export: months %d: want 1 to %d", opt.Months, maxMonths)
	}
	if opt.Hours == 0 {
		opt.Hours = defaultHours
	}
	if opt.Hours < 1 || opt.Hours > maxHours {
		return ExportResult{}, fmt.Errorf("dashboards export: hours %d: want 1 to %d", opt.Hours, maxHours)
	}
	if len(opt.Langs) == 0 {
		opt.Langs = Langs
	}
	if len(opt.Teams) > 0 {
		ros, err := d.src.roster(ctx)
		if err != nil {
			return ExportResult{}, err
		}
		for _, t := range opt.Teams {
			if ros.byTeam[t] == nil {
				return ExportResult{}, fmt.Errorf("dashboards export: team %q: %w", t, ErrUnknownTeam)
			}
		}
	}
	// The export reads the same rows for many pages (two languages, one team page per
	// heat-map metric): a copy of the dashboards with a row memo renders them.
	src := &source{wh: d.src.wh, loc: d.src.loc, qa: d.src.qa, memo: newRowMemo()}
	ed := *d
	ed.src = src
	d = &ed
	res := ExportResult{Dir: opt.Out}
	if err := writeAssets(opt.Out, &res); err != nil {
		return res, err
	}
	type job struct {
		route string
		p     params
	}
	var todo []job
	seen := map[string]bool{}
	lk := exportLinker{opt: opt}
	lk.queue = func(route string, p params) {
		key := string(p.Lang) + "/" + exportName(route, p)
		if !seen[key] {
			seen[key] = true
			todo = append(todo, job{route, p})
		}
	}
	for _, lang := range opt.Langs {
		lk.page("", params{Lang: lang, Month: opt.Month, Months: opt.Months, Hours: opt.Hours, Metric: defaultMetric})
	}
	for i := 0; i < len(todo); i++ {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		j := todo[i]
		var buf bytes.Buffer
		if err := d.render(ctx, &buf, j.route, j.p, everyone, lk); err != nil {
			return res, fmt.Errorf("dashboards export: %s/%s: %w", j.p.Lang, exportName(j.route, j.p), err)
		}
		file := filepath.Join(opt.Out, string(j.p.Lang), exportName(j.route, j.p))
		if err := writeFile(file, buf.Bytes()); err != nil {
			return res, err
		}
		res.Pages++
		res.Bytes += int64(buf.Len())
		if opt.Progress != nil {
			opt.Progress(i+1, len(todo))
		}
	}
	var idx strings.Builder
	idx.WriteString("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>ccqa dashboards " + opt.Month.Format("2006-01") +
		"</title><link rel=\"stylesheet\" href=\"assets/dashboards.css\"></head><body><main><h1>ccqa dashboards " + opt.Month.Format("2006-01") + "</h1><ul>\n")
	for _, lang := range opt.Langs {
		label := labels{lang}.pick("中文", "English")
		idx.WriteString("<li><a href=\"" + string(lang) + "/index.html\">" + label + "</a></li>\n")
	}
	idx.WriteString("</ul></main></body></html>\n")
	if err := writeFile(filepath.Join(opt.Out, "index.html"), []byte(idx.String())); err != nil {
		return res, err
	}
	res.Pages++
	res.Bytes += int64(idx.Len())
	return res, nil
}

// writeAssets copies the embedded static files to OUT/assets.
func writeAssets(out string, res *ExportResult) error {
	return fs.WalkDir(staticFiles, "static", func(p string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		b, err := staticFiles.ReadFile(p)
		if err != nil {
			return err
		}
		res.Bytes += int64(len(b))
		return writeFile(filepath.Join(out, "assets", filepath.FromSlash(strings.TrimPrefix(p, "static/"))), b)
	})
}

func writeFile(file string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return fmt.Errorf("dashboards export: %w", err)
	}
	if err := os.WriteFile(file, b, 0o644); err != nil {
		return fmt.Errorf("dashboards export: %w", err)
	}
	return nil
}

// assetNames lists the embedded assets, for the README and tests.
func assetNames() []string {
	var out []string
	_ = fs.WalkDir(staticFiles, "static", func(p string, de fs.DirEntry, err error) error {
		if err == nil && !de.IsDir() {
			out = append(out, path.Clean(strings.TrimPrefix(p, "static/")))
		}
		return nil
	})
	return out
}
