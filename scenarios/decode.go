package scenarios

import (
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gpuplan/gpuplan"
)

// The decoder walks a yaml.Node tree into a Scenario by reflection over the yaml tags, recording the
// line of every field path and collecting every mistake instead of stopping at the first.

// nodeDecoder is implemented by types whose YAML shape differs from their Go shape.
type nodeDecoder interface {
	decodeYAML(d *decoder, n *yaml.Node, path string)
}

// maxNodes bounds the work of following aliases, so a "billion laughs" document fails fast.
const maxNodes = 1 << 20

type decoder struct {
	p     *problems
	nodes int
}

// decodeScenario reports whether the document was a mapping that could be walked at all.
func decodeScenario(file string, data []byte) (*Scenario, *problems, bool) {
	p := &problems{file: file, pos: map[string]int{}}
	s := &Scenario{file: file, pos: p.pos}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		p.at(yamlErrLine(err), "", "%s", strings.TrimPrefix(err.Error(), "yaml: "))
		return s, p, false
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		p.at(0, "", "empty scenario")
		return s, p, false
	}
	d := &decoder{p: p}
	root := d.resolve(doc.Content[0])
	if root == nil || root.Kind != yaml.MappingNode {
		p.at(doc.Content[0].Line, "", "a scenario is a mapping of keys (name, sites, ...)")
		return s, p, false
	}
	p.pos[""] = root.Line
	d.value(root, "", reflect.ValueOf(s).Elem())
	return s, p, d.nodes < maxNodes
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

func yamlErrLine(err error) int {
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		l, _ := strconv.Atoi(m[1])
		return l
	}
	return 0
}

// resolve follows aliases and counts nodes; it returns nil when the budget is spent.
func (d *decoder) resolve(n *yaml.Node) *yaml.Node {
	for hops := 0; n != nil && n.Kind == yaml.AliasNode; hops++ {
		if hops > 100 {
			return nil
		}
		n = n.Alias
	}
	d.nodes++
	if d.nodes == maxNodes {
		d.p.at(n.Line, "", "document too large (too many aliased nodes)")
	}
	if d.nodes >= maxNodes {
		return nil
	}
	return n
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "nothing"
		}
		return strconv.Quote(n.Value)
	}
	return "something else"
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

var nodeDecoderType = reflect.TypeFor[nodeDecoder]()

func (d *decoder) value(n *yaml.Node, path string, v reflect.Value) {
	if n = d.resolve(n); n == nil {
		return
	}
	d.p.pos[path] = n.Line
	if isNull(n) {
		return // an empty value leaves the default
	}
	if v.CanAddr() && v.Addr().Type().Implements(nodeDecoderType) {
		v.Addr().Interface().(nodeDecoder).decodeYAML(d, n, path)
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.value(n, path, v.Elem())
	case reflect.Struct:
		d.structure(n, path, v)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.p.at(n.Line, path, "want a list, got %s", kindName(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.value(c, fmt.Sprintf("%s[%d]", path, i), s.Index(i))
		}
		v.Set(s)
	case reflect.String:
		if s, ok := d.str(n, path); ok {
			v.SetString(s)
		}
	case reflect.Float64:
		if f, ok := d.float(n, path); ok {
			v.SetFloat(f)
		}
	case reflect.Int:
		if i, ok := d.int(n, path); ok {
			v.SetInt(int64(i))
		}
	case reflect.Uint64:
		if n.Kind != yaml.ScalarNode {
			d.p.at(n.Line, path, "want a whole number >= 0, got %s", kindName(n))
			return
		}
		u, err := strconv.ParseUint(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
		if err != nil {
			d.p.at(n.Line, path, "want a whole number >= 0, got %s", kindName(n))
			return
		}
		v.SetUint(u)
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
			d.p.at(n.Line, path, "want true or false, got %s", kindName(n))
			return
		}
		v.SetBool(n.Value == "true" || n.Value == "True" || n.Value == "TRUE")
	default:
		panic("scenarios: no YAML decoding for " + v.Type().String()) // a programming error
	}
}

// structure decodes a mapping into the struct's yaml-tagged fields.
func (d *decoder) structure(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.p.at(n.Line, path, "want a mapping, got %s", kindName(n))
		return
	}
	t := v.Type()
	fields := map[string]int{}
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",") // options such as omitempty are for encoding
		if !f.IsExported() || tag == "" || tag == "-" {
			continue
		}
		fields[tag] = i
		names = append(names, tag)
	}
	d.keys(n, path, names, func(key string, val *yaml.Node, kpath string) {
		d.value(val, kpath, v.Field(fields[key]))
	})
}

