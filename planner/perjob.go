package planner

import (
	"bufio"
	"io"
	"math"
	"strconv"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/sim"
)

// WritePerJob writes one CSV row per job and policy (id,owner,policy,submit_s,start_s,end_s,wait_s,
// gpus,infeasible, plus latent when the workload has latent jobs), in workload order per policy
// and res's order of policies. An infeasible job has empty start, end and wait.
func WritePerJob(out io.Writer, w *gpuplan.Workload, res []*sim.Result) error {
	bw := bufio.NewWriterSize(out, 1<<16)
	// A latent column marks latent demand (scenario latent_large), only where there is some, so
	// that other files keep the design's columns exactly.
	latent := false
	for i := range w.Jobs {
		latent = latent || w.Jobs[i].Latent
	}
	if latent {
		bw.WriteString("id,owner,policy,submit_s,start_s,end_s,wait_s,gpus,infeasible,latent\n")
	} else {
		bw.WriteString("id,owner,policy,submit_s,start_s,end_s,wait_s,gpus,infeasible\n")
	}
	var line []byte
	for _, r := range res {
		for i := range w.Jobs {
			j := &w.Jobs[i]
			line = append(line[:0], j.ID...)
			line = append(line, ',')
			line = append(line, w.Owners[j.Owner]...)
			line = append(line, ',')
			line = append(line, r.Name...)
			line = append(line, ',')
			line = appendSeconds(line, j.Submit)
			start, end := r.Start[i], r.End[i]
			infeasible := math.IsNaN(start)
			if infeasible {
				line = append(line, ",,,"...)
			} else {
				line = append(line, ',')
				line = appendSeconds(line, start)
				line = append(line, ',')
				line = appendSeconds(line, end)
				line = append(line, ',')
				line = appendSeconds(line, start-j.Submit)
			}
			line = append(line, ',')
			line = strconv.AppendInt(line, int64(j.GPUs), 10)
			line = append(line, ',')
			line = strconv.AppendBool(line, infeasible)
			if latent {
				line = append(line, ',')
				line = strconv.AppendBool(line, j.Latent)
			}
			line = append(line, '\n')
			if _, err := bw.Write(line); err != nil {
				return err
			}
		}
	}
	return bw.Flush()
}

// appendSeconds writes the shortest decimal that reads back to the same float64, always without an
// exponent, so every number of the file has one style (1500000, not 1.5e+06) for spreadsheets and
// tools that compare text.
func appendSeconds(b []byte, s float64) []byte { return strconv.AppendFloat(b, s, 'f', -1, 64) }
