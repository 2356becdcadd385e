package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 8, time.UTC)

// samplePayloads has one realistic payload per known kind, with every field set so that a field
// lost on the way shows up.
func samplePayloads() []Payload {
	start := time.Date(2026, 3, 4, 1, 0, 0, 0, time.UTC)
	end := start.Add(90 * time.Minute)
	return []Payload{
		GPUInventory{Node: "node-a", Site: "lab-3", DriverVersion: "570.86.15", CUDAVersion: "12.8",
			GPUs: []GPUInfo{
				{Index: 0, UUID: "GPU-1111", Name: "NVIDIA H100 80GB HBM3", Model: "h100-sxm", MemoryBytes: 85520809984,
					PowerLimitW: 700, DefaultPowerLimitW: 700, MinPowerLimitW: 200, MaxPowerLimitW: 700, TDPW: 700},
				{Index: 1, UUID: "GPU-2222", Name: "NVIDIA H100 80GB HBM3", MemoryBytes: 85520809984, PowerLimitW: 450.5},
			}},
		GPUSampleBatch{Node: "node-a", Site: "lab-3", IntervalS: 10,
			GPUs: []GPUSample{
				{Index: 0, UUID: "GPU-1111", UtilPct: 97, MemUtilPct: 41, MemUsedBytes: 70 << 30, MemTotalBytes: 80 << 30,
					PowerW: 612.25, PowerLimitW: 700, EnergyMJ: 123456789012, TempC: 71, SMClockMHz: 1980, MemClockMHz: 2619,
					ThrottleReasons: 0x4,
					Processes:       []GPUProcess{{PID: 4242, User: "kim", UsedMemoryBytes: 69 << 30}, {PID: 4243, User: "lee", UsedMemoryBytes: 1 << 20}}},
				{Index: 1, UUID: "GPU-2222", MemTotalBytes: 80 << 30, PowerW: 71.5, ThrottleReasons: 0x1},
			}},
		OwnershipAssigned{Owner: "kim", Group: "vision", Site: "lab-3", Node: "node-a",
			GPUUUIDs: []string{"GPU-1111", "GPU-2222"}, GPUIndices: []int{0, 1}, By: "admin"},
		OwnershipReleased{Owner: "kim", Group: "vision", Site: "lab-3", Node: "node-a",
			GPUUUIDs: []string{"GPU-2222"}, GPUIndices: []int{1}, By: "admin"},
		JobStarted{JobID: "j-1", Owner: "kim", Group: "vision", User: "kim", Site: "lab-3", Nodes: []string{"node-a"},
			GPUs: 2, GPUUUIDs: []string{"GPU-1111", "GPU-2222"}, GPUType: "h100-sxm", PID: 4242,
			Submit: start.Add(-time.Minute), Start: start, Source: JobSourceProjection},
		JobFinished{JobID: "j-1", Owner: "kim", Group: "vision", User: "kim", Site: "lab-3", Nodes: []string{"node-a", "node-b"},
			GPUs: 16, GPUUUIDs: []string{"GPU-1111"}, GPUType: "h100-sxm", PID: 4242,
			Submit: start.Add(-time.Minute), Start: start, End: end, MeanUtil: 0.83, MeanPowerW: 540.5, Source: JobSourceImport,
			Trace: &JobTrace{File: "cluster04.csv", Format: "itp", Seq: 7, OwnerIndex: 0, GroupIndex: -1, SubmitS: 0.1 + 0.2, DurationS: 1e-7}},
		JobRetracted{JobID: "j-1", Reason: "forged: dated 9999-12-31", By: "admin"},
		PlannerRun{InputsHash: "sha256:abcd", Seed: 18446744073709551615, Version: "v0.1.0", Scenario: "institute-3000",
			Site: "farm", Summary: json.RawMessage(`{"policies":["fifo","easy"],"p95_wait_s":12.5}`)},
	}
}

// eventsEqual compares two events; times must be equal instants and both in UTC.
func eventsEqual(a, b Event) bool {
	return a.V == b.V && a.ID == b.ID && a.Kind == b.Kind && a.KindName == b.KindName && a.Source == b.Source &&
		a.Time.Equal(b.Time) && a.Time.Location() == time.UTC && b.Time.Location() == time.UTC &&
		bytes.Equal(a.Data, b.Data)
}

