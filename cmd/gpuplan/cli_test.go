package main

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// gpuplanIn runs the CLI in-process with the given standard input.
func runCLIIn(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = runWithInput(args, strings.NewReader(stdin), &o, &e)
	return code, o.String(), e.String()
}

// Every mistake in the command line exits 2 and says what was wrong, with nothing on stdout.
func TestCommandLineMistakesExit2(t *testing.T) {
	const log = "nats://127.0.0.1:1" // never dialled: the mistake is found first
	tests := []struct {
		name string
		args []string
		want []string // in stderr
	}{
		{"no command", nil, []string{"gpuplan needs a command", "Available Commands"}},
		{"version is not a command", []string{"version"}, []string{`unknown command "version"`, "gpuplan --version"}},
		{"misspelt command", []string{"simulat"}, []string{`unknown command "simulat"`, "did you mean simulate?"}},
		{"group without its command", []string{"events"}, []string{"gpuplan events needs a command"}},
		{"unknown subcommand", []string{"events", "exprot"}, []string{`unknown command "exprot" for "gpuplan events"`, "did you mean export?"}},
		{"scenario name as argument", []string{"simulate", "small"}, []string{"takes no arguments", "did you mean --scenario small?"}},
		{"scenario file as argument", []string{"simulate", "site.yaml"}, []string{"did you mean --scenario site.yaml?"}},
		{"workload file as argument", []string{"simulate", "jobs.csv"}, []string{"did you mean --workload jobs.csv?"}},
		{"extra arguments", []string{"simulate", "--scenario", "small", "extra", "more"}, []string{`got "extra more"`}},
		{"extra argument to scenarios", []string{"scenarios", "all"}, []string{"gpuplan scenarios takes no arguments"}},
		{"extra argument to serve", []string{"serve", "now"}, []string{"gpuplan serve takes no arguments"}},
		{"extra argument to demo", []string{"demo", "fast"}, []string{"gpuplan demo takes no arguments"}},
		{"extra argument to replay", []string{"replay", "--nats", log, "jobs"}, []string{"gpuplan replay takes no arguments"}},
		{"extra argument to export", []string{"events", "export", "--nats", log, "--out", "-", "x"}, []string{"gpuplan events export takes no arguments"}},
		{"import without files", []string{"import", "--nats", log}, []string{"gpuplan import needs at least one trace FILE"}},
		{"events import without files", []string{"events", "import", "--nats", log}, []string{"needs at least one FILE.jsonl"}},
		{"two documents on stdout", []string{"simulate", "--scenario", "small", "--json", "-", "--per-job", "-"}, []string{"--json - and --per-job - both want stdout"}},
		{"two documents on stdout in replay", []string{"replay", "--nats", log, "--json", "-", "--per-job", "-"}, []string{"both want stdout"}},
		{"help on an unknown topic", []string{"help", "simulat"}, []string{`unknown command "simulat"`, "did you mean simulate?"}},
		{"completion without a shell", []string{"completion"}, []string{"gpuplan completion needs a command"}},
		{"unknown flag of the root", []string{"--verbose"}, []string{"unknown flag: --verbose"}},
		{"two files of one stem", []string{"import", "--format", "itp", "--out", "-", "testdata/itp_sample.csv", "testdata/itp_sample.csv.gz"}, []string{"same stem \"itp_sample\"", "--merge-owners"}},
		{"flag without its value", []string{"simulate", "--scenario"}, []string{"flag needs an argument"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tc.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2; stderr: %s", code, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q: %s", w, errOut)
				}
			}
			if out != "" {
				t.Errorf("stdout not empty: %q", out)
			}
		})
	}
}

// Every command that runs says which arguments it takes: cobra lets one without Args take any,
// and a stray word would then be silently ignored instead of exiting 2.
func TestEveryCommandDeclaresArgs(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Runnable() && c.Args == nil {
			t.Errorf("%s declares no Args", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd(new(bytes.Buffer), new(bytes.Buffer)))
}

// cobra reports missing required flags as plain errors; they are command-line mistakes too.
func TestCobraFlagErrorsAreUsageErrors(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{errors.New(`required flag(s) "out" not set`), true},
		{errors.New(`if any flags in the group [a b] are set none of the others can be; [a b] were all set`), true},
		{errors.New(`at least one of the flags in the group [a b] is required`), true},
		{usagef("--x: bad"), true},
		{errors.New("jobs.csv:3: submit_s: not a number"), false},
	}
	for _, tc := range tests {
		if got := isUsageError(tc.err); got != tc.want {
			t.Errorf("isUsageError(%q) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestVersionFromBuildInfo(t *testing.T) {
	const rev = "56c81d7bc6a6b155cb809531483db39c536ad8e8"
	vcs := func(modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	tests := []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{"no build information", nil, "devel"},
		{"go run or go test", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "devel"},
		{"go install module@version", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}}, "v1.2.0"},
		{"checkout, pseudo-version names the commit", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261127112203-56c81d7bc6a6+dirty"}, Settings: vcs("true")},
			"v0.0.0-20261127112203-56c81d7bc6a6+dirty"},
		{"tagged checkout", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}, Settings: vcs("false")}, "v1.2.0 (commit 56c81d7bc6a6)"},
		{"checkout without a version", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("true")}, "devel (commit 56c81d7bc6a6, modified)"},
	}
	for _, tc := range tests {
		if got := versionOf(tc.bi); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	code, out, _ := runCLI(t, "--version")
	if code != 0 || out != "gpuplan version "+version()+"\n" {
		t.Errorf("--version: exit %d, %q", code, out)
	}
	code, out, _ = runCLI(t, "simulate", "--scenario", "small", "--json", "-")
	if code != 0 || !strings.Contains(out, `"version": "`+version()+`"`) {
		t.Errorf("results lack version %q", version())
	}
}

