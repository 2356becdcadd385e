package main

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/gpuplan/gpuplan/internal/testshared"
)

// ev writes one go test -json line.
func ev(action, pkg, test, output string) string {
	s := `{"Action":"` + action + `","Package":"` + pkg + `"`
	if test != "" {
		s += `,"Test":"` + test + `"`
	}
	if output != "" {
		s += `,"Output":` + quote(output)
	}
	return s + "}\n"
}

func quote(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, `"`, `\"`)
	return `"` + strings.ReplaceAll(strings.ReplaceAll(s, "\n", `\n`), "\t", `\t`) + `"`
}

// skipped is the events of one test of package p that skips with msg ("" for SkipNow).
func skipped(p, test, msg string) string {
	s := ev("run", p, test, "") + ev("output", p, test, "=== RUN   "+test+"\n")
	if msg != "" {
		s += ev("output", p, test, "    x_test.go:9: "+msg+"\n")
	}
	return s + ev("output", p, test, "--- SKIP: "+test+" (0.00s)\n") + ev("skip", p, test, "")
}

func passed(p, test string) string {
	return ev("run", p, test, "") + ev("output", p, test, "=== RUN   "+test+"\n") +
		ev("output", p, test, "--- PASS: "+test+" (0.00s)\n") + ev("pass", p, test, "")
}

func pkgOK(p string) string {
	return ev("output", p, "", "PASS\n") + ev("output", p, "", "ok  \t"+p+"\t0.01s\n") + ev("pass", p, "", "")
}

func TestCheck(t *testing.T) {
	const p = "example.com/m/a"
	msg := testshared.AbsentMessage
	tests := []struct {
		name    string
		in      string
		wantErr string   // "" for success
		want    []string // in the output
		notWant []string
	}{
		{"all pass", passed(p, "TestA") + pkgOK(p), "",
			[]string{"ok  \t" + p, "tests: 1 passed, 0 failed, 0 skipped"}, []string{"=== RUN", "--- PASS", "PASS\n"}},
		{"shared absent", passed(p, "TestA") + skipped(p, "TestShared", msg) + pkgOK(p), "",
			[]string{"--- SKIP: TestShared", "tests: 1 passed, 0 failed, 1 skipped\n", "1 tests skipped for want of ../shared/traces"}, nil},
		{"fake skip", skipped(p, "TestShared", msg) + skipped(p, "TestB/sub", "fixture missing: testdata/x.csv") + pkgOK(p),
			"1 skipped tests", []string{p + " TestB/sub was skipped", "fixture missing"}, []string{"TestShared was skipped"}},
		{"skip without a message", skipped(p, "TestC", "") + pkgOK(p),
			"1 skipped tests", []string{"TestC was skipped"}, nil},
		{"message of another test", skipped(p, "TestD", "shared/traces not present") + pkgOK(p),
			"1 skipped tests", []string{"TestD was skipped"}, nil},
		{"failure", ev("run", p, "TestE", "") + ev("output", p, "TestE", "    x_test.go:3: got 2, want 3\n") +
			ev("output", p, "TestE", "--- FAIL: TestE (0.00s)\n") + ev("fail", p, "TestE", "") +
			ev("output", p, "", "FAIL\n") + ev("output", p, "", "FAIL\t"+p+"\t0.01s\n") + ev("fail", p, "", ""),
			"tests failed", []string{"got 2, want 3", "--- FAIL: TestE", "FAIL\t" + p}, nil},
		{"failure and fake skip", skipped(p, "TestF", "later") + ev("output", p, "", "FAIL\t"+p+"\t0.01s\n") + ev("fail", p, "", ""),
			"tests failed; 1 skipped tests", nil, nil},
		{"build failure", `{"ImportPath":"` + p + ` [` + p + `.test]","Action":"build-output","Output":"x.go:2:11: undefined: y\n"}` + "\n" +
			`{"ImportPath":"` + p + ` [` + p + `.test]","Action":"build-fail"}` + "\n" +
			ev("output", p, "", "FAIL\t"+p+" [build failed]\n") + ev("fail", p, "", ""),
			"tests failed", []string{"undefined: y", "[build failed]"}, nil},
		{"panic in a test", ev("run", p, "TestG", "") + ev("output", p, "TestG", "panic: boom\n") +
			ev("output", p, "", "FAIL\t"+p+"\t0.01s\n") + ev("fail", p, "", ""),
			"tests failed", []string{"panic: boom"}, nil},
		{"no test files", ev("output", p, "", "?   \t"+p+"\t[no test files]\n") + ev("skip", p, "", ""), "",
			[]string{"[no test files]", "1 packages (0 failed)"}, nil},
		{"not JSON", "go: downloading example.com/x v1.0.0\n" + passed(p, "TestA") + pkgOK(p), "",
			[]string{"go: downloading example.com/x"}, nil},
		{"nothing", "", "no test results", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := check(strings.NewReader(tc.in), &out, msg)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("error %v, want none", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("error %v, want one saying %q", err, tc.wantErr)
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(out.String(), w) {
					t.Errorf("output has %q:\n%s", w, out.String())
				}
			}
		})
	}
}

// The checker on real go test -json output: testdata/fake has a passing test, a skip for the
// absent shared traces (allowed) and a fake skip in a subtest (not allowed).
func TestCheckRealGoTest(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to run go test -json: %v", err)
	}
	cmd := exec.Command(goTool, "test", "-count=1", "-json", "./testdata/fake")
	stream, err := cmd.Output()
	if err != nil { // the fake tests pass or skip: go test itself succeeds
		t.Fatalf("go test -json ./testdata/fake: %v\n%s", err, stream)
	}
	var out bytes.Buffer
	err = check(bytes.NewReader(stream), &out, testshared.AbsentMessage)
	if err == nil || !strings.Contains(err.Error(), "1 skipped tests") {
		t.Fatalf("error %v, want the fake skip\n%s", err, out.String())
	}
	for _, w := range []string{"TestFixtureMissing/sub was skipped", "tests: 2 passed, 0 failed, 2 skipped\n", "1 tests skipped for want of ../shared/traces", "ok  \tgithub.com/gpuplan/gpuplan/internal/ci/skipcheck/testdata/fake"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, out.String())
		}
	}
	if strings.Contains(out.String(), "TestSharedAbsent was skipped") {
		t.Errorf("the absent-shared skip was refused:\n%s", out.String())
	}
}
