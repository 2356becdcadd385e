package traces

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"testing"
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

// fuzzRead reads data and, when that succeeds, checks the workload's promises.
func fuzzRead(t *testing.T, data []byte, format Format, skip bool) {
	w, err := Read(bytes.NewReader(data), "fuzz", format, Options{SkipBad: skip, Seed: 1})
	if err != nil {
		if w != nil {
			t.Fatal("workload returned with an error")
		}
		return
	}
	checkWorkload(t, w)
}

func FuzzReadCSV(f *testing.F) {
	addSeeds(f, "testdata/jobs.csv")
	f.Add([]byte(hdr+"a,o,1e308,1,1e308\nb,o,0,2147483647,0\n"), false)
	f.Fuzz(func(t *testing.T, data []byte, skip bool) {
		fuzzRead(t, data, CSV, skip)
		if isGzip(data) {
			return // the chunked reader sees compressed bytes only through ReadFile
		}
		w, err := Read(bytes.NewReader(data), "fuzz", CSV, Options{SkipBad: skip})
		// The chunked in-memory reader must agree with the streaming one.
		got, _, err2 := readCSVChunks(data, &rowErrors{file: "fuzz", skip: skip}, 3)
		if (err == nil) != (err2 == nil) {
			t.Fatalf("streaming error %v, chunked error %v", err, err2)
		}
		if err != nil {
			return
		}
		sameJobs(t, w, got)
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
	f.Fuzz(func(t *testing.T, data []byte, skip bool) { fuzzRead(t, data, ITP, skip) })
}

func FuzzReadGenPW(f *testing.F) {
	addSeeds(f, "testdata/philly_head.csv")
	f.Fuzz(func(t *testing.T, data []byte, skip bool) { fuzzRead(t, data, GenPW, skip) })
}

func FuzzReadOpenB(f *testing.F) {
	addSeeds(f, "testdata/openb_sample.csv")
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
