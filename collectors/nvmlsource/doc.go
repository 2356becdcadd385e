// Package nvmlsource reads a node's GPUs through NVML (github.com/NVIDIA/go-nvml) as a
// collectors.Source, read-only: it never changes a GPU setting.
//
// go-nvml ends the process when a device function is called after a failed Init, so Open calls
// Init first and returns collectors.ErrNoDriver when it fails; no other call is made then.
// Readings a GPU does not support (NVML's ERROR_NOT_SUPPORTED and friends) are reported as 0,
// which the sample payload defines as "not reported"; a GPU whose UUID cannot be read is an
// error. Per-process utilization comes from nvmlDeviceGetProcessUtilization, asking for the
// samples since the previous call.
package nvmlsource
