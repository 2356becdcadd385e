package refcheck_test

import (
	"fmt"
	"testing/fstest"

	"github.com/gpuplan/gpuplan/internal/ci/refcheck"
)

// A scenario comment that sends the reader to a private notes file is reported with its line.
func Example() {
	files := fstest.MapFS{
		"scenarios/lab.yaml": {Data: []byte("pue: 1.8   # estimate: small server rooms 1.5-2.1 (LBNL survey)\n" +
			"tdp_w: 300 # see " + "facts" + ".md\n")},
	}
	hits, err := refcheck.Scan(files)
	if err != nil {
		fmt.Println(err)
	}
	for _, h := range hits {
		fmt.Println(h.Path, h.Line, h.Ref == "facts"+".md")
	}
	// Output:
	// scenarios/lab.yaml 2 true
}