// keys walks a mapping whose keys must come from names (nil: any key), rejecting duplicates.
// mapping decodes a mapping of free-form names (owners, GPU types) to values: set sees each
// value, aliases resolved and its line recorded; want describes the shape for the error.
func (d *decoder) mapping(n *yaml.Node, path, want string, set func(key string, val *yaml.Node, kpath string)) {
	if n.Kind != yaml.MappingNode {
		d.p.at(n.Line, path, "want a mapping %s, got %s", want, kindName(n))
		return
	}
	d.keys(n, path, nil, func(key string, val *yaml.Node, kpath string) {
		if val = d.resolve(val); val == nil {
			return
		}
		d.p.pos[kpath] = val.Line
		set(key, val, kpath)
	})
}

func (d *decoder) keys(n *yaml.Node, path string, names []string, f func(key string, val *yaml.Node, kpath string)) {
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := d.resolve(n.Content[i])
		if k == nil {
			return
		}
		kpath := join(path, k.Value)
		if k.Kind != yaml.ScalarNode {
			d.p.at(k.Line, path, "a key must be a plain value, got %s", kindName(k))
			continue
		}
		if seen[k.Value] {
			d.p.at(k.Line, kpath, "repeated key")
			continue
		}
		seen[k.Value] = true
		d.p.pos[kpath] = k.Line // the value's own line replaces it where the value records one
		if names != nil && !contains(names, k.Value) {
			d.p.at(k.Line, kpath, "unknown key%s", suggest(k.Value, path, names))
			continue
		}
		f(k.Value, n.Content[i+1], kpath)
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// hints catch keys that exist elsewhere in the schema.
var hints = map[string]string{
	"placement":       "placement is a top-level key",
	"estimate_factor": "estimate_factor is a top-level key",
	"horizon":         "horizon is a top-level key",
	"seed":            "seed is a top-level key (workload.trace has its own)",
	"power_cap":       "did you mean power_cap_kw?",
	"cap_kw":          "did you mean power_cap_kw?",
	"cap":             "did you mean power_cap_kw?",
}

// suggest proposes the closest valid key, when one is close enough to be a typo.
func suggest(key, path string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if dist := editDistance(strings.ToLower(key), n); dist < bestD {
			best, bestD = n, dist
		}
	}
	if best != "" && bestD <= max(1, len(key)/3) {
		return fmt.Sprintf("; did you mean %s?", best)
	}
	if h, ok := hints[key]; ok && path != "" {
		return "; " + h
	}
	return fmt.Sprintf(" (valid: %s)", strings.Join(names, ", "))
}

// editDistance is the optimal string alignment distance: insertions, deletions, substitutions and
// swaps of neighbours each cost 1, so "peu" is one step from "pue".
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			d[i][j] = min(d[i-1][j-1]+c, d[i-1][j]+1, d[i][j-1]+1)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

func (d *decoder) str(n *yaml.Node, path string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.p.at(n.Line, path, "want text, got %s", kindName(n))
		return "", false
	}
	return n.Value, true
}

