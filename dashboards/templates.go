package dashboards

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// templates are the parsed pages: each page template defines "content" and is parsed together
// with the layout.
type templates struct{ pages map[string]*template.Template }

var pageNames = []string{"index", "team", "agent", "qa", "ingest", "error"}

func parseTemplates() (*templates, error) {
	t := &templates{pages: map[string]*template.Template{}}
	for _, name := range pageNames {
		p, err := template.New(name).ParseFS(templateFiles, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("dashboards: template %s: %w", name, err)
		}
		t.pages[name] = p
	}
	return t, nil
}

// render writes a page through a buffer, so a template error never leaves half a page.
func (t *templates) render(w io.Writer, name string, pg *page) error {
	var buf bytes.Buffer
	if err := t.pages[name].ExecuteTemplate(&buf, "layout", pg); err != nil {
		return fmt.Errorf("dashboards: render %s: %w", name, err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}
