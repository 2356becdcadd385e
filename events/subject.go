package events

import (
	"encoding/json"
	"fmt"
	"strings"
)

// DefaultSubjectPrefix is the first subject token when a caller gives none.
const DefaultSubjectPrefix = "gpuplan"

// Subject returns the NATS subject of an event:
//
//	<prefix>.<site>.<domain>.<action>.<node>
//
// where domain.action is the kind's wire name (every known kind has exactly two tokens, e.g.
// gpu.samples), so that every subject under one prefix has the same number of tokens and a
// consumer filters on any position with '*':
//
//	gpuplan.lab-3.>                     everything from site lab-3
//	gpuplan.*.gpu.samples.*             sample batches of every site and node
//	gpuplan.*.job.*.*                   job events (started and finished)
//	gpuplan.*.*.*.node-a                everything about node-a
//
// Each of site and node is one token (see SubjectToken); an empty one becomes "_", as does the
// node of events that have none (planner runs). A kind name that is not two tokens is split at
// its first dot, the rest kept in one token, and a missing action becomes "_". The prefix may
// hold several tokens ("org.gpuplan"); an empty prefix means DefaultSubjectPrefix. The mapping is
// one-to-one for valid kind names, so filters never mix two sites or nodes.
func Subject(prefix, site, kind, node string) string {
	var b strings.Builder
	writePrefix(&b, prefix)
	b.WriteByte('.')
	b.WriteString(SubjectToken(site))
	b.WriteByte('.')
	writeKind(&b, kind)
	b.WriteByte('.')
	b.WriteString(SubjectToken(node))
	return b.String()
}

// SubjectFilter is Subject with "" meaning any value: SubjectFilter("", "", "gpu.samples", "")
// is "gpuplan.*.gpu.samples.*", and an empty kind matches both of its tokens.
func SubjectFilter(prefix, site, kind, node string) string {
	var b strings.Builder
	writePrefix(&b, prefix)
	b.WriteByte('.')
	b.WriteString(filterToken(site))
	b.WriteByte('.')
	if kind == "" {
		b.WriteString("*.*")
	} else {
		writeKind(&b, kind)
	}
	b.WriteByte('.')
	b.WriteString(filterToken(node))
	return b.String()
}

func filterToken(s string) string {
	if s == "" {
		return "*"
	}
	return SubjectToken(s)
}

func writePrefix(b *strings.Builder, prefix string) {
	if prefix == "" {
		prefix = DefaultSubjectPrefix
	}
	for i, tok := range strings.Split(prefix, ".") {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(SubjectToken(tok))
	}
}

func writeKind(b *strings.Builder, kind string) {
	domain, action, _ := strings.Cut(kind, ".")
	b.WriteString(SubjectToken(domain))
	b.WriteByte('.')
	b.WriteString(SubjectToken(action))
}

// SubjectToken makes s one safe NATS subject token. NATS tokens cannot hold '.', '*', '>' or
// whitespace, and non-ASCII subjects are poorly supported by tools, so every byte other than an
// ASCII letter, digit, '-' or '_' is percent-encoded ("lab 3" becomes "lab%203", "a.b" becomes
// "a%2Eb"). The encoding is one-to-one: "" becomes "_", and a literal "_" becomes "%5F".
func SubjectToken(s string) string {
	switch s {
	case "":
		return "_"
	case "_":
		return "%5F"
	}
	clean := true
	for i := 0; i < len(s); i++ {
		if !tokenByte(s[i]) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if tokenByte(c) {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

func tokenByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// Subject returns the event's subject under prefix, reading site and node from the payload
// ("site", and "node" or else the first of "nodes"). Unknown kinds are routed by the same fields
// when they have them. Publishers that hold the payload already can call the function Subject.
func (e Event) Subject(prefix string) (string, error) {
	var r struct {
		Site  string   `json:"site"`
		Node  string   `json:"node"`
		Nodes []string `json:"nodes"`
	}
	if err := json.Unmarshal(e.Data, &r); err != nil && e.Kind.Known() {
		return "", fmt.Errorf("%w: event %s %s data: %w", ErrInvalid, e.ID, e.Name(), err)
	}
	node := r.Node
	if node == "" && len(r.Nodes) > 0 {
		node = r.Nodes[0]
	}
	return Subject(prefix, r.Site, e.Name(), node), nil
}
