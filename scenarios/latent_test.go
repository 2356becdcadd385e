package scenarios

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/gpuplan/gpuplan"
)

// mixedOwners: 20 owners of 4 GPUs and 4 of 64, so only the small ones can want 32-GPU jobs.
func mixedOwners() []gpuplan.Owner {
	owners := evenOwners(24, 4)
	for i := 20; i < 24; i++ {
		owners[i].Nodes = []gpuplan.NodeGroup{{Count: 8, GPUsPerNode: 8, GPUType: "g"}}
	}
	return owners
}

func TestGenerateLatentLarge(t *testing.T) {
	const weeks = 8
	base := Synthetic{Horizon: weeks * 7 * 86400, Skew: 0.001}
	withLatent := base
	withLatent.LatentLarge = &LatentLarge{RatePerWeek: 200, GPUs: 32, Duration: 7200}
	owners := mixedOwners()
	plain, err := Generate(base, owners, 7)
	if err != nil {
		t.Fatal(err)
	}
	w, err := Generate(withLatent, owners, 7)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Generate(withLatent, owners, 7)
	if !reflect.DeepEqual(w, again) {
		t.Fatal("same seed, different workloads")
	}

	var regular, latent []gpuplan.Job
	for _, j := range w.Jobs {
		if j.Latent {
			latent = append(latent, j)
		} else {
			regular = append(regular, j)
		}
	}
	// The latent stream leaves every other job as it was, names included.
	if !reflect.DeepEqual(regular, plain.Jobs) {
		t.Error("adding latent demand changed the regular jobs")
	}
	if !slices.IsSortedFunc(w.Jobs, func(a, b gpuplan.Job) int { return int(math.Copysign(1, a.Submit-b.Submit)) }) {
		t.Error("jobs not sorted by submit")
	}
	// Poisson count: mean 200 x 8 = 1,600, standard deviation 40; allow 4.
	if n := float64(len(latent)); math.Abs(n-1600) > 4*40 {
		t.Errorf("%v latent jobs, want 1600 +- 160", n)
	}
	byOwner := make([]int, len(owners))
	for k, j := range latent {
		if j.ID != fmt.Sprintf("L%06d", k+1) || j.GPUs != 32 || j.Duration != 7200 || j.Group != -1 ||
			j.Submit < 0 || j.Submit >= base.Horizon || j.GPUType != "g" {
			t.Fatalf("latent job %d: %+v", k, j)
		}
		byOwner[j.Owner]++
	}
	// Only owners holding fewer than 32 GPUs ask; with practically even activity and equal
	// holdings, each of the 20 small owners gets 1/20 of the jobs (binomial, 4 standard errors).
	n := float64(len(latent))
	for o, c := range byOwner {
		if o >= 20 {
			if c != 0 {
				t.Errorf("owner %d holds 64 GPUs but asked for %d latent jobs", o, c)
			}
			continue
		}
		p := 1.0 / 20
		if se := math.Sqrt(n * p * (1 - p)); math.Abs(float64(c)-n*p) > 4*se {
			t.Errorf("owner %d: %d latent jobs, want %.0f +- %.0f", o, c, n*p, 4*se)
		}
	}
}

func TestGenerateLatentLargeMistakes(t *testing.T) {
	tests := []struct {
		name string
		l    LatentLarge
		want string
	}{
		{"no rate", LatentLarge{GPUs: 32, Duration: 3600}, "latent_large.rate_per_week: must be above 0"},
		{"no GPUs", LatentLarge{RatePerWeek: 1, Duration: 3600}, "latent_large.gpus: must be at least 1"},
		{"no duration", LatentLarge{RatePerWeek: 1, GPUs: 32}, "latent_large.duration: must be a positive duration"},
		{"nobody small enough", LatentLarge{RatePerWeek: 1, GPUs: 4, Duration: 3600}, "no owner with demand holds fewer than 4 GPUs"},
	}
	for _, tc := range tests {
		cfg := Synthetic{Horizon: 86400, LatentLarge: &tc.l}
		_, err := Generate(cfg, evenOwners(3, 4), 1)
		if !errors.Is(err, ErrWorkload) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestParseLatentLarge(t *testing.T) {
	text := strings.Replace(baseYAML, "    load: 0.5", "    load: 0.5\n    latent_large: {rate_per_week: 3, gpus: 16, duration: 1d}", 1)
	s, err := Parse("t.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if l := s.Workload.Synthetic.LatentLarge; l == nil || *l != (LatentLarge{RatePerWeek: 3, GPUs: 16, Duration: 86400}) {
		t.Fatalf("decoded %+v", l)
	}
	b, err := s.Build()
	if err != nil {
		t.Fatal(err)
	}
	plain, err := Parse("t.yaml", []byte(baseYAML))
	if err != nil {
		t.Fatal(err)
	}
	pb, err := plain.Build()
	if err != nil {
		t.Fatal(err)
	}
	if b.Hash == pb.Hash {
		t.Error("latent demand did not change the scenario hash")
	}

	for _, tc := range []struct{ block, path, msg string }{
		{"{rate_per_week: 3, gpus: 0, duration: 1d}", "workload.synthetic.latent_large.gpus", "must be at least 1, got 0"},
		{"{rate_per_week: 3, gpus: 16, duraton: 1d}", "workload.synthetic.latent_large.duraton", "unknown key; did you mean duration?"},
	} {
		text := strings.Replace(baseYAML, "    load: 0.5", "    load: 0.5\n    latent_large: "+tc.block, 1)
		_, err := Parse("t.yaml", []byte(text))
		found := false
		for _, fe := range fieldErrors(err) {
			found = found || (fe.Path == tc.path && strings.HasPrefix(fe.Msg, tc.msg) && fe.Line == lineOf(t, text, "latent_large"))
		}
		if !found {
			t.Errorf("%s: want %s: %s at the latent_large line, got %v", tc.block, tc.path, tc.msg, err)
		}
	}
}

// Scenarios without latent demand keep the hash they had before the key existed: the key is left
// out of the canonical form when absent.
func TestLatentLargeAbsentFromCanonicalForm(t *testing.T) {
	s, err := Parse("t.yaml", []byte(baseYAML))
	if err != nil {
		t.Fatal(err)
	}
	data, err := yaml.Marshal(canonical{Version: 1, Scenario: s.Clone()})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "allow_oversize") || strings.Contains(string(data), "latent_large") {
		t.Errorf("canonical form:\n%s", data)
	}
}
