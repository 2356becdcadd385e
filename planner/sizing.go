package planner

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// Sizing kinds.
const (
	SizeGPUs  = "gpus"  // fewest farm GPUs that meet the target
	SizePower = "power" // most farm GPUs a power budget supports at the target
	SizeCap   = "cap"   // smallest farm power cap (kW) that meets the target
)

// The coarse grid a search evaluates first, ends included, before bisecting: 5 values where
// meeting the target is monotone (each grid value more costs a bisection round less than it
// runs; the small end, a heavily overloaded farm, is the dearest run), 9 for power, where the
// values that meet it form an interval the grid must land in.
const (
	gridPoints      = 5
	gridPointsPower = 9
)

// SizeSpec asks a sizing question.
type SizeSpec struct {
	Kind string
	// Target is the p95 wait to meet, in seconds; nil means the fragmented world's p95 wait on
	// the same demand (the mean over the seeds).
	Target *float64
	// Lo, Hi and Step lay out the values searched: farm GPUs for gpus and power, kW for cap.
	Lo, Hi, Step float64
	// BudgetKW is the power budget of kind power: the farm's facility power cap during the search.
	BudgetKW float64
	// Base holds fixed parameters under the searched one (for example policy or farm_share).
	Base Point
}

// Target is the condition a sizing meets: Metric's interval upper bound at or below Value.
type Target struct {
	Metric string  `json:"metric"`
	Value  float64 `json:"value"`
	From   string  `json:"from"` // "given", or "fragmented" for the fragmented world's p95 wait
}

// CurvePoint is one value searched, summarised over the seeds; Meets says whether it met the
// target (upper bound of p95 wait at or below it, and no more jobs infeasible than in the
// fragmented world, so that a farm too small or a cap too low to run a job cannot pass by
// leaving it out).
type CurvePoint struct {
	X       float64         `json:"x"`
	Meets   bool            `json:"meets"`
	Metrics map[string]Stat `json:"metrics"`
}

// Range is the values a search may try: Lo, Lo+Step, ..., Hi.
type Range struct {
	Lo   float64 `json:"lo"`
	Hi   float64 `json:"hi"`
	Step float64 `json:"step"`
}

// Sizing is a search's answer and the curve it evaluated, sorted by X.
type Sizing struct {
	Kind     string         `json:"kind"`
	Key      string         `json:"key"` // the parameter searched: farm_gpus or power_cap_kw
	Target   Target         `json:"target"`
	BudgetKW float64        `json:"budget_kw,omitempty"`
	Range    Range          `json:"range"`
	Params   map[string]any `json:"params,omitempty"` // fixed parameters (SizeSpec.Base)
	// Answer is the value found, nil when none in the range meets the target.
	Answer *float64 `json:"answer"`
	// Settled says the answer is pinned to one step by evaluated points on both sides and the
	// curve agrees with the search's assumption (meeting the target is monotone in X; for
	// power, the values that meet it form one interval). When false, Note says why.
	Settled bool         `json:"settled"`
	Note    string       `json:"note,omitempty"`
	Curve   []CurvePoint `json:"curve"`
}

// ErrBadSize reports a sizing request that cannot be searched.
var ErrBadSize = errors.New("planner: bad sizing")

