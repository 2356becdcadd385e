package natsauth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/events/jetstream"
	"github.com/gpuplan/gpuplan/events/natsserver"
)

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// authServer issues credentials (with a collector for each of nodes) in a new directory and runs
// a server that enforces them, with the streams created as admin.
func authServer(t testing.TB, nodes ...string) (dir, url string) {
	t.Helper()
	dir, url = bareAuthServer(t, nodes...)
	c := connectAs(t, url, CredsPath(dir, jetstream.RoleAdmin, ""))
	if _, err := jetstream.Open(context.Background(), c.nc, jetstream.Options{}); err != nil {
		t.Fatal(err)
	}
	return dir, url
}

// bareAuthServer is authServer without the streams.
func bareAuthServer(t testing.TB, nodes ...string) (dir, url string) {
	t.Helper()
	dir = t.TempDir()
	if err := Init(dir, Options{Nodes: nodes}); err != nil {
		t.Fatal(err)
	}
	a, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := natsserver.Start(natsserver.Options{Dir: t.TempDir(), Addr: "127.0.0.1:0", Auth: a})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	return dir, srv.URL()
}

// conn is a client connection that keeps the asynchronous errors the server sent it.
type conn struct {
	nc    *nats.Conn
	mu    sync.Mutex
	async []string
}

func (c *conn) deniedSubject(subject string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.async {
		if strings.Contains(e, `"`+subject+`"`) && strings.Contains(strings.ToLower(e), "permissions violation") {
			return true
		}
	}
	return false
}

func connectAs(t testing.TB, url, creds string, extra ...nats.Option) *conn {
	t.Helper()
	c := &conn{}
	opts, err := jetstream.CredsOptions(creds)
	if err != nil {
		t.Fatal(err)
	}
	opts = append(opts, nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		c.mu.Lock()
		c.async = append(c.async, err.Error())
		c.mu.Unlock()
	}))
	c.nc, err = jetstream.Connect(url, append(opts, extra...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.nc.Close)
	return c
}

func mustEvent(t testing.TB, k events.Kind, id string, p any) events.Event {
	t.Helper()
	e, err := events.New(k, id, "test", t0, p)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// op is one thing a client may try. It returns the error the client saw and the subject a
// refusal names (for refusals that come only asynchronously).
type op struct {
	name string
	run  func(ctx context.Context, t *testing.T, s *jetstream.Store, c *conn) (err error, subject string)
}

func appendOp(name string, ev func(t testing.TB) events.Event) op {
	return op{name, func(ctx context.Context, t *testing.T, s *jetstream.Store, _ *conn) (error, string) {
		return s.Append(ctx, ev(t)), ""
	}}
}

// jsOp runs a raw JetStream API call, which the server refuses only asynchronously: the call
// is cut short once the refusal of subject has arrived.
func jsOp(name, subject string, f func(ctx context.Context, js natsjs.JetStream) error) op {
	return op{name, func(ctx context.Context, t *testing.T, _ *jetstream.Store, c *conn) (error, string) {
		js, err := natsjs.New(c.nc)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- f(ctx, js) }()
		for {
			select {
			case err := <-done:
				return err, subject
			case <-time.After(10 * time.Millisecond):
				if c.deniedSubject(subject) {
					cancel()
				}
			}
		}
	}}
}

// subOp subscribes to subject and reports a refusal of the subscription.
func subOp(name, subject string) op {
	return op{name, func(ctx context.Context, t *testing.T, _ *jetstream.Store, c *conn) (error, string) {
		sub, err := c.nc.SubscribeSync(subject)
		if err != nil {
			return err, subject
		}
		defer sub.Unsubscribe()
		// The server answers the subscription before the flush's PONG; the refusal reaches the
		// error handler on another goroutine soon after.
		if err := c.nc.FlushWithContext(ctx); err != nil {
			return err, subject
		}
		deadline := time.Now().Add(500 * time.Millisecond)
		for time.Now().Before(deadline) {
			if c.deniedSubject(subject) {
				return fmt.Errorf("%w: subscription to %q", jetstream.ErrDenied, subject), subject
			}
			time.Sleep(10 * time.Millisecond)
		}
		return nil, subject
	}}
}

