package natsqueue

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/gpuplan/gpuplan/events/jetstream"
	"github.com/gpuplan/gpuplan/planner"
)

// maxMessage bounds what a decoder accepts: a task carries a scenario's YAML, far below it.
const maxMessage = 8 << 20

// Scenario is what a worker needs to rebuild a plan's scenario: a built-in's name, or a file's
// name and YAML text; and the hash of the built scenario (scenarios.Built.Hash), which the worker
// checks, so a worker whose files or gpuplan differ refuses the task instead of answering
// something else. A file scenario that reads other files (a trace, a pools file) reads them on
// the worker at the same paths, and the hash covers their contents.
type Scenario struct {
	Builtin string `json:"builtin,omitempty"`
	File    string `json:"file,omitempty"`
	YAML    string `json:"yaml,omitempty"`
	Hash    string `json:"hash"`
}

// param is one key's value at a point: a float64 or a string, as planner.Axis values are.
type param struct {
	Key   string `json:"key"`
	Value any    `json:"value"`
}

// task is one run on the wire.
type task struct {
	Batch    string   `json:"batch"`
	Index    int      `json:"index"`
	Seed     uint64   `json:"seed"`
	Point    []param  `json:"point"`
	Scenario Scenario `json:"scenario"`
}

// result is one run's metrics, or the error that stopped it. Values are written with
// strconv's shortest exact form ('g', -1), so they read back bit for bit, NaN and ±Inf included
// (JSON numbers cannot hold those).
type result struct {
	Batch   string            `json:"batch"`
	Index   int               `json:"index"`
	Seed    uint64            `json:"seed"`
	Metrics map[string]string `json:"metrics,omitempty"`
	Error   string            `json:"error,omitempty"`
	Worker  string            `json:"worker,omitempty"`
}

// takenSubject is where workers mark that a batch's runs are being taken: the first worker to
// take a run of the batch stores one message there (the result stream keeps one per subject),
// so the planner knows its runs have a taker however long they run. "taken" is no batch id
// (those are hex), so it never meets a result's subject, nor the filter of a planner that
// predates it.
func takenSubject(wq jetstream.WorkQueue, batch string) string {
	return wq.ResultPrefix + ".taken." + batch
}

// id is a result's key: the batch, the task's index and its seed. Whoever computes a task, and
// however often, its result has this id, and the gatherer keeps the first.
func (r result) id() string { return fmt.Sprintf("%s.%d.%d", r.Batch, r.Index, r.Seed) }

func encodePoint(p planner.Point) []param {
	out := make([]param, len(p))
	for i, x := range p {
		out[i] = param{x.Key, x.Value}
	}
	return out
}

func decodeTask(data []byte) (task, error) {
	var t task
	if len(data) > maxMessage {
		return t, fmt.Errorf("%w: task of %d bytes (at most %d)", ErrBadMessage, len(data), maxMessage)
	}
	if err := json.Unmarshal(data, &t); err != nil {
		return t, fmt.Errorf("%w: task: %w", ErrBadMessage, err)
	}
	switch {
	case t.Batch == "":
		return t, fmt.Errorf("%w: task: no batch", ErrBadMessage)
	case t.Index < 0:
		return t, fmt.Errorf("%w: task %s: index %d < 0", ErrBadMessage, t.Batch, t.Index)
	case t.Scenario.Hash == "":
		return t, fmt.Errorf("%w: task %s.%d: no scenario hash", ErrBadMessage, t.Batch, t.Index)
	case (t.Scenario.Builtin == "") == (t.Scenario.YAML == ""):
		return t, fmt.Errorf("%w: task %s.%d: want either a built-in scenario or its YAML", ErrBadMessage, t.Batch, t.Index)
	}
	for _, x := range t.Point {
		switch x.Value.(type) {
		case float64, string:
		default:
			return t, fmt.Errorf("%w: task %s.%d: %s: value %v is neither a number nor a string", ErrBadMessage, t.Batch, t.Index, x.Key, x.Value)
		}
	}
	return t, nil
}

func (t task) point() planner.Point {
	p := make(planner.Point, len(t.Point))
	for i, x := range t.Point {
		p[i] = planner.Param{Key: x.Key, Value: x.Value}
	}
	return p
}

func encodeMetrics(m planner.Metrics) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = strconv.FormatFloat(v, 'g', -1, 64)
	}
	return out
}

func decodeResult(data []byte) (result, planner.Metrics, error) {
	var r result
	if len(data) > maxMessage {
		return r, nil, fmt.Errorf("%w: result of %d bytes (at most %d)", ErrBadMessage, len(data), maxMessage)
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return r, nil, fmt.Errorf("%w: result: %w", ErrBadMessage, err)
	}
	if r.Batch == "" || r.Index < 0 {
		return r, nil, fmt.Errorf("%w: result without a batch or with index %d", ErrBadMessage, r.Index)
	}
	if r.Error != "" {
		return r, nil, nil
	}
	m := make(planner.Metrics, len(r.Metrics))
	for k, s := range r.Metrics {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return r, nil, fmt.Errorf("%w: result %s: metric %s: %q is not a number", ErrBadMessage, r.id(), k, s)
		}
		m[k] = v
	}
	return r, m, nil
}
