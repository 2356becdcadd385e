package traces

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

const hdr = "id,owner,submit_s,gpus,duration_s\n"

func TestBadInput(t *testing.T) {
	for _, c := range []struct {
		name   string
		format Format
		in     string
		want   []string // substrings of the error, in order of appearance
		row    int      // first RowError's row and column
		column string
		// With SkipBad: jobs kept and rows skipped (bad plus no-GPU); -1 when the error is fatal anyway.
		// With no job kept, SkipBad fails too, with ErrNoJobs.
		jobs, skipped int
	}{
		{"non-numeric", CSV, hdr + "a,o,x,1,5\n", []string{`f.csv:row 2: column submit_s: "x" is not a number`}, 2, "submit_s", 0, 1},
		{"NaN", CSV, hdr + "a,o,0,1,NaN\n", []string{`row 2: column duration_s: "NaN" is not a finite number`}, 2, "duration_s", 0, 1},
		{"Inf", CSV, hdr + "a,o,+Inf,1,1\n", []string{`column submit_s: "+Inf" is not a finite number`}, 2, "submit_s", 0, 1},
		{"overflow", CSV, hdr + "a,o,1e999,1,1\n", []string{`column submit_s: "1e999" is out of range`}, 2, "submit_s", 0, 1},
		{"negative", CSV, hdr + "a,o,0,1,1\nb,o,0,-2,1\n", []string{`row 3: column gpus: "-2": negative value`}, 3, "gpus", 1, 1},
		{"fractional GPUs", CSV, hdr + "a,o,0,1.5,1\n", []string{`column gpus: "1.5" is not a whole number`}, 2, "gpus", 0, 1},
		{"huge GPUs", CSV, hdr + "a,o,0,3000000000,1\n", []string{`column gpus: "3000000000" is too large`}, 2, "gpus", 0, 1},
		{"empty owner", CSV, hdr + "a,,0,1,1\n", []string{`row 2: column owner: empty value`}, 2, "owner", 0, 1},
		{"empty id", CSV, hdr + " ,o,0,1,1\n", []string{`row 2: column id: empty value`}, 2, "id", 0, 1},
		{"util above 1", CSV, "id,owner,submit_s,gpus,duration_s,util\na,o,0,1,1,75\n", []string{`column util: "75": utilization must be between 0 and 1`}, 2, "util", 0, 1},
		{"two bad columns", CSV, hdr + "a,o,x,y,1\nb,o,0,1,1\n", []string{`row 2: column submit_s`, `row 2: column gpus`}, 2, "submit_s", 1, 1},
		{"field count", CSV, hdr + "a,o,0,1\nb,o,0,1,1,9\n", []string{`row 2: wrong field count: 4, header has 5`, `row 3: wrong field count: 6`}, 2, "", 0, 2},
		{"blank lines keep numbering", CSV, hdr + "\na,o,0,1,1\n\r\nb,o,0,1,z\n", []string{`row 5: column duration_s`}, 5, "duration_s", 1, 1},
		{"bad quote", CSV, hdr + "a\"b,o,0,1,1\nc,o,0,1,1\n", []string{`row 2: malformed quoted field`}, 2, "", 1, 1},
		{"unterminated quote", CSV, hdr + "c,o,0,1,1\n\"a,o,0,1,1\n", []string{`row 3: malformed quoted field`}, 3, "", 1, 1},
		{"missing column", CSV, "id,owner,submit_s,duration_s\na,o,0,1\n", []string{`row 1: column gpus: missing required column (header has: id,owner,submit_s,duration_s)`}, 1, "gpus", -1, -1},
		{"unknown column", CSV, "id,owner,submit_s,gpus,duration_s,power\na,o,0,1,1,5\n", []string{`row 1: column power: unknown column (valid: id,owner,submit_s,gpus,duration_s,group,gpu_type,power_w,util)`}, 1, "power", -1, -1},
		{"duplicate column", CSV, "id,owner,submit_s,gpus,duration_s,gpus\n", []string{`row 1: column gpus: duplicate column`}, 1, "gpus", -1, -1},
		{"empty input", CSV, "", []string{`f.csv:row 1: no jobs: the file is empty`}, 1, "", -1, -1},
		{"itp missing column", ITP, "job_id,submission_time,duration\n", []string{`row 1: column num_gpu: missing required column`}, 1, "num_gpu", -1, -1},
		{"itp bad duration", ITP, "job_id,submission_time,duration,num_gpu\nj,0,1h,1\nk,5,1,1\n", []string{`row 2: column duration: "1h" is not a number`}, 2, "duration", 1, 1},
		{"genpw bad interval", GenPW, "u_id,user,gpu_num,interval,run_time\n0,1,1,0,5\n1,1,1,-3,5\n", []string{`row 3: column interval: "-3": negative value`}, 3, "interval", 1, 1},
		{"openb ends before start", OpenB, "name,num_gpu,creation_time,deletion_time,scheduled_time\np,1,10,15,20\n", []string{`row 2: column deletion_time: deletion_time is before the pod's start (15 < 20)`}, 2, "deletion_time", 0, 1},
		{"openb missing times", OpenB, "name,cpu_milli,memory_mib,num_gpu,gpu_milli\n", []string{`column creation_time: missing required column`, `column deletion_time: missing required column`}, 1, "creation_time", -1, -1},
		{"swf field count", SWF, "; comment\n1 0 -1 5 1 -1 -1 -1 -1 -1 -1 1 1 -1 -1 -1 -1\n", []string{`row 2: wrong field count: 17, SWF has 18`}, 2, "", 0, 1},
		{"swf negative run time", SWF, "1 0 -1 -5 1 -1 -1 -1 -1 -1 -1 1 1 -1 -1 -1 -1 -1\n", []string{`row 1: column run_time: "-5": negative value`}, 1, "run_time", 0, 1},
		{"swf bad user", SWF, "1 0 -1 5 1 -1 -1 -1 -1 -1 -1 bob 1 -1 -1 -1 -1 -1\n2 9 -1 5 1 -1 -1 -1 -1 -1 -1 3 1 -1 -1 -1 -1 -1\n", []string{`row 1: column user: "bob" is not a number`}, 1, "user", 1, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			w, err := Read(strings.NewReader(c.in), "f.csv", c.format, Options{})
			if err == nil {
				t.Fatalf("no error; read %d jobs", len(w.Jobs))
			}
			if w != nil {
				t.Error("workload returned with an error")
			}
			msg, at := err.Error(), 0
			for _, s := range c.want {
				i := strings.Index(msg[at:], s)
				if i < 0 {
					t.Fatalf("error %q lacks %q", msg, s)
				}
				at += i + len(s)
			}
			var re *RowError
			if c.row > 0 {
				if !errors.As(err, &re) || !errors.Is(err, ErrBadRow) {
					t.Fatalf("error %v is not a RowError/ErrBadRow", err)
				}
				if re.File != "f.csv" || re.Row != c.row || re.Column != c.column {
					t.Errorf("first RowError at %q row %d column %q, want row %d column %q", re.File, re.Row, re.Column, c.row, c.column)
				}
			}
			w, err = Read(strings.NewReader(c.in), "f.csv", c.format, Options{SkipBad: true})
			if c.jobs == 0 {
				if !errors.Is(err, ErrNoJobs) || !strings.Contains(err.Error(), fmt.Sprintf("every row was skipped (%d malformed (skip-bad))", c.skipped)) {
					t.Errorf("SkipBad with no job left: %v, want ErrNoJobs counting %d malformed rows", err, c.skipped)
				}
				return
			}
			if c.jobs < 0 {
				if err == nil {
					t.Error("SkipBad read a file with a bad header")
				}
				return
			}
			if err != nil {
				t.Fatalf("SkipBad: %v", err)
			}
			checkWorkload(t, w)
			if len(w.Jobs) != c.jobs || w.Skipped != c.skipped {
				t.Errorf("SkipBad: %d jobs, %d skipped; want %d and %d", len(w.Jobs), w.Skipped, c.jobs, c.skipped)
			}
		})
	}
}

