package promexport_test

import (
	"io"
	"math"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/gpuplan/gpuplan/collectors"
	"github.com/gpuplan/gpuplan/collectors/promexport"
	"github.com/gpuplan/gpuplan/events"
)

func scrape(t *testing.T, e *promexport.Exporter) map[string]*dto.MetricFamily {
	t.Helper()
	srv := httptest.NewServer(e.Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("exposition does not parse: %v\n%s", err, body)
	}
	return fams
}

func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	t.Helper()
	f, ok := fams[name]
	if !ok {
		t.Fatalf("metric %s missing", name)
	}
next:
	for _, m := range f.Metric {
		have := map[string]string{}
		for _, l := range m.Label {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range labels {
			if have[k] != v {
				continue next
			}
		}
		switch {
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Counter != nil:
			return m.Counter.GetValue()
		}
	}
	t.Fatalf("metric %s has no series with labels %v", name, labels)
	return 0
}

// TestMetrics: /metrics parses with the Prometheus text parser, carries DCGM exporter's names
// and labels with the batch's values, the processes with their owners, and the health figures.
func TestMetrics(t *testing.T) {
	at := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	owner := func(i int, uuid string) (string, string) {
		if i == 0 {
			return "lab-a", "physics"
		}
		return "", ""
	}
	health := func() promexport.Health {
		return promexport.Health{
			Spool:     collectors.SpoolStats{Records: 17, Bytes: 4096, LimitBytes: 1 << 20, DroppedRecords: 3},
			Publisher: collectors.PublisherStats{Published: 99, Errors: 4, LastPublish: at, Connected: true},
		}
	}
	e := promexport.New("node-1", owner, health)
	e.ObserveInventory(events.GPUInventory{Node: "node-1", GPUs: []events.GPUInfo{
		{Index: 0, UUID: "GPU-a", Name: "NVIDIA H100 80GB HBM3", PCIBusID: "00000000:18:00.0"},
		{Index: 1, UUID: "GPU-b", Name: "NVIDIA H100 80GB HBM3"},
	}})
	e.ObserveBatch(events.GPUSampleBatch{Node: "node-1", IntervalS: 10, GPUs: []events.GPUSample{
		{Index: 0, UUID: "GPU-a", UtilPct: 87, MemUsedBytes: 40 << 30, MemTotalBytes: 80 << 30, PowerW: 612.5, PowerLimitW: 700,
			EnergyMJ: 123456789, TempC: 66, SMClockMHz: 1980, MemClockMHz: 2619,
			Processes: []events.GPUProcess{{PID: 4242, User: "kim", UsedMemoryBytes: 39 << 30, SMUtilPct: 80, JobID: "77"}}},
		{Index: 1, UUID: "GPU-b", UtilPct: 0, MemTotalBytes: 80 << 30, PowerW: 70,
			Processes: []events.GPUProcess{{PID: 5, User: "lee", UsedMemoryBytes: 1 << 20}}},
	}}, at)
	fams := scrape(t, e)
	gpu0 := map[string]string{"gpu": "0", "UUID": "GPU-a", "modelName": "NVIDIA H100 80GB HBM3", "Hostname": "node-1", "pci_bus_id": "00000000:18:00.0"}
	host := map[string]string{"Hostname": "node-1"}
	cases := []struct {
		name   string
		labels map[string]string
		want   float64
		tol    float64
	}{
		{"DCGM_FI_DEV_GPU_UTIL", gpu0, 87, 0},
		{"DCGM_FI_DEV_POWER_USAGE", gpu0, 612.5, 0},
		{"DCGM_FI_DEV_FB_USED", gpu0, 40 * 1024, 0},
		{"DCGM_FI_DEV_FB_FREE", gpu0, 40 * 1024, 0},
		{"DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", gpu0, 123456789, 0},
		{"DCGM_FI_DEV_GPU_TEMP", gpu0, 66, 0},
		{"DCGM_FI_DEV_SM_CLOCK", gpu0, 1980, 0},
		{"DCGM_FI_DEV_MEM_CLOCK", gpu0, 2619, 0},
		{"DCGM_FI_DEV_POWER_MGMT_LIMIT", gpu0, 700, 0},
		{"DCGM_FI_DEV_GPU_UTIL", map[string]string{"gpu": "1", "UUID": "GPU-b"}, 0, 0},
		{"gpuplan_process_gpu_memory_bytes", map[string]string{"pid": "4242", "user": "kim", "owner": "lab-a", "group": "physics", "job_id": "77"}, 39 << 30, 0},
		{"gpuplan_process_sm_util_percent", map[string]string{"pid": "4242", "owner": "lab-a"}, 80, 0},
		// No owner in the config: the process's user owns it, as in the projection.
		{"gpuplan_process_gpu_memory_bytes", map[string]string{"pid": "5", "owner": "lee"}, 1 << 20, 0},
		{"gpuplan_collector_spool_records", host, 17, 0},
		{"gpuplan_collector_spool_limit_bytes", host, 1 << 20, 0},
		{"gpuplan_collector_spool_dropped_records_total", host, 3, 0},
		{"gpuplan_collector_publish_errors_total", host, 4, 0},
		{"gpuplan_collector_last_publish_timestamp_seconds", host, float64(at.Unix()), 1e-3},
		{"gpuplan_collector_connected", host, 1, 0},
	}
	for _, tc := range cases {
		if got := value(t, fams, tc.name, tc.labels); math.Abs(got-tc.want) > tc.tol {
			t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, got, tc.want)
		}
	}
	if got := fams["DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION"].GetType(); got != dto.MetricType_COUNTER {
		t.Errorf("energy is a %v, want a counter as in DCGM exporter", got)
	}
	// GPU 1 reports no temperature: no series rather than a false 0 °C.
	for _, m := range fams["DCGM_FI_DEV_GPU_TEMP"].Metric {
		for _, l := range m.Label {
			if l.GetName() == "gpu" && l.GetValue() == "1" {
				t.Error("temperature exported for a GPU that did not report one")
			}
		}
	}
	if _, ok := fams["process_resident_memory_bytes"]; !ok {
		t.Error("the collector's own resident memory is not exported")
	}
}
