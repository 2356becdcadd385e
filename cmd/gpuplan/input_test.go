package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func gzipFile(t *testing.T, name string, body []byte) string {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(body)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return writeFile(t, name, buf.String())
}

// TestRefusedInput: every kind of bad workload and scenario number makes simulate exit 1 with
// exactly this message (file:row:column, or file:line:field), and nothing on stdout.
func TestRefusedInput(t *testing.T) {
	const hdr = "id,owner,submit_s,gpus,duration_s\n"
	const swfTail = " -1 -1 -1 -1 -1 -1 1 1 -1 -1 -1 -1 -1\n"
	cases := []struct {
		name, file, format, body string
		gz                       bool
		want                     string // %s stands for the file's path
	}{
		{"duration 1e308", "w.csv", "csv", hdr + "a,o,0,1,1e308\n", false, `scenario w: workload.trace: %s:row 2: column duration_s: "1e308" is above the limit of 3155760000 s (100 years)`},
		{"GPUs 2^31-1", "w.csv", "csv", hdr + "a,o,0,2147483647,60\n", false, `scenario w: workload.trace: %s:row 2: column gpus: "2147483647" is above the limit of 100000 GPUs per job`},
		{"duplicate id", "w.csv", "csv", hdr + "a,o,0,1,60\nb,o,5,1,60\na,o,9,1,60\n", false, `scenario w: workload.trace: %s:row 4: column id: job ID "a" repeats row 2's`},
		{"header only", "w.csv", "csv", hdr, false, `scenario w: workload.trace: %s:row 2: no jobs: a header and no rows`},
		{"empty file", "w.csv", "csv", "", false, `scenario w: workload.trace: %s:row 1: no jobs: the file is empty`},
		{"empty gzip", "w.csv.gz", "csv", "", true, `scenario w: workload.trace: %s:row 1: no jobs: the file is empty`},
		{"itp submit, gzip", "c.csv.gz", "itp", "job_id,submission_time,duration,num_gpu\nj,1e12,60,1\n", true, `scenario c: workload.trace: %s:row 2: column submission_time: "1e12" is above the limit of 3155760000 s (100 years)`},
		{"genpw duplicate", "p.csv", "genpw", "u_id,user,gpu_num,interval,run_time\n1,u,1,0,5\n1,u,1,3,5\n", false, `scenario p: workload.trace: %s:row 3: column u_id: job ID "1" repeats row 2's`},
		{"openb header only", "o.csv", "openb", "name,num_gpu,creation_time,deletion_time\n", false, `scenario o: workload.trace: %s:row 2: no jobs: a header and no rows`},
		{"swf comments only", "n.swf", "swf", "; Version: 2.2\n", false, `scenario n: workload.trace: %s:row 1: no jobs: no job lines`},
		{"swf run time", "n.swf", "swf", "1 0 -1 1e300 1" + swfTail, false, `scenario n: workload.trace: %s:row 1: column run_time: "1e300" is above the limit of 3155760000 s (100 years)`},
		{"no GPU anywhere", "w.csv", "csv", hdr + "a,o,0,0,60\n", false, `scenario w: workload.trace: %s:row 2: no jobs: every row was skipped (1 asking for no GPU)`},
		{"endless line, gzip", "w.csv.gz", "csv", hdr + strings.Repeat("x", 8<<20), true, `scenario w: workload.trace: %s:row 2: line longer than 1 MiB (not a text workload file?)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeFile(t, c.file, c.body)
			if c.gz {
				path = gzipFile(t, c.file, []byte(c.body))
			}
			code, out, errOut := runCLI(t, "simulate", "--workload", path, "--format", c.format)
			want := "gpuplan: " + strings.ReplaceAll(c.want, "%s", path) + "\n"
			if code != 1 || errOut != want || out != "" {
				t.Errorf("exit %d, stdout %q, stderr\n%s\nwant exit 1 and\n%s", code, out, errOut, want)
			}
		})
	}
	t.Run("scenario tdp_w 1e300", func(t *testing.T) {
		yaml := "name: hot\nhorizon: 1d\ngpu_types:\n  - name: g1\n    tdp_w: 1e300\nsites:\n  - {name: lab, pue: 1.5}\n  - {name: farm, pue: 1.2}\nfarm: {site: farm}\nowners:\n  - {name: a, gpus: 4, site: lab}\nworkload:\n  synthetic: {load: 0.5}\n"
		path := writeFile(t, "hot.yaml", yaml)
		code, out, errOut := runCLI(t, "simulate", "--scenario", path)
		want := "gpuplan: " + path + ":5: gpu_types[0].tdp_w: must be at most 10000 W, got 1e+300\n"
		if code != 1 || errOut != want || out != "" {
			t.Errorf("exit %d, stdout %q, stderr\n%s\nwant exit 1 and\n%s", code, out, errOut, want)
		}
	})
}

// TestSimulateNotes: simulate says on stderr how many rows it skipped and why, and warns about a
// job decades after the rest, naming its row; the run itself succeeds.
func TestSimulateNotes(t *testing.T) {
	path := writeFile(t, "w.csv", "id,owner,submit_s,gpus,duration_s\na,o,0,1,60\nb,o,60,0,60\nc,o,120,2,60\nd,o,946728000,1,60\n")
	code, _, errOut := runCLI(t, "simulate", "--workload", path, "--policy", "fragmented,fifo")
	want := path + ": 1 row skipped: 1 asking for no GPU\n" +
		"warning: " + path + ":row 5: column submit_s: ends 30.0 years after every other job: the trace's span of 30.0 years, and every value derived from it (pools and owners sized from demand, the horizon, the measured window), rests on this one job\n"
	if code != 0 || !strings.HasPrefix(errOut, want) {
		t.Errorf("exit %d, stderr\n%s\nwant it to start with\n%s", code, errOut, want)
	}
}

// TestWriteOutputAtomic: an output that fails half-way leaves no file, or the previous one
// untouched, and no temporary file beside it; a complete one replaces it.
func TestWriteOutputAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.json")
	half := func(w io.Writer) error {
		io.WriteString(w, `{"policies": [`)
		return errors.New("json: unsupported value: +Inf")
	}
	if err := writeOutput(path, half); err == nil || err.Error() != path+": json: unsupported value: +Inf" {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed write left %s (stat: %v)", path, err)
	}
	if err := writeOutput(path, func(w io.Writer) error { _, err := io.WriteString(w, "old\n"); return err }); err != nil {
		t.Fatal(err)
	}
	writeOutput(path, half)
	if b, _ := os.ReadFile(path); string(b) != "old\n" {
		t.Errorf("a failed write changed the previous file to %q", b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%d files in the directory, want only out.json", len(ents))
	}
	ref, err := os.Create(filepath.Join(dir, "ref"))
	if err != nil {
		t.Fatal(err)
	}
	ref.Close()
	got, _ := os.Stat(path)
	want, _ := os.Stat(ref.Name())
	if got.Mode().Perm() != want.Mode().Perm() {
		t.Errorf("permissions %v, want %v as os.Create gives", got.Mode().Perm(), want.Mode().Perm())
	}
	// Through the CLI: a --json into a folder that does not exist fails, naming the flag.
	missing := filepath.Join(dir, "no", "such", "r.json")
	code, _, errOut := runCLI(t, "simulate", "--scenario", "small", "--json", missing)
	if code != 1 || !strings.HasPrefix(errOut, "gpuplan: --json: "+missing+": ") {
		t.Errorf("exit %d, stderr %s", code, errOut)
	}
}

// TestImportOutOnBadInput: import --out of a refused file fails with the reader's message (not
// under --out) and leaves no file, where it once left a partial one to be removed.
func TestImportOutOnBadInput(t *testing.T) {
	in := writeFile(t, "dup.csv", "id,owner,submit_s,gpus,duration_s\na,o,0,1,60\na,o,5,1,60\n")
	out := filepath.Join(t.TempDir(), "jobs.jsonl")
	code, stdout, errOut := runCLI(t, "import", "--out", out, in)
	want := "gpuplan: " + in + `:row 3: column id: job ID "a" repeats row 2's` + "\n"
	if code != 1 || stdout != "" || errOut != want {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 and %q", code, stdout, errOut, want)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s left behind (stat: %v)", out, err)
	}
}
