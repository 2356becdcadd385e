package report

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"

	"codeberg.org/go-pdf/fpdf"
	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
)

// pdfCanvas draws gonum/plot charts as vector paths into a box on a page of an fpdf document. gonum's
// own vgpdf cannot do this: it owns its document (one chart per file) and encodes fonts in a single
// byte code page, so Hangul would not print. The document's unit must be the point.
type pdfCanvas struct {
	doc   *fpdf.Fpdf
	w, h  vg.Length
	stack []pdfState
	fonts map[string]string // typeface+weight -> fpdf family, registered by the caller
	imgs  int
	err   error
}

type pdfState struct {
	c      color.Color
	width  vg.Length
	dashes []vg.Length
	offs   vg.Length
}

var _ vg.Canvas = (*pdfCanvas)(nil)

// newPDFCanvas starts a canvas whose origin is the bottom left of the box at (x, y) (top left, in
// points from the page's top left) of size w x h; finish must be called after drawing.
func newPDFCanvas(doc *fpdf.Fpdf, x, y float64, w, h vg.Length, fonts map[string]string) *pdfCanvas {
	c := &pdfCanvas{doc: doc, w: w, h: h, stack: []pdfState{{c: color.Black, width: vg.Points(1)}}, fonts: fonts}
	doc.TransformBegin()
	// fpdf's user space runs down the page; gonum's runs up. Moving to the box's bottom edge and
	// mirroring makes a gonum point (x, y) an fpdf point with the same numbers.
	doc.TransformTranslate(x, y+h.Points())
	doc.TransformScale(100, -100, 0, 0)
	vg.Initialize(c)
	return c
}

func (c *pdfCanvas) finish() error {
	c.doc.TransformEnd()
	c.doc.SetAlpha(1, "Normal")
	c.doc.SetDashPattern(nil, 0)
	if c.err == nil {
		c.err = c.doc.Error()
	}
	return c.err
}

func (c *pdfCanvas) state() *pdfState { return &c.stack[len(c.stack)-1] }

func (c *pdfCanvas) Size() (w, h vg.Length) { return c.w, c.h }

func (c *pdfCanvas) SetLineWidth(w vg.Length) {
	c.state().width = w
	c.doc.SetLineWidth(w.Points())
}

func (c *pdfCanvas) SetLineDash(dashes []vg.Length, offs vg.Length) {
	s := c.state()
	s.dashes, s.offs = append([]vg.Length(nil), dashes...), offs
	ds := make([]float64, len(dashes))
	for i, d := range dashes {
		ds[i] = d.Points()
	}
	c.doc.SetDashPattern(ds, offs.Points())
}

func (c *pdfCanvas) SetColor(clr color.Color) {
	if clr == nil {
		clr = color.Black
	}
	c.state().c = clr
	n := color.NRGBAModel.Convert(clr).(color.NRGBA)
	r, g, b := int(n.R), int(n.G), int(n.B)
	c.doc.SetDrawColor(r, g, b)
	c.doc.SetFillColor(r, g, b)
	c.doc.SetTextColor(r, g, b)
	c.doc.SetAlpha(float64(n.A)/255, "Normal")
}

func (c *pdfCanvas) Rotate(rad float64) { c.doc.TransformRotate(-rad*180/math.Pi, 0, 0) }

func (c *pdfCanvas) Translate(pt vg.Point) { c.doc.TransformTranslate(pt.X.Points(), pt.Y.Points()) }

func (c *pdfCanvas) Scale(x, y float64) { c.doc.TransformScale(x*100, y*100, 0, 0) }

func (c *pdfCanvas) Push() {
	c.stack = append(c.stack, *c.state())
	c.doc.TransformBegin()
}

// Pop restores the graphics state; fpdf caches colours and widths across the PDF's own state
// restore, so they are set again explicitly.
func (c *pdfCanvas) Pop() {
	c.doc.TransformEnd()
	c.stack = c.stack[:len(c.stack)-1]
	s := *c.state()
	c.SetColor(s.c)
	c.SetLineWidth(s.width)
	c.SetLineDash(s.dashes, s.offs)
}

