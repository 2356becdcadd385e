package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gpuplan/gpuplan/internal/testshared"
	"github.com/gpuplan/gpuplan/sim"
)

// updateGolden rewrites testdata/golden-digests.txt from the current code instead of comparing.
var updateGolden = flag.Bool("update", false, "rewrite testdata/golden-digests.txt with the digests the current code gives")

const goldenFile = "testdata/golden-digests.txt"

// goldenPolicies are run together in every case, so comparisons (against fragmented) and
// large_jobs' farm-only demand are pinned as well; the JSON keeps each policy apart.
var goldenPolicies = []string{"fragmented", "fifo", "easy", "quota", "fairshare"}

var goldenPlacements = []string{"pool", "nodes"}

// goldenCase is one simulate run whose results document is pinned by its digest: a built-in
// scenario, or a microsoft-itp cluster file (itp, its stem) from the shared traces.
type goldenCase struct {
	name, scenario, itp, placement string
}

// goldenCases lists the ten microsoft-itp clusters by name, so their cases exist (and skip) when
// the shared traces are absent.
func goldenCases() []goldenCase {
	var cases []goldenCase
	for _, s := range []string{"institute-3000", "small"} {
		for _, pl := range goldenPlacements {
			cases = append(cases, goldenCase{name: s + "/" + pl, scenario: s, placement: pl})
		}
	}
	for i := 1; i <= 10; i++ {
		stem := fmt.Sprintf("cluster%02d", i)
		for _, pl := range goldenPlacements {
			cases = append(cases, goldenCase{name: "microsoft-itp/" + stem + "/" + pl, itp: stem, placement: pl})
		}
	}
	return cases
}

// args are the command line of the case; traces is the shared traces folder.
func (c goldenCase) args(traces string) []string {
	args := []string{"simulate"}
	if c.itp != "" {
		// Pools are derived from the workload (no --pools), as a planner with only the trace has them.
		args = append(args, "--workload", filepath.Join(traces, "microsoft-itp", c.itp+".csv"), "--format", "itp")
	} else {
		args = append(args, "--scenario", c.scenario)
	}
	return append(args, "--policy", strings.Join(goldenPolicies, ","), "--placement", c.placement,
		"--baseline", "fragmented", "--json", "-")
}

// resultsDigest is the sha256 of a results document without its version: every top-level field
// but "version", in key order, each value compacted (so indentation alone changes nothing, while
// any value, key or order inside a field does).
func resultsDigest(doc []byte) (string, []string, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil {
		return "", nil, fmt.Errorf("stdout is not one JSON document: %w", err)
	}
	delete(top, "version")
	keys := make([]string, 0, len(top))
	for k := range top {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	h := sha256.New()
	for _, k := range keys {
		var c bytes.Buffer
		if err := json.Compact(&c, top[k]); err != nil {
			return "", nil, fmt.Errorf("field %q: %w", k, err)
		}
		fmt.Fprintf(h, "%q:", k)
		h.Write(c.Bytes())
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil)), keys, nil
}

// readGolden reads "name digest" lines; blank lines and lines starting with # are skipped.
func readGolden(path string) (map[string]string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(fh)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		f := strings.Fields(s)
		if len(f) != 2 || len(f[1]) != 64 {
			return nil, fmt.Errorf("%s:%d: want \"name sha256-hex\", got %q", path, line, s)
		}
		if _, dup := out[f[0]]; dup {
			return nil, fmt.Errorf("%s:%d: case %q listed twice", path, line, f[0])
		}
		out[f[0]] = f[1]
	}
	return out, sc.Err()
}

func writeGolden(path string, cases []goldenCase, got map[string]string) error {
	var b strings.Builder
	b.WriteString("# sha256 of `gpuplan simulate ... --json -` without \"version\", one line per case; see README.md.\n")
	b.WriteString("# Rewrite with: go test ./cmd/gpuplan -run TestGoldenDigests -update\n")
	for _, c := range cases {
		fmt.Fprintf(&b, "%s %s\n", c.name, got[c.name])
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// TestGoldenDigests pins the results of the seed case, small and the ten microsoft-itp clusters
// under every policy and both placements, so a refactor that should change nothing can show it
// changed nothing.
func TestGoldenDigests(t *testing.T) {
	if extra := slices.DeleteFunc(slices.Clone(sim.Policies()), func(p string) bool { return slices.Contains(goldenPolicies, p) }); len(extra) > 0 {
		t.Fatalf("policies %v are not pinned: add them to goldenPolicies and rerun with -update", extra)
	}
	traces := testshared.TracesDir(t)
	if *updateGolden && traces == "" {
		t.Fatalf("-update needs ../shared/traces: without it the microsoft-itp lines would be dropped from %s", goldenFile)
	}
	want, err := readGolden(goldenFile)
	if err != nil && !(*updateGolden && os.IsNotExist(err)) {
		t.Fatalf("%v (create it with: go test ./cmd/gpuplan -run TestGoldenDigests -update)", err)
	}
	cases := goldenCases()
	got := map[string]string{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.itp != "" {
				testshared.Traces(t)
			}
			args := c.args(traces)
			code, out, errOut := runCLI(t, args...)
			if code != 0 {
				t.Fatalf("gpuplan %s: exit %d: %s", strings.Join(args, " "), code, errOut)
			}
			var doc struct {
				Policies []struct {
					Name string `json:"name"`
				} `json:"policies"`
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatalf("stdout is not one JSON document: %v", err)
			}
			var names []string
			for _, p := range doc.Policies {
				names = append(names, p.Name)
			}
			if !slices.Equal(names, goldenPolicies) {
				t.Fatalf("policies %v, want %v", names, goldenPolicies)
			}
			d, keys, err := resultsDigest([]byte(out))
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"policies", "comparisons", "large_jobs"} {
				if !slices.Contains(keys, k) {
					t.Fatalf("results lack %q (have %v): the digest would not pin them", k, keys)
				}
			}
			got[c.name] = d
			if *updateGolden {
				return
			}
			w, ok := want[c.name]
			switch {
			case !ok:
				t.Errorf("case %s has no line in %s; add it with: go test ./cmd/gpuplan -run TestGoldenDigests -update", c.name, goldenFile)
			case w != d:
				t.Errorf("case %s: results changed: digest %s, %s has %s.\n"+
					"Reproduce: gpuplan %s (the whole document but \"version\" is digested).\n"+
					"A refactor must not change results. If the change is intended, run\n"+
					"  go test ./cmd/gpuplan -run TestGoldenDigests -update\n"+
					"and say in the commit message why the results changed.",
					c.name, d, goldenFile, w, strings.Join(args, " "))
			}
		})
	}
	if *updateGolden {
		if len(got) != len(cases) {
			t.Fatalf("only %d of %d cases ran; %s not rewritten", len(got), len(cases), goldenFile)
		}
		if err := writeGolden(goldenFile, cases, got); err != nil {
			t.Fatal(err)
		}
		t.Logf("rewrote %s with %d cases", goldenFile, len(cases))
		return
	}
	for name := range want {
		if !slices.ContainsFunc(cases, func(c goldenCase) bool { return c.name == name }) {
			t.Errorf("%s lists case %s, which no longer runs; rerun with -update if it was removed on purpose", goldenFile, name)
		}
	}
}