func TestRoundTripEveryKind(t *testing.T) {
	payloads := samplePayloads()
	seen := map[Kind]bool{}
	for _, p := range payloads {
		k := p.Kind()
		seen[k] = true
		t.Run(k.String(), func(t *testing.T) {
			// A non-UTC time must come back as the same instant in UTC.
			local := t0.In(time.FixedZone("KST", 9*3600))
			e, err := New(k, "id-"+k.String(), "node-a", local, p)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if e.V != CurrentVersion || e.KindName != k.String() || e.Time.Location() != time.UTC || !e.Time.Equal(t0) {
				t.Fatalf("New gave %+v", e)
			}
			b, err := Marshal(e)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			wantHead := `{"v":1,"id":"id-` + k.String() + `","kind":"` + k.String() + `","source":"node-a","time":"2026-03-04T05:06:07.000000008Z","data":{`
			if !strings.HasPrefix(string(b), wantHead) || !strings.HasSuffix(string(b), "}}") {
				t.Fatalf("Marshal = %s\nwant prefix %s", b, wantHead)
			}
			got, err := Unmarshal(b)
			if err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if !eventsEqual(got, e) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, e)
			}
			// Decode into a fresh value of the payload's type.
			pv := reflect.New(reflect.TypeOf(p))
			if err := got.Decode(pv.Interface()); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !reflect.DeepEqual(pv.Elem().Interface(), p) {
				t.Fatalf("payload:\n got %+v\nwant %+v", pv.Elem().Interface(), p)
			}
		})
	}
	for _, k := range Kinds() {
		if !seen[k] {
			t.Errorf("kind %s has no round-trip case", k)
		}
	}
}

// TestMarshalExact checks a whole line against text written by hand from the design's envelope.
func TestMarshalExact(t *testing.T) {
	p := OwnershipAssigned{Owner: "kim", Node: "node-a", GPUIndices: []int{0, 3}}
	e, err := New(KindOwnershipAssigned, "a1", "admin-cli", time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC), p)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"v":1,"id":"a1","kind":"ownership.assigned","source":"admin-cli","time":"2026-01-02T03:04:05.000000600Z",` +
		`"data":{"owner":"kim","node":"node-a","gpu_indices":[0,3]}}`
	if string(b) != want {
		t.Errorf("Marshal =\n%s\nwant\n%s", b, want)
	}
	// json.Marshal goes through MarshalJSON and must agree.
	b2, err := json.Marshal(e)
	if err != nil || string(b2) != want {
		t.Errorf("json.Marshal = %s, %v", b2, err)
	}
}

func TestUnmarshalTolerant(t *testing.T) {
	for _, tc := range []struct {
		name     string
		in       string
		kind     Kind
		kindName string
		time     time.Time
		data     string
		source   string
	}{
		{"unknown kind kept", `{"v":1,"id":"x","kind":"gpu.power-cap","source":"n","time":"2026-01-02T03:04:05Z","data":{"a": [1, 2]}}`,
			KindUnknown, "gpu.power-cap", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), `{"a":[1,2]}`, "n"},
		{"offset converted to UTC", `{"v":1,"id":"x","kind":"job.started","time":"2026-01-02T12:04:05.5+09:00","data":{}}`,
			KindJobStarted, "job.started", time.Date(2026, 1, 2, 3, 4, 5, 5e8, time.UTC), `{}`, ""},
		{"field order and whitespace free", " {\"data\" : { \"x\" : \"a b\" } , \"time\":\"2026-01-02T03:04:05.123456789Z\",\"kind\":\"planner.run\",\"id\":\"y\",\"v\":1}\t",
			KindPlannerRun, "planner.run", time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC), `{"x":"a b"}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := Unmarshal([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if e.Kind != tc.kind || e.KindName != tc.kindName || !e.Time.Equal(tc.time) || e.Time.Location() != time.UTC ||
				string(e.Data) != tc.data || e.Source != tc.source || e.V != 1 {
				t.Errorf("got %+v (data %s)", e, e.Data)
			}
			b, err := Marshal(e)
			if err != nil {
				t.Fatalf("re-marshal: %v", err)
			}
			e2, err := Unmarshal(b)
			if err != nil || !eventsEqual(e, e2) {
				t.Errorf("second round: %+v, %v", e2, err)
			}
		})
	}
}

