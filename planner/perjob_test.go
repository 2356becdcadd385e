package planner_test

import (
	"bytes"
	"testing"

	"github.com/gpuplan/gpuplan/planner"
)

// The two-owner case by hand: under fragmented only Alice's job fits her 2 GPUs; on the 4-GPU
// farm her job and Bob's 3-GPU job start together; the 64-GPU job runs nowhere.
func TestWritePerJob(t *testing.T) {
	b, res := twoOwners(t, "fragmented", "fifo")
	var buf bytes.Buffer
	if err := planner.WritePerJob(&buf, b.Workload, res); err != nil {
		t.Fatal(err)
	}
	const want = `id,owner,policy,submit_s,start_s,end_s,wait_s,gpus,infeasible
a,alice,fragmented,0,0,3600,0,1,false
d,bob,fragmented,0,,,,3,true
e,bob,fragmented,0,,,,64,true
a,alice,fifo,0,0,3600,0,1,false
d,bob,fifo,0,0,3600,0,3,false
e,bob,fifo,0,,,,64,true
`
	if got := buf.String(); got != want {
		t.Errorf("got\n%swant\n%s", got, want)
	}
}
