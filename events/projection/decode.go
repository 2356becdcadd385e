package projection

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/events"
)

// batchDecoder reads the payload of a gpu.samples event, the projection's hot path, about twenty
// times faster than encoding/json and without allocating for clean input. It accepts and
// rejects exactly what events.DecodeAs[events.GPUSampleBatch] does (a fuzz test holds the two
// side by side): the same JSON syntax and nesting limit, field names matched without regard to
// case, null leaving a value alone, the last of repeated keys winning (arrays merged element by
// element, as encoding/json does), every known field type-checked, unknown fields skipped, and
// the payload's own checks (a node, a positive interval). Strings with escapes or non-ASCII
// bytes are handed to encoding/json so that their text is the same too.
//
// Repeated "gpus" or "processes" keys, where encoding/json merges the arrays into memory left over
// from the first, return errFallback: the caller then decodes with encoding/json itself.
//
// The decoded strings point into the payload or into scratch space reused by the next call.
type batchDecoder struct {
	b     []byte
	i     int
	depth int

	node, site []byte
	interval   float64
	gpus       []rawGPU
}

type rawGPU struct {
	index       int
	uuid        []byte
	util, power float64
	procs       []rawProc
}

type rawProc struct {
	pid  int
	user []byte
}

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

var (
	errSyntax   = errors.New("invalid JSON")
	errFallback = errors.New("projection: payload needs encoding/json")
)

func (d *batchDecoder) decode(data []byte) error {
	*d = batchDecoder{b: data, gpus: d.gpus[:0]}
	if err := d.top(); err != nil {
		return err
	}
	d.ws()
	if d.i != len(d.b) {
		return fmt.Errorf("%w: data after the payload at byte %d", errSyntax, d.i)
	}
	if len(d.node) == 0 {
		return errors.New("node is empty")
	}
	if !(d.interval > 0) || math.IsInf(d.interval, 0) {
		return fmt.Errorf("interval_s %v is not a positive number", d.interval)
	}
	// The bounds of the log's schema (events.GPUSampleBatch), so that this refuses what
	// encoding/json with the payload's checks refuses.
	if d.interval > gpuplan.MaxSeconds {
		return fmt.Errorf("interval_s %v outside 0..%v", d.interval, float64(gpuplan.MaxSeconds))
	}
	for i := range d.gpus {
		g := &d.gpus[i]
		if !(g.util >= 0 && g.util <= 100) {
			return fmt.Errorf("gpus[%d].util_pct %v outside 0..100", i, g.util)
		}
		if !(g.power >= 0 && g.power <= gpuplan.MaxPowerW) {
			return fmt.Errorf("gpus[%d].power_w %v outside 0..%v", i, g.power, gpuplan.MaxPowerW)
		}
	}
	return nil
}

func (d *batchDecoder) top() error {
	d.ws()
	switch d.peek() {
	case 'n':
		return d.lit("null")
	case '{':
	default:
		if err := d.skip(); err != nil {
			return err
		}
		return errors.New("payload is not an object")
	}
	gpusSeen := false
	return d.object(func(key []byte) error {
		switch field(key, "node", "site", "interval_s", "gpus") {
		case 0:
			return d.str(&d.node)
		case 1:
			return d.str(&d.site)
		case 2:
			return d.float(&d.interval)
		case 3:
			if gpusSeen {
				return errFallback
			}
			gpusSeen = true
			d.ws()
			if d.peek() == 'n' {
				d.gpus = d.gpus[:0]
				return d.lit("null")
			}
			n := 0
			err := d.array(func() error {
				if n == len(d.gpus) {
					if n < cap(d.gpus) {
						d.gpus = d.gpus[:n+1]
						d.gpus[n] = rawGPU{procs: d.gpus[n].procs[:0]}
					} else {
						d.gpus = append(d.gpus, rawGPU{})
					}
				}
				n++
				return d.gpu(&d.gpus[n-1])
			})
			d.gpus = d.gpus[:n]
			return err
		}
		return d.skip()
	})
}

var (
	gpuFields  = []string{"index", "uuid", "util_pct", "power_w", "processes", "mem_util_pct", "power_limit_w", "temp_c", "sm_clock_mhz", "mem_clock_mhz", "mem_used_bytes", "mem_total_bytes", "energy_mj", "throttle_reasons"}
	procFields = []string{"pid", "user", "used_memory_bytes"}
)

func (d *batchDecoder) gpu(g *rawGPU) error {
	d.ws()
	if d.peek() == 'n' {
		return d.lit("null")
	}
	if d.peek() != '{' {
		return d.mismatch("GPU sample")
	}
	procsSeen := false
	return d.object(func(key []byte) error {
		switch f := gpuField(key); {
		case f == 0:
			return d.int(&g.index)
		case f == 1:
			return d.str(&g.uuid)
		case f == 2:
			return d.float(&g.util)
		case f == 3:
			return d.float(&g.power)
		case f == 4:
			if procsSeen {
				return errFallback
			}
			procsSeen = true
			return d.processes(g)
		case f == 5 || f == 6:
			var x float64
			return d.float(&x)
		case f >= 7 && f <= 9:
			var x int
			return d.int(&x)
		case f >= 10:
			return d.uint()
		}
		return d.skip()
	})
}

