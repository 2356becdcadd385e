package collectors

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/gpuplan/gpuplan/events"
)

// ErrConfig: a node config file is malformed; the message names the file, line and field.
var ErrConfig = errors.New("collectors: bad node config")

// NodeConfig is a node's config file: who owns which of its GPUs.
//
//	node: gpu-a01          # optional; --node wins; default the host name
//	site: lab-3            # optional
//	by: ops@example.org    # optional, recorded in ownership events for the audit trail
//	owners:
//	  - owner: kim
//	    group: physics     # optional
//	    gpus: [0, 1, 2, 3] # NVML indices or UUIDs; omitted: every GPU of the node
//	  - owner: lee
//	    gpus: ["GPU-5d3c...", 5]
type NodeConfig struct {
	Node   string
	Site   string
	By     string
	Owners []OwnerEntry
}

// OwnerEntry hands GPUs to an owner.
type OwnerEntry struct {
	Owner   string
	Group   string
	Indices []int
	UUIDs   []string
	Line    int // where the entry starts in its file
}

// LoadNodeConfig reads and checks a node config file.
func LoadNodeConfig(path string) (NodeConfig, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return NodeConfig{}, fmt.Errorf("collectors: node config: %w", err)
	}
	return DecodeNodeConfig(path, b)
}

// DecodeNodeConfig parses a node config; name is used in errors.
func DecodeNodeConfig(name string, b []byte) (NodeConfig, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return NodeConfig{}, nil // an empty file: no owners
		}
		return NodeConfig{}, fmt.Errorf("%w: %s: %w", ErrConfig, name, err)
	}
	bad := func(n *yaml.Node, field, format string, args ...any) error {
		return fmt.Errorf("%w: %s:%d: %s: %s", ErrConfig, name, n.Line, field, fmt.Sprintf(format, args...))
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return NodeConfig{}, nil
	}
	if root.Kind != yaml.MappingNode {
		return NodeConfig{}, bad(root, "(top level)", "want a mapping with node, site, by and owners")
	}
	var c NodeConfig
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if seen[k.Value] {
			return c, bad(k, k.Value, "given twice")
		}
		seen[k.Value] = true
		switch k.Value {
		case "node", "site", "by":
			s, err := scalarString(v)
			if err != nil {
				return c, bad(v, k.Value, "%v", err)
			}
			switch k.Value {
			case "node":
				if s != "" && !printable(s) {
					return c, bad(v, "node", "%q is not printable ASCII without spaces", s)
				}
				c.Node = s
			case "site":
				c.Site = s
			default:
				c.By = s
			}
		case "owners":
			if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null" {
				continue
			}
			if v.Kind != yaml.SequenceNode {
				return c, bad(v, "owners", "want a list of entries with owner, group and gpus")
			}
			for j, e := range v.Content {
				oe, err := ownerEntry(e, fmt.Sprintf("owners[%d]", j), bad)
				if err != nil {
					return c, err
				}
				c.Owners = append(c.Owners, oe)
			}
		default:
			return c, bad(k, k.Value, "unknown field (known: node, site, by, owners)")
		}
	}
	if err := c.checkOverlap(name); err != nil {
		return c, err
	}
	return c, nil
}

func ownerEntry(n *yaml.Node, path string, bad func(*yaml.Node, string, string, ...any) error) (OwnerEntry, error) {
	oe := OwnerEntry{Line: n.Line}
	if n.Kind != yaml.MappingNode {
		return oe, bad(n, path, "want a mapping with owner, group and gpus")
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		field := path + "." + k.Value
		if seen[k.Value] {
			return oe, bad(k, field, "given twice")
		}
		seen[k.Value] = true
		switch k.Value {
		case "owner", "group":
			s, err := scalarString(v)
			if err != nil {
				return oe, bad(v, field, "%v", err)
			}
			if k.Value == "owner" {
				oe.Owner = s
			} else {
				oe.Group = s
			}
		case "gpus":
			if v.Kind != yaml.SequenceNode {
				return oe, bad(v, field, "want a list of GPU indices or UUIDs")
			}
			for j, g := range v.Content {
				gf := fmt.Sprintf("%s[%d]", field, j)
				if g.Kind != yaml.ScalarNode {
					return oe, bad(g, gf, "want a GPU index or UUID")
				}
				if g.ShortTag() == "!!int" {
					idx, err := strconv.Atoi(g.Value)
					if err != nil || idx < 0 || idx > 1<<20 {
						return oe, bad(g, gf, "GPU index %s is not in 0..%d", g.Value, 1<<20)
					}
					oe.Indices = append(oe.Indices, idx)
					continue
				}
				u := strings.TrimSpace(g.Value)
				if !strings.HasPrefix(u, "GPU-") && !strings.HasPrefix(u, "MIG-") {
					return oe, bad(g, gf, "%q is neither an index nor a GPU UUID (GPU-...)", g.Value)
				}
				if !printable(u) {
					return oe, bad(g, gf, "UUID %q has spaces or non-ASCII characters", g.Value)
				}
				oe.UUIDs = append(oe.UUIDs, u)
			}
		default:
			return oe, bad(k, field, "unknown field (known: owner, group, gpus)")
		}
	}
	if oe.Owner == "" {
		return oe, bad(n, path+".owner", "missing or empty")
	}
	return oe, nil
}

