package report

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"gonum.org/v1/plot/vg/draw"
)

// A4 portrait in points, with margins that leave room for the footer.
const (
	pageW, pageH = 595.28, 841.89
	marginX      = 48.0
	marginTop    = 46.0
	marginBottom = 54.0
	textW        = pageW - 2*marginX
	pdfFamily    = "nanum"
	nbAlias      = "{nb}"
)

var (
	inkRGB   = [3]int{0x1b, 0x1f, 0x24}
	mutedRGB = [3]int{0x5b, 0x64, 0x70}
	ruleRGB  = [3]int{0xd5, 0xd9, 0xde}
	headRGB  = [3]int{0xf0, 0xf2, 0xf5}
	boxRGB   = [3]int{0xee, 0xf5, 0xfb}
	accRGB   = [3]int{0x00, 0x72, 0xb2}
)

// pdfEpoch is the PDF's creation date: fixed, so the same results give the same bytes.
var pdfEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

type pdfWriter struct {
	b   *Brief
	doc *fpdf.Fpdf
}

// WritePDF writes the brief as an A4 PDF with the charts as vector graphics and the embedded fonts,
// so Korean prints on a machine without Korean fonts.
func (b *Brief) WritePDF(out io.Writer) error {
	doc := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "pt", SizeStr: "A4"})
	doc.SetCreationDate(pdfEpoch)
	doc.SetModificationDate(pdfEpoch)
	doc.SetCatalogSort(true)
	doc.SetCompression(true)
	doc.SetTitle(b.Title, true)
	doc.SetCreator("gpuplan "+b.doc.Version, true)
	doc.SetProducer("gpuplan", true)
	// fpdf's subsetter writes into the font bytes it is given (the second PDF of a process came out
	// different from the first): each document gets its own copy.
	doc.AddUTF8FontFromBytes(pdfFamily, "", bytes.Clone(fontRegular))
	doc.AddUTF8FontFromBytes(pdfFamily, "B", bytes.Clone(fontBold))
	doc.SetMargins(marginX, marginTop, marginX)
	doc.SetAutoPageBreak(true, marginBottom)
	doc.AliasNbPages(nbAlias)
	doc.SetFooterFunc(func() {
		doc.SetY(-marginBottom + 18)
		doc.SetFont(pdfFamily, "", 7)
		setText(doc, mutedRGB)
		doc.CellFormat(0, 10, b.footer(doc.PageNo(), nbAlias), "", 0, "C", false, 0, "")
	})
	p := &pdfWriter{b: b, doc: doc}
	p.write()
	if err := doc.Error(); err != nil {
		return fmt.Errorf("report: pdf: %w", err)
	}
	if err := doc.Output(out); err != nil {
		return fmt.Errorf("report: pdf: %w", err)
	}
	return nil
}

func setText(doc *fpdf.Fpdf, c [3]int) { doc.SetTextColor(c[0], c[1], c[2]) }

func (p *pdfWriter) write() {
	b, doc, w := p.b, p.doc, p.b.w
	doc.AddPage()
	setText(doc, inkRGB)
	doc.SetFont(pdfFamily, "B", 17)
	doc.MultiCell(textW, 21, b.Title, "", "L", false)
	doc.SetFont(pdfFamily, "", 9.5)
	setText(doc, mutedRGB)
	doc.MultiCell(textW, 13, b.Subtitle, "", "L", false)
	doc.SetDrawColor(accRGB[0], accRGB[1], accRGB[2])
	doc.SetLineWidth(2)
	doc.Line(marginX, doc.GetY()+4, marginX+textW, doc.GetY()+4)
	doc.Ln(12)

	p.heading(w.t("h.findings"))
	doc.SetFont(pdfFamily, "", 9.5)
	setText(doc, inkRGB)
	doc.SetFillColor(boxRGB[0], boxRGB[1], boxRGB[2])
	doc.MultiCell(textW, 13, w.t("window.intro", b.Window), "", "L", true)
	doc.Ln(4)
	for _, f := range b.Findings {
		y := doc.GetY()
		if y+14 > pageH-marginBottom {
			doc.AddPage()
			y = doc.GetY()
		}
		doc.SetFillColor(accRGB[0], accRGB[1], accRGB[2])
		doc.Circle(marginX+4, y+6.5, 1.8, "F")
		doc.SetFont(pdfFamily, "", 9.5)
		doc.SetX(marginX + 12)
		doc.MultiCell(textW-12, 12.5, f, "", "L", false)
		doc.Ln(2.5)
	}

	p.heading(w.t("h.numbers"))
	cols := make([]float64, len(b.Numbers.Head))
	cols[0] = 130
	for i := 1; i < len(cols); i++ {
		cols[i] = (textW - cols[0]) / float64(len(cols)-1)
	}
	p.table(b.Numbers, cols, true, 8)

	for _, c := range b.Charts {
		p.chart(c)
	}
	if t := b.Sweep; t != nil {
		p.heading(w.t("h.sweep"))
		p.note(b.CINote)
		p.table(*t, evenCols(len(t.Head)), true, 7.5)
	}
	if t := b.Sizing; t != nil {
		p.heading(w.t("h.sizing"))
		p.note(b.CINote)
		p.table(*t, evenCols(len(t.Head)), true, 8)
	}
	p.heading(w.t("h.assumptions"))
	if b.AssumptionsNote != "" {
		doc.SetFont(pdfFamily, "", 9)
		doc.MultiCell(textW, 12, b.AssumptionsNote, "", "L", false)
	} else {
		p.table(b.Assumptions, []float64{0.27 * textW, 0.2 * textW, 0.53 * textW}, false, 7.5)
	}
	p.heading(w.t("h.repro"))
	p.table(b.Repro, []float64{0.27 * textW, 0.73 * textW}, false, 8)
	doc.SetFont(pdfFamily, "", 8.5)
	setText(doc, mutedRGB)
	doc.MultiCell(textW, 11, w.t("repro.rerun"), "", "L", false)
}

