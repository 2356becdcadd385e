package jetstream

import "github.com/gpuplan/gpuplan/internal/cputime"

// cpuTime is the process's CPU time so far: benchmarks report CPU per operation beside wall time.
var cpuTime = cputime.Used