func (d *decoder) float(n *yaml.Node, path string) (float64, bool) {
	tag := n.ShortTag()
	if n.Kind == yaml.ScalarNode && (tag == "!!int" || tag == "!!float") {
		var f float64
		if err := n.Decode(&f); err == nil && !math.IsNaN(f) {
			return f, true
		}
	}
	d.p.at(n.Line, path, "want a number, got %s", kindName(n))
	return 0, false
}

func (d *decoder) int(n *yaml.Node, path string) (int, bool) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int" {
		var i int
		if err := n.Decode(&i); err == nil {
			return i, true
		}
	}
	d.p.at(n.Line, path, "want a whole number, got %s", kindName(n))
	return 0, false
}

func (dur *Duration) decodeYAML(d *decoder, n *yaml.Node, path string) {
	if n.Kind == yaml.ScalarNode && (n.ShortTag() == "!!int" || n.ShortTag() == "!!float") {
		if f, ok := d.float(n, path); ok {
			if math.IsInf(f, 0) {
				d.p.at(n.Line, path, "want a finite duration, got %s", kindName(n))
				return
			}
			*dur = Duration(f)
		}
		return
	}
	s, ok := d.str(n, path)
	if !ok {
		return
	}
	v, err := ParseDuration(s)
	if err != nil {
		d.p.at(n.Line, path, "%v, got %q", err, s)
		return
	}
	*dur = v
}

func (c *PerfCurve) decodeYAML(d *decoder, n *yaml.Node, path string) {
	if n.Kind != yaml.SequenceNode {
		d.p.at(n.Line, path, "want a list of [f, perf] pairs, got %s", kindName(n))
		return
	}
	*c = make(PerfCurve, 0, len(n.Content))
	for i, item := range n.Content {
		ipath := fmt.Sprintf("%s[%d]", path, i)
		if item = d.resolve(item); item == nil {
			return
		}
		d.p.pos[ipath] = item.Line
		if item.Kind != yaml.SequenceNode || len(item.Content) != 2 {
			d.p.at(item.Line, ipath, "want a pair [f, perf], got %s", kindName(item))
			continue
		}
		var pair [2]float64
		ok := true
		for j, x := range item.Content {
			if x = d.resolve(x); x == nil {
				return
			}
			var good bool
			pair[j], good = d.float(x, ipath)
			ok = ok && good
		}
		if ok {
			*c = append(*c, gpuplan.PerfPoint{F: pair[0], Perf: pair[1]})
		}
	}
}

func (m *TypeMix) decodeYAML(d *decoder, n *yaml.Node, path string) {
	d.mapping(n, path, "{gpu type: weight}", func(key string, val *yaml.Node, kpath string) {
		if w, ok := d.float(val, kpath); ok {
			*m = append(*m, TypeShare{Type: key, Weight: w})
		}
	})
}

func (m *GPUMix) decodeYAML(d *decoder, n *yaml.Node, path string) {
	if n.Kind != yaml.MappingNode {
		d.p.at(n.Line, path, "want a mapping {GPUs per job: weight}, got %s", kindName(n))
		return
	}
	d.keys(n, path, nil, func(key string, val *yaml.Node, kpath string) {
		if val = d.resolve(val); val == nil {
			return
		}
		d.p.pos[kpath] = val.Line
		g, err := strconv.Atoi(key)
		if err != nil {
			d.p.at(val.Line, kpath, "a key must be a whole number of GPUs, got %q", key)
			return
		}
		if w, ok := d.float(val, kpath); ok {
			*m = append(*m, GPUShare{GPUs: g, Weight: w})
		}
	})
}

// OwnersSpec accepts a bare list as shorthand for {list: [...]}; its entries are then owners[i].
func (o *OwnersSpec) decodeYAML(d *decoder, n *yaml.Node, path string) {
	if n.Kind == yaml.SequenceNode {
		o.bare = true
		d.value(n, path, reflect.ValueOf(&o.List).Elem())
		return
	}
	d.structure(n, path, reflect.ValueOf(o).Elem())
}
