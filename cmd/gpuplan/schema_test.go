package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/gpuplan/gpuplan/events"
)

// replayDoc is what these tests read of replay --json.
type replayDoc struct {
	Policies []struct {
		Jobs struct {
			Submitted int `json:"submitted"`
		} `json:"jobs"`
	} `json:"policies"`
	SkippedEvents []events.Rejection `json:"skipped_events"`
	RetractedJobs int                `json:"retracted_jobs"`
}

func replayJSON(t *testing.T, url string) (doc replayDoc, raw, stderr string) {
	t.Helper()
	code, out, errOut := runCLI(t, "replay", "--nats", url, "--json", "-")
	if code != 0 {
		t.Fatalf("replay: exit %d: %s", code, errOut)
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("replay --json: %v", err)
	}
	return doc, out, errOut
}

func importSample(t *testing.T, url string) {
	t.Helper()
	if code, _, errOut := runCLI(t, "import", "--nats", url, "--format", "itp", filepath.Join("testdata", "itp_sample.csv")); code != 0 {
		t.Fatalf("import: %s", errOut)
	}
}

// jetStreamClient connects a plain JetStream client to url, closed when the test ends.
func jetStreamClient(t *testing.T, url string) natsjs.JetStream {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := natsjs.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// publishRaw stores data on subject as a client that bypasses gpuplan would, and returns its
// stream sequence.
func publishRaw(t *testing.T, url, subject, data string) uint64 {
	t.Helper()
	js := jetStreamClient(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ack, err := js.Publish(ctx, subject, []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	return ack.Sequence
}

func forgedJob(kind, at, data string) string {
	return fmt.Sprintf(`{"v":1,"id":"forged-%s","kind":%q,"source":"mallory","time":%q,"data":%s}`, at, kind, at, data)
}

// Each forged event of the list is refused by events import (exit 1, naming line and field,
// storing nothing) and, published raw, is skipped by replay and named by its stream sequence,
// with the replay's result unchanged.
func TestForgedEventsRefusedAtImportSkippedAtReplay(t *testing.T) {
	url := startLog(t)
	importSample(t, url)
	before, beforeRaw, beforeErr := replayJSON(t, url)
	if strings.Contains(beforeRaw, "skipped_events") || strings.Contains(beforeErr, "invalid") {
		t.Fatalf("clean log reports skipped events: %s", beforeErr)
	}
	subject := events.Subject("", "farm", "job.finished", "n1")
	tests := []struct {
		name     string
		line     string
		imported string // in the import's error; "" when import skips it (exit 0)
		reason   string // in the replay's line "seq N: reason"
	}{
		{"mean power 1e308",
			forgedJob("job.finished", "2020-01-05T00:00:00Z", `{"job_id":"p","owner":"o","gpus":1,"start":"2020-01-05T00:00:00Z","end":"2020-01-05T01:00:00Z","mean_power_w":1e308,"source":"import"}`),
			"forged.jsonl:1: events: invalid event: job.finished: mean_power_w 1e+308 outside 0..10000",
			"job.finished: mean_power_w 1e+308 outside 0..10000"},
		{"one GPU dated 9999-12-31",
			forgedJob("job.finished", "9999-12-31T00:00:00Z", `{"job_id":"far","owner":"o","gpus":1,"start":"9999-12-31T00:00:00Z","end":"9999-12-31T01:00:00Z","source":"import"}`),
			"forged.jsonl:1: events: invalid event: job.finished: time 9999-12-31T00:00:00Z outside 1990-01-01..2100-01-01",
			"job.finished: start 9999-12-31T00:00:00Z outside 1990-01-01..2100-01-01"},
		{"gpus 0",
			forgedJob("job.finished", "2020-01-06T00:00:00Z", `{"job_id":"z","owner":"o","gpus":0,"start":"2020-01-06T00:00:00Z","end":"2020-01-06T01:00:00Z","source":"import"}`),
			"forged.jsonl:1: events: invalid event: job.finished: gpus 0 outside 1..100000",
			"job.finished: gpus 0 outside 1..100000"},
		{"gpus negative",
			forgedJob("job.finished", "2020-01-07T00:00:00Z", `{"job_id":"n","owner":"o","gpus":-8,"start":"2020-01-07T00:00:00Z","end":"2020-01-07T01:00:00Z","source":"import"}`),
			"forged.jsonl:1: events: invalid event: job.finished: gpus -8 outside 1..100000",
			"job.finished: gpus -8 outside 1..100000"},
		{"unknown kind",
			forgedJob("job.bogus", "2020-01-08T00:00:00Z", `{"job_id":"u","gpus":1}`),
			"", "job.bogus: unknown kind (v1)"},
	}
	var seqs []uint64
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := writeFile(t, "forged.jsonl", tc.line+"\n")
			code, out, errOut := runCLI(t, "events", "import", "--nats", url, file)
			switch {
			case tc.imported == "" && (code != 0 || !strings.Contains(out, "0 events stored") || !strings.Contains(out, "skipped 1 event of kind job.bogus v1")):
				t.Errorf("import of an unknown kind: exit %d, %s %s", code, out, errOut)
			case tc.imported != "" && (code != 1 || !strings.Contains(errOut, tc.imported)):
				t.Errorf("import: exit %d, stderr %q\nwant exit 1 and %q", code, errOut, tc.imported)
			}
			if after, raw, _ := replayJSON(t, url); policiesOf(t, raw) != policiesOf(t, beforeRaw) || len(after.SkippedEvents) != i {
				t.Fatalf("a refused import changed the replay: %+v", after)
			}

			// The jobs stream keeps one message per subject: the event id is the subject's last token.
			seq := publishRaw(t, url, subject+"."+events.SubjectToken(fmt.Sprintf("forged-%d", i)), tc.line)
			seqs = append(seqs, seq)
			code, out, errOut = runCLI(t, "replay", "--nats", url, "--json", "-")
			if code != 0 {
				t.Fatalf("replay after a raw forged event: exit %d: %s", code, errOut)
			}
			if policiesOf(t, out) != policiesOf(t, beforeRaw) {
				t.Errorf("a forged event changed the replay's result")
			}
			if want := fmt.Sprintf("seq %d: %s", seq, tc.reason); !strings.Contains(errOut, want) {
				t.Errorf("stderr %q does not name %q", errOut, want)
			}
			if want := fmt.Sprintf("replay: skipped %d invalid event", i+1); !strings.Contains(errOut, want) {
				t.Errorf("stderr %q does not count: %q", errOut, want)
			}
			var doc replayDoc
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatal(err)
			}
			if len(doc.SkippedEvents) != i+1 || doc.SkippedEvents[i].Seq != seq || !strings.HasPrefix(doc.SkippedEvents[i].Reason, tc.reason) {
				t.Errorf("skipped_events %+v, want %d entries, the last seq %d: %s", doc.SkippedEvents, i+1, seq, tc.reason)
			}
			if len(doc.Policies) != len(before.Policies) || doc.Policies[0].Jobs.Submitted != 200 {
				t.Errorf("policies %+v", doc.Policies)
			}
		})
	}
}

