package gpuplan_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/gpuplan/gpuplan"
)

// cluster is a valid cluster: one GPU type, a lab and a farm site, two owners, a farm of two nodes.
func cluster() *gpuplan.Cluster {
	return &gpuplan.Cluster{
		GPUTypes: []gpuplan.GPUType{{Name: "h100", TDPW: 700, IdleW: 70, BusyW: 500, MinLimit: 0.3, Perf: zeus}},
		Sites:    []gpuplan.Site{{Name: "lab", PUE: 1.6}, {Name: "farm", PUE: 1.2, CapW: 20_000, CapMode: gpuplan.CapQueue}},
		Owners: []gpuplan.Owner{
			{Name: "kim", Site: "lab", Nodes: []gpuplan.NodeGroup{{Count: 1, GPUsPerNode: 8, GPUType: "h100"}}},
			{Name: "lee", Site: "lab", Nodes: []gpuplan.NodeGroup{{Count: 2, GPUsPerNode: 4, GPUType: "h100", NodeW: 300}}},
		},
		Farm: gpuplan.Farm{Site: "farm", Nodes: []gpuplan.NodeGroup{{Count: 2, GPUsPerNode: 8, GPUType: "h100"}}},
	}
}

func TestClusterValidate(t *testing.T) {
	cases := []struct {
		name  string
		spoil func(c *gpuplan.Cluster)
		want  []string // substrings of the error; none means valid
	}{
		{"valid", func(*gpuplan.Cluster) {}, nil},
		{"no owners, no farm", func(c *gpuplan.Cluster) { c.Owners, c.Farm = nil, gpuplan.Farm{} }, nil},
		{"duplicate names", func(c *gpuplan.Cluster) {
			c.GPUTypes = append(c.GPUTypes, c.GPUTypes[0])
			c.Sites = append(c.Sites, c.Sites[0])
			c.Owners = append(c.Owners, c.Owners[0])
		}, []string{`GPU type "h100" defined twice`, `site "lab" defined twice`, `owner "kim" defined twice`}},
		{"bad GPU type", func(c *gpuplan.Cluster) {
			c.GPUTypes[0].IdleW, c.GPUTypes[0].MinLimit = math.NaN(), 1.5
			c.GPUTypes[0].Perf = gpuplan.PerfCurve{{F: 0.5, Perf: 0.5}, {F: 1, Perf: 0.9}}
		}, []string{"idle_w NaN", "min_limit 1.5", "perf(1) = 0.9"}},
		{"bad sites", func(c *gpuplan.Cluster) {
			c.Sites[0].PUE, c.Sites[0].CapW = 0.9, 1000
			c.Sites[1].CapMode = gpuplan.CapThrottle + 1
		}, []string{`site "lab": pue 0.9`, `site "lab": cap_w 1000 set without a cap mode`, `site "farm": unknown cap mode 3`}},
		{"bad node groups", func(c *gpuplan.Cluster) {
			c.Owners[0].Nodes[0].GPUType = "a100"
			c.Owners[1].Nodes[0].Count = -1
			c.Farm.Nodes[0].GPUsPerNode = 0
			c.Farm.Nodes[0].NodeW = -5
		}, []string{`owner "kim" node group 0: unknown GPU type "a100"`, `owner "lee" node group 0: count -1`,
			"farm node group 0: gpus_per_node 0", "farm node group 0: node_w -5"}},
		{"unknown sites", func(c *gpuplan.Cluster) { c.Owners[0].Site, c.Farm.Site = "attic", "" },
			[]string{`owner "kim": unknown site "attic"`, `farm: unknown site ""`}},
		{"farm timers", func(c *gpuplan.Cluster) { c.Farm.IdleOffS, c.Farm.BootS = -1, math.Inf(1) },
			[]string{"idle_off_s -1", "boot_s +Inf"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := cluster()
			tc.spoil(c)
			err := c.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("valid cluster refused: %v", err)
				}
				return
			}
			if !errors.Is(err, gpuplan.ErrInvalidCluster) {
				t.Fatalf("err %v, want ErrInvalidCluster", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if got := strings.Count(err.Error(), "\n") + 1; got != len(tc.want) {
				t.Errorf("%d problems reported, want %d:\n%v", got, len(tc.want), err)
			}
		})
	}
	if err := (*gpuplan.Cluster)(nil).Validate(); !errors.Is(err, gpuplan.ErrInvalidCluster) {
		t.Errorf("nil cluster: %v", err)
	}
}

