package natsserver_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/nats-io/nats.go"

	"github.com/gpuplan/gpuplan/events/natsserver"
)

// An embedded server on a free loopback port with its file store in a temporary directory.
func Example() {
	dir, err := os.MkdirTemp("", "gpuplan-nats-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	s, err := natsserver.Start(natsserver.Options{Dir: dir, Addr: "127.0.0.1:0"})
	if err != nil {
		panic(err)
	}
	defer s.Shutdown()

	nc, err := nats.Connect(s.URL())
	if err != nil {
		panic(err)
	}
	defer nc.Close()
	fmt.Println(strings.HasPrefix(s.URL(), "nats://127.0.0.1:"), nc.IsConnected())
	// Output: true true
}
