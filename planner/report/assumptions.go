package report

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// AssumptionsFromYAML lists the commented inputs of a scenario file: every key whose line carries a
// comment, or that a comment block introduces, with its value and that comment as the source. The
// built-in scenarios cite a source or say "estimate" next to each number, so the comments are the
// citations a reader of the brief needs.
func AssumptionsFromYAML(file string, data []byte) ([]Assumption, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("report: %s: %w", file, err)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	var out []Assumption
	root := doc.Content[0]
	head := comment(doc.HeadComment, root.HeadComment)
	if root.Kind == yaml.MappingNode && len(root.Content) > 0 {
		head = comment(head, root.Content[0].HeadComment) // yaml.v3 hangs the file's opening comment here
	}
	if head != "" {
		out = append(out, Assumption{Key: "scenario", Source: head})
	}
	walkYAML(root, "", &out, 0)
	return out, nil
}

// maxDepth bounds the walk of hostile documents.
const maxDepth = 32

func walkYAML(n *yaml.Node, path string, out *[]Assumption, depth int) {
	if n == nil || depth > maxDepth {
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			head := k.HeadComment
			if depth == 0 && i == 0 {
				head = "" // the document's own head comment is the "scenario" row
			}
			if c := comment(head, k.LineComment, v.LineComment, k.FootComment); c != "" {
				*out = append(*out, Assumption{Key: p, Value: inline(v), Source: c, Estimate: isEstimate(c)})
			}
			walkYAML(v, p, out, depth+1)
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			walkYAML(item, path+"["+itemName(item, i)+"]", out, depth+1)
		}
	}
}

// itemName names a list entry by its name field when it has one (gpu_types[rtx4090]).
func itemName(n *yaml.Node, i int) string {
	if n.Kind == yaml.MappingNode {
		for k := 0; k+1 < len(n.Content); k += 2 {
			if n.Content[k].Value == "name" && n.Content[k+1].Kind == yaml.ScalarNode {
				return n.Content[k+1].Value
			}
		}
	}
	return strconv.Itoa(i)
}

// inline shows a value on one line: scalars as written, short collections in flow style, and
// nothing for a block of nested keys (their own rows carry their values).
func inline(n *yaml.Node) string {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n == nil {
		return ""
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return n.Value
	case yaml.SequenceNode, yaml.MappingNode:
		if n.Kind == yaml.MappingNode && n.Style&yaml.FlowStyle == 0 {
			return ""
		}
		var parts []string
		for _, c := range n.Content {
			s := inline(c)
			if s == "" && c.Kind != yaml.ScalarNode {
				return ""
			}
			parts = append(parts, s)
		}
		if n.Kind == yaml.MappingNode {
			var kv []string
			for i := 0; i+1 < len(parts); i += 2 {
				kv = append(kv, parts[i]+": "+parts[i+1])
			}
			return "{" + strings.Join(kv, ", ") + "}"
		}
		s := "[" + strings.Join(parts, ", ") + "]"
		if r := []rune(s); len(r) > 80 {
			s = string(r[:77]) + "...]"
		}
		return s
	}
	return ""
}

// comment joins comment blocks into one line of prose without the # marks.
func comment(blocks ...string) string {
	var words []string
	for _, b := range blocks {
		for _, line := range strings.Split(b, "\n") {
			line = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(line), "#"))
			if line != "" {
				words = append(words, line)
			}
		}
	}
	return strings.Join(words, " ")
}

func isEstimate(s string) bool { return strings.Contains(strings.ToLower(s), "estimate") }
