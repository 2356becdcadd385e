package main

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan/events/natsserver"
)

// startClusterLog runs three clustered JetStream servers on free loopback ports and returns
// their client URLs separated by commas, as --nats takes them.
func startClusterLog(t *testing.T) string {
	t.Helper()
	// Every server must know the route ports before the first starts: reserve three (held
	// together, so that they differ) and release them for the servers to bind.
	ports := make([]int, 3)
	ls := make([]net.Listener, 3)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls[i], ports[i] = l, l.Addr().(*net.TCPAddr).Port
	}
	for _, l := range ls {
		l.Close()
	}
	var routes []string
	for _, p := range ports {
		routes = append(routes, fmt.Sprintf("127.0.0.1:%d", p))
	}
	srvs := make([]*natsserver.Server, 3)
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i := range srvs {
		wg.Go(func() {
			srvs[i], errs[i] = natsserver.Start(natsserver.Options{Dir: t.TempDir(), Addr: "127.0.0.1:0",
				Name: fmt.Sprintf("c%d", i), ReadyTimeout: 20 * time.Second,
				Cluster: natsserver.Cluster{Name: "gpuplan-cli", Addr: routes[i], Routes: routes}})
		})
	}
	wg.Wait()
	var urls []string
	for i, s := range srvs {
		if s != nil {
			t.Cleanup(s.Shutdown)
			urls = append(urls, s.URL())
		}
		if errs[i] != nil {
			t.Fatalf("server c%d: %v", i, errs[i])
		}
	}
	return strings.Join(urls, ",")
}

// streamReplicas returns each stream's configured replicas, by name.
func streamReplicas(t *testing.T, urls string) map[string]int {
	t.Helper()
	js := jetStreamClient(t, urls)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out := map[string]int{}
	l := js.ListStreams(ctx)
	for info := range l.Info() {
		out[info.Config.Name] = info.Config.Replicas
	}
	if err := l.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// On a three-server cluster the log's streams get three replicas by default, streams made with
// one are raised, more than asked are left alone, and counts the cluster cannot keep are
// command-line mistakes, as are copies asked of a single server.
func TestReplicasOnCluster(t *testing.T) {
	urls := startClusterLog(t)
	trace := filepath.Join("testdata", "itp_sample.csv")
	streams := []string{"GPUPLAN_SAMPLES", "GPUPLAN_JOBS", "GPUPLAN_RUNS"}
	steps := []struct {
		name string
		args []string
		code int
		want int    // replicas of every stream afterwards; 0: not checked
		msg  string // in stderr
	}{
		{"created with one, as an older gpuplan did", []string{"events", "export", "--nats", urls, "--replicas", "1", "--out", "-"}, 0, 1, ""},
		{"default raises them to three", []string{"import", "--nats", urls, "--format", "itp", trace}, 0, 3, ""},
		{"fewer asked: left alone", []string{"replay", "--nats", urls, "--replicas", "1", "--json", "-"}, 0, 3, ""},
		{"more than the servers", []string{"replay", "--nats", urls, "--replicas", "4"}, 2, 3, "only 3 servers"},
		{"above the maximum", []string{"replay", "--nats", urls, "--replicas", "6"}, 2, 3, "--replicas 6"},
		{"copies on the embedded server", []string{"demo", "--replicas", "3"}, 2, 0, "single server"},
		{"copies on a single server", []string{"replay", "--nats", startLog(t), "--replicas", "3"}, 2, 0, "in no cluster"},
	}
	for _, st := range steps {
		code, _, errOut := runCLI(t, st.args...)
		if code != st.code || !strings.Contains(errOut, st.msg) {
			t.Fatalf("%s: exit %d (want %d), stderr %q (want %q in it)", st.name, code, st.code, errOut, st.msg)
		}
		if st.want == 0 {
			continue
		}
		got := streamReplicas(t, urls)
		for _, name := range streams {
			if got[name] != st.want {
				t.Errorf("%s: %s has %d replicas, want %d", st.name, name, got[name], st.want)
			}
		}
	}
}
