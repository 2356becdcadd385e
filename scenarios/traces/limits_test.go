package traces

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

const (
	itpHdr   = "job_id,submission_time,duration,num_gpu\n"
	genpwHdr = "u_id,user,gpu_num,interval,run_time\n"
	openbHdr = "name,num_gpu,creation_time,deletion_time\n"
	swfTail  = " -1 -1 -1 -1 -1 -1 1 1 -1 -1 -1 -1 -1\n" // fields 6..18 of an SWF line
)

// TestRefused: each bad input of every format, plain and gzip-compressed, is refused with exactly
// this message (the whole error: one problem each), and ErrBadRow; files without jobs also match
// ErrNoJobs. SkipBad changes none of these: limits make the only row bad, so no job is left.
func TestRefused(t *testing.T) {
	for _, c := range []struct {
		name   string
		format Format
		in     string
		want   string
		noJobs bool
		// skipLeft is the number of jobs SkipBad keeps: 0 gives ErrNoJobs, -1 the same error.
		skipLeft int
	}{
		{"csv submit", CSV, hdr + "a,o,4e9,1,1\n", `f:row 2: column submit_s: "4e9" is above the limit of 3155760000 s (100 years)`, false, 0},
		{"csv duration 1e308", CSV, hdr + "a,o,0,1,1e308\n", `f:row 2: column duration_s: "1e308" is above the limit of 3155760000 s (100 years)`, false, 0},
		{"csv GPUs 2^31-1", CSV, hdr + "a,o,0,2147483647,1\n", `f:row 2: column gpus: "2147483647" is above the limit of 100000 GPUs per job`, false, 0},
		{"csv power", CSV, "id,owner,submit_s,gpus,duration_s,power_w\na,o,0,1,1,1e6\n", `f:row 2: column power_w: "1e6" is above the limit of 10000 W per GPU`, false, 0},
		{"csv duplicate id", CSV, hdr + "b,o,0,1,1\na,o,0,1,1\nb,o,5,1,1\n", `f:row 4: column id: job ID "b" repeats row 2's`, false, -1},
		{"csv header only", CSV, hdr, `f:row 2: no jobs: a header and no rows`, true, -1},
		{"csv empty", CSV, "", `f:row 1: no jobs: the file is empty`, true, -1},
		{"csv only blank lines", CSV, "\n\n", `f:row 1: no jobs: the file is empty`, true, -1},
		{"csv no GPU anywhere", CSV, hdr + "a,o,0,0,1\nb,o,0,0,1\n", `f:row 2: no jobs: every row was skipped (2 asking for no GPU)`, true, -1},
		{"itp submit", ITP, itpHdr + "j,1e10,1,1\n", `f:row 2: column submission_time: "1e10" is above the limit of 3155760000 s (100 years)`, false, 0},
		{"itp duration", ITP, itpHdr + "j,0,1e308,1\n", `f:row 2: column duration: "1e308" is above the limit of 3155760000 s (100 years)`, false, 0},
		{"itp GPUs", ITP, itpHdr + "j,0,1,100001\n", `f:row 2: column num_gpu: "100001" is above the limit of 100000 GPUs per job`, false, 0},
		{"itp duplicate id", ITP, itpHdr + "x,0,1,1\nj,0,1,1\nx,9,1,1\n", `f:row 4: column job_id: job ID "x" repeats row 2's`, false, -1},
		{"itp header only", ITP, itpHdr, `f:row 2: no jobs: a header and no rows`, true, -1},
		{"itp empty", ITP, "", `f:row 1: no jobs: the file is empty`, true, -1},
		{"genpw interval sum", GenPW, genpwHdr + "0,u,1,0,5\n1,u,1,3e9,5\n2,u,1,3e9,5\n", `f:row 4: column interval: the running sum of intervals reaches 6e+09 s, above the limit of 3155760000 s (100 years)`, false, 2},
		{"genpw run time", GenPW, genpwHdr + "0,u,1,0,1e300\n", `f:row 2: column run_time: "1e300" is above the limit of 3155760000 s (100 years)`, false, 0},
		{"genpw GPUs", GenPW, genpwHdr + "0,u,2147483647,0,5\n", `f:row 2: column gpu_num: "2147483647" is above the limit of 100000 GPUs per job`, false, 0},
		{"genpw duplicate id", GenPW, genpwHdr + "7,u,1,0,5\n3,u,1,1,5\n7,v,1,1,5\n", `f:row 4: column u_id: job ID "7" repeats row 2's`, false, -1},
		{"genpw header only", GenPW, genpwHdr, `f:row 2: no jobs: a header and no rows`, true, -1},
		{"genpw empty", GenPW, "", `f:row 1: no jobs: the file is empty`, true, -1},
		{"openb creation", OpenB, openbHdr + "p,1,4e9,5\n", `f:row 2: column creation_time: "4e9" is above the limit of 3155760000 s (100 years)`, false, 0},
		{"openb deletion", OpenB, openbHdr + "p,1,0,1e200\n", `f:row 2: column deletion_time: "1e200" is above the limit of 3155760000 s (100 years)`, false, 0},
		{"openb GPUs", OpenB, openbHdr + "p,200000,0,5\n", `f:row 2: column num_gpu: "200000" is above the limit of 100000 GPUs per job`, false, 0},
		{"openb duplicate name", OpenB, openbHdr + "q,1,0,5\np,1,0,5\nq,1,0,5\n", `f:row 4: column name: job ID "q" repeats row 2's`, false, -1},
		{"openb header only", OpenB, openbHdr, `f:row 2: no jobs: a header and no rows`, true, -1},
		{"openb empty", OpenB, "", `f:row 1: no jobs: the file is empty`, true, -1},
		{"swf submit", SWF, "1 1e12 -1 5 1" + swfTail, `f:row 1: column submit: "1e12" is above the limit of 3155760000 s (100 years)`, false, 0},
		{"swf run time", SWF, "1 0 -1 1e308 1" + swfTail, `f:row 1: column run_time: "1e308" is above the limit of 3155760000 s (100 years)`, false, 0},
		{"swf processors", SWF, "1 0 -1 5 2147483647" + swfTail, `f:row 1: column allocated_processors: 2.147e+09 is not a whole processor count of at most 100000`, false, 0},
		{"swf duplicate job", SWF, "; log\n4 0 -1 5 1" + swfTail + "2 0 -1 5 1" + swfTail + "4 9 -1 5 1" + swfTail, `f:row 4: column job: job ID "4" repeats row 2's`, false, -1},
		{"swf comments only", SWF, "; Version: 2.2\n; Computer: none\n", `f:row 1: no jobs: no job lines`, true, -1},
		{"swf empty", SWF, "", `f:row 1: no jobs: no job lines`, true, -1},
		{"swf all unknown", SWF, "1 0 -1 -1 1" + swfTail, `f:row 1: no jobs: every row was skipped (1 with an unknown run time)`, true, -1},
	} {
		for _, gz := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/gzip=%v", c.name, gz), func(t *testing.T) {
				in := []byte(c.in)
				if gz {
					in = gzipBytes(t, in)
				}
				for _, skip := range []bool{false, true} {
					w, err := Read(bytes.NewReader(in), "f", c.format, Options{SkipBad: skip})
					if (err == nil || w != nil) && !(skip && c.skipLeft > 0) {
						t.Fatalf("skip=%v: read %v, err %v; want %s", skip, w, err, c.want)
					}
					if skip && c.skipLeft >= 0 {
						if c.skipLeft > 0 && (err != nil || len(w.Jobs) != c.skipLeft) {
							t.Errorf("skip: %d jobs, %v; want %d", len(w.Jobs), err, c.skipLeft)
						}
						if c.skipLeft == 0 && !errors.Is(err, ErrNoJobs) {
							t.Errorf("skip: %v, want ErrNoJobs", err)
						}
						continue
					}
					if err.Error() != c.want {
						t.Errorf("skip=%v:\n got %s\nwant %s", skip, err, c.want)
					}
					if !errors.Is(err, ErrBadRow) || errors.Is(err, ErrNoJobs) != c.noJobs {
						t.Errorf("skip=%v: errors.Is ErrBadRow %v, ErrNoJobs %v (want %v)", skip, errors.Is(err, ErrBadRow), errors.Is(err, ErrNoJobs), c.noJobs)
					}
				}
			})
		}
	}
}

