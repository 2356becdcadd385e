package jetstream

import (
	"errors"
	"fmt"
	"testing"

	"github.com/nats-io/nats.go"
)

func TestDenials(t *testing.T) {
	violation := func(what, subject string) error {
		return fmt.Errorf("%w: Permissions Violation for %s to %q", nats.ErrPermissionViolation, what, subject)
	}
	d := newDenials()
	_, changed := d.of("gpuplan.lab.job.finished.n1.x")
	d.add(violation("Publish", "gpuplan.lab.job.finished.n1.x"))
	select {
	case <-changed:
	default:
		t.Error("a refusal does not wake the waiters")
	}
	for _, tc := range []struct {
		subject string
		denied  bool
	}{
		{"gpuplan.lab.job.finished.n1.x", true},
		{"gpuplan.lab.job.finished.n1.y", false},
	} {
		err, _ := d.of(tc.subject)
		if (err != nil) != tc.denied || err != nil && !errors.Is(err, ErrDenied) {
			t.Errorf("%s: %v, want denied %v", tc.subject, err, tc.denied)
		}
	}
	if d.recentAPI() != nil {
		t.Error("a refused event publish counted as a refused API request")
	}
	d.add(violation("Publish", "$JS.API.STREAM.PURGE.GPUPLAN_JOBS"))
	if err := d.recentAPI(); !errors.Is(err, ErrDenied) {
		t.Errorf("recentAPI %v", err)
	}
	// A long-lived connection forgets old refusals rather than stop recording new ones.
	for i := range 2000 {
		d.add(violation("Publish", fmt.Sprintf("s.%d", i)))
	}
	if err, _ := d.of("s.1999"); err == nil {
		t.Error("the latest refusal was not recorded")
	}
	if len(d.subject) > 1024 {
		t.Errorf("%d subjects kept", len(d.subject))
	}
}
