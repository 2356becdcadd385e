package projection_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/events/projection"
)

// A job.retracted event removes its job from the projection whether it arrives before or after
// the samples, and a forged batch published raw is refused without changing the jobs.
func TestProjectionRetractionsAndForgedBatches(t *testing.T) {
	samples := []events.Event{
		batch(t, "node-a", 60, gs{idx: 0, util: 50, power: 300, procs: []proc{{1, "kim"}}}, gs{idx: 1, util: 80, power: 400, procs: []proc{{2, "lee"}}}),
		batch(t, "node-a", 120, gs{idx: 0, util: 50, power: 300, procs: []proc{{1, "kim"}}}, gs{idx: 1, util: 80, power: 400, procs: []proc{{2, "lee"}}}),
	}
	project := func(evs ...events.Event) ([]projection.Job, projection.Stats) {
		p := projection.New(projection.Options{})
		for _, e := range evs {
			if err := p.Add(e); err != nil && !errors.Is(err, projection.ErrMalformed) {
				t.Fatal(err)
			}
		}
		return p.Jobs()
	}
	all, _ := project(samples...)
	if len(all) != 2 {
		t.Fatalf("%d jobs, want 2", len(all))
	}
	victim := all[0].ID
	retract := func() events.Event {
		e, err := events.New(events.KindJobRetracted, events.RetractionID(victim), "admin", at(10_000), events.JobRetracted{JobID: victim})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	forged := events.Event{V: 1, ID: "forged", Kind: events.KindGPUSampleBatch, KindName: "gpu.samples", Time: at(180),
		Data: []byte(`{"node":"node-a","interval_s":60,"gpus":[{"index":0,"util_pct":50,"power_w":1e308,"processes":[{"pid":1,"user":"kim"}]}]}`)}
	ids := func(jobs []projection.Job) []string {
		var out []string
		for _, j := range jobs {
			out = append(out, j.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name      string
		evs       []events.Event
		want      []string
		retracted int
		malformed int
	}{
		{"retraction after", append(slices.Clone(samples), retract()), []string{all[1].ID}, 1, 0},
		{"retraction before", append([]events.Event{retract()}, samples...), []string{all[1].ID}, 1, 0},
		{"twice", append([]events.Event{retract()}, append(slices.Clone(samples), retract())...), []string{all[1].ID}, 1, 0},
		{"forged batch", append(slices.Clone(samples), forged), ids(all), 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			jobs, st := project(tc.evs...)
			if !slices.Equal(ids(jobs), tc.want) || st.Retracted != tc.retracted || st.Malformed != tc.malformed {
				t.Errorf("jobs %v, stats %+v; want %v, %d retracted, %d malformed", ids(jobs), st, tc.want, tc.retracted, tc.malformed)
			}
			if tc.name == "forged batch" && !slices.EqualFunc(jobs, all, func(a, b projection.Job) bool {
				return a.ID == b.ID && a.End.Equal(b.End) && a.PowerW == b.PowerW && a.Util == b.Util
			}) {
				t.Errorf("forged batch changed the jobs: %+v", jobs)
			}
		})
	}
}
