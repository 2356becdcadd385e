// Command skipcheck reads `go test -json` on stdin, prints what plain `go test` would (package
// results, failed tests with their output) plus every skipped test, and fails when a test failed
// or was skipped for any reason but the absent shared traces (testshared.AbsentMessage).
//
// CI runs the README's test command through it: go test -json ./... | go run ./internal/ci/skipcheck
package main