func TestWorkloadValidate(t *testing.T) {
	job := gpuplan.Job{ID: "j", Owner: 0, Group: -1, Submit: 10, GPUs: 4, Duration: 3600, PowerW: 400, Util: 0.8}
	cases := []struct {
		name string
		edit func(j *gpuplan.Job)
		want string // substring of the error; "" means valid
	}{
		{"valid", func(*gpuplan.Job) {}, ""},
		{"largest values", func(j *gpuplan.Job) {
			j.GPUs, j.Duration, j.PowerW = gpuplan.MaxGPUs, gpuplan.MaxSeconds, gpuplan.MaxPowerW
		}, ""},
		{"zero GPUs and length", func(j *gpuplan.Job) { j.GPUs, j.Duration = 0, 0 }, ""},
		{"owner out of range", func(j *gpuplan.Job) { j.Owner = 1 }, "owner index 1 out of range (1 owners)"},
		{"negative owner", func(j *gpuplan.Job) { j.Owner = -1 }, "owner index -1"},
		{"submit NaN", func(j *gpuplan.Job) { j.Submit = math.NaN() }, "submit_s NaN"},
		{"negative GPUs", func(j *gpuplan.Job) { j.GPUs = -2 }, "gpus -2"},
		{"too many GPUs", func(j *gpuplan.Job) { j.GPUs = gpuplan.MaxGPUs + 1 }, "gpus 100001"},
		{"duration Inf", func(j *gpuplan.Job) { j.Duration = math.Inf(1) }, "duration_s +Inf"},
		{"duration over 100 years", func(j *gpuplan.Job) { j.Duration = gpuplan.MaxSeconds * 2 }, "duration_s 6.3"},
		{"negative power", func(j *gpuplan.Job) { j.PowerW = -1 }, "power_w -1"},
		{"power over bound", func(j *gpuplan.Job) { j.PowerW = gpuplan.MaxPowerW + 1 }, "power_w 10001"},
		{"util NaN", func(j *gpuplan.Job) { j.Util = math.NaN() }, "util NaN"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			j := job
			tc.edit(&j)
			w := &gpuplan.Workload{Owners: []string{"kim"}, Jobs: []gpuplan.Job{job, j}}
			err := w.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("valid job refused: %v", err)
				}
				return
			}
			if !errors.Is(err, gpuplan.ErrInvalidWorkload) || !strings.Contains(err.Error(), `job "j" (row 1): `+tc.want) {
				t.Fatalf("err %v, want ErrInvalidWorkload naming row 1 and %q", err, tc.want)
			}
		})
	}
}

// A million broken rows give a readable error: 20 problems and a count of the rest.
func TestWorkloadValidateListsAtMost20(t *testing.T) {
	w := &gpuplan.Workload{Owners: []string{"kim"}}
	for range 1000 {
		w.Jobs = append(w.Jobs, gpuplan.Job{ID: "bad", GPUs: -1})
	}
	err := w.Validate()
	if got := strings.Count(err.Error(), `job "bad"`); got != 20 {
		t.Errorf("%d jobs listed, want 20", got)
	}
	if !strings.Contains(err.Error(), "and 980 more job problems") {
		t.Errorf("no count of the rest:\n%v", err)
	}
}

func TestGPUs(t *testing.T) {
	c := cluster()
	if got := c.Owners[0].GPUs() + c.Owners[1].GPUs(); got != 16 {
		t.Errorf("owners hold %d GPUs, want 16", got)
	}
	if got := c.Farm.GPUs(); got != 16 {
		t.Errorf("farm holds %d GPUs, want 16", got)
	}
	if got := (&gpuplan.Owner{}).GPUs(); got != 0 {
		t.Errorf("owner without nodes holds %d GPUs", got)
	}
}
