package report

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"

	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

//go:embed brief.html.tmpl
var htmlTemplate string

var htmlTmpl = template.Must(template.New("brief").Parse(htmlTemplate))

type htmlChart struct {
	*Chart
	SVG  template.HTML
	JSON string
}

// svg draws a chart as an SVG element for inline use (no XML prolog).
func (c *Chart) svg() (string, error) {
	cv := vgsvg.New(chartW, chartH)
	c.plot.Draw(draw.New(cv))
	var buf bytes.Buffer
	if _, err := cv.WriteTo(&buf); err != nil {
		return "", fmt.Errorf("report: svg %s: %w", c.ID, err)
	}
	s := buf.String()
	if i := strings.Index(s, "<svg"); i >= 0 {
		s = s[i:]
	}
	return s, nil
}

// WriteHTML writes the brief as one self-contained HTML page: styles and charts inline, no
// external resources.
func (b *Brief) WriteHTML(out io.Writer) error {
	charts := make([]htmlChart, len(b.Charts))
	for i, c := range b.Charts {
		s, err := c.svg()
		if err != nil {
			return err
		}
		data, err := json.Marshal(c.Data)
		if err != nil {
			return fmt.Errorf("report: chart %s data: %w", c.ID, err)
		}
		// The SVG comes from gonum's writer, which escapes the text it draws.
		charts[i] = htmlChart{Chart: c, SVG: template.HTML(s), JSON: string(data)}
	}
	w := b.w
	return htmlTmpl.Execute(out, map[string]any{
		"B":      b,
		"Charts": charts,
		"H": map[string]string{
			"findings": w.t("h.findings"), "numbers": w.t("h.numbers"), "charts": w.t("h.charts"),
			"sweep": w.t("h.sweep"), "sizing": w.t("h.sizing"), "assumptions": w.t("h.assumptions"),
			"repro": w.t("h.repro"), "rerun": w.t("repro.rerun"),
		},
	})
}
