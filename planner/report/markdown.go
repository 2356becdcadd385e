package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes the brief's text and tables as Markdown; the charts are only in HTML and PDF,
// and the Markdown says so.
func (b *Brief) WriteMarkdown(out io.Writer) error {
	w := b.w
	bw := bufio.NewWriter(out)
	pf := func(format string, a ...any) { fmt.Fprintf(bw, format, a...) }
	pf("# %s\n\n%s\n\n", mdText(b.Title), mdText(b.Subtitle))
	pf("## %s\n\n> %s\n\n", w.t("h.findings"), mdText(w.t("window.intro", b.Window)))
	for _, f := range b.Findings {
		pf("- %s\n", mdText(f))
	}
	pf("\n## %s\n\n", w.t("h.numbers"))
	mdTable(bw, b.Numbers, true)
	pf("## %s\n\n%s\n\n", w.t("h.charts"), w.t("md.charts"))
	for _, c := range b.Charts {
		pf("- %s: %s\n", mdText(c.Title), mdText(c.Caption))
	}
	pf("\n")
	if b.Sweep != nil {
		pf("## %s\n\n%s\n\n", w.t("h.sweep"), mdText(b.CINote))
		mdTable(bw, *b.Sweep, true)
	}
	if b.Sizing != nil {
		pf("## %s\n\n%s\n\n", w.t("h.sizing"), mdText(b.CINote))
		mdTable(bw, *b.Sizing, true)
	}
	pf("## %s\n\n", w.t("h.assumptions"))
	if b.AssumptionsNote != "" {
		pf("%s\n\n", mdText(b.AssumptionsNote))
	} else {
		mdTable(bw, b.Assumptions, false)
	}
	pf("## %s\n\n", w.t("h.repro"))
	mdTable(bw, Table{Head: []string{"", ""}, Rows: b.Repro.Rows}, false)
	pf("%s\n", w.t("repro.rerun"))
	return bw.Flush()
}

var mdEscaper = strings.NewReplacer(`\`, `\\`, "|", `\|`, "*", `\*`, "_", `\_`, "`", "\\`", "<", "&lt;", ">", "&gt;",
	"[", `\[`, "]", `\]`, "\n", " ")

// mdText escapes what Markdown would read as markup, so names from the results print as written.
func mdText(s string) string { return mdEscaper.Replace(s) }

func mdTable(w io.Writer, t Table, rightAlign bool) {
	line := func(cells []string) {
		esc := make([]string, len(cells))
		for i, c := range cells {
			esc[i] = mdText(c)
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(esc, " | "))
	}
	line(t.Head)
	seps := make([]string, len(t.Head))
	for i := range seps {
		seps[i] = "---"
		if rightAlign && i > 0 {
			seps[i] = "---:"
		}
	}
	fmt.Fprintf(w, "|%s|\n", strings.Join(seps, "|"))
	for _, r := range t.Rows {
		line(r)
	}
	fmt.Fprintln(w)
}
