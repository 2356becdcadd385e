package natsqueue

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/gpuplan/gpuplan/events/jetstream"
	"github.com/gpuplan/gpuplan/events/natsserver"
	"github.com/gpuplan/gpuplan/planner"
)

// TestClusterReplicas: on a three-server cluster the work-queue streams get three replicas by
// default, as the log's do, and a batch runs through them.
func TestClusterReplicas(t *testing.T) {
	var ls []net.Listener
	var routes []string
	for range 3 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		routes = append(routes, "nats-route://"+l.Addr().String())
	}
	for _, l := range ls {
		l.Close()
	}
	srvs := make([]*natsserver.Server, 3)
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i := range srvs {
		wg.Go(func() {
			srvs[i], errs[i] = natsserver.Start(natsserver.Options{
				Dir: t.TempDir(), Addr: "127.0.0.1:0", Name: fmt.Sprintf("n%d", i), ReadyTimeout: 20 * time.Second,
				Cluster: natsserver.Cluster{Name: "gpuplan-queue-test", Addr: strings.TrimPrefix(routes[i], "nats-route://"), Routes: routes},
			})
		})
	}
	wg.Wait()
	var urls []string
	for i, s := range srvs {
		if s != nil {
			t.Cleanup(s.Shutdown)
		}
		if errs[i] != nil {
			t.Fatalf("server n%d: %v", i, errs[i])
		}
		urls = append(urls, s.URL())
	}
	url := strings.Join(urls, ",")
	nc := dial(t, url)
	deadline := time.Now().Add(20 * time.Second)
	for { // stream placement needs every peer known
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := Ensure(ctx, nc, Options{})
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	js, _ := natsjs.New(nc)
	wq := jetstream.WorkQueueOf(jetstream.Options{})
	for _, name := range []string{wq.TaskStream, wq.ResultStream} {
		st, err := js.Stream(context.Background(), name)
		if err != nil {
			t.Fatal(err)
		}
		if r := st.CachedInfo().Config.Replicas; r != jetstream.ClusterReplicas {
			t.Errorf("%s: %d replicas, want %d", name, r, jetstream.ClusterReplicas)
		}
	}
	src, _ := smallScenario(t)
	startWorkers(t, url, 1, Options{})
	r, err := NewRunner(context.Background(), dial(t, url), src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tasks := planner.Tasks([]planner.Point{nil}, []uint64{1, 2})
	got, err := r.Run(ctx, tasks, nil)
	if err != nil || len(got) != 2 || got[0] == nil || got[1] == nil {
		t.Fatalf("batch on the cluster: %v (%d results)", err, len(got))
	}
}
