package jetstream

import "testing"

// The reply subjects are written by hand from the layouts in nats.go's parser (v1: nine
// tokens; v2: eleven, or twelve with the trailing random token).
func TestAckMeta(t *testing.T) {
	for _, tc := range []struct {
		reply        string
		seq, pending uint64
		stored       int64
		ok           bool
	}{
		{"$JS.ACK.JOBS.c1.1.42.7.1700000000000000000.3", 42, 3, 1700000000000000000, true},
		{"$JS.ACK._.acchash.JOBS.c1.1.42.7.1700000000000000000.0", 42, 0, 1700000000000000000, true},
		{"$JS.ACK._.acchash.JOBS.c1.1.42.7.1700000000000000000.0.rnd", 42, 0, 1700000000000000000, true},
		{"$JS.ACK._.acchash.JOBS.c1.1.42.7.1700000000000000000.0.rnd.more", 42, 0, 1700000000000000000, true},
		{"$JS.ACK.JOBS.c1.1.42.7.1700000000000000000", 0, 0, 0, false},     // eight tokens
		{"$JS.ACK.x.JOBS.c1.1.42.7.1700000000000000000.3", 0, 0, 0, false}, // ten tokens
		{"$JS.ACK.JOBS.c1.1.4x.7.1700000000000000000.3", 0, 0, 0, false},   // not a number
		{"$JS.ACK.JOBS.c1.1.42.7.99999999999999999999.3", 0, 0, 0, false},  // overflows
		{"$JS.ACK.JOBS.c1.1.42.7.9300000000000000000.3", 0, 0, 0, false},   // past int64
		{"$JS.ACK.JOBS.c1.1..7.1700000000000000000.3", 0, 0, 0, false},     // empty
		{"_INBOX.x.y", 0, 0, 0, false},
		{"", 0, 0, 0, false},
	} {
		seq, stored, pending, ok := ackMeta(tc.reply)
		if ok != tc.ok || seq != tc.seq || stored != tc.stored || pending != tc.pending {
			t.Errorf("%q: got %d %d %d %v, want %d %d %d %v", tc.reply, seq, stored, pending, ok, tc.seq, tc.stored, tc.pending, tc.ok)
		}
	}
}