// TestDuplicateAcrossChunks: the parallel reader finds a repeat in another chunk, as the
// streaming one does, with IDs in no order (the hash table, not the sorted fast path).
func TestDuplicateAcrossChunks(t *testing.T) {
	var b strings.Builder
	b.WriteString(hdr)
	row, rowOf10 := 1, 0
	for i := range 3000 {
		if i%100 == 50 { // blank lines and a job without GPUs shift rows away from job numbers
			b.WriteString("\n")
			fmt.Fprintf(&b, "zero%d,o,0,0,60\n", i)
			row += 2
		}
		row++
		if i == 10 {
			rowOf10 = row
		}
		fmt.Fprintf(&b, "j%d,o,%d,1,60\n", (i*7919)%3000, i)
	}
	fmt.Fprintf(&b, "j%d,o,5,1,60\n", (10*7919)%3000) // repeats job 10
	data := []byte(b.String())
	want := fmt.Sprintf(`c.csv:row %d: column id: job ID "j%d" repeats row %d's`, row+1, (10*7919)%3000, rowOf10)
	_, err := Read(bytes.NewReader(data), "c.csv", CSV, Options{})
	if err == nil || err.Error() != want {
		t.Fatalf("streaming: %v, want %s", err, want)
	}
	for _, k := range []int{2, 3, 7} {
		_, _, err := readCSVChunks(data, &rowErrors{file: "c.csv"}, k)
		if err == nil || err.Error() != want {
			t.Errorf("k=%d: %v, want %s", k, err, want)
		}
	}
	// Sorted IDs with a repeat at a chunk boundary break the fast path and are found too.
	sorted := []byte(hdr + "a1,o,0,1,1\na2,o,0,1,1\na2,o,0,1,1\na3,o,0,1,1\n")
	if _, _, err := readCSVChunks(sorted, &rowErrors{file: "s.csv"}, 2); err == nil || err.Error() != `s.csv:row 4: column id: job ID "a2" repeats row 3's` {
		t.Errorf("sorted with a repeat: %v", err)
	}
}

