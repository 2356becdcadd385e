// Package promexport serves a collector's latest readings and health on /metrics in the
// Prometheus text format, under DCGM exporter's metric names and labels so that existing
// Grafana dashboards work, plus per-process GPU memory and utilization with the owner.
//
// Metrics (units as DCGM exporter's): DCGM_FI_DEV_GPU_UTIL (%), DCGM_FI_DEV_MEM_COPY_UTIL (%),
// DCGM_FI_DEV_FB_USED and DCGM_FI_DEV_FB_FREE (MiB), DCGM_FI_DEV_POWER_USAGE (W),
// DCGM_FI_DEV_POWER_MGMT_LIMIT (W), DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION (mJ, a counter),
// DCGM_FI_DEV_GPU_TEMP (°C), DCGM_FI_DEV_SM_CLOCK and DCGM_FI_DEV_MEM_CLOCK (MHz) and
// DCGM_FI_DEV_CLOCK_THROTTLE_REASONS (bitmask), each labelled gpu, UUID, device, modelName,
// pci_bus_id and Hostname; gpuplan_process_gpu_memory_bytes and
// gpuplan_process_sm_util_percent labelled gpu, UUID, Hostname, pid, user, owner, group and
// job_id; and gpuplan_collector_* for the collector's health (spool depth and limit, dropped
// and torn records, publish errors, refused events, last successful publish, connection). Values are those of
// the latest batch; a GPU missing from it is not exported.
package promexport