func TestUnmarshalNewerVersion(t *testing.T) {
	for _, tc := range []struct {
		in       string
		v        int
		kindName string
	}{
		{`{"v":2,"id":"x","kind":"gpu.samples","meta":{"new":true},"when":12}`, 2, "gpu.samples"},
		{`{"v":7,"kind":{"name":"object now"}}`, 7, ""},
		{`{"v":3,"kind":"BAD NAME"}`, 3, ""},
	} {
		e, err := Unmarshal([]byte(tc.in))
		if !errors.Is(err, ErrNewerVersion) || errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err %v, want ErrNewerVersion only", tc.in, err)
		}
		if e.V != tc.v || e.KindName != tc.kindName || e.Kind != KindUnknown {
			t.Errorf("%s: got %+v, want v %d kind name %q", tc.in, e, tc.v, tc.kindName)
		}
	}
}

func TestUnmarshalInvalid(t *testing.T) {
	const ok = `"id":"x","kind":"job.started","time":"2026-01-02T03:04:05Z","data":{}`
	for _, tc := range []struct {
		name, in, msg string
	}{
		{"empty", ``, "unexpected end"},
		{"not json", `hello`, "invalid character"},
		{"array", `[1]`, "cannot unmarshal array"},
		{"null", `null`, "not a JSON object"},
		{"trailing", `{"v":1,` + ok + `} x`, "invalid character"},
		{"v missing", `{` + ok + `}`, "v is missing"},
		{"v zero", `{"v":0,` + ok + `}`, "v 0 is not a supported version"},
		{"v negative", `{"v":-1,` + ok + `}`, "v -1"},
		{"v string", `{"v":"1",` + ok + `}`, "v: json: cannot unmarshal string"},
		{"v fraction", `{"v":1.5,` + ok + `}`, "v: json: cannot unmarshal number 1.5"},
		{"unknown field", `{"v":1,"zz":1,"extra":2,` + ok + `}`, `unknown envelope field "extra"`},
		{"field case", `{"V":1,"v":1,` + ok + `}`, `unknown envelope field "V"`},
		{"id missing", `{"v":1,"kind":"job.started","time":"2026-01-02T03:04:05Z","data":{}}`, "id is empty"},
		{"id number", `{"v":1,"id":5,"kind":"job.started","time":"2026-01-02T03:04:05Z","data":{}}`, "id: json: cannot unmarshal number"},
		{"id space", `{"v":1,"id":"a b","kind":"job.started","time":"2026-01-02T03:04:05Z","data":{}}`, `id "a b" is not`},
		{"id newline", `{"v":1,"id":"a\nb","kind":"job.started","time":"2026-01-02T03:04:05Z","data":{}}`, `id "a\nb" is not`},
		{"source space", `{"v":1,"source":"lab 3",` + ok + `}`, `source "lab 3"`},
		{"kind missing", `{"v":1,"id":"x","time":"2026-01-02T03:04:05Z","data":{}}`, "kind is empty"},
		{"kind bad", `{"v":1,"id":"x","kind":"Job Started","time":"2026-01-02T03:04:05Z","data":{}}`, `kind "Job Started" is not`},
		{"time missing", `{"v":1,"id":"x","kind":"job.started","data":{}}`, "time is missing"},
		{"time null", `{"v":1,"id":"x","kind":"job.started","time":null,"data":{}}`, "time is missing"},
		{"time not rfc3339", `{"v":1,"id":"x","kind":"job.started","time":"2026-01-02 03:04:05","data":{}}`, "time: parsing time"},
		{"time zero", `{"v":1,"id":"x","kind":"job.started","time":"0001-01-01T00:00:00Z","data":{}}`, "time is missing"},
		{"time year 0", `{"v":1,"id":"x","kind":"job.started","time":"0000-06-01T00:00:00Z","data":{}}`, "outside years"},
		{"data missing", `{"v":1,"id":"x","kind":"job.started","time":"2026-01-02T03:04:05Z"}`, "data is missing"},
		{"data null", `{"v":1,"id":"x","kind":"job.started","time":"2026-01-02T03:04:05Z","data":null}`, "not a JSON object"},
		{"data array", `{"v":1,"id":"x","kind":"job.started","time":"2026-01-02T03:04:05Z","data":[]}`, "not a JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Unmarshal([]byte(tc.in))
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err %v, want ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err %q does not mention %q", err, tc.msg)
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	good := JobStarted{JobID: "j", GPUs: 1, Start: t0}
	for _, tc := range []struct {
		name    string
		k       Kind
		id      string
		tm      time.Time
		payload any
		want    error
	}{
		{"unknown kind", KindUnknown, "x", t0, good, ErrUnknownKind},
		{"out of range kind", Kind(99), "x", t0, good, ErrUnknownKind},
		{"payload of other kind", KindJobFinished, "x", t0, good, ErrKindMismatch},
		{"not a payload", KindJobStarted, "x", t0, map[string]any{"job_id": "j"}, ErrKindMismatch},
		{"nil pointer", KindJobStarted, "x", t0, (*JobStarted)(nil), ErrInvalid},
		{"missing job id", KindJobStarted, "x", t0, JobStarted{Start: t0}, ErrInvalid},
		{"end before start", KindJobFinished, "x", t0, JobFinished{JobID: "j", GPUs: 1, Start: t0, End: t0.Add(-1)}, ErrInvalid},
		{"sample interval zero", KindGPUSampleBatch, "x", t0, GPUSampleBatch{Node: "n"}, ErrInvalid},
		{"ownership without owner", KindOwnershipReleased, "x", t0, OwnershipReleased{Node: "n"}, ErrInvalid},
		{"planner without hash", KindPlannerRun, "x", t0, PlannerRun{}, ErrInvalid},
		{"inventory without node", KindGPUInventory, "x", t0, &GPUInventory{}, ErrInvalid},
		{"trace seq negative", KindJobFinished, "x", t0, JobFinished{JobID: "j", GPUs: 1, Start: t0, Trace: &JobTrace{Seq: -1}}, ErrInvalid},
		{"trace group below -1", KindJobFinished, "x", t0, JobFinished{JobID: "j", GPUs: 1, Start: t0, Trace: &JobTrace{GroupIndex: -2}}, ErrInvalid},
		{"trace submit negative", KindJobFinished, "x", t0, JobFinished{JobID: "j", GPUs: 1, Start: t0, Trace: &JobTrace{SubmitS: -1}}, ErrInvalid},
		{"NaN in payload", KindJobFinished, "x", t0, JobFinished{JobID: "j", GPUs: 1, Start: t0, MeanUtil: nan()}, ErrInvalid},
		{"empty id", KindJobStarted, "", t0, good, ErrInvalid},
		{"zero time", KindJobStarted, "x", time.Time{}, good, ErrInvalid},
		{"raw not object", KindJobStarted, "x", t0, json.RawMessage(`[1]`), ErrInvalid},
		{"raw not json", KindJobStarted, "x", t0, json.RawMessage(`{"a":}`), ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.k, tc.id, "src", tc.tm, tc.payload)
			if !errors.Is(err, tc.want) {
				t.Errorf("err %v, want %v", err, tc.want)
			}
		})
	}
	// A pointer payload and a raw payload are both fine.
	if _, err := New(KindJobStarted, "x", "", t0, &good); err != nil {
		t.Errorf("pointer payload: %v", err)
	}
	e, err := New(KindJobStarted, "x", "", t0, json.RawMessage(" { \"job_id\" : \"j\" , \"gpus\":1, \"start\":\"2026-01-01T00:00:00Z\"} "))
	if err != nil || string(e.Data) != `{"job_id":"j","gpus":1,"start":"2026-01-01T00:00:00Z"}` {
		t.Errorf("raw payload: %s, %v", e.Data, err)
	}
}

