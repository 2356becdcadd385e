package main

import (
	"fmt"
	"os"
	"strings"
)

// A run whose only skip is not the absent shared traces fails, naming the test.
func Example() {
	stream := skipped("example.com/m/a", "TestLoad", "fixture missing") + pkgOK("example.com/m/a")
	err := check(strings.NewReader(stream), os.Stdout, "testshared: ../shared/traces is absent")
	fmt.Println("error:", err)
	// Output:
	//     x_test.go:9: fixture missing
	// --- SKIP: TestLoad (0.00s)
	// ok  	example.com/m/a	0.01s
	// skipcheck: 1 packages (0 failed); 0 tests skipped for want of ../shared/traces
	// tests: 0 passed, 0 failed, 1 skipped
	// skipcheck: example.com/m/a TestLoad was skipped for a reason other than the absent shared traces:
	//     x_test.go:9: fixture missing
	// --- SKIP: TestLoad (0.00s)
	// error: 1 skipped tests: commit what they need under testdata/ (only the absent ../shared may skip)
}
