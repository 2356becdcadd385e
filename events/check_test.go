package events

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan"
)

// Each forged or impossible payload is refused with a message naming the kind and the field,
// at New (publishers), Decode (replay) and Check (imports) alike.
func TestCheckBounds(t *testing.T) {
	end := t0.Add(time.Hour)
	job := func(f func(*JobFinished)) Payload {
		p := JobFinished{JobID: "j", GPUs: 1, Start: t0, End: end}
		f(&p)
		return p
	}
	far := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		p    Payload
		msg  string // "" means valid
	}{
		{"valid job", job(func(*JobFinished) {}), ""},
		{"largest values", job(func(p *JobFinished) { p.GPUs, p.MeanPowerW, p.MeanUtil = gpuplan.MaxGPUs, gpuplan.MaxPowerW, 1 }), ""},
		{"power 1e308", job(func(p *JobFinished) { p.MeanPowerW = 1e308 }), "job.finished: mean_power_w 1e+308 outside 0..10000"},
		{"power negative", job(func(p *JobFinished) { p.MeanPowerW = -1 }), "job.finished: mean_power_w -1 outside 0..10000"},
		{"util above 1", job(func(p *JobFinished) { p.MeanUtil = 1.5 }), "job.finished: mean_util 1.5 outside 0..1"},
		{"gpus 0", job(func(p *JobFinished) { p.GPUs = 0 }), "job.finished: gpus 0 outside 1..100000"},
		{"gpus negative", job(func(p *JobFinished) { p.GPUs = -8 }), "job.finished: gpus -8 outside 1..100000"},
		{"gpus too many", job(func(p *JobFinished) { p.GPUs = gpuplan.MaxGPUs + 1 }), "job.finished: gpus 100001 outside 1..100000"},
		{"dated 9999-12-31", job(func(p *JobFinished) { p.Start, p.End = far, far.Add(time.Hour) }),
			"job.finished: start 9999-12-31T00:00:00Z outside 1990-01-01..2100-01-01"},
		{"before 1990", job(func(p *JobFinished) { p.Start = time.Date(1989, 12, 31, 0, 0, 0, 0, time.UTC) }),
			"job.finished: start 1989-12-31T00:00:00Z outside 1990-01-01..2100-01-01"},
		{"submit far", job(func(p *JobFinished) { p.Submit = far }), "job.finished: submit 9999-12-31T00:00:00Z outside"},
		{"duration 101 years", job(func(p *JobFinished) { p.Start = MinTime; p.End = MinTime.AddDate(101, 0, 0) }),
			"job.finished: duration (end - start) 3.18"},
		{"trace duration", job(func(p *JobFinished) { p.Trace = &JobTrace{DurationS: gpuplan.MaxSeconds * 2} }), "job.finished: trace duration_s"},
		{"started gpus 0", JobStarted{JobID: "j", Start: t0}, "job.started: gpus 0 outside 1..100000"},
		{"sample util 101", GPUSampleBatch{Node: "n", IntervalS: 10, GPUs: []GPUSample{{UtilPct: 50}, {UtilPct: 101}}},
			"gpu.samples: gpus[1].util_pct 101 outside 0..100"},
		{"sample power", GPUSampleBatch{Node: "n", IntervalS: 10, GPUs: []GPUSample{{PowerW: 20000}}},
			"gpu.samples: gpus[0].power_w 20000 outside 0..10000"},
		{"sample interval", GPUSampleBatch{Node: "n", IntervalS: 4e9}, "gpu.samples: interval_s 4e+09 outside"},
		{"inventory power", GPUInventory{Node: "n", GPUs: []GPUInfo{{TDPW: 1e6}}}, "gpu.inventory: gpus[0].tdp_w 1e+06 outside 0..10000"},
		{"retraction", JobRetracted{JobID: "j"}, ""},
		{"retraction without job", JobRetracted{Reason: "x"}, "job.retracted: job_id is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := tc.p.Kind()
			_, newErr := New(k, "x", "", t0, tc.p)
			data, err := json.Marshal(tc.p)
			if err != nil {
				t.Fatal(err)
			}
			raw := Event{V: 1, ID: "x", Kind: k, KindName: k.String(), Time: t0, Data: data}
			pv := newPayload(k)
			decErr := raw.Decode(pv)
			checkErr := Check(raw)
			for what, err := range map[string]error{"New": newErr, "Decode": decErr, "Check": checkErr} {
				if tc.msg == "" {
					if err != nil {
						t.Errorf("%s: %v", what, err)
					}
					continue
				}
				var de *DataError
				if !errors.Is(err, ErrInvalid) || !errors.As(err, &de) {
					t.Fatalf("%s: %v, want an ErrInvalid DataError", what, err)
				}
				if !strings.HasPrefix(de.Error(), tc.msg) {
					t.Errorf("%s: %q, want prefix %q", what, de.Error(), tc.msg)
				}
			}
		})
	}
}