// Size answers a sizing question: an integer search over the range, first a coarse grid of
// values in one batch (so every core has work), then bisection between the last
// value that fails and the first that meets the target (for power, the last that meets and
// the first above it that fails), stopping as soon as the two are one step apart. A value meets
// the target where the upper bound of its 95% interval does, so the answer is the conservative
// one.
func Size(m Model, spec SizeSpec, opt Options) (*Sizing, error) {
	key, err := checkSize(spec)
	if err != nil {
		return nil, err
	}
	if len(opt.Seeds) == 0 {
		return nil, ErrNoSeeds
	}
	base := spec.Base
	if spec.Kind == SizePower {
		base = base.With(KeyPowerCapKW, spec.BudgetKW)
	}
	if err := checkAxes(axesOf(base)); err != nil {
		return nil, err
	}
	r := Range{spec.Lo, spec.Hi, spec.Step}
	last := int(math.Ceil((r.Hi-r.Lo)/r.Step - 1e-9))
	x := func(k int) float64 { return min(r.Lo+float64(k)*r.Step, r.Hi) }
	s := &search{m: m, opt: opt, c: &counter{report: opt.Progress}, stats: map[int]map[string]Stat{},
		point: func(k int) Point { return base.With(key, x(k)) }}
	out := &Sizing{Kind: spec.Kind, Key: key, Range: r, BudgetKW: spec.BudgetKW, Params: spec.Base.Map()}
	if len(spec.Base) == 0 {
		out.Params = nil
	}

	n := gridPoints
	if spec.Kind == SizePower {
		n = gridPointsPower
	}
	if err := s.eval(grid(last, n)); err != nil {
		return nil, err
	}
	out.Target = s.target(spec.Target)
	meets := func(k int) bool { return s.meets(k, out.Target.Value) }
	var ans int
	found := true
	if spec.Kind == SizePower {
		ans, found, err = s.largest(last, meets)
	} else {
		ans, found, err = s.smallest(last, meets)
	}
	if err != nil {
		return nil, err
	}
	if found {
		out.Answer = new(x(ans))
	}
	out.Settled, out.Note = s.settled(spec.Kind, found, ans, last, meets, x)
	for _, k := range s.keys() {
		out.Curve = append(out.Curve, CurvePoint{X: x(k), Meets: meets(k), Metrics: s.stats[k]})
	}
	return out, nil
}

// Check reports what makes the request impossible to search (ErrBadSize or ErrBadParam), before
// anything runs.
func (spec SizeSpec) Check() error {
	_, err := checkSize(spec)
	return err
}

func checkSize(spec SizeSpec) (key string, err error) {
	switch spec.Kind {
	case SizeGPUs:
		key = KeyFarmGPUs
	case SizePower:
		key = KeyFarmGPUs
		if !(spec.BudgetKW > 0) || math.IsInf(spec.BudgetKW, 0) {
			return "", fmt.Errorf("%w: power: want a budget above 0 kW, got %v", ErrBadSize, spec.BudgetKW)
		}
	case SizeCap:
		key = KeyPowerCapKW
	default:
		return "", fmt.Errorf("%w: kind %q: want %s, %s or %s", ErrBadSize, spec.Kind, SizeGPUs, SizePower, SizeCap)
	}
	if _, ok := spec.Base.Lookup(key); ok {
		return "", fmt.Errorf("%w: %s is what the search varies; do not fix it", ErrBadSize, key)
	}
	if err := checkAxes(axesOf(spec.Base)); err != nil {
		return "", err
	}
	if t := spec.Target; t != nil && (!(*t >= 0) || math.IsInf(*t, 0)) {
		return "", fmt.Errorf("%w: target p95 wait: want seconds >= 0, got %v", ErrBadSize, *t)
	}
	r := Range{spec.Lo, spec.Hi, spec.Step}
	// lo > 0: farm_gpus 0 means the owners' GPUs and power_cap_kw 0 no cap, not the bottom end
	if !(r.Step > 0) || !(r.Lo > 0) || !(r.Hi > r.Lo) || math.IsInf(r.Hi, 0) {
		return "", fmt.Errorf("%w: range %v:%v step %v: want 0 < lo < hi and step > 0", ErrBadSize, r.Lo, r.Hi, r.Step)
	}
	if key == KeyFarmGPUs && (r.Lo != math.Trunc(r.Lo) || r.Hi != math.Trunc(r.Hi) || r.Step != math.Trunc(r.Step)) {
		return "", fmt.Errorf("%w: GPU range %v:%v step %v: want whole numbers", ErrBadSize, r.Lo, r.Hi, r.Step)
	}
	if (r.Hi-r.Lo)/r.Step > 1e6 {
		return "", fmt.Errorf("%w: range %v:%v step %v has over a million values", ErrBadSize, r.Lo, r.Hi, r.Step)
	}
	return key, nil
}

func axesOf(p Point) []Axis {
	out := make([]Axis, len(p))
	for i, x := range p {
		out[i] = Axis{Key: x.Key, Values: []any{x.Value}}
	}
	return out
}

// grid spreads n indices over 0..last, ends included (all of them when there are fewer).
func grid(last, n int) []int {
	if last+1 <= n {
		out := make([]int, last+1)
		for i := range out {
			out[i] = i
		}
		return out
	}
	out := make([]int, n)
	for i := range out {
		out[i] = int(math.Round(float64(i) * float64(last) / float64(n-1)))
	}
	return out
}

