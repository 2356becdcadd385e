package planner_test

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"github.com/gpuplan/gpuplan/planner"
	"github.com/gpuplan/gpuplan/scenarios"
	"github.com/gpuplan/gpuplan/sim"
)

func small(t testing.TB) *scenarios.Scenario {
	t.Helper()
	s, err := scenarios.Builtin("small")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// direct runs the scenario with this seed outside the planner and returns policy i's metrics.
func direct(t *testing.T, s *scenarios.Scenario, seed uint64, policies []string, i int) planner.Metrics {
	t.Helper()
	c := s.Clone()
	c.Seed = seed
	b, err := c.Build()
	if err != nil {
		t.Fatal(err)
	}
	res, err := sim.RunAll(b.Cluster, b.Workload, policies, b.Options)
	if err != nil {
		t.Fatal(err)
	}
	return planner.MetricsOf(res[i])
}

// compared are the metrics a world's own run determines (not the farm's size).
var compared = []string{planner.MetricWaitMean, planner.MetricWaitP50, planner.MetricWaitP95, planner.MetricWaitP99,
	planner.MetricUtilization, planner.MetricEnergyFacility, planner.MetricEnergyIT, planner.MetricPeakPower,
	planner.MetricCost, planner.MetricBoundedSlowdown, planner.MetricCompleted, planner.MetricInfeasible, planner.MetricKWhPerGPUHour}

// TestFarmShareEnds: farm_share 0 leaves every owner in their lab, so the farm policy's point
// equals the fragmented runs; farm_share 1 equals the scenario's own farm run.
func TestFarmShareEnds(t *testing.T) {
	base := small(t)
	seeds := []uint64{1, 2, 3}
	pts, err := planner.Sweep(&planner.ScenarioModel{Base: base},
		[]planner.Axis{{Key: planner.KeyFarmShare, Values: []any{0.0, 1.0}}}, planner.Options{Seeds: seeds})
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 2 {
		t.Fatalf("%d points, want 2", len(pts))
	}
	cases := []struct {
		name  string
		point planner.PointResult
		world int // index of the world it must equal in [fragmented, fifo]
		tol   float64
	}{
		{"share 0 = fragmented", pts[0], 0, 1e-9},
		{"share 1 = farm", pts[1], 1, 1e-9},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			runs := make([]planner.Metrics, len(seeds))
			for i, seed := range seeds {
				runs[i] = direct(t, base, seed, []string{"fragmented", "fifo"}, tc.world)
			}
			for _, name := range compared {
				xs := make([]float64, len(runs))
				for i, r := range runs {
					xs[i] = r[name]
				}
				want := planner.Summarize(xs)
				got := tc.point.Metrics[name]
				if got.N != len(seeds) || !close(got.Mean, want.Mean, tc.tol) || !close(got.Hi, want.Hi, tc.tol) {
					t.Errorf("%s: got %+v, want %+v", name, got, want)
				}
			}
		})
	}
	// The two ends differ where consolidation matters: the test could fail.
	if pts[0].Metrics[planner.MetricWaitMean].Mean <= pts[1].Metrics[planner.MetricWaitMean].Mean {
		t.Errorf("labs wait %v on average, the farm %v: want the farm shorter on this case",
			pts[0].Metrics[planner.MetricWaitMean].Mean, pts[1].Metrics[planner.MetricWaitMean].Mean)
	}
}