func (p *pdfWriter) note(s string) {
	p.doc.SetFont(pdfFamily, "", 8)
	setText(p.doc, mutedRGB)
	p.doc.MultiCell(textW, 10, s, "", "L", false)
	p.doc.Ln(2)
}

func evenCols(n int) []float64 {
	c := make([]float64, n)
	for i := range c {
		c[i] = textW / float64(n)
	}
	return c
}

// heading starts a section, on a new page when fewer than a few lines would fit below it.
func (p *pdfWriter) heading(s string) {
	doc := p.doc
	if doc.GetY()+60 > pageH-marginBottom {
		doc.AddPage()
	} else {
		doc.Ln(8)
	}
	doc.SetFont(pdfFamily, "B", 12.5)
	setText(doc, inkRGB)
	doc.CellFormat(textW, 17, s, "", 1, "L", false, 0, "")
	doc.SetDrawColor(ruleRGB[0], ruleRGB[1], ruleRGB[2])
	doc.SetLineWidth(0.6)
	doc.Line(marginX, doc.GetY(), marginX+textW, doc.GetY())
	doc.Ln(5)
}

// chart places a chart with its title and caption, on a new page when it does not fit.
func (p *pdfWriter) chart(c *Chart) {
	doc := p.doc
	h := chartH.Points()
	doc.SetFont(pdfFamily, "", 8)
	capLines := len(doc.SplitText(c.Caption, textW))
	need := 18 + h + 6 + float64(capLines)*10
	if doc.GetY()+need > pageH-marginBottom {
		doc.AddPage()
	} else {
		doc.Ln(6)
	}
	doc.SetFont(pdfFamily, "B", 10.5)
	setText(doc, inkRGB)
	doc.CellFormat(textW, 16, c.Title, "", 1, "L", false, 0, "")
	y := doc.GetY()
	cv := newPDFCanvas(doc, marginX, y, chartW, chartH, map[string]string{typeface: pdfFamily})
	c.plot.Draw(draw.New(cv))
	if err := cv.finish(); err != nil {
		doc.SetError(err)
		return
	}
	doc.SetXY(marginX, y+h+4)
	doc.SetFont(pdfFamily, "", 8)
	setText(doc, mutedRGB)
	doc.MultiCell(textW, 10, c.Caption, "", "L", false)
}

// table draws rows with wrapped cells; the header repeats on every page the table spans. With
// rightAlign, every column but the first is right-aligned (numbers).
func (p *pdfWriter) table(t Table, cols []float64, rightAlign bool, size float64) {
	doc := p.doc
	const pad = 3.0
	lh := size * 1.3
	lines := func(row []string, bold bool) ([][]string, float64) {
		style := ""
		if bold {
			style = "B"
		}
		doc.SetFont(pdfFamily, style, size)
		out := make([][]string, len(row))
		n := 1
		for i, cell := range row {
			if i >= len(cols) {
				break
			}
			out[i] = doc.SplitText(cell, cols[i]-2*pad+2*doc.GetCellMargin())
			n = max(n, len(out[i]))
		}
		return out, float64(n)*lh + 2*pad
	}
	draw := func(row []string, head bool) {
		ls, h := lines(row, head)
		if doc.GetY()+h > pageH-marginBottom {
			doc.AddPage()
			if !head && len(t.Head) > 0 {
				hl, hh := lines(t.Head, true)
				p.row(t.Head, hl, cols, hh, true, rightAlign, size, lh, pad)
				ls, h = lines(row, false)
			}
		}
		p.row(row, ls, cols, h, head, rightAlign, size, lh, pad)
	}
	if len(t.Head) > 0 {
		draw(t.Head, true)
	}
	for _, r := range t.Rows {
		draw(r, false)
	}
	doc.Ln(4)
}

func (p *pdfWriter) row(row []string, ls [][]string, cols []float64, h float64, head, rightAlign bool,
	size, lh, pad float64) {
	doc := p.doc
	y := doc.GetY()
	x := marginX
	if head {
		doc.SetFillColor(headRGB[0], headRGB[1], headRGB[2])
		doc.Rect(marginX, y, sum(cols), h, "F")
		doc.SetFont(pdfFamily, "B", size)
	} else {
		doc.SetFont(pdfFamily, "", size)
	}
	setText(doc, inkRGB)
	for i := range row {
		if i >= len(cols) {
			break
		}
		for k, line := range ls[i] {
			tx := x + pad
			if rightAlign && i > 0 {
				tx = x + cols[i] - pad - doc.GetStringWidth(line)
			}
			doc.Text(tx, y+pad+float64(k)*lh+size, line)
		}
		x += cols[i]
	}
	doc.SetDrawColor(ruleRGB[0], ruleRGB[1], ruleRGB[2])
	doc.SetLineWidth(0.5)
	doc.Line(marginX, y+h, marginX+sum(cols), y+h)
	doc.SetY(y + h)
}

func sum(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s
}
