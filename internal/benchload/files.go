package benchload

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/scenarios/traces"
)

// WriteFiles writes n jobs as DIR/jobs.csv and the owners' pools (one 10-GPU workstation each) as
// DIR/pools.csv, and returns both paths.
func WriteFiles(dir string, n int, seed uint64) (jobs, pools string, err error) {
	jobs, pools = filepath.Join(dir, "jobs.csv"), filepath.Join(dir, "pools.csv")
	if err := writeWith(jobs, func(w *bufio.Writer) error { return traces.WriteCSV(w, Workload(n, seed)) }); err != nil {
		return "", "", err
	}
	rows := make([]gpuplan.Pool, Owners)
	for i := range rows {
		rows[i] = gpuplan.Pool{Owner: OwnerName(i), GPUs: PerOwner, GPUsPerNode: PerOwner}
	}
	if err := writeWith(pools, func(w *bufio.Writer) error { return traces.WritePools(w, rows) }); err != nil {
		return "", "", err
	}
	return jobs, pools, nil
}

func writeWith(path string, write func(*bufio.Writer) error) error {
	fh, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(fh, 1<<20)
	if err := write(bw); err != nil {
		fh.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}