func close(a, b, rel float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= rel*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// TestSameBytesWhateverTheWorkers: a sweep of two keys and a sizing give the same document with
// one worker and with several.
func TestSameBytesWhateverTheWorkers(t *testing.T) {
	base := small(t)
	axes := []planner.Axis{
		{Key: planner.KeyPolicy, Values: []any{"fifo", "easy"}},
		{Key: planner.KeyLoadGrowth, Values: []any{1.0, 1.5}},
	}
	doc := func(workers int) []byte {
		opt := planner.Options{Seeds: []uint64{5, 6, 7}, Workers: workers}
		m := &planner.ScenarioModel{Base: base}
		pts, err := planner.Sweep(m, axes, opt)
		if err != nil {
			t.Fatal(err)
		}
		sz, err := planner.Size(m, planner.SizeSpec{Kind: planner.SizeGPUs, Lo: 4, Hi: 24, Step: 2}, opt)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		d := planner.Document{Kind: planner.DocumentKind, Seeds: opt.Seeds, Reps: 3, Sweep: axes, Points: pts, Sizing: sz}
		if err := d.Encode(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	one, many := doc(1), doc(4)
	if !bytes.Equal(one, many) {
		t.Fatalf("1 worker and 4 workers differ:\n%s\n---\n%s", one, many)
	}
	if !bytes.Contains(one, []byte(`"policy": "easy"`)) || !bytes.Contains(one, []byte(`"load_growth": 1.5`)) {
		t.Errorf("document lacks the swept values:\n%.600s", one)
	}
}

// TestSweepCrossProduct checks the order of points (first axis outermost) and that load growth
// raises the demand.
func TestSweepCrossProduct(t *testing.T) {
	axes := []planner.Axis{
		{Key: planner.KeyLoadGrowth, Values: []any{1.0, 2.0}},
		{Key: planner.KeyEstimateFactor, Values: []any{1.0, 3.0}},
	}
	pts, err := planner.Sweep(&planner.ScenarioModel{Base: small(t)}, axes, planner.Options{Seeds: []uint64{1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]float64{{1, 1}, {1, 3}, {2, 1}, {2, 3}}
	if len(pts) != len(want) {
		t.Fatalf("%d points, want %d", len(pts), len(want))
	}
	for i, w := range want {
		if pts[i].Params[planner.KeyLoadGrowth] != w[0] || pts[i].Params[planner.KeyEstimateFactor] != w[1] {
			t.Errorf("point %d params %v, want %v", i, pts[i].Params, w)
		}
	}
	// Twice the demand: about twice the jobs (each seed draws its own; 15% slack).
	c1, c2 := pts[0].Metrics[planner.MetricCompleted].Mean, pts[2].Metrics[planner.MetricCompleted].Mean
	if r := c2 / c1; math.Abs(r-2) > 0.3 {
		t.Errorf("load_growth 2 completed %v jobs against %v: ratio %v, want about 2", c2, c1, r)
	}
}

func TestParseAxis(t *testing.T) {
	cases := []struct {
		in      string
		want    planner.Axis
		wantErr bool
	}{
		{"farm_share=0,0.5,1", planner.Axis{Key: "farm_share", Values: []any{0.0, 0.5, 1.0}}, false},
		{"policy=fifo, easy", planner.Axis{Key: "policy", Values: []any{"fifo", "easy"}}, false},
		{"power_cap_kw=1200", planner.Axis{Key: "power_cap_kw", Values: []any{1200.0}}, false},
		{"cap_mode=queue,throttle", planner.Axis{Key: "cap_mode", Values: []any{"queue", "throttle"}}, false},
		{"farm_share=1.5", planner.Axis{}, true},
		{"farm_gpus=10.5", planner.Axis{}, true},
		{"policy=fragmented", planner.Axis{}, true},
		{"cap_mode=none", planner.Axis{}, true},
		{"load_growth=0", planner.Axis{}, true},
		{"estimate_factor=0.5", planner.Axis{}, true},
		{"colour=red", planner.Axis{}, true},
		{"farm_share", planner.Axis{}, true},
		{"farm_share=", planner.Axis{}, true},
		{"farm_share=x", planner.Axis{}, true},
	}
	for _, tc := range cases {
		got, err := planner.ParseAxis(tc.in)
		if tc.wantErr {
			if !errors.Is(err, planner.ErrBadParam) {
				t.Errorf("%q: err %v, want ErrBadParam", tc.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if got.Key != tc.want.Key || len(got.Values) != len(tc.want.Values) {
			t.Errorf("%q: got %+v, want %+v", tc.in, got, tc.want)
			continue
		}
		for i := range got.Values {
			if got.Values[i] != tc.want.Values[i] {
				t.Errorf("%q: value %d = %#v, want %#v", tc.in, i, got.Values[i], tc.want.Values[i])
			}
		}
	}
}

func TestSweepRejects(t *testing.T) {
	m := &planner.ScenarioModel{Base: small(t)}
	cases := []struct {
		name string
		axes []planner.Axis
		opt  planner.Options
		want error
	}{
		{"no seeds", nil, planner.Options{}, planner.ErrNoSeeds},
		{"key twice", []planner.Axis{{Key: "farm_share", Values: []any{0.5}}, {Key: "farm_share", Values: []any{1.0}}}, planner.Options{Seeds: []uint64{1}}, planner.ErrBadParam},
		{"no values", []planner.Axis{{Key: "farm_share"}}, planner.Options{Seeds: []uint64{1}}, planner.ErrBadParam},
		{"wrong type", []planner.Axis{{Key: "farm_share", Values: []any{"half"}}}, planner.Options{Seeds: []uint64{1}}, planner.ErrBadParam},
	}
	for _, tc := range cases {
		if _, err := planner.Sweep(m, tc.axes, tc.opt); !errors.Is(err, tc.want) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.want)
		}
	}
}

// TestCapModeNeedsACap: sweeping the cap mode of an uncapped farm would give identical points.
func TestCapModeNeedsACap(t *testing.T) {
	m := &planner.ScenarioModel{Base: small(t)}
	opt := planner.Options{Seeds: []uint64{1}}
	_, err := planner.Sweep(m, []planner.Axis{{Key: planner.KeyCapMode, Values: []any{"queue", "throttle"}}}, opt)
	if !errors.Is(err, planner.ErrBadParam) {
		t.Fatalf("err %v, want ErrBadParam", err)
	}
	pts, err := planner.Sweep(m, []planner.Axis{
		{Key: planner.KeyPowerCapKW, Values: []any{6.0}},
		{Key: planner.KeyCapMode, Values: []any{"queue", "throttle"}},
	}, opt)
	if err != nil {
		t.Fatal(err)
	}
	// A 6 kW cap on 24 GPUs binds: the two modes must differ somewhere.
	q, th := pts[0].Metrics, pts[1].Metrics
	if q[planner.MetricWaitMean] == th[planner.MetricWaitMean] && q[planner.MetricEnergyIT] == th[planner.MetricEnergyIT] {
		t.Errorf("queue and throttle gave the same run: %+v", q[planner.MetricWaitMean])
	}
	if q[planner.MetricCapTimeShare].Mean == 0 {
		t.Errorf("a 6 kW cap never bound")
	}
}