func (d *batchDecoder) processes(g *rawGPU) error {
	d.ws()
	if d.peek() == 'n' {
		g.procs = g.procs[:0]
		return d.lit("null")
	}
	n := 0
	err := d.array(func() error {
		g.procs = append(g.procs, rawProc{})
		p := &g.procs[n]
		n++ // elements are new: processes appears once per GPU
		d.ws()
		if d.peek() == 'n' {
			return d.lit("null")
		}
		if d.peek() != '{' {
			return d.mismatch("process")
		}
		return d.object(func(key []byte) error {
			switch field(key, procFields...) {
			case 0:
				return d.int(&p.pid)
			case 1:
				return d.str(&p.user)
			case 2:
				return d.uint()
			}
			return d.skip()
		})
	})
	g.procs = g.procs[:n]
	return err
}

// plain marks the string bytes that need no attention: printable ASCII but '"' and '\\'.
var plain = func() (t [256]bool) {
	for c := ' '; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// gpuField is field(key, gpuFields...) with the exact names found by a switch, which the
// compiler turns into a search by length and content.
func gpuField(key []byte) int {
	switch string(key) {
	case "index":
		return 0
	case "uuid":
		return 1
	case "util_pct":
		return 2
	case "power_w":
		return 3
	case "processes":
		return 4
	case "mem_util_pct":
		return 5
	case "power_limit_w":
		return 6
	case "temp_c":
		return 7
	case "sm_clock_mhz":
		return 8
	case "mem_clock_mhz":
		return 9
	case "mem_used_bytes":
		return 10
	case "mem_total_bytes":
		return 11
	case "energy_mj":
		return 12
	case "throttle_reasons":
		return 13
	}
	return field(key, gpuFields...)
}

// field returns the index of the name key matches, as encoding/json matches names: exactly, or
// else under Unicode case folding; -1 when none does.
func field(key []byte, names ...string) int {
	for i, n := range names {
		if len(key) == len(n) && string(key) == n {
			return i
		}
	}
	for i, n := range names {
		if bytes.EqualFold(key, []byte(n)) {
			return i
		}
	}
	return -1
}

func (d *batchDecoder) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *batchDecoder) peek() byte {
	if d.i < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

func (d *batchDecoder) syntax(what string) error {
	return fmt.Errorf("%w: %s at byte %d", errSyntax, what, d.i)
}

// mismatch skips a value of the wrong type, so that a syntax error later still wins, and
// reports it.
func (d *batchDecoder) mismatch(want string) error {
	at := d.i
	if err := d.skip(); err != nil {
		return err
	}
	return fmt.Errorf("value at byte %d is not a %s", at, want)
}

// object reads an object, calling fn with each key to read its value.
func (d *batchDecoder) object(fn func(key []byte) error) error {
	if d.depth++; d.depth > maxDepth {
		return d.syntax("nesting too deep")
	}
	d.i++ // '{'
	d.ws()
	if d.peek() == '}' {
		d.i++
		d.depth--
		return nil
	}
	for {
		d.ws()
		if d.peek() != '"' {
			return d.syntax("expected a key")
		}
		var key []byte
		if err := d.str(&key); err != nil {
			return err
		}
		d.ws()
		if d.peek() != ':' {
			return d.syntax("expected ':'")
		}
		d.i++
		if err := fn(key); err != nil {
			return err
		}
		d.ws()
		switch d.peek() {
		case ',':
			d.i++
		case '}':
			d.i++
			d.depth--
			return nil
		default:
			return d.syntax("expected ',' or '}'")
		}
	}
}

// array reads an array, calling fn to read each element.
func (d *batchDecoder) array(fn func() error) error {
	d.ws()
	if d.peek() != '[' {
		return d.mismatch("array")
	}
	if d.depth++; d.depth > maxDepth {
		return d.syntax("nesting too deep")
	}
	d.i++
	d.ws()
	if d.peek() == ']' {
		d.i++
		d.depth--
		return nil
	}
	for {
		if err := fn(); err != nil {
			return err
		}
		d.ws()
		switch d.peek() {
		case ',':
			d.i++
		case ']':
			d.i++
			d.depth--
			return nil
		default:
			return d.syntax("expected ',' or ']'")
		}
	}
}

// skip reads any value.
func (d *batchDecoder) skip() error {
	d.ws()
	switch c := d.peek(); {
	case c == '{':
		return d.object(func([]byte) error { return d.skip() })
	case c == '[':
		return d.array(d.skip)
	case c == '"':
		var s []byte
		return d.str(&s)
	case c == '-' || c >= '0' && c <= '9':
		_, err := d.number()
		return err
	case c == 't':
		return d.lit("true")
	case c == 'f':
		return d.lit("false")
	case c == 'n':
		return d.lit("null")
	}
	return d.syntax("expected a value")
}

func (d *batchDecoder) lit(word string) error {
	if !bytes.HasPrefix(d.b[d.i:], []byte(word)) {
		return d.syntax("bad literal")
	}
	d.i += len(word)
	return nil
}

// str reads a string into dst (null leaves dst alone).
func (d *batchDecoder) str(dst *[]byte) error {
	d.ws()
	switch d.peek() {
	case 'n':
		return d.lit("null")
	case '"':
	default:
		return d.mismatch("string")
	}
	start := d.i
	d.i++
	clean := true
	for {
		for d.i < len(d.b) && plain[d.b[d.i]] {
			d.i++
		}
		if d.i >= len(d.b) {
			return d.syntax("unterminated string")
		}
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			if clean {
				*dst = d.b[start+1 : d.i-1]
				return nil
			}
			var s string
			if err := json.Unmarshal(d.b[start:d.i], &s); err != nil {
				return fmt.Errorf("%w: string at byte %d: %w", errSyntax, start, err)
			}
			*dst = []byte(s)
			return nil
		case c < ' ':
			return d.syntax("control character in string")
		case c == '\\':
			clean = false
			d.i++
			if d.i >= len(d.b) {
				return d.syntax("unterminated string")
			}
			switch d.b[d.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				d.i++
			case 'u':
				if d.i+5 > len(d.b) {
					return d.syntax("short \\u escape")
				}
				for _, h := range d.b[d.i+1 : d.i+5] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return d.syntax("bad \\u escape")
					}
				}
				d.i += 5
			default:
				return d.syntax("bad escape")
			}
		default:
			if c >= 0x80 {
				clean = false
			}
			d.i++
		}
	}
}