func TestCheckEventTime(t *testing.T) {
	p := JobRetracted{JobID: "j"}
	for _, tc := range []struct {
		at  time.Time
		bad bool
	}{
		{MinTime, false}, {MaxTime.Add(-1), false}, {MinTime.Add(-1), true}, {MaxTime, true},
		{time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), true},
	} {
		_, err := New(KindJobRetracted, "x", "", tc.at, p)
		e := Event{V: 1, ID: "x", Kind: KindJobRetracted, KindName: "job.retracted", Time: tc.at, Data: []byte(`{"job_id":"j"}`)}
		for what, err := range map[string]error{"New": err, "Check": Check(e)} {
			if (err != nil) != tc.bad {
				t.Errorf("%s at %v: %v, want bad=%v", what, tc.at, err, tc.bad)
			}
		}
	}
	unknown := Event{V: 1, ID: "x", KindName: "gpu.fans", Time: t0, Data: []byte(`{"gpus":-1}`)}
	if err := Check(unknown); err != nil {
		t.Errorf("unknown kinds get the envelope checks only: %v", err)
	}
}

// Retracting a job twice gives one id, and another job another id.
func TestRetractionID(t *testing.T) {
	a, b := RetractionID("job-1"), RetractionID("job-1")
	if a != b || a == RetractionID("job-2") || !isToken(a, maxIDLen) {
		t.Errorf("RetractionID: %q %q %q", a, b, RetractionID("job-2"))
	}
}

// FuzzCheck holds Check to Decode on arbitrary payloads of every known kind: they agree, never
// panic, and whatever passes lies inside the bounds.
func FuzzCheck(f *testing.F) {
	for _, p := range samplePayloads() {
		b, _ := json.Marshal(p)
		f.Add(uint8(p.Kind()), b)
	}
	f.Add(uint8(KindJobFinished), []byte(`{"job_id":"j","gpus":1,"start":"9999-12-31T00:00:00Z","end":"9999-12-31T01:00:00Z"}`))
	f.Add(uint8(KindJobFinished), []byte(`{"job_id":"j","gpus":1,"start":"2020-01-01T00:00:00Z","end":"2020-01-01T01:00:00Z","mean_power_w":1e308}`))
	f.Add(uint8(KindGPUSampleBatch), []byte(`{"node":"n","interval_s":1,"gpus":[{"util_pct":-0,"power_w":1e4}]}`))
	f.Fuzz(func(t *testing.T, k uint8, data []byte) {
		kind := Kind(k%uint8(kindEnd-1) + 1)
		e := Event{V: 1, ID: "x", Kind: kind, KindName: kind.String(), Time: t0, Data: data}
		checkErr := Check(e)
		if e.Validate() != nil {
			return
		}
		pv := newPayload(kind)
		decErr := e.Decode(pv)
		if (checkErr == nil) != (decErr == nil) {
			t.Fatalf("Check %v, Decode %v", checkErr, decErr)
		}
		if checkErr != nil {
			return
		}
		switch p := pv.(type) {
		case *JobFinished:
			if p.GPUs < 1 || p.GPUs > gpuplan.MaxGPUs || !(p.MeanPowerW >= 0 && p.MeanPowerW <= gpuplan.MaxPowerW) ||
				!(p.MeanUtil >= 0 && p.MeanUtil <= 1) || p.Start.Before(MinTime) || !p.End.Before(MaxTime) ||
				p.End.Sub(p.Start).Seconds() > gpuplan.MaxSeconds {
				t.Fatalf("accepted out of bounds: %+v", p)
			}
		case *GPUSampleBatch:
			for _, g := range p.GPUs {
				if !(g.UtilPct >= 0 && g.UtilPct <= 100) || !(g.PowerW >= 0 && g.PowerW <= gpuplan.MaxPowerW) {
					t.Fatalf("accepted out of bounds: %+v", g)
				}
			}
		}
		// What passes can be built again by a publisher.
		if _, err := New(kind, "x", "", t0, json.RawMessage(data)); err != nil {
			t.Fatalf("Check accepted what New refuses: %v", err)
		}
	})
}
