package report

import (
	_ "embed"
	"sync"

	xfont "golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
)

// NanumSquare (SIL Open Font License 1.1, fonts/OFL.txt) covers Latin and every modern Hangul
// syllable, so a Korean brief needs no font on the reader's or the writer's machine.
var (
	//go:embed fonts/NanumSquareR.ttf
	fontRegular []byte
	//go:embed fonts/NanumSquareB.ttf
	fontBold []byte
)

const typeface = "NanumSquare"

var (
	regularFont = font.Font{Typeface: typeface}
	boldFont    = font.Font{Typeface: typeface, Weight: xfont.WeightBold}
)

// textHandler measures and draws chart text with the embedded fonts. It has its own font cache so
// the renderer never changes gonum/plot's process-wide defaults.
var textHandler = sync.OnceValue(func() text.Handler {
	parse := func(b []byte) *opentype.Font {
		f, err := opentype.Parse(b)
		if err != nil {
			panic("report: embedded font: " + err.Error()) // the embedded bytes are fixed at build time
		}
		return f
	}
	cache := font.NewCache(font.Collection{
		{Font: regularFont, Face: parse(fontRegular)},
		{Font: boldFont, Face: parse(fontBold)},
	})
	return text.Plain{Fonts: cache}
})
