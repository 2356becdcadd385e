package traces

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gpuplan/gpuplan"
)

// TestCSVSyntax covers CSV details: BOM, CRLF, header case and spaces, quoted fields across lines,
// spaces around numbers, a last line without newline, exponents.
func TestCSVSyntax(t *testing.T) {
	in := "\xef\xbb\xbf ID , Owner,SUBMIT_S,gpus,duration_s\r\n" +
		"\"multi\nline\",\"o,1\", 1.5 ,2,2.5e3\r\n" +
		"\"say \"\"hi\"\"\",o2,0,1,0.000001\r\n" +
		"last,o2,7,3,00010"
	w, err := Read(strings.NewReader(in), "syntax.csv", CSV, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkWorkload(t, w)
	want := []job{
		{id: "multi\nline", owner: "o,1", submit: 1.5, duration: 2500, gpus: 2},
		{id: `say "hi"`, owner: "o2", submit: 0, duration: 1e-6, gpus: 1},
		{id: "last", owner: "o2", submit: 7, duration: 10, gpus: 3},
	}
	if len(w.Jobs) != len(want) {
		t.Fatalf("%d jobs, want %d", len(w.Jobs), len(want))
	}
	for i := range want {
		if got := jobOf(w, w.Jobs[i]); got != want[i] {
			t.Errorf("job %d = %+v, want %+v", i, got, want[i])
		}
	}
}

// TestParseNumbers checks the fast decimal path against strconv.ParseFloat bit for bit.
func TestParseNumbers(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	cases := []string{"0", "1", "0.1", "0.3", "123456789012345", "99999999999999.9", ".5", "5.", "1e3", "-0", "0007"}
	for range 20000 {
		digits := rng.IntN(15) + 1
		dot := rng.IntN(digits + 1)
		var b strings.Builder
		for d := range digits {
			if d == dot && d > 0 {
				b.WriteByte('.')
			}
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
		cases = append(cases, b.String())
	}
	for _, s := range cases {
		got, err := parseNonNeg([]byte(s))
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		var want float64
		fmt.Sscan(s, &want)
		if want == 0 {
			want = 0 // -0 reads as 0
		}
		if math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("%q: fast path %v (%x), strconv %v", s, got, math.Float64bits(got), want)
		}
	}
}

// TestRoundTrip writes workloads with WriteCSV and reads them back unchanged.
func TestRoundTrip(t *testing.T) {
	hand := &gpuplan.Workload{
		Owners: []string{"alice", "bob, jr.", "carol \"c\""},
		Groups: []string{"vision", "g,2"},
		Jobs: []gpuplan.Job{
			{ID: "a", Owner: 0, Group: 0, Submit: 0, GPUs: 1, Duration: 3600, PowerW: 250.5, Util: 0.25, GPUType: "A100"},
			{ID: "b,1", Owner: 1, Group: -1, Submit: 0.1, GPUs: 8, Duration: 1e-7},
			{ID: "c\nd", Owner: 2, Group: 1, Submit: 1e9 / 3, GPUs: 64, Duration: math.Pi, GPUType: "H100 SXM"},
			{ID: "e", Owner: 0, Group: 0, Submit: 12345.678901234567, GPUs: 2, Duration: 0, Util: 1},
		},
	}
	itp, err := ReadFile("testdata/itp_cluster10.csv", ITP, Options{})
	if err != nil {
		t.Fatal(err)
	}
	swf, err := ReadFile("testdata/nasa_ipsc_head.swf.gz", SWF, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for name, w := range map[string]*gpuplan.Workload{"hand": hand, "itp": itp, "swf": swf} {
		var buf bytes.Buffer
		if err := WriteCSV(&buf, w); err != nil {
			t.Fatal(err)
		}
		back, err := Read(bytes.NewReader(buf.Bytes()), name, CSV, Options{})
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, buf.String())
		}
		sameJobs(t, w, back)
	}
	var buf bytes.Buffer
	WriteCSV(&buf, hand)
	if h, _, _ := strings.Cut(buf.String(), "\n"); h != "id,owner,submit_s,gpus,duration_s,group,gpu_type,power_w,util" {
		t.Errorf("header %q", h)
	}
	buf.Reset()
	WriteCSV(&buf, itp)
	if h, _, _ := strings.Cut(buf.String(), "\n"); h != "id,owner,submit_s,gpus,duration_s" {
		t.Errorf("ITP header %q: optional columns written though unused", h)
	}
	bad := &gpuplan.Workload{Owners: []string{"a"}, Jobs: []gpuplan.Job{{ID: "x", Owner: 3, GPUs: 1}}}
	if err := WriteCSV(&buf, bad); err == nil {
		t.Error("WriteCSV accepted an owner index out of range")
	}
}

// TestChunkedEqualsStreaming checks the parallel in-memory reader against the streaming one,
// including error row numbers and skip counts, with chunk counts forced above 1.
func TestChunkedEqualsStreaming(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var b strings.Builder
	b.WriteString("id,owner,submit_s,gpus,duration_s,group,gpu_type\n")
	for i := range 3000 {
		switch rng.IntN(40) {
		case 0:
			b.WriteString("\n")
		case 1:
			fmt.Fprintf(&b, "bad%d,o,x,1,1,,\n", i)
		case 2:
			fmt.Fprintf(&b, "zero%d,o%d,5,0,1,,\n", i, rng.IntN(50))
		default:
			fmt.Fprintf(&b, "j%d,o%d,%d,%d,%.3f,g%d,T%d\n", i, rng.IntN(50), i, 1+rng.IntN(8), rng.Float64()*1000, rng.IntN(5), rng.IntN(3))
		}
	}
	data := []byte(b.String())
	for _, skip := range []bool{false, true} {
		want, wantInfo, wantErr := ReadInfo(bytes.NewReader(data), "c.csv", CSV, Options{SkipBad: skip})
		for _, k := range []int{2, 3, 7} {
			got, info, err := readCSVChunks(data, &rowErrors{file: "c.csv", skip: skip}, k)
			if fmt.Sprint(err) != fmt.Sprint(wantErr) {
				t.Fatalf("skip=%v k=%d: error\n%v\nwant\n%v", skip, k, err, wantErr)
			}
			if err != nil {
				continue
			}
			sameJobs(t, want, got)
			if !reflect.DeepEqual(info, wantInfo) {
				t.Errorf("skip=%v k=%d: info %+v, want %+v", skip, k, info, wantInfo)
			}
			if !slices.Equal(want.Owners, got.Owners) || !slices.Equal(want.Groups, got.Groups) || want.Skipped != got.Skipped {
				t.Errorf("skip=%v k=%d: owners/groups/skipped differ", skip, k)
			}
		}
		if !skip && (wantErr == nil || !strings.Contains(wantErr.Error(), "c.csv:row ")) {
			t.Fatalf("test input has no bad rows: %v", wantErr)
		}
	}
}
