package promexport_test

import (
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/gpuplan/gpuplan/collectors/promexport"
	"github.com/gpuplan/gpuplan/events"
)

// The exporter observes a collector's batches and serves them under DCGM exporter's names.
func Example() {
	e := promexport.New("gpu-a01", nil, nil)
	e.ObserveBatch(events.GPUSampleBatch{Node: "gpu-a01", IntervalS: 10,
		GPUs: []events.GPUSample{{Index: 0, UUID: "GPU-a", UtilPct: 93}}}, time.Now())
	rec := httptest.NewRecorder()
	e.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "DCGM_FI_DEV_GPU_UTIL") {
			fmt.Println(line)
		}
	}
	// Output: DCGM_FI_DEV_GPU_UTIL{Hostname="gpu-a01",UUID="GPU-a",device="nvidia0",gpu="0",modelName="",pci_bus_id=""} 93
}
