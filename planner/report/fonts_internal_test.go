package report

import (
	"bytes"
	"io"
	"os"
	"testing"
)

// TestFontsUntouched renders a PDF and checks that the embedded font bytes are still the files':
// fpdf writes into the bytes it is given, which once made every PDF after the first differ.
func TestFontsUntouched(t *testing.T) {
	doc, err := ReadFile("testdata/simulate-small.json")
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(doc, Korean)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.WritePDF(io.Discard); err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string][]byte{"fonts/NanumSquareR.ttf": fontRegular, "fonts/NanumSquareB.ttf": fontBold} {
		want, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s changed in memory by rendering", name)
		}
	}
}