func (c *pdfCanvas) Stroke(p vg.Path) {
	if c.state().width > 0 {
		c.path(p, "D")
	}
}

func (c *pdfCanvas) Fill(p vg.Path) { c.path(p, "F") }

// path emits a gonum path; arcs become short line segments, which at chart sizes (glyph circles of
// a few points) are indistinguishable from curves.
func (c *pdfCanvas) path(p vg.Path, style string) {
	if len(p) == 0 {
		return
	}
	var startX, startY float64
	started := false
	moveOrLine := func(x, y float64) {
		if !started {
			c.doc.MoveTo(x, y)
			startX, startY, started = x, y, true
			return
		}
		c.doc.LineTo(x, y)
	}
	for _, comp := range p {
		switch comp.Type {
		case vg.MoveComp:
			c.doc.MoveTo(comp.Pos.X.Points(), comp.Pos.Y.Points())
			startX, startY, started = comp.Pos.X.Points(), comp.Pos.Y.Points(), true
		case vg.LineComp:
			moveOrLine(comp.Pos.X.Points(), comp.Pos.Y.Points())
		case vg.ArcComp:
			n := max(8, int(math.Ceil(math.Abs(comp.Angle)/(math.Pi/16))))
			for i := 0; i <= n; i++ {
				a := comp.Start + comp.Angle*float64(i)/float64(n)
				moveOrLine(comp.Pos.X.Points()+comp.Radius.Points()*math.Cos(a),
					comp.Pos.Y.Points()+comp.Radius.Points()*math.Sin(a))
			}
		case vg.CurveComp:
			x, y := comp.Pos.X.Points(), comp.Pos.Y.Points()
			switch len(comp.Control) {
			case 1:
				c.doc.CurveTo(comp.Control[0].X.Points(), comp.Control[0].Y.Points(), x, y)
			case 2:
				c.doc.CurveBezierCubicTo(comp.Control[0].X.Points(), comp.Control[0].Y.Points(),
					comp.Control[1].X.Points(), comp.Control[1].Y.Points(), x, y)
			default:
				c.err = fmt.Errorf("report: pdf: curve with %d control points", len(comp.Control))
				return
			}
		case vg.CloseComp:
			c.doc.LineTo(startX, startY)
			c.doc.ClosePath()
		}
	}
	c.doc.DrawPath(style)
}

func (c *pdfCanvas) FillString(f font.Face, pt vg.Point, str string) {
	key := string(f.Font.Typeface)
	style := ""
	if f.Font.Weight >= xfont.WeightBold {
		style = "B"
	}
	family, ok := c.fonts[key]
	if !ok {
		c.err = fmt.Errorf("report: pdf: font %q not registered", key)
		return
	}
	c.doc.SetFont(family, style, f.Font.Size.Points())
	c.Push()
	c.Translate(pt)
	c.Scale(1, -1) // text must read upright in the mirrored space
	c.doc.Text(0, 0, str)
	c.Pop()
}

func (c *pdfCanvas) DrawImage(rect vg.Rectangle, img image.Image) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		c.err = fmt.Errorf("report: pdf image: %w", err)
		return
	}
	c.imgs++
	name := fmt.Sprintf("chartimg%d", c.imgs)
	opt := fpdf.ImageOptions{ImageType: "png"}
	c.doc.RegisterImageOptionsReader(name, opt, &buf)
	x, y := rect.Min.X.Points(), rect.Min.Y.Points()
	w, h := rect.Size().X.Points(), rect.Size().Y.Points()
	// Images are drawn top-down; flip back around the image's own box.
	c.Push()
	c.Translate(vg.Point{X: vg.Length(x), Y: vg.Length(y + h)})
	c.Scale(1, -1)
	c.doc.ImageOptions(name, 0, 0, w, h, false, opt, 0, "")
	c.Pop()
}
