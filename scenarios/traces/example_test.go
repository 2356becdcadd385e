package traces_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/gpuplan/gpuplan/scenarios/traces"
)

func ExampleRead() {
	in := `id,owner,submit_s,gpus,duration_s,gpu_type
train-1,alice,0,8,3600,A100
notebook,bob,60,0,600,
train-2,bob,120,1,1800.5,
`
	w, err := traces.Read(strings.NewReader(in), "jobs.csv", traces.CSV, traces.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, j := range w.Jobs {
		fmt.Printf("%s owner=%s submit=%v gpus=%d duration=%v type=%q\n", j.ID, w.Owners[j.Owner], j.Submit, j.GPUs, j.Duration, j.GPUType)
	}
	fmt.Println("skipped (no GPU):", w.Skipped)

	// A bad row names the file, the row and the column.
	_, err = traces.Read(strings.NewReader("id,owner,submit_s,gpus,duration_s\nx,carol,soon,1,60\n"), "bad.csv", traces.CSV, traces.Options{})
	fmt.Println(err)

	// Output:
	// train-1 owner=alice submit=0 gpus=8 duration=3600 type="A100"
	// train-2 owner=bob submit=120 gpus=1 duration=1800.5 type=""
	// skipped (no GPU): 1
	// bad.csv:row 2: column submit_s: "soon" is not a number
}

func ExampleDerivePools() {
	// Over the hour [0, 3600) alice keeps 8 GPUs busy and bob half a GPU on average. Sized for 60%
	// utilization on 4-GPU workstations: alice ceil(8 / 2.4) = 4 workstations, bob 1.
	in := `id,owner,submit_s,gpus,duration_s
a1,alice,0,8,3600
b1,bob,0,1,1800
`
	w, err := traces.Read(strings.NewReader(in), "jobs.csv", traces.CSV, traces.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	pools := traces.DerivePools(w, traces.PoolOptions{GPUType: "RTX4090", Site: "labs"})
	if err := traces.WritePools(os.Stdout, pools); err != nil {
		fmt.Println(err)
	}
	// Output:
	// owner,gpus,gpus_per_node,gpu_type,site
	// alice,16,4,RTX4090,labs
	// bob,4,4,RTX4090,labs
}
