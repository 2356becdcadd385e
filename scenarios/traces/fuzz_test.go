package traces

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"reflect"
	"testing"
	"unicode"
	"unicode/utf8"
)

// addSeeds seeds a fuzzer with fixture files (plain and, for one, gzip) and a few edge cases.
func addSeeds(f *testing.F, files ...string) {
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		if len(data) > 4096 {
			data = data[:4096]
		}
		f.Add(data, false)
		f.Add(data, true)
	}
	f.Add([]byte(""), false)
	f.Add([]byte("\x1f\x8b"), false)
	f.Add([]byte("\"\n\"\n"), true)
}

// fuzzRead reads data and, when that succeeds, checks the workload's promises (jobs within the
// limits, IDs unique, at least one job) and its Info; when it fails, that the message is short
// enough and printable.
func fuzzRead(t *testing.T, data []byte, format Format, skip bool) {
	w, info, err := ReadInfo(bytes.NewReader(data), "fuzz", format, Options{SkipBad: skip, Seed: 1})
	if err != nil {
		if w != nil || info != nil {
			t.Fatal("workload returned with an error")
		}
		checkMessage(t, err)
		return
	}
	checkWorkload(t, w)
	if info.Skipped.Total() != w.Skipped || (!skip && info.Skipped.Bad != 0) {
		t.Fatalf("skips %+v, workload %d (skip %v)", info.Skipped, w.Skipped, skip)
	}
	for _, x := range info.Warnings {
		if x.Row < 1 || x.File != "fuzz" || x.Column == "" {
			t.Fatalf("warning %+v", x)
		}
	}
}

// checkMessage: an error never carries raw bytes of the input to a terminal.
func checkMessage(t *testing.T, err error) {
	msg := err.Error()
	if !utf8.ValidString(msg) {
		t.Fatalf("error is not UTF-8: %q", msg)
	}
	for _, r := range msg {
		if !unicode.IsPrint(r) && r != '\n' {
			t.Fatalf("error has %q: %q", r, msg)
		}
	}
}

func FuzzReadCSV(f *testing.F) {
	addSeeds(f, "testdata/jobs.csv")
	f.Add([]byte(hdr+"a,o,1e308,1,1e308\nb,o,0,2147483647,0\n"), false)
	f.Add([]byte(hdr+"a,o,0,1,1\nb,o,9,1,1\na,o,3e9,1,1\n"), false)
	f.Add([]byte(hdr+"x,o,0,1,60\ny,o,60,1,60\nz,o,3e9,1,60\n"), true)
	f.Add([]byte("id,owner,submit_s,gpus,duration_s,power_w\na,o,0,0,1,1e6\n"), true)
	f.Add([]byte(hdr), false)
	f.Fuzz(func(t *testing.T, data []byte, skip bool) {
		fuzzRead(t, data, CSV, skip)
		if isGzip(data) {
			return // the chunked reader sees compressed bytes only through ReadFile
		}
		w, info, err := ReadInfo(bytes.NewReader(data), "fuzz", CSV, Options{SkipBad: skip})
		// The chunked in-memory reader must agree with the streaming one: jobs, errors, skips and
		// warnings.
		got, info2, err2 := readCSVChunks(data, &rowErrors{file: "fuzz", skip: skip}, 3)
		if fmt.Sprint(err) != fmt.Sprint(err2) {
			t.Fatalf("streaming error %v, chunked error %v", err, err2)
		}
		if err != nil {
			return
		}
		sameJobs(t, w, got)
		if !reflect.DeepEqual(info, info2) {
			t.Fatalf("streaming info %+v, chunked %+v", info, info2)
		}
		// What was read writes back and reads again unchanged.
		var buf bytes.Buffer
		if err := WriteCSV(&buf, w); err != nil {
			t.Fatal(err)
		}
		back, err := Read(&buf, "back", CSV, Options{})
		if err != nil {
			t.Fatalf("re-reading WriteCSV output: %v\n%q", err, buf.String())
		}
		sameJobs(t, w, back)
	})
}

func FuzzReadITP(f *testing.F) {
	addSeeds(f, "testdata/itp_cluster10.csv")
	f.Add([]byte("job_id,submission_time,duration,num_gpu\nj,0,1,1\nk,0,1,100001\nj,3e9,1,1\n"), false)
	f.Fuzz(func(t *testing.T, data []byte, skip bool) { fuzzRead(t, data, ITP, skip) })
}

func FuzzReadGenPW(f *testing.F) {
	addSeeds(f, "testdata/philly_head.csv")
	f.Add([]byte("u_id,user,gpu_num,interval,run_time\n0,u,1,0,5\n1,u,1,3e9,5\n0,u,1,3e9,5\n"), true)
	f.Fuzz(func(t *testing.T, data []byte, skip bool) { fuzzRead(t, data, GenPW, skip) })
}

func FuzzReadOpenB(f *testing.F) {
	addSeeds(f, "testdata/openb_sample.csv")
	f.Add([]byte("name,num_gpu,creation_time,deletion_time\np,1,0,5\nq,1,0,3e9\np,1,4e9,5\n"), false)
	f.Fuzz(func(t *testing.T, data []byte, skip bool) { fuzzRead(t, data, OpenB, skip) })
}

func FuzzReadSWF(f *testing.F) {
	addSeeds(f, "testdata/nasa_ipsc_head.swf.gz")
	if zr, err := os.Open("testdata/nasa_ipsc_head.swf.gz"); err == nil {
		if gz, err := gzip.NewReader(zr); err == nil {
			plain, _ := io.ReadAll(gz)
			f.Add(plain, false)
		}
		zr.Close()
	}
	f.Add([]byte("; c\n1 0 -1 5 1 -1 -1 -1 -1 -1 -1 1 1 -1 -1 -1 -1 -1\n"), false)
	f.Add([]byte("1 0 -1 5 1 -1 -1 -1 -1 -1 -1 1 1 -1 -1 -1 -1 -1\n1 9 -1 1e12 1 -1 -1 -1 -1 -1 -1 1 1 -1 -1 -1 -1 -1\n"), false)
	f.Fuzz(func(t *testing.T, data []byte, skip bool) { fuzzRead(t, data, SWF, skip) })
}

func FuzzReadPools(f *testing.F) {
	addSeeds(f, "testdata/pools.csv")
	f.Fuzz(func(t *testing.T, data []byte, _ bool) {
		pools, err := ReadPools(bytes.NewReader(data), "fuzz")
		if err != nil {
			return
		}
		for _, p := range pools {
			if p.Owner == "" || p.GPUs < 0 || p.GPUsPerNode < 0 || (p.GPUsPerNode > 0 && p.GPUs%p.GPUsPerNode != 0) {
				t.Fatalf("bad pool %+v", p)
			}
		}
	})
}
