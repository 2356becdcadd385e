package importer

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan/events"
)

// The hand-written encoder must give encoding/json's bytes for every payload an import can
// produce, so that events from Import and from events.New are indistinguishable.
func TestEncodeMatchesJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 13))
	strs := []string{"", "j1", "kim", `quote"d`, `back\slash`, "tab\there", "new\nline", "<b>&amp;</b>", "한국어",
		"line\u2028sep", "\x01ctl", "emoji 🙂", "a,b", "   "}
	str := func() string { return strs[rng.IntN(len(strs))] }
	float := func() float64 {
		switch rng.IntN(6) {
		case 0:
			return 0
		case 1:
			return math.Copysign(0, -1)
		case 2:
			return rng.Float64()
		case 3:
			return rng.ExpFloat64() * 1e6
		case 4:
			return []float64{1e-6, 9.99e-7, 1e21, 9.99e20, 5e-324, math.MaxFloat64, 1e-9, 1.5e-10}[rng.IntN(8)]
		}
		for {
			if x := math.Float64frombits(rng.Uint64()); !math.IsNaN(x) && !math.IsInf(x, 0) {
				return x
			}
		}
	}
	tm := func() time.Time {
		return time.Date(1+rng.IntN(9999), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), rng.IntN(24), rng.IntN(60), rng.IntN(60), rng.IntN(1e9)/[]int{1, 1000, 1e6, 1e9}[rng.IntN(4)]*[]int{1, 1000, 1e6, 1e9}[rng.IntN(4)]%1e9, time.UTC)
	}
	for i := range 20000 {
		p := events.JobFinished{JobID: str(), Owner: str(), Group: str(), GPUs: rng.IntN(1 << 20), GPUType: str(),
			Start: tm(), End: tm(), MeanUtil: float(), MeanPowerW: float(), Source: events.JobSource(str())}
		if rng.IntN(4) > 0 {
			p.Submit = tm()
		}
		if rng.IntN(5) > 0 {
			p.Trace = &events.JobTrace{File: str(), Format: str(), Seq: rng.Int64(), OwnerIndex: rng.Int32(),
				GroupIndex: rng.Int32() - 1<<30, SubmitS: float(), DurationS: float()}
		}
		want, err := json.Marshal(&p)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJobFinished(nil, &p); !bytes.Equal(got, want) {
			t.Fatalf("case %d:\n got  %s\n want %s", i, got, want)
		}
	}
}
