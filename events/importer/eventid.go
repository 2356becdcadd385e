package importer

import (
	"bytes"
	"encoding/hex"
	"strings"
)

// idSet holds the event ids a workload rebuild has met, without the messages they came in. The
// importers' ids (events.DeriveID: 32 lowercase hex digits) are kept as their 16 bytes, which
// order as the digits do; any other id is copied. A replay of 1M jobs keeps a million ids until
// it has ordered the jobs.
type idSet struct {
	hex    map[[16]byte]struct{}
	other  map[string]int32 // index into others
	others []string
}

func newIDSet() *idSet {
	return &idSet{hex: map[[16]byte]struct{}{}, other: map[string]int32{}}
}

// add records id, reporting false when it was there already. The id is written into k (its
// hex and other fields); id itself is not kept, so it may share a message's buffer.
func (s *idSet) add(id string, k *jobKey) bool {
	if h, ok := hexID(id); ok {
		if _, dup := s.hex[h]; dup {
			return false
		}
		s.hex[h] = struct{}{}
		k.hex, k.other = h, -1
		return true
	}
	if _, dup := s.other[id]; dup {
		return false
	}
	c := strings.Clone(id)
	k.other = int32(len(s.others))
	s.others = append(s.others, c)
	s.other[c] = k.other
	return true
}

// done drops what only add needs, a million entries after a large replay, so that a collection
// while the jobs are ordered can free it; compare still works.
func (s *idSet) done() { s.hex, s.other = nil, nil }

// compare orders the ids of a and b as their strings order.
func (s *idSet) compare(a, b *jobKey) int {
	if a.other < 0 && b.other < 0 {
		return bytes.Compare(a.hex[:], b.hex[:])
	}
	return strings.Compare(s.str(a), s.str(b)) // a log mixing id styles: rare, allowed to allocate
}

func (s *idSet) str(k *jobKey) string {
	if k.other >= 0 {
		return s.others[k.other]
	}
	return hex.EncodeToString(k.hex[:])
}

// hexID decodes an id of exactly 32 lowercase hex digits.
func hexID(id string) (h [16]byte, ok bool) {
	if len(id) != 32 {
		return h, false
	}
	for i := range 32 {
		if c := id[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return h, false
		}
	}
	_, err := hex.Decode(h[:], []byte(id))
	return h, err == nil
}
