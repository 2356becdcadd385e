package report_test

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan/planner/report"
)

// FuzzDecode feeds arbitrary bytes to the decoder: it must return a document or a *DecodeError,
// never panic, and a document it accepts must render.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"scenario":"s","seed":1,"policies":[{"name":"a","wait_s":{"p95":10},"timeline":{"t_s":[0,1],"utilization":[0.5,1],"power_kw":[1,2]}}]}`))
	f.Add([]byte(`{"scenario":"s","policies":[{"name":"fragmented","gpus":2,"wait_cdf_s":[` + cdf() + `],"power_cap_kw":3},{"name":"fifo"}],` +
		`"comparisons":[{"baseline":"fragmented","policy":"fifo","better":1,"worse":1,"worst":["x"]}]}`))
	f.Add([]byte(`{"kind":"plan","seeds":[1,2],"sweep":[{"key":"farm_share","values":[0,1]},{"key":"policy","values":["fifo"]}],` +
		`"points":[{"params":{"farm_share":0,"policy":"fifo"},"runs":2,"metrics":{"wait_p95_s":{"mean":1,"lo":0,"hi":2}}},` +
		`{"params":{"farm_share":1,"policy":"fifo"},"runs":2,"metrics":{"wait_p95_s":{"mean":1,"lo":1,"hi":1},"utilization":{"mean":0.5,"lo":0.4,"hi":0.6}}}],` +
		`"sizing":{"kind":"gpus","target":{"metric":"wait_p95_s","value":5},"answer":4,"curve":[{"x":4,"metrics":{"wait_p95_s":{"mean":1,"lo":0,"hi":2}}},{"x":2,"metrics":{"wait_p95_s":{"mean":9,"lo":8,"hi":10}}}]},` +
		`"run":{"policies":[{"name":"fifo"}],"measure":{"from_s":1,"to_s":2,"steady_state":true}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := report.Decode("fuzz.json", data)
		if err != nil {
			var de *report.DecodeError
			if !errors.As(err, &de) || de.File != "fuzz.json" {
				t.Fatalf("error %v is not a DecodeError naming the file", err)
			}
			return
		}
		done := make(chan error, 1)
		go func() {
			for _, l := range report.Langs {
				b, err := report.New(doc, l)
				if err != nil {
					done <- fmt.Errorf("accepted document does not lay out: %w", err)
					return
				}
				if err := b.WriteMarkdown(io.Discard); err != nil {
					done <- err
					return
				}
				if err := b.WriteHTML(io.Discard); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("rendering took over 10 s: %q", data)
		}
	})
}

func cdf() string {
	s := make([]string, 101)
	for i := range s {
		s[i] = strconv.Itoa(i * i)
	}
	return strings.Join(s, ",")
}
