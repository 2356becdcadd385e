package jetstream

import (
	"errors"
	"testing"
)

func TestChooseReplicas(t *testing.T) {
	cases := []struct {
		name    string
		asked   int
		cluster string
		servers int
		want    int // 0: ErrReplicas expected
	}{
		{"single server default", 0, "", 1, 1},
		{"single server asked 1", 1, "", 1, 1},
		{"single server asked 3", 3, "", 1, 0},
		{"two-server cluster default", 0, "c", 2, 1},
		{"two-server cluster asked 2", 2, "c", 2, 2},
		{"three-server cluster default", 0, "c", 3, 3},
		{"five-server cluster default", 0, "c", 5, 3},
		{"five-server cluster asked 5", 5, "c", 5, 5},
		{"cluster known by one URL, asked 3", 3, "c", 1, 0},
		{"more than known servers", 4, "c", 3, 0},
		{"negative", -1, "c", 3, 0},
		{"above the server's maximum", 6, "c", 7, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ChooseReplicas(c.asked, c.cluster, c.servers)
			if c.want == 0 {
				if !errors.Is(err, ErrReplicas) {
					t.Fatalf("got %d, %v; want ErrReplicas", got, err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("got %d, %v; want %d", got, err, c.want)
			}
		})
	}
}

// TestOpenRefusesReplicasOnSingleServer checks that asking a server in no cluster for copies it
// cannot keep fails at Open, naming the reason, and that the default opens with one replica.
func TestOpenRefusesReplicasOnSingleServer(t *testing.T) {
	srv := startServer(t, "")
	nc, err := Connect(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if _, err := Open(t.Context(), nc, Options{Replicas: 3}); !errors.Is(err, ErrReplicas) {
		t.Fatalf("Open with 3 replicas on one server: %v", err)
	}
	s, err := Open(t.Context(), nc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.streams[streamJobs].Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if s.Replicas() != 1 || info.Config.Replicas != 1 {
		t.Fatalf("default on one server: store %d, stream %d replicas; want 1", s.Replicas(), info.Config.Replicas)
	}
}
