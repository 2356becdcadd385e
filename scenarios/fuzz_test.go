package scenarios

import (
	"errors"
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	f.Add(baseYAML)
	for _, info := range Builtins() {
		data, _ := builtinFS.ReadFile(builtinDir + "/" + info.Name + ".yaml")
		f.Add(string(data))
	}
	f.Add("name: x\nowners: [{name: a, gpus: 2}]\nworkload: {trace: {file: w.csv}}\n")
	f.Add("a: &a [*a]\n")
	f.Add("- 1\n- 2\n")
	f.Add("name: [\n")
	f.Add("horizon: 1d2h\nsites: [{name: s, pue: .inf}]\nfarm: {site: s, idle_off: 1e400}\n")
	f.Fuzz(func(t *testing.T, text string) {
		s, err := Parse("f.yaml", []byte(text))
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error not ErrInvalid: %v", err)
			}
			for _, fe := range fieldErrors(err) {
				if fe.File != "f.yaml" || fe.Line < 0 {
					t.Fatalf("bad location %+v", fe)
				}
			}
			if !strings.HasPrefix(err.Error(), "f.yaml") {
				t.Fatalf("message without file: %v", err)
			}
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("parsed scenario fails Validate: %v", err)
		}
		if _, err := s.Clone().hash(map[string]string{}); err != nil {
			t.Fatalf("hash: %v", err)
		}
	})
}
