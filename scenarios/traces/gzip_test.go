package traces

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"
)

func gzipBytes(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestGzip reads every fixture plain and gzip-compressed (by magic, whatever the file name) and
// expects the same workload.
func TestGzip(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		file   string
		format Format
	}{
		{"testdata/jobs.csv", CSV}, {"testdata/itp_cluster10.csv", ITP}, {"testdata/philly_head.csv", GenPW},
		{"testdata/openb_sample.csv", OpenB},
	} {
		plain, err := ReadFile(c.file, c.format, Options{})
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		gzPath := filepath.Join(dir, filepath.Base(c.file)) // no .gz suffix on purpose
		if err := os.WriteFile(gzPath, gzipBytes(t, data), 0o644); err != nil {
			t.Fatal(err)
		}
		zipped, err := ReadFile(gzPath, c.format, Options{})
		if err != nil {
			t.Fatal(err)
		}
		sameJobs(t, plain, zipped)
		if plain.Skipped != zipped.Skipped {
			t.Errorf("%s: skipped %d plain, %d gzip", c.file, plain.Skipped, zipped.Skipped)
		}
	}
}