func scalarString(v *yaml.Node) (string, error) {
	if v.Kind != yaml.ScalarNode {
		return "", errors.New("want a string")
	}
	if v.ShortTag() == "!!null" {
		return "", nil
	}
	return strings.TrimSpace(v.Value), nil
}

// checkOverlap refuses a GPU given to two owners, and an entry for every GPU beside others.
func (c NodeConfig) checkOverlap(name string) error {
	idx := map[int]int{}
	uuid := map[string]int{}
	for i, e := range c.Owners {
		all := len(e.Indices) == 0 && len(e.UUIDs) == 0
		if all && len(c.Owners) > 1 {
			return fmt.Errorf("%w: %s:%d: owners[%d].gpus: omitted (every GPU) while other owners hold GPUs too", ErrConfig, name, e.Line, i)
		}
		for _, x := range e.Indices {
			if j, dup := idx[x]; dup {
				return fmt.Errorf("%w: %s:%d: owners[%d].gpus: GPU %d is already owners[%d]'s", ErrConfig, name, e.Line, i, x, j)
			}
			idx[x] = i
		}
		for _, u := range e.UUIDs {
			if j, dup := uuid[u]; dup {
				return fmt.Errorf("%w: %s:%d: owners[%d].gpus: GPU %s is already owners[%d]'s", ErrConfig, name, e.Line, i, u, j)
			}
			uuid[u] = i
		}
	}
	return nil
}

// OwnerOf returns the owner and group of a GPU by index or UUID ("" when none).
func (c NodeConfig) OwnerOf(index int, uuid string) (owner, group string) {
	for _, e := range c.Owners {
		if len(e.Indices) == 0 && len(e.UUIDs) == 0 || slices.Contains(e.Indices, index) || slices.Contains(e.UUIDs, uuid) {
			return e.Owner, e.Group
		}
	}
	return "", ""
}

// OwnershipEvents returns the events that move the node from config prev (nil: nothing
// published before, as on a collector's start) to c: a release for each of prev's entries that
// c no longer has, then an assignment for each of c's entries that prev did not have exactly
// (every entry when prev is nil, so a restart states the node's ownership again: harmless, as an
// assignment to the current owner changes nothing).
func (c NodeConfig) OwnershipEvents(prev *NodeConfig, node, site string, at time.Time) ([]events.Event, error) {
	var out []events.Event
	has := func(list []OwnerEntry, e OwnerEntry) bool {
		return slices.ContainsFunc(list, func(x OwnerEntry) bool { return sameEntry(x, e) })
	}
	if prev != nil {
		for _, e := range prev.Owners {
			if has(c.Owners, e) {
				continue
			}
			p := events.OwnershipReleased{Owner: e.Owner, Group: e.Group, Site: site, Node: node, GPUUUIDs: e.UUIDs, GPUIndices: e.Indices, By: c.by()}
			ev, err := events.New(events.KindOwnershipReleased, ownershipID("released", node, site, e, at), node, at, p)
			if err != nil {
				return nil, err
			}
			out = append(out, ev)
		}
	}
	for _, e := range c.Owners {
		if prev != nil && has(prev.Owners, e) {
			continue
		}
		p := events.OwnershipAssigned{Owner: e.Owner, Group: e.Group, Site: site, Node: node, GPUUUIDs: e.UUIDs, GPUIndices: e.Indices, By: c.by()}
		ev, err := events.New(events.KindOwnershipAssigned, ownershipID("assigned", node, site, e, at), node, at, p)
		if err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, nil
}

func (c NodeConfig) by() string {
	if c.By != "" {
		return c.By
	}
	return "gpuplan collect"
}

func sameEntry(a, b OwnerEntry) bool {
	return a.Owner == b.Owner && a.Group == b.Group && slices.Equal(a.Indices, b.Indices) && slices.Equal(a.UUIDs, b.UUIDs)
}

// ownershipID derives an ownership event's id from what it says and when: a resend after a lost
// acknowledgement is deduplicated, while assigning, releasing and assigning again are three
// events (an id without the time would drop the second assignment as a duplicate).
func ownershipID(action, node, site string, e OwnerEntry, at time.Time) string {
	parts := []string{"gpuplan.collect.ownership", action, site, node, e.Owner, e.Group}
	for _, x := range e.Indices {
		parts = append(parts, strconv.Itoa(x))
	}
	parts = append(parts, "|")
	parts = append(parts, e.UUIDs...)
	parts = append(parts, at.UTC().Format(time.RFC3339Nano))
	return events.DeriveID(parts...)
}
