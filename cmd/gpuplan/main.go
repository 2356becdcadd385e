// Command gpuplan compares GPUs held by individual researchers with a consolidated GPU farm under
// power limits: it simulates both worlds on the same demand and reports waits, utilization, energy
// and cost.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process exit, so tests can drive the CLI in-process.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	if err := root.Execute(); err != nil {
		fmt.Fprintf(stderr, "gpuplan: %v\n", err)
		var u usageError
		if errors.As(err, &u) {
			return 2
		}
		return 1
	}
	return 0
}

// usageError marks mistakes in how the command was called (exit status 2), as opposed to failures
// while doing the work (exit status 1).
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "gpuplan",
		Short:         "Plan GPU consolidation: fragmented lab GPUs against a shared farm under power limits",
		Version:       version(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(
		newSimulateCmd(),
		newScenariosCmd(),
		newDemoCmd(),
		newImportCmd(),
		newEventsCmd(),
		newReplayCmd(),
		newServeCmd(),
		newAuthCmd(),
	)
	return root
}
