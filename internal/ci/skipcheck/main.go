package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gpuplan/gpuplan/internal/testshared"
)

func main() {
	if err := check(os.Stdin, os.Stdout, testshared.AbsentMessage); err != nil {
		fmt.Fprintf(os.Stdout, "skipcheck: %v\n", err)
		os.Exit(1)
	}
}

// event is one line of go test -json (cmd/test2json's TestEvent, plus the build events of
// go test -json since Go 1.24).
type event struct {
	Action     string
	Package    string
	Test       string
	Output     string
	ImportPath string // build-output and build-fail
}

// skip is a skipped test and what it printed.
type skip struct{ pkg, test, output string }

// report counts what a run did.
type report struct {
	packages, failedPackages         int
	passed, failed, skipped, allowed int // tests
	failedBuild                      bool
	badSkips                         []skip
}

// check copies the readable part of a go test -json stream from r to w and returns an error when
// the run failed, a test was skipped with a message other than allowed, or r held no test run.
func check(r io.Reader, w io.Writer, allowed string) error {
	out := bufio.NewWriter(w)
	defer out.Flush()
	var rep report
	buf := map[string]*bytes.Buffer{} // output of running tests, by package and test
	key := func(e *event) string { return e.Package + "\x00" + e.Test }
	br := bufio.NewReaderSize(r, 1<<16)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			var e event
			if json.Unmarshal(line, &e) != nil || e.Action == "" {
				out.Write(line) // not an event (a line of some tool): pass it on
			} else {
				handle(out, &rep, buf, key, &e, allowed)
			}
			out.Flush() // CI shows progress as it comes
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("reading go test -json: %w", err)
		}
	}
	fmt.Fprintf(out, "skipcheck: %d packages (%d failed); %d tests skipped for want of ../shared/traces\n",
		rep.packages, rep.failedPackages, rep.allowed)
	// Alone on its line, the plain closing line that CI reads as the run's count.
	fmt.Fprintf(out, "tests: %d passed, %d failed, %d skipped\n", rep.passed, rep.failed, rep.skipped)
	for _, s := range rep.badSkips {
		fmt.Fprintf(out, "skipcheck: %s %s was skipped for a reason other than the absent shared traces:\n%s", s.pkg, s.test, indent(s.output))
	}
	var errs []string
	if rep.packages == 0 {
		errs = append(errs, "no test results on stdin (want go test -json ... | skipcheck)")
	}
	if rep.failed > 0 || rep.failedPackages > 0 || rep.failedBuild {
		errs = append(errs, "tests failed")
	}
	if n := len(rep.badSkips); n > 0 {
		errs = append(errs, fmt.Sprintf("%d skipped tests: commit what they need under testdata/ (only the absent ../shared may skip)", n))
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

func handle(out *bufio.Writer, rep *report, buf map[string]*bytes.Buffer, key func(*event) string, e *event, allowed string) {
	switch {
	case e.Action == "build-output":
		out.WriteString(e.Output)
	case e.Action == "build-fail":
		rep.failedBuild = true
	case e.Test == "":
		packageEvent(out, rep, buf, e)
	case e.Action == "output":
		if isFraming(e.Output) {
			return
		}
		b := buf[key(e)]
		if b == nil {
			b = new(bytes.Buffer)
			buf[key(e)] = b
		}
		b.WriteString(e.Output)
	case e.Action == "pass":
		rep.passed++
		delete(buf, key(e))
	case e.Action == "fail":
		rep.failed++
		out.Write(buf[key(e)].Bytes())
		delete(buf, key(e))
	case e.Action == "skip":
		rep.skipped++
		text := buf[key(e)].String()
		delete(buf, key(e))
		out.WriteString(text) // plain go test hides skips; CI's log should not
		if allowed != "" && strings.Contains(text, allowed) {
			rep.allowed++
		} else {
			rep.badSkips = append(rep.badSkips, skip{e.Package, e.Test, text})
		}
	}
}

// packageEvent prints a package's own lines as plain go test does (its bare PASS line aside) and,
// when the package ends in failure, the output of tests that never finished (a panic, a timeout).
func packageEvent(out *bufio.Writer, rep *report, buf map[string]*bytes.Buffer, e *event) {
	switch e.Action {
	case "output":
		if e.Output != "PASS\n" {
			out.WriteString(e.Output)
		}
	case "pass", "skip": // skip: a package without test files
		rep.packages++
	case "fail":
		rep.packages++
		rep.failedPackages++ // also when no test failed: a build failure, a panic outside tests
		prefix := e.Package + "\x00"
		for k, b := range buf {
			if strings.HasPrefix(k, prefix) {
				out.Write(b.Bytes())
				delete(buf, k)
			}
		}
	}
}

// isFraming reports the lines test2json adds in verbose mode, which plain go test does not print.
func isFraming(s string) bool {
	for _, p := range []string{"=== RUN", "=== PAUSE", "=== CONT", "=== NAME"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func indent(s string) string {
	if s == "" {
		return "    (no message)\n"
	}
	return s
}