func nan() float64 { var z float64; return z / z }

func TestDecode(t *testing.T) {
	e, err := New(KindGPUSampleBatch, "x", "", t0, GPUSampleBatch{Node: "n", IntervalS: 5, GPUs: []GPUSample{{Index: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	var job JobStarted
	if err := e.Decode(&job); !errors.Is(err, ErrKindMismatch) {
		t.Errorf("decode into other kind: %v", err)
	}
	var b GPUSampleBatch
	if err := e.Decode(b); err == nil {
		t.Error("decode into a non-pointer succeeded")
	}
	// A reused value keeps nothing from before.
	b = GPUSampleBatch{Site: "stale", GPUs: []GPUSample{{Index: 7}, {Index: 8}}}
	if err := e.Decode(&b); err != nil || b.Site != "" || len(b.GPUs) != 1 || b.GPUs[0].Index != 1 {
		t.Errorf("reused value: %+v, %v", b, err)
	}
	// Fields added to a payload by a newer writer are ignored.
	e.Data = json.RawMessage(`{"node":"n","interval_s":5,"gpus":[],"fan_pct":40}`)
	if b, err := DecodeAs[GPUSampleBatch](e); err != nil || b.Node != "n" || b.IntervalS != 5 {
		t.Errorf("unknown payload field: %+v, %v", b, err)
	}
	// Required fields are checked on the way out too.
	e.Data = json.RawMessage(`{"node":"n","interval_s":0}`)
	if _, err := DecodeAs[GPUSampleBatch](e); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "interval_s") {
		t.Errorf("interval 0: %v", err)
	}
	e.Data = json.RawMessage(`{"node":3}`)
	if _, err := DecodeAs[GPUSampleBatch](e); !errors.Is(err, ErrInvalid) {
		t.Errorf("node number: %v", err)
	}
	u := Event{V: 1, ID: "u", KindName: "gpu.fans", Time: t0, Data: json.RawMessage(`{}`)}
	if _, err := DecodeAs[GPUInventory](u); !errors.Is(err, ErrKindMismatch) {
		t.Errorf("unknown kind: %v", err)
	}
}

func TestValidate(t *testing.T) {
	base := Event{V: 1, ID: "x", Kind: KindJobStarted, Time: t0, Data: json.RawMessage(`{}`)}
	for _, tc := range []struct {
		name string
		mod  func(*Event)
		ok   bool
	}{
		{"base", func(*Event) {}, true},
		{"kind name agrees", func(e *Event) { e.KindName = "job.started" }, true},
		{"unknown kind with name", func(e *Event) { e.Kind, e.KindName = KindUnknown, "gpu.fans" }, true},
		{"kind name disagrees", func(e *Event) { e.KindName = "job.finished" }, false},
		{"unknown kind with known name", func(e *Event) { e.Kind, e.KindName = KindUnknown, "job.started" }, false},
		{"unknown kind without name", func(e *Event) { e.Kind = KindUnknown }, false},
		{"kind out of range", func(e *Event) { e.Kind = 200 }, false},
		{"version 0", func(e *Event) { e.V = 0 }, false},
		{"newer version", func(e *Event) { e.V = CurrentVersion + 1 }, false},
		{"id too long", func(e *Event) { e.ID = strings.Repeat("a", 129) }, false},
		{"id at limit", func(e *Event) { e.ID = strings.Repeat("a", 128) }, true},
		{"year 10000", func(e *Event) { e.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, false},
		{"data empty", func(e *Event) { e.Data = nil }, false},
		{"data broken", func(e *Event) { e.Data = json.RawMessage(`{"a"`) }, false},
	} {
		e := base
		tc.mod(&e)
		err := e.Validate()
		if (err == nil) != tc.ok {
			t.Errorf("%s: err %v, want ok %v", tc.name, err, tc.ok)
		}
		if _, merr := Marshal(e); (merr == nil) != tc.ok {
			t.Errorf("%s: Marshal err %v, want ok %v", tc.name, merr, tc.ok)
		}
	}
}
