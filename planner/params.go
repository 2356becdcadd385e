package planner

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/gpuplan/gpuplan/sim"
)

// Sweep keys: the scenario parameters a plan may vary.
const (
	KeyFarmShare      = "farm_share"      // share of owners consolidated, 0..1
	KeyFarmGPUs       = "farm_gpus"       // farm size in GPUs (the scenario's farm.gpus)
	KeyPowerCapKW     = "power_cap_kw"    // the farm site's facility power cap, kW; 0: none
	KeyCapMode        = "cap_mode"        // queue or throttle
	KeyPolicy         = "policy"          // the farm policy compared with fragmented
	KeyLoadGrowth     = "load_growth"     // demand multiplier, > 0 (1: today's demand)
	KeyEstimateFactor = "estimate_factor" // EASY runtime over-estimate, >= 1
)

// ErrBadParam reports a sweep key or value the planner cannot use.
var ErrBadParam = errors.New("planner: bad parameter")

// Keys lists the sweep keys.
func Keys() []string {
	return []string{KeyFarmShare, KeyFarmGPUs, KeyPowerCapKW, KeyCapMode, KeyPolicy, KeyLoadGrowth, KeyEstimateFactor}
}

// Axis is one swept key and its values, in the order given. Values are float64 for numeric keys
// and string for cap_mode and policy, so they print in results as they were written.
type Axis struct {
	Key    string `json:"key"`
	Values []any  `json:"values"`
}

// Param is one key's value at a point.
type Param struct {
	Key   string
	Value any
}

// Point is the parameters of one run of the model, in axis order.
type Point []Param

// Lookup returns the value of key at the point.
func (p Point) Lookup(key string) (any, bool) {
	for _, x := range p {
		if x.Key == key {
			return x.Value, true
		}
	}
	return nil, false
}

// Map returns the point as key → value (the JSON form).
func (p Point) Map() map[string]any {
	m := make(map[string]any, len(p))
	for _, x := range p {
		m[x.Key] = x.Value
	}
	return m
}

// With returns a copy of the point with key set to v (replaced where present, else appended).
func (p Point) With(key string, v any) Point {
	q := slices.Clone(p)
	for i := range q {
		if q[i].Key == key {
			q[i].Value = v
			return q
		}
	}
	return append(q, Param{key, v})
}

// ParseAxis reads KEY=V1,V2,... as written on the command line.
func ParseAxis(s string) (Axis, error) {
	key, list, ok := strings.Cut(s, "=")
	key = strings.TrimSpace(key)
	if !ok || key == "" || strings.TrimSpace(list) == "" {
		return Axis{}, fmt.Errorf("%w: want KEY=V1,V2,..., got %q", ErrBadParam, s)
	}
	a := Axis{Key: key}
	for _, raw := range strings.Split(list, ",") {
		v, err := ParseValue(key, strings.TrimSpace(raw))
		if err != nil {
			return Axis{}, err
		}
		a.Values = append(a.Values, v)
	}
	return a, nil
}

// ParseValue converts one written value of key to its typed form and checks its range.
func ParseValue(key, raw string) (any, error) {
	switch key {
	case KeyCapMode, KeyPolicy:
		return raw, checkValue(key, raw)
	}
	if !slices.Contains(Keys(), key) {
		return nil, &ParamError{Key: key, Unknown: true}
	}
	x, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		return nil, &ParamError{Key: key, Msg: strconv.Quote(raw) + " is not a number"}
	}
	return x, checkValue(key, x)
}

// ParamError is a sweep key the planner does not know or a value out of its key's range; it
// wraps ErrBadParam. Msg says what is wrong with the value without naming the key, so a scenario
// file can name the key by its place instead.
type ParamError struct {
	Key     string
	Unknown bool   // the key is not one of Keys()
	Msg     string // e.g. "want a share in [0, 1], got 2"
}

func (e *ParamError) Error() string {
	if e.Unknown {
		return fmt.Sprintf("%v: unknown key %q (have %s)", ErrBadParam, e.Key, strings.Join(Keys(), ", "))
	}
	return fmt.Sprintf("%v: %s: %s", ErrBadParam, e.Key, e.Msg)
}

func (e *ParamError) Unwrap() error { return ErrBadParam }

// checkValue checks a typed value against its key's range.
func checkValue(key string, v any) error {
	bad := func(want string) error { return &ParamError{Key: key, Msg: fmt.Sprintf("want %s, got %v", want, v)} }
	switch key {
	case KeyCapMode:
		if s, ok := v.(string); !ok || (s != "queue" && s != "throttle") {
			return bad("queue or throttle")
		}
		return nil
	case KeyPolicy:
		s, _ := v.(string)
		if s == "fragmented" || !slices.Contains(sim.Policies(), s) {
			return bad("a farm policy (" + strings.Join(sim.Policies()[1:], ", ") + ")")
		}
		return nil
	}
	x, ok := v.(float64)
	if !ok || math.IsNaN(x) || math.IsInf(x, 0) {
		return bad("a finite number")
	}
	switch key {
	case KeyFarmShare:
		if x < 0 || x > 1 {
			return bad("a share in [0, 1]")
		}
	case KeyFarmGPUs:
		if x < 0 || x != math.Trunc(x) || x > math.MaxInt32 {
			return bad("a whole number of GPUs >= 0")
		}
	case KeyPowerCapKW:
		if x < 0 {
			return bad("kW >= 0")
		}
	case KeyLoadGrowth:
		if x <= 0 {
			return bad("a factor > 0")
		}
	case KeyEstimateFactor:
		if x < 1 {
			return bad("a factor >= 1")
		}
	default:
		return &ParamError{Key: key, Unknown: true}
	}
	return nil
}

// points is the cross product of the axes, the first axis outermost; no axes give one empty point.
func points(axes []Axis) []Point {
	out := []Point{nil}
	for _, a := range axes {
		next := make([]Point, 0, len(out)*len(a.Values))
		for _, p := range out {
			for _, v := range a.Values {
				next = append(next, p.With(a.Key, v))
			}
		}
		out = next
	}
	return out
}

// checkAxes rejects a key swept twice, an axis without values and values out of range.
func checkAxes(axes []Axis) error {
	seen := map[string]bool{}
	for _, a := range axes {
		if seen[a.Key] {
			return fmt.Errorf("%w: %s swept twice", ErrBadParam, a.Key)
		}
		seen[a.Key] = true
		if len(a.Values) == 0 {
			return fmt.Errorf("%w: %s: no values", ErrBadParam, a.Key)
		}
		for _, v := range a.Values {
			if err := checkValue(a.Key, v); err != nil {
				return err
			}
		}
	}
	return nil
}
