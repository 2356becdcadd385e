package promexport

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	gpucollectors "github.com/gpuplan/gpuplan/collectors"
	"github.com/gpuplan/gpuplan/events"
)

// Health is the collector's state as /metrics reports it.
type Health struct {
	Spool      gpucollectors.SpoolStats
	Publisher  gpucollectors.PublisherStats
	Collector  gpucollectors.CollectorStats
	LastSample time.Time
}

// Exporter is a prometheus.Collector over the latest batch; it implements
// collectors.BatchObserver.
type Exporter struct {
	host   string
	owner  func(index int, uuid string) (owner, group string)
	health func() Health

	mu    sync.Mutex
	inv   map[string]events.GPUInfo // by UUID
	batch events.GPUSampleBatch
	at    time.Time
}

var (
	_ gpucollectors.BatchObserver = (*Exporter)(nil)
	_ prometheus.Collector        = (*Exporter)(nil)
)

// New returns an Exporter for host. owner (nil: none) gives a GPU's owner and group from the
// node config; health (nil: none) is called at each scrape.
func New(host string, owner func(int, string) (string, string), health func() Health) *Exporter {
	if owner == nil {
		owner = func(int, string) (string, string) { return "", "" }
	}
	return &Exporter{host: host, owner: owner, health: health, inv: map[string]events.GPUInfo{}}
}

// ObserveInventory implements collectors.BatchObserver.
func (e *Exporter) ObserveInventory(inv events.GPUInventory) {
	e.mu.Lock()
	defer e.mu.Unlock()
	clear(e.inv)
	for _, g := range inv.GPUs {
		e.inv[g.UUID] = g
	}
}

// ObserveBatch implements collectors.BatchObserver.
func (e *Exporter) ObserveBatch(b events.GPUSampleBatch, at time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.batch, e.at = b, at
}

var gpuLabels = []string{"gpu", "UUID", "device", "modelName", "pci_bus_id", "Hostname"}
var procLabels = []string{"gpu", "UUID", "Hostname", "pid", "user", "owner", "group", "job_id"}

type gpuMetric struct {
	desc  *prometheus.Desc
	typ   prometheus.ValueType
	value func(g *events.GPUSample) (float64, bool)
}

const mib = 1 << 20

var gpuMetrics = []gpuMetric{
	{prometheus.NewDesc("DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %).", gpuLabels, nil), prometheus.GaugeValue,
		func(g *events.GPUSample) (float64, bool) { return g.UtilPct, true }},
	{prometheus.NewDesc("DCGM_FI_DEV_MEM_COPY_UTIL", "Memory utilization (in %).", gpuLabels, nil), prometheus.GaugeValue,
		func(g *events.GPUSample) (float64, bool) { return g.MemUtilPct, true }},
	{prometheus.NewDesc("DCGM_FI_DEV_FB_USED", "Framebuffer memory used (in MiB).", gpuLabels, nil), prometheus.GaugeValue,
		func(g *events.GPUSample) (float64, bool) { return float64(g.MemUsedBytes / mib), true }},
	{prometheus.NewDesc("DCGM_FI_DEV_FB_FREE", "Framebuffer memory free (in MiB).", gpuLabels, nil), prometheus.GaugeValue,
		func(g *events.GPUSample) (float64, bool) {
			return float64((g.MemTotalBytes - min(g.MemUsedBytes, g.MemTotalBytes)) / mib), g.MemTotalBytes > 0
		}},
	{prometheus.NewDesc("DCGM_FI_DEV_POWER_USAGE", "Power draw (in W).", gpuLabels, nil), prometheus.GaugeValue,
		func(g *events.GPUSample) (float64, bool) { return g.PowerW, g.PowerW > 0 }},
	{prometheus.NewDesc("DCGM_FI_DEV_POWER_MGMT_LIMIT", "Enforced power limit (in W).", gpuLabels, nil), prometheus.GaugeValue,
		func(g *events.GPUSample) (float64, bool) { return g.PowerLimitW, g.PowerLimitW > 0 }},
	{prometheus.NewDesc("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "Total energy consumption since boot (in mJ).", gpuLabels, nil), prometheus.CounterValue,
		func(g *events.GPUSample) (float64, bool) { return float64(g.EnergyMJ), g.EnergyMJ > 0 }},
	{prometheus.NewDesc("DCGM_FI_DEV_GPU_TEMP", "GPU temperature (in C).", gpuLabels, nil), prometheus.GaugeValue,
		func(g *events.GPUSample) (float64, bool) { return float64(g.TempC), g.TempC > 0 }},
	{prometheus.NewDesc("DCGM_FI_DEV_SM_CLOCK", "SM clock frequency (in MHz).", gpuLabels, nil), prometheus.GaugeValue,
		func(g *events.GPUSample) (float64, bool) { return float64(g.SMClockMHz), g.SMClockMHz > 0 }},
	{prometheus.NewDesc("DCGM_FI_DEV_MEM_CLOCK", "Memory clock frequency (in MHz).", gpuLabels, nil), prometheus.GaugeValue,
		func(g *events.GPUSample) (float64, bool) { return float64(g.MemClockMHz), g.MemClockMHz > 0 }},
	{prometheus.NewDesc("DCGM_FI_DEV_CLOCK_THROTTLE_REASONS", "Current clock throttle reasons (NVML bitmask).", gpuLabels, nil), prometheus.GaugeValue,
		func(g *events.GPUSample) (float64, bool) { return float64(g.ThrottleReasons), true }},
}

var (
	procMem  = prometheus.NewDesc("gpuplan_process_gpu_memory_bytes", "GPU memory used by a process.", procLabels, nil)
	procUtil = prometheus.NewDesc("gpuplan_process_sm_util_percent", "A process's SM utilization where the driver reports it (in %).", procLabels, nil)

	hSpoolRecords = desc("gpuplan_collector_spool_records", "Events in the on-disk spool waiting to be sent.")
	hSpoolBytes   = desc("gpuplan_collector_spool_bytes", "Size of the spool's segment files.")
	hSpoolLimit   = desc("gpuplan_collector_spool_limit_bytes", "Spool size limit; at it the oldest segment is dropped.")
	hDropped      = desc("gpuplan_collector_spool_dropped_records_total", "Unsent events dropped because the spool was full.")
	hTorn         = desc("gpuplan_collector_spool_torn_records_total", "Damaged spool records dropped at start (a crash mid-write).")
	hPubErrors    = desc("gpuplan_collector_publish_errors_total", "Failed publish attempts (each retried).")
	hRefused      = desc("gpuplan_collector_refused_events_total", "Spooled events the log refused as invalid and that were dropped.")
	hPublished    = desc("gpuplan_collector_published_events_total", "Events the server acknowledged.")
	hLastPublish  = desc("gpuplan_collector_last_publish_timestamp_seconds", "Time of the last acknowledged publish (Unix seconds; 0 never).")
	hConnected    = desc("gpuplan_collector_connected", "1 when the last publish attempt reached the server.")
	hSampleErrors = desc("gpuplan_collector_sample_errors_total", "Failed sampling cycles.")
	hLastSample   = desc("gpuplan_collector_last_sample_timestamp_seconds", "Time of the latest sample batch (Unix seconds).")
)

func desc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, []string{"Hostname"}, nil)
}