// --per-job - writes the rows alone to stdout, as --json - does the document.
func TestPerJobStdout(t *testing.T) {
	code, out, errOut := runCLI(t, "simulate", "--scenario", "small", "--policy", "fragmented,easy", "--per-job", "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("stdout is not one CSV file: %v\n%.300s", err, out)
	}
	if got := strings.Join(rows[0], ","); !strings.HasPrefix(got, "id,owner,policy,submit_s,start_s,end_s,wait_s,gpus,infeasible") {
		t.Fatalf("header %q", got)
	}
	policies := map[string]int{}
	for _, r := range rows[1:] {
		policies[r[2]]++
	}
	if len(policies) != 2 || policies["fragmented"] != policies["easy"] || policies["easy"] == 0 {
		t.Errorf("rows per policy %v, want the same jobs under fragmented and easy", policies)
	}
	file := filepath.Join(t.TempDir(), "jobs.csv")
	if code, _, errOut := runCLI(t, "simulate", "--scenario", "small", "--policy", "fragmented,easy", "--per-job", file); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if b, _ := os.ReadFile(file); string(b) != out {
		t.Error("--per-job - and --per-job FILE differ")
	}
}

// Numbers in the per-job file have one style: plain decimals that read back exactly.
func TestPerJobSecondsHaveNoExponent(t *testing.T) {
	// The seed case's submits reach millions of seconds: none may print with an exponent.
	code, out, errOut := runCLI(t, "simulate", "--scenario", "small", "--per-job", "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.ContainsAny(out, "eE+") {
		for _, line := range strings.Split(out, "\n")[1:] {
			if fields := strings.Split(line, ","); len(fields) > 6 && strings.ContainsAny(strings.Join(fields[3:7], ","), "eE+") {
				t.Fatalf("a number with an exponent: %s", line)
			}
		}
	}
}

// --workload - reads the workload, plain or gzip, from stdin, with the results of the file.
func TestWorkloadFromStdin(t *testing.T) {
	jobs := "id,owner,submit_s,gpus,duration_s\na,alice,0,2,100\nb,alice,10,2,100\nc,bob,20,1,50\n"
	path := writeFile(t, "jobs.csv", jobs)
	_, fromFile, _ := runCLI(t, "simulate", "--workload", path, "--json", "-")
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	zw.Write([]byte(jobs))
	zw.Close()
	for _, tc := range []struct{ name, stdin string }{{"plain", jobs}, {"gzip", zipped.String()}} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLIIn(t, tc.stdin, "simulate", "--workload", "-", "--json", "-")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if a, b := policiesOf(t, out), policiesOf(t, fromFile); a != b {
				t.Errorf("stdin and file differ:\n%.300s\n%.300s", a, b)
			}
		})
	}
	code, _, errOut := runCLIIn(t, "id,owner,submit_s,gpus,duration_s\na,alice,zero,1,5\n", "simulate", "--workload", "-")
	if code != 1 || !strings.Contains(errOut, "stdin") || !strings.Contains(errOut, "submit_s") {
		t.Errorf("bad row on stdin: exit %d, %s", code, errOut)
	}
}

// Help names --nats's value, claims the embedded default only where a command has one, and its
// examples select times that an import stamps (2020-01-01 onwards).
func TestHelpTexts(t *testing.T) {
	tests := []struct {
		args          []string
		want, notWant []string
	}{
		{[]string{"import", "--help"}, []string{"--nats URL", "2020-01-01T00:00:00Z", "--merge-owners"}, []string{"default: an embedded", "gpuplan serve string"}},
		{[]string{"replay", "--help"}, []string{"--nats URL", "--since 2020-01-01 --until 2020-02-01"}, []string{"default: an embedded", "2021-"}},
		{[]string{"events", "export", "--help"}, []string{"--nats URL", "--since 2020-01-01"}, []string{"default: an embedded", "2021-"}},
		{[]string{"events", "import", "--help"}, []string{"--nats URL"}, []string{"default: an embedded"}},
		{[]string{"demo", "--help"}, []string{"--nats URL", "default: an embedded server"}, nil},
		{[]string{"simulate", "--help"}, []string{"--workload FILE", "or - for stdin", "--per-job FILE", "--json FILE"}, nil},
	}
	for _, tc := range tests {
		code, out, errOut := runCLI(t, tc.args...)
		if code != 0 {
			t.Errorf("%v: exit %d: %s", tc.args, code, errOut)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v lacks %q", tc.args, w)
			}
		}
		for _, w := range tc.notWant {
			if strings.Contains(out, w) {
				t.Errorf("%v says %q", tc.args, w)
			}
		}
	}
}

// serve on a port in use fails at once, naming the port, instead of waiting for a server that
// never listens.
func TestServePortInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	addr := l.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	type result struct {
		code         int
		out, errText string
	}
	done := make(chan result, 1)
	go func() {
		c, o, e := runCLI(t, "serve", "--data", t.TempDir(), "--addr", addr)
		done <- result{c, o, e}
	}()
	select {
	case r := <-done:
		if r.code != 1 || !strings.Contains(r.errText, "port "+port+" is already in use") || r.out != "" {
			t.Errorf("exit %d, stdout %q, stderr %q; want 1 naming port %s", r.code, r.out, r.errText, port)
		}
		if n := strings.Count(r.errText, "\n"); n != 1 {
			t.Errorf("stderr has %d lines, want the one error (no server log):\n%s", n, r.errText)
		}
	case <-time.After(5 * time.Second): // the server's own readiness wait is 10 s
		t.Fatal("serve on a port in use did not fail at once")
	}
}