// A retraction removes a job from replay, also when the log is exported and rebuilt elsewhere;
// retracting it again stores nothing.
func TestRetractRemovesJobFromReplayAndExport(t *testing.T) {
	url := startLog(t)
	importSample(t, url)
	before, _, _ := replayJSON(t, url)
	const job = "965d744f-0445-c1a8-12af-97e4c536c66e" // 64 GPUs: its absence shows
	code, out, errOut := runCLI(t, "events", "retract", "--nats", url, "--id", job, "--reason", "forged")
	if code != 0 || !strings.Contains(out, "retracted job "+job) {
		t.Fatalf("retract: exit %d: %s %s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "events", "retract", "--nats", url, "--id", job)
	if code != 0 || !strings.Contains(out, "already retracted") {
		t.Errorf("second retract: exit %d: %s %s", code, out, errOut)
	}
	after, afterRaw, afterErr := replayJSON(t, url)
	if after.RetractedJobs != 1 || !strings.Contains(afterErr, "replay: left out 1 job retracted") {
		t.Errorf("retracted_jobs %d, stderr %q", after.RetractedJobs, afterErr)
	}
	for i, p := range after.Policies {
		if p.Jobs.Submitted != 199 || before.Policies[i].Jobs.Submitted != 200 {
			t.Errorf("policy %d: %d submitted after, %d before; want 199 and 200", i, p.Jobs.Submitted, before.Policies[i].Jobs.Submitted)
		}
	}
	// The log itself is not edited: the job's event is still exported, with the retraction.
	export := filepath.Join(t.TempDir(), "log.jsonl")
	if code, _, errOut := runCLI(t, "events", "export", "--nats", url, "--out", export); code != 0 {
		t.Fatalf("export: %s", errOut)
	}
	data, err := os.ReadFile(export)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "\n"); n != 201 || strings.Count(string(data), `"kind":"job.retracted"`) != 1 || !strings.Contains(string(data), `"job_id":"`+job+`"`) {
		t.Errorf("export of %d events, want the 200 jobs and one retraction", n)
	}
	other := startLog(t)
	if code, _, errOut := runCLI(t, "events", "import", "--nats", other, export); code != 0 {
		t.Fatalf("events import: %s", errOut)
	}
	rebuilt, rebuiltRaw, _ := replayJSON(t, other)
	if policiesOf(t, rebuiltRaw) != policiesOf(t, afterRaw) || rebuilt.RetractedJobs != 1 {
		t.Errorf("the rebuilt log replays differently from the retracted original")
	}
}

func TestEventsRetractMistakes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"events", "retract", "--nats", "nats://127.0.0.1:1"}, "--id"},
		{[]string{"events", "retract", "--id", "j"}, "--nats"},
		{[]string{"events", "retract", "--nats", "nats://127.0.0.1:1", "--id", "j", "extra"}, "no arguments"},
	} {
		code, _, errOut := runCLI(t, tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
}
