package events

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

// DeriveID returns a deterministic event id for importers: the first 32 hex digits (128 bits) of
// the SHA-256 of the parts written as netstrings ("<len>:<bytes>,"). Length prefixes make every
// split of the input distinct, so ("ab","c") and ("a","bc") never share an id. Importing the same
// record twice gives the same id, which the store deduplicates.
//
// Stored ids depend on this formula: never change it. Callers choose parts that identify the
// record, e.g. DeriveID("philly-15k", fileHash, rowNumber).
func DeriveID(parts ...string) string {
	h := sha256.New()
	var buf []byte
	for _, p := range parts {
		buf = strconv.AppendInt(buf[:0], int64(len(p)), 10)
		buf = append(buf, ':')
		h.Write(buf)
		h.Write([]byte(p))
		h.Write([]byte{','})
	}
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0]))[:32]
}