// TestLongLineBounded: a gzip member that inflates to one endless line is refused at that line
// after at most about 1 MiB, not read whole (a 200 KB file once grew to 836 MB).
func TestLongLineBounded(t *testing.T) {
	for _, f := range Formats() {
		t.Run(string(f), func(t *testing.T) {
			header := map[Format]string{CSV: hdr, ITP: itpHdr, GenPW: genpwHdr, OpenB: openbHdr, SWF: "; c\n"}[f]
			in := gzipBytes(t, append([]byte(header), bytes.Repeat([]byte("x"), 64<<20)...)) // 64 MiB in about 64 KB
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := Read(bytes.NewReader(in), "big.gz", f, Options{SkipBad: true})
			runtime.ReadMemStats(&after)
			want := "big.gz:row 2: line longer than 1 MiB (not a text workload file?)"
			if err == nil || err.Error() != want {
				t.Errorf("%v, want %s", err, want)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
				t.Errorf("allocated %d MiB reading it", grew>>20)
			}
		})
	}
	// A header line that never ends is the same error at row 1, in memory too.
	data := bytes.Repeat([]byte("y"), 2<<20)
	if _, _, err := readCSVChunks(data, &rowErrors{file: "h.csv"}, 2); err == nil || err.Error() != "h.csv:row 1: line longer than 1 MiB (not a text workload file?)" {
		t.Errorf("in memory: %v", err)
	}
}

// TestBinaryHeaderQuoted: errors about a binary file's header quote a short, printable excerpt.
func TestBinaryHeaderQuoted(t *testing.T) {
	bin := "\x00\xff\x1b[31m\x07" + strings.Repeat("\x01\x02", 200) + ",id\n"
	_, err := Read(strings.NewReader(bin), "b.bin", CSV, Options{})
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	if !utf8.ValidString(msg) {
		t.Fatalf("message is not UTF-8: %q", msg)
	}
	for _, r := range msg { // U+FFFD stands where lower-casing met a byte that was no UTF-8
		if !unicode.IsPrint(r) && r != '\n' {
			t.Fatalf("message has a non-printable rune %q: %q", r, msg)
		}
	}
	first := strings.SplitN(msg, "\n", 2)[0]
	want := `b.bin:row 1: column owner: missing required column (header has: \x00` + "\ufffd" + `\x1b[31m\a` + strings.Repeat(`\x01\x02`, 55) + `...)`
	if first != want {
		t.Errorf("first problem\n got %s\nwant %s", first, want)
	}
	if len(msg) > 4000 {
		t.Errorf("message is %d bytes long", len(msg))
	}
}