// TestManyErrors checks that a wholly bad file lists the first 50 errors and counts the rest.
func TestManyErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString(hdr)
	for i := range 120 {
		fmt.Fprintf(&b, "j%d,o,0,x,1\n", i)
	}
	_, err := Read(strings.NewReader(b.String()), "many.csv", CSV, Options{})
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	if n := strings.Count(msg, "column gpus"); n != 50 {
		t.Errorf("%d errors listed, want 50", n)
	}
	if !strings.Contains(msg, "many.csv:row 51: column gpus") || strings.Contains(msg, "row 52:") {
		t.Errorf("listed rows are not the first 50 (rows 2..51)")
	}
	if !strings.Contains(msg, "many.csv: and 70 more errors") {
		t.Errorf("error does not count the 70 unlisted: ...%s", msg[len(msg)-80:])
	}
}

func TestGzipErrors(t *testing.T) {
	gz := gzipBytes(t, []byte(hdr+"a,o,0,1,1\n"))
	if _, err := Read(strings.NewReader(string(gz[:len(gz)-6])), "cut.csv.gz", CSV, Options{}); err == nil || !strings.Contains(err.Error(), "cut.csv.gz") {
		t.Errorf("truncated gzip: %v, want an error naming the file", err)
	}
	if _, err := Read(strings.NewReader("\x1f\x8bnot gzip"), "bad.gz", CSV, Options{}); err == nil || !strings.Contains(err.Error(), "bad.gz: gzip") {
		t.Errorf("bad gzip header: %v", err)
	}
}

// TestUnclosedQuote: a quote opening a field that never closes swallows at most 1 MiB of lines (in
// linear time) and is reported at the row where it starts; the rows after the cut read normally.
func TestUnclosedQuote(t *testing.T) {
	var b strings.Builder
	b.WriteString(hdr + "\"open,o,0,1,1\n")
	for i := range 200000 {
		fmt.Fprintf(&b, "j%d,o,0,1,1\n", i)
	}
	start := time.Now()
	w, err := Read(strings.NewReader(b.String()), "q.csv", CSV, Options{SkipBad: true})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	if w.Skipped != 1 || len(w.Jobs) == 0 || len(w.Jobs) >= 200000 {
		t.Errorf("%d jobs, %d skipped; want one bad record swallowing about 1 MiB", len(w.Jobs), w.Skipped)
	}
	_, err = Read(strings.NewReader(b.String()), "q.csv", CSV, Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "q.csv:row 2: quoted field runs past 1 MiB") {
		t.Errorf("error %v", err)
	}
}