// search evaluates grid indices once each and remembers them.
type search struct {
	m     Model
	opt   Options
	c     *counter
	point func(k int) Point
	stats map[int]map[string]Stat
}

func (s *search) eval(ks []int) error {
	var todo []int
	for _, k := range ks {
		if _, ok := s.stats[k]; !ok && !slices.Contains(todo, k) {
			todo = append(todo, k)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	pts := make([]Point, len(todo))
	for i, k := range todo {
		pts[i] = s.point(k)
	}
	s.c.add(len(pts) * len(s.opt.Seeds))
	stats, err := evaluate(s.m, pts, s.opt, s.c)
	if err != nil {
		return err
	}
	for i, k := range todo {
		s.stats[k] = stats[i]
	}
	return nil
}

func (s *search) keys() []int {
	ks := make([]int, 0, len(s.stats))
	for k := range s.stats {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// target is the given p95 or the fragmented world's, from the lowest value evaluated (the
// fragmented world does not depend on the farm's size or cap).
func (s *search) target(given *float64) Target {
	if given != nil {
		return Target{Metric: MetricWaitP95, Value: *given, From: "given"}
	}
	return Target{Metric: MetricWaitP95, Value: s.stats[s.keys()[0]][MetricFragWaitP95].Mean, From: "fragmented"}
}

func (s *search) meets(k int, target float64) bool {
	m := s.stats[k]
	p95, inf, frag := m[MetricWaitP95], m[MetricInfeasible], m[MetricFragInfeasible]
	return p95.Upper() <= target && inf.Mean <= frag.Mean
}

// smallest bisects for the first index that meets, assuming meeting is monotone in the index.
func (s *search) smallest(last int, meets func(int) bool) (int, bool, error) {
	ks := s.keys()
	i := slices.IndexFunc(ks, meets)
	switch {
	case i < 0:
		return 0, false, nil
	case i == 0:
		return ks[0], true, nil
	}
	lo, hi := ks[i-1], ks[i] // lo fails, hi meets
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if err := s.eval([]int{mid}); err != nil {
			return 0, false, err
		}
		if meets(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi, true, nil
}

// largest bisects for the last index that meets, assuming those that meet form one interval.
func (s *search) largest(last int, meets func(int) bool) (int, bool, error) {
	ks := s.keys()
	i := -1
	for j, k := range ks {
		if meets(k) {
			i = j
		}
	}
	switch {
	case i < 0:
		return 0, false, nil
	case i == len(ks)-1:
		return ks[i], true, nil
	}
	lo, hi := ks[i], ks[i+1] // lo meets, hi fails
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if err := s.eval([]int{mid}); err != nil {
			return 0, false, err
		}
		if meets(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo, true, nil
}

// settled checks the evaluated curve against the search's assumption and says what it means.
func (s *search) settled(kind string, found bool, ans, last int, meets func(int) bool, x func(int) float64) (bool, string) {
	ks := s.keys()
	if !found {
		if kind == SizePower {
			return false, "no value evaluated meets the target; one between the grid's values might"
		}
		return true, "no value in the range meets the target, not even the largest"
	}
	for _, k := range ks {
		switch {
		case kind != SizePower && k < ans && meets(k):
			return false, fmt.Sprintf("not monotone: a smaller value (%v) also meets the target", x(k))
		case kind != SizePower && k > ans && !meets(k):
			return false, fmt.Sprintf("not monotone: a larger value (%v) fails the target", x(k))
		case kind == SizePower && k > ans && meets(k):
			return false, fmt.Sprintf("not one interval: a larger value (%v) also meets the target", x(k))
		}
	}
	if kind == SizePower {
		first := slices.IndexFunc(ks, meets)
		for _, k := range ks {
			if k > ks[first] && k < ans && !meets(k) {
				return false, fmt.Sprintf("not one interval: a value between (%v) fails the target", x(k))
			}
		}
		if ans == last {
			return true, "the largest value in the range meets the target; a wider range may allow more"
		}
		return true, ""
	}
	if ans == 0 {
		return true, "the smallest value in the range meets the target; a lower range may allow less"
	}
	return true, ""
}
