package traces

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestReadFileDigest checks that ReadFileDigest returns ReadFile's workload and the sha256 of the
// file's bytes (hashed here from the file independently), on the in-memory CSV path, the gzip path
// and the streamed formats.
func TestReadFileDigest(t *testing.T) {
	cases := []struct {
		file   string
		format Format
	}{
		{"testdata/jobs.csv", CSV},
		{"testdata/itp_cluster10.csv", ITP},
		{"testdata/openb_sample.csv", OpenB},
		{"testdata/nasa_ipsc_head.swf.gz", SWF},
	}
	// A gzip canonical CSV takes the in-memory path's gzip branch.
	gz := filepath.Join(t.TempDir(), "jobs.csv.gz")
	raw, err := os.ReadFile("testdata/jobs.csv")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(raw)
	zw.Close()
	if err := os.WriteFile(gz, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	cases = append(cases, struct {
		file   string
		format Format
	}{gz, CSV})
	for _, c := range cases {
		t.Run(filepath.Base(c.file), func(t *testing.T) {
			data, err := os.ReadFile(c.file)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(data)
			want := hex.EncodeToString(sum[:])
			w0, err0 := ReadFile(c.file, c.format, Options{Owners: 3, Seed: 1})
			w, got, err := ReadFileDigest(c.file, c.format, Options{Owners: 3, Seed: 1})
			if err0 != nil || err != nil {
				t.Fatalf("ReadFile error %v, ReadFileDigest error %v", err0, err)
			}
			if got != want {
				t.Errorf("digest %s, want %s", got, want)
			}
			if !reflect.DeepEqual(w, w0) {
				t.Errorf("workload differs from ReadFile's")
			}
		})
	}
}