// TestInfoSkips: Info counts skipped rows by reason and says so in one line.
func TestInfoSkips(t *testing.T) {
	for _, c := range []struct {
		name   string
		format Format
		in     string
		skip   bool
		want   Skips
		line   string
	}{
		{"none", CSV, hdr + "a,o,0,1,1\n", false, Skips{}, ""},
		{"no GPU", CSV, hdr + "a,o,0,1,1\nb,o,0,0,1\nc,o,0,0,1\n", false, Skips{NoGPU: 2}, "2 rows skipped: 2 asking for no GPU"},
		{"bad and no GPU", CSV, hdr + "a,o,0,1,1\nb,o,0,0,1\nc,o,x,1,1\n", true, Skips{NoGPU: 1, Bad: 1}, "2 rows skipped: 1 asking for no GPU, 1 malformed (skip-bad)"},
		{"swf", SWF, "1 0 -1 5 1" + swfTail + "2 0 -1 -1 1" + swfTail + "3 0 -1 5 0" + swfTail, false, Skips{NoGPU: 1, NoDuration: 1}, "2 rows skipped: 1 asking for no GPU, 1 with an unknown run time"},
	} {
		t.Run(c.name, func(t *testing.T) {
			w, info, err := ReadInfo(strings.NewReader(c.in), "f", c.format, Options{SkipBad: c.skip})
			if err != nil {
				t.Fatal(err)
			}
			if info.Skipped != c.want || info.Skipped.String() != c.line || w.Skipped != c.want.Total() {
				t.Errorf("skips %+v %q (workload %d), want %+v %q", info.Skipped, info.Skipped.String(), w.Skipped, c.want, c.line)
			}
		})
	}
}

// TestOutlierWarnings: a job far from all others, or one holding most of the GPU-time, is named by
// row; an ordinary trace gets no warning.
func TestOutlierWarnings(t *testing.T) {
	for _, c := range []struct {
		name   string
		format Format
		in     string
		want   []string
	}{
		{"ordinary", CSV, hdr + "a,o,0,1,3600\nb,o,600,2,3600\nc,o,1200,1,7200\nd,o,1800,1,3600\n", nil},
		{"two jobs", CSV, hdr + "a,o,0,1,60\nb,o,1e9,1,60\n", nil},
		{"submit decades later", CSV, hdr + "a,o,0,1,3600\nb,o,600,1,3600\nc,o,946728000,1,3600\n", []string{
			"f:row 4: column submit_s: ends 30.0 years after every other job: the trace's span of 30.0 years, and every value derived from it (pools and owners sized from demand, the horizon, the measured window), rests on this one job"}},
		{"submit decades earlier", ITP, itpHdr + "a,0,60,1\nb,946728000,60,1\nc,946728600,60,1\n", []string{
			"f:row 2: column submission_time: submitted 30.0 years before every other job: the trace's span of 30.0 years, and every value derived from it (pools and owners sized from demand, the horizon, the measured window), rests on this one job"}},
		{"one endless job", SWF, "1 0 -1 60 1" + swfTail + "2 60 -1 60 1" + swfTail + "3 120 -1 31557600 1" + swfTail, []string{
			"f:row 3: column run_time: ends 1.0 years after every other job: the trace's span of 1.0 years, and every value derived from it (pools and owners sized from demand, the horizon, the measured window), rests on this one job",
			"f:row 3: column allocated_processors: this one job holds 100% of the trace's GPU-time: a fleet sized from the trace's demand rests on it"}},
		{"one huge job", GenPW, genpwHdr + "0,u,1,0,3600\n1,u,1,60,3600\n2,u,5000,60,3600\n3,u,1,60,3600\n", []string{
			"f:row 4: column gpu_num: this one job holds 100% of the trace's GPU-time: a fleet sized from the trace's demand rests on it"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, info, err := ReadInfo(strings.NewReader(c.in), "f", c.format, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, w := range info.Warnings {
				got = append(got, w.String())
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("warnings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

// TestManyRepeats: a file of one ID repeated lists the first 50 repeats, each naming the first
// row, and scans no further (each repeat costs a scan for the first occurrence).
func TestManyRepeats(t *testing.T) {
	var b strings.Builder
	b.WriteString(hdr)
	for i := range 100000 {
		fmt.Fprintf(&b, "same,o,%d,1,60\n", i)
	}
	_, err := Read(strings.NewReader(b.String()), "r.csv", CSV, Options{})
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 50 || lines[0] != `r.csv:row 3: column id: job ID "same" repeats row 2's` || lines[49] != `r.csv:row 52: column id: job ID "same" repeats row 2's` {
		t.Errorf("%d lines, first %q, last %q", len(lines), lines[0], lines[len(lines)-1])
	}
}
