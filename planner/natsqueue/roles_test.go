package natsqueue

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/gpuplan/gpuplan/events/jetstream"
	"github.com/gpuplan/gpuplan/events/natsauth"
	"github.com/gpuplan/gpuplan/events/natsserver"
	"github.com/gpuplan/gpuplan/planner"
)

// TestRolesOnTheWorkQueue: under authorization a planner and a worker credential run a
// distributed batch; then every role tries every work-queue operation: the planner publishes
// tasks and reads results only, the worker takes tasks and publishes results only (and reads
// nothing of the event log), collectors and importers touch nothing, and no role but admin
// purges the queue. A refusal is an error at the client that says permission denied.
func TestRolesOnTheWorkQueue(t *testing.T) {
	dir := t.TempDir()
	if err := natsauth.Init(dir, natsauth.Options{Nodes: []string{"node-a"}}); err != nil {
		t.Fatal(err)
	}
	a, err := natsauth.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := natsserver.Start(natsserver.Options{Dir: t.TempDir(), Addr: "127.0.0.1:0", Auth: a})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	creds := func(role jetstream.Role) []nats.Option {
		opts, err := jetstream.CredsOptions(natsauth.CredsPath(dir, role, "node-a"))
		if err != nil {
			t.Fatal(err)
		}
		return opts
	}
	ctx := context.Background()
	admin := dial(t, srv.URL(), creds(jetstream.RoleAdmin)...)
	if _, err := jetstream.Open(ctx, admin, jetstream.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := Ensure(ctx, admin, Options{}); err != nil {
		t.Fatal(err)
	}

	// The planner and worker roles do their job.
	src, s := smallScenario(t)
	pts, seeds, tasks := sweepTasks()
	startWorkers(t, srv.URL(), 2, Options{}, creds(jetstream.RoleWorker)...)
	r, err := NewRunner(ctx, dial(t, srv.URL(), creds(jetstream.RolePlanner)...), src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	got, err := r.Run(rctx, tasks, nil)
	if err != nil {
		t.Fatalf("planner and worker credentials: %v", err)
	}
	local, err := (&planner.Pool{Model: &planner.ScenarioModel{Base: s}}).Run(ctx, tasks, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(summaries(t, got, len(pts), len(seeds)), summaries(t, local, len(pts), len(seeds))) {
		t.Fatal("summaries under authorization differ from local")
	}

	wq := jetstream.WorkQueueOf(jetstream.Options{})
	ops := []struct {
		name string
		run  func(ctx context.Context, js natsjs.JetStream, role jetstream.Role) error
	}{
		{"publish task", func(ctx context.Context, js natsjs.JetStream, _ jetstream.Role) error {
			_, err := js.Publish(ctx, wq.TaskPrefix+".rolecheck", []byte(`{}`))
			return err
		}},
		{"publish result", func(ctx context.Context, js natsjs.JetStream, role jetstream.Role) error {
			_, err := js.Publish(ctx, wq.ResultPrefix+".rolecheck."+string(role), []byte(`{}`))
			return err
		}},
		{"take task", func(ctx context.Context, js natsjs.JetStream, _ jetstream.Role) error {
			c, err := js.Consumer(ctx, wq.TaskStream, ConsumerName)
			if err != nil {
				return err
			}
			msg, err := c.Next(natsjs.FetchMaxWait(500 * time.Millisecond))
			if errors.Is(err, natsjs.ErrNoMessages) || errors.Is(err, nats.ErrTimeout) {
				return nil // allowed, and the workers took everything
			}
			if err == nil {
				return msg.Nak()
			}
			return err
		}},
		{"read results", func(ctx context.Context, js natsjs.JetStream, _ jetstream.Role) error {
			c, err := js.OrderedConsumer(ctx, wq.ResultStream, natsjs.OrderedConsumerConfig{FilterSubjects: []string{wq.ResultPrefix + ".>"}})
			if err != nil {
				return err
			}
			_, err = c.Next(natsjs.FetchContext(ctx))
			return err
		}},
		{"read the log", func(ctx context.Context, js natsjs.JetStream, _ jetstream.Role) error {
			_, err := js.Stream(ctx, "GPUPLAN_JOBS")
			return err
		}},
		{"publish a job event", func(ctx context.Context, js natsjs.JetStream, role jetstream.Role) error {
			_, err := js.Publish(ctx, "gpuplan.site-a.job.submitted.node-a.rolecheck-"+string(role), []byte(`{}`))
			return err
		}},
		{"purge the queue", func(ctx context.Context, js natsjs.JetStream, _ jetstream.Role) error {
			st, err := js.Stream(ctx, wq.TaskStream)
			if err != nil {
				return err
			}
			return st.Purge(ctx)
		}},
	}
	allowed := map[jetstream.Role][]string{
		jetstream.RolePlanner:   {"publish task", "read results", "read the log"},
		jetstream.RoleWorker:    {"publish result", "take task"},
		jetstream.RoleCollector: {"read the log"}, // stream information only, as Open needs
		jetstream.RoleImporter:  {"read the log", "publish a job event"},
	}
	for _, role := range []jetstream.Role{jetstream.RolePlanner, jetstream.RoleWorker, jetstream.RoleCollector, jetstream.RoleImporter} {
		t.Run(string(role), func(t *testing.T) {
			nc := dial(t, srv.URL(), creds(role)...)
			w := watchDenials(nc)
			js, err := natsjs.New(nc)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range ops {
				t.Run(o.name, func(t *testing.T) {
					tctx, cancel := context.WithTimeout(ctx, 3*time.Second)
					defer cancel()
					w.reset()
					octx, stop := w.until(tctx)
					defer stop()
					err := w.explain(o.run(octx, js, role))
					want := false
					for _, n := range allowed[role] {
						want = want || n == o.name
					}
					switch {
					case want && err != nil:
						t.Errorf("allowed, failed: %v", err)
					case !want && err == nil:
						t.Errorf("refused, but it worked")
					case !want && !errors.Is(err, jetstream.ErrDenied):
						t.Errorf("refused with %v: want jetstream.ErrDenied", err)
					}
				})
			}
		})
	}
	// Nothing refused changed the queue: the tasks stream holds only the planner's test task.
	js, _ := natsjs.New(admin)
	st, err := js.Stream(ctx, wq.TaskStream)
	if err != nil {
		t.Fatal(err)
	}
	if n := st.CachedInfo().State.Msgs; n > 1 {
		t.Errorf("%d tasks left in the queue, want at most the planner's one", n)
	}
}
