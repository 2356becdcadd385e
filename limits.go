package gpuplan

// Bounds on one job, shared by every reader of external input (trace files, the event log) and
// by Workload.Validate, so that what a reader or the log accepts the simulator accepts. They lie
// far beyond any real trace (the longest public GPU traces span months, their largest jobs a few
// thousand GPUs) and far below where float64 sums of seconds or GPU-seconds lose precision, so a
// value past them is a unit mistake, a corrupt file or a forged event, never a job: it is refused
// rather than turned into a 300-digit wait or a fleet of millions.
const (
	// MaxSeconds bounds a submit time or a duration: 100 years of 365.25 days, in seconds.
	MaxSeconds = 100 * 365.25 * 86400
	// MaxGPUs bounds the GPUs of one job.
	MaxGPUs = 100_000
	// MaxPowerW bounds a per-GPU power reading, limit or mean draw in watts: ten times the
	// largest GPU's TDP today.
	MaxPowerW = 10_000
)