// Describe implements prometheus.Collector.
func (e *Exporter) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range gpuMetrics {
		ch <- m.desc
	}
	for _, d := range []*prometheus.Desc{procMem, procUtil, hSpoolRecords, hSpoolBytes, hSpoolLimit, hDropped, hTorn,
		hPubErrors, hRefused, hPublished, hLastPublish, hConnected, hSampleErrors, hLastSample} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (e *Exporter) Collect(ch chan<- prometheus.Metric) {
	e.mu.Lock()
	b, at := e.batch, e.at
	inv := e.inv
	for i := range b.GPUs {
		g := &b.GPUs[i]
		info := inv[g.UUID]
		idx := strconv.Itoa(g.Index)
		labels := []string{idx, g.UUID, "nvidia" + idx, info.Name, info.PCIBusID, e.host}
		for _, m := range gpuMetrics {
			if v, ok := m.value(g); ok {
				ch <- prometheus.MustNewConstMetric(m.desc, m.typ, v, labels...)
			}
		}
		owner, group := e.owner(g.Index, g.UUID)
		for _, p := range g.Processes {
			o := owner
			if o == "" {
				o = p.User // as the projection does when no owner is recorded
			}
			pl := []string{idx, g.UUID, e.host, strconv.Itoa(p.PID), p.User, o, group, p.JobID}
			ch <- prometheus.MustNewConstMetric(procMem, prometheus.GaugeValue, float64(p.UsedMemoryBytes), pl...)
			ch <- prometheus.MustNewConstMetric(procUtil, prometheus.GaugeValue, p.SMUtilPct, pl...)
		}
	}
	e.mu.Unlock()
	if e.health == nil {
		return
	}
	h := e.health()
	gauge := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, e.host)
	}
	counter := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, e.host)
	}
	gauge(hSpoolRecords, float64(h.Spool.Records))
	gauge(hSpoolBytes, float64(h.Spool.Bytes))
	gauge(hSpoolLimit, float64(h.Spool.LimitBytes))
	counter(hDropped, float64(h.Spool.DroppedRecords))
	counter(hTorn, float64(h.Spool.TornRecords))
	counter(hPubErrors, float64(h.Publisher.Errors))
	counter(hRefused, float64(h.Publisher.Refused))
	counter(hPublished, float64(h.Publisher.Published))
	gauge(hLastPublish, unix(h.Publisher.LastPublish))
	connected := 0.0
	if h.Publisher.Connected {
		connected = 1
	}
	gauge(hConnected, connected)
	counter(hSampleErrors, float64(h.Collector.SampleErrors))
	gauge(hLastSample, unix(at))
}

func unix(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixNano()) / 1e9
}

// Handler serves the exporter's metrics and the collector process's own (CPU, resident
// memory) on a registry of its own.
func (e *Exporter) Handler() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(e, collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewGoCollector())
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}