// number reads a number literal as JSON spells it.
func (d *batchDecoder) number() ([]byte, error) {
	start := d.i
	if d.peek() == '-' {
		d.i++
	}
	switch c := d.peek(); {
	case c == '0':
		d.i++
	case c >= '1' && c <= '9':
		d.digits()
	default:
		return nil, d.syntax("bad number")
	}
	if d.peek() == '.' {
		d.i++
		if n := d.digits(); n == 0 {
			return nil, d.syntax("bad fraction")
		}
	}
	if c := d.peek(); c == 'e' || c == 'E' {
		d.i++
		if c := d.peek(); c == '+' || c == '-' {
			d.i++
		}
		if n := d.digits(); n == 0 {
			return nil, d.syntax("bad exponent")
		}
	}
	return d.b[start:d.i], nil
}

func (d *batchDecoder) digits() int {
	n := 0
	for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
		d.i++
		n++
	}
	return n
}

// numeric reads a number literal for a numeric field; nil for null.
func (d *batchDecoder) numeric(want string) ([]byte, error) {
	d.ws()
	switch c := d.peek(); {
	case c == 'n':
		return nil, d.lit("null")
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	}
	return nil, d.mismatch(want)
}

func (d *batchDecoder) float(dst *float64) error {
	lit, err := d.numeric("number")
	if err != nil || lit == nil {
		return err
	}
	f, err := strconv.ParseFloat(string(lit), 64)
	if err != nil {
		return fmt.Errorf("number %s: %w", lit, err)
	}
	*dst = f
	return nil
}

func (d *batchDecoder) int(dst *int) error {
	lit, err := d.numeric("integer")
	if err != nil || lit == nil {
		return err
	}
	if len(lit) <= 18 && digitsOnly(lit) {
		n := 0
		for _, c := range lit {
			n = n*10 + int(c-'0')
		}
		*dst = n
		return nil
	}
	n, err := strconv.ParseInt(string(lit), 10, strconv.IntSize)
	if err != nil {
		return fmt.Errorf("integer %s: %w", lit, err)
	}
	*dst = int(n)
	return nil
}

func (d *batchDecoder) uint() error {
	lit, err := d.numeric("unsigned integer")
	if err != nil || lit == nil {
		return err
	}
	if len(lit) <= 19 && lit[0] != '-' && digitsOnly(lit) {
		return nil // below 10^19 < 2^64
	}
	if _, err := strconv.ParseUint(string(lit), 10, 64); err != nil {
		return fmt.Errorf("unsigned integer %s: %w", lit, err)
	}
	return nil
}

// load fills d from a payload encoding/json decoded, for the fallback path.
func (d *batchDecoder) load(b *events.GPUSampleBatch) {
	*d = batchDecoder{node: []byte(b.Node), site: []byte(b.Site), interval: b.IntervalS, gpus: d.gpus[:0]}
	for _, g := range b.GPUs {
		r := rawGPU{index: g.Index, uuid: []byte(g.UUID), util: g.UtilPct, power: g.PowerW}
		for _, p := range g.Processes {
			r.procs = append(r.procs, rawProc{pid: p.PID, user: []byte(p.User)})
		}
		d.gpus = append(d.gpus, r)
	}
}

func digitsOnly(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