// TestRolesRefuseEverythingElse tries every role against every operation: what a role is not
// allowed is refused with an error at the client and leaves the log as it was; the rest works.
func TestRolesRefuseEverythingElse(t *testing.T) {
	dir, url := authServer(t, "node-a")
	sample := func(node string) func(testing.TB) events.Event {
		return func(t testing.TB) events.Event {
			return mustEvent(t, events.KindGPUSampleBatch, "smp-"+node+"-"+t.Name(), events.GPUSampleBatch{Node: node, Site: "lab", IntervalS: 10,
				GPUs: []events.GPUSample{{Index: 0, UUID: "GPU-0", UtilPct: 50, PowerW: 300}}})
		}
	}
	own := func(node string) func(testing.TB) events.Event {
		return func(t testing.TB) events.Event {
			return mustEvent(t, events.KindOwnershipAssigned, "own-"+node+"-"+t.Name(), events.OwnershipAssigned{Owner: "kim", Site: "lab", Node: node, GPUIndices: []int{0}})
		}
	}
	job := func(t testing.TB) events.Event {
		return mustEvent(t, events.KindJobFinished, "job-"+t.Name(), events.JobFinished{JobID: t.Name(), Owner: "kim", Site: "lab", Nodes: []string{"node-a"},
			GPUs: 1, Start: t0, End: t0.Add(time.Hour), Source: events.JobSourceImport})
	}
	run := func(t testing.TB) events.Event {
		return mustEvent(t, events.KindPlannerRun, "run-"+t.Name(), events.PlannerRun{InputsHash: "sha256:ab", Seed: 1, Version: "test"})
	}
	ops := []op{
		appendOp("append samples of own node", sample("node-a")),
		appendOp("append samples of another node", sample("node-b")),
		appendOp("append inventory of own node", func(t testing.TB) events.Event {
			return mustEvent(t, events.KindGPUInventory, "inv-"+t.Name(), events.GPUInventory{Node: "node-a", Site: "lab"})
		}),
		{"change ownership of own node", func(ctx context.Context, t *testing.T, s *jetstream.Store, _ *conn) (error, string) {
			seq, err := s.OwnershipSeq(ctx, "lab", "node-a")
			if err != nil {
				return err, ""
			}
			_, err = s.ChangeOwnership(ctx, own("node-a")(t), seq)
			return err, ""
		}},
		appendOp("append ownership of another node", own("node-b")),
		appendOp("append job", job),
		appendOp("append planner run", run),
		{"replay", func(ctx context.Context, t *testing.T, s *jetstream.Store, _ *conn) (error, string) {
			n := 0
			err := s.Replay(ctx, time.Time{}, time.Time{}, nil, func(events.Event) error { n++; return nil })
			if err == nil && n == 0 {
				t.Error("replay saw nothing")
			}
			return err, ""
		}},
		subOp("read raw subjects", "gpuplan.>"),
		subOp("read every inbox", "_INBOX.>"),
		jsOp("read a run by direct get", "$JS.API.DIRECT.GET.GPUPLAN_RUNS.gpuplan.>", func(ctx context.Context, js natsjs.JetStream) error {
			st, err := js.Stream(ctx, "GPUPLAN_RUNS")
			if err != nil {
				return err
			}
			_, err = st.GetLastMsgForSubject(ctx, "gpuplan.>")
			return err
		}),
		jsOp("create a stream", "$JS.API.STREAM.CREATE.EVIL", func(ctx context.Context, js natsjs.JetStream) error {
			_, err := js.CreateStream(ctx, natsjs.StreamConfig{Name: "EVIL", Subjects: []string{"evil.>"}})
			return err
		}),
		jsOp("set samples max age 1 s", "$JS.API.STREAM.UPDATE.GPUPLAN_SAMPLES", func(ctx context.Context, js natsjs.JetStream) error {
			_, err := js.UpdateStream(ctx, natsjs.StreamConfig{Name: "GPUPLAN_SAMPLES", Subjects: []string{"gpuplan.*.gpu.*.*"}, MaxAge: time.Second})
			return err
		}),
		jsOp("delete a message", "$JS.API.STREAM.MSG.DELETE.GPUPLAN_JOBS", func(ctx context.Context, js natsjs.JetStream) error {
			st, err := js.Stream(ctx, "GPUPLAN_JOBS")
			if err != nil {
				return err
			}
			return st.DeleteMsg(ctx, 1)
		}),
		jsOp("purge the jobs stream", "$JS.API.STREAM.PURGE.GPUPLAN_JOBS", func(ctx context.Context, js natsjs.JetStream) error {
			st, err := js.Stream(ctx, "GPUPLAN_JOBS")
			if err != nil {
				return err
			}
			return st.Purge(ctx)
		}),
		jsOp("delete the runs stream", "$JS.API.STREAM.DELETE.GPUPLAN_RUNS", func(ctx context.Context, js natsjs.JetStream) error {
			return js.DeleteStream(ctx, "GPUPLAN_RUNS")
		}),
	}
	allowed := map[jetstream.Role][]string{
		jetstream.RoleCollector: {"append samples of own node", "append inventory of own node", "change ownership of own node"},
		jetstream.RoleImporter:  {"append job"},
		jetstream.RolePlanner:   {"append planner run", "replay"},
	}
	// Something for the replay and the refused purge to find.
	admin := connectAs(t, url, CredsPath(dir, jetstream.RoleAdmin, ""))
	as, err := jetstream.Open(context.Background(), admin.nc, jetstream.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := as.Append(context.Background(), job(t), run(t)); err != nil {
		t.Fatal(err)
	}
	counts := func() []uint64 {
		var n []uint64
		js, _ := natsjs.New(admin.nc)
		for _, name := range as.StreamNames() {
			st, err := js.Stream(context.Background(), name)
			if err != nil {
				t.Fatalf("stream %s after the restricted roles: %v", name, err)
			}
			n = append(n, st.CachedInfo().State.Msgs)
		}
		return n
	}
	t.Run("restricted", func(t *testing.T) {
		for _, role := range []jetstream.Role{jetstream.RoleCollector, jetstream.RoleImporter, jetstream.RolePlanner} {
			t.Run(string(role), func(t *testing.T) {
				t.Parallel()
				c := connectAs(t, url, CredsPath(dir, role, "node-a"))
				s, err := jetstream.Open(context.Background(), c.nc, jetstream.Options{AckTimeout: 3 * time.Second})
				if err != nil {
					t.Fatalf("open as %s: %v", role, err)
				}
				for _, o := range ops {
					t.Run(o.name, func(t *testing.T) {
						ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
						defer cancel()
						err, subject := o.run(ctx, t, s, c)
						want := slices.Contains(allowed[role], o.name)
						switch {
						case want && err != nil:
							t.Errorf("allowed, failed: %v", err)
						case !want && err == nil:
							t.Errorf("refused, but it worked")
						case !want && subject == "" && !errors.Is(err, jetstream.ErrDenied):
							t.Errorf("refused with %v: want jetstream.ErrDenied", err)
						case !want && subject != "" && !errors.Is(err, jetstream.ErrDenied) && !c.deniedSubject(subject):
							t.Errorf("refused with %v and no permissions violation for %q (async: %v)", err, subject, c.async)
						}
					})
				}
			})
		}
	})
	before := counts()
	// The refused operations changed nothing: the job and run are still there.
	if before[1] == 0 || before[2] == 0 {
		t.Fatalf("messages per stream %v after the restricted roles", before)
	}
	t.Run("admin", func(t *testing.T) {
		for _, o := range ops {
			t.Run(o.name, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				defer cancel()
				if err, _ := o.run(ctx, t, as, admin); err != nil {
					t.Errorf("admin: %v", err)
				}
			})
		}
	})
}
