package refcheck

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/fstest"
)

// TestRepositoryCitesNoPrivateNotes keeps the repository free of references a user cannot follow:
// every number must cite its original source and every rule must be stated where it is needed.
func TestRepositoryCitesNoPrivateNotes(t *testing.T) {
	root := repoRoot(t)
	hits, err := Scan(os.DirFS(root))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hits {
		t.Errorf("%v: cite the original source or state the rule instead", h)
	}
}

func TestScan(t *testing.T) {
	design, facts, shared := forbidden[0], forbidden[1], forbidden[2]
	cases := []struct {
		name  string
		files fstest.MapFS
		want  []Hit
	}{
		{"clean", fstest.MapFS{
			"a.go":        {Data: []byte("// Zeus NSDI '23: 0.68-0.74 x TDP\n")},
			"README.md":   {Data: []byte("the public traces beside the clone (../shared/traces)\n")},
			"b.yaml":      {Data: []byte("pue: 1.8 # estimate (LBNL survey)\n")},
			"design.txt":  {Data: []byte(design + " is not checked in .txt files\n")},
			"docs/c.json": {Data: []byte(`{"x": "` + facts + `"}`)},
		}, nil},
		{"each kind and reference", fstest.MapFS{
			"sim/a.go":               {Data: []byte("package sim\n\n// see " + design + " §5\n")},
			"scenarios/b.yaml":       {Data: []byte("x: 1\ny: 2 # (" + facts + ")\n")},
			"scenarios/c.yml":        {Data: []byte("# from " + shared + "/traces\n")},
			"doc/README.md":          {Data: []byte("one\ntwo\nthree " + facts + " and " + design + "\n")},
			"deploy/gpuplan.service": {Data: []byte("# " + design + "\n")},
		}, []Hit{
			{"deploy/gpuplan.service", 1, design},
			{"doc/README.md", 3, design},
			{"doc/README.md", 3, facts},
			{"scenarios/b.yaml", 2, facts},
			{"scenarios/c.yml", 1, shared},
			{"sim/a.go", 3, design},
		}},
		{"version control and shared folder skipped", fstest.MapFS{
			".git/notes.md":           {Data: []byte(facts + "\n")},
			"shared/traces/README.md": {Data: []byte(facts + "\n")},
			"x/shared/README.md":      {Data: []byte(facts + "\n")},
		}, []Hit{{"x/shared/README.md", 1, facts}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Scan(tc.files)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// repoRoot is the folder above the working directory that holds go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}
