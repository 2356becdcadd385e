// Command gpuplan compares GPUs held by individual researchers with a consolidated GPU farm under
// power limits: it simulates both worlds on the same demand and reports waits, utilization, energy
// and cost.
//
// It is the one place where the packages meet: each subcommand parses its flags and wires the
// domain (the module's root package), the engine (sim), the scenarios, the event log (events and
// its adapters), the collectors and the planner together; the arithmetic lives in those packages.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process exit, so tests can drive the CLI in-process.
func run(args []string, stdout, stderr io.Writer) int {
	return runWithInput(args, os.Stdin, stdout, stderr)
}

// runWithInput is run with the standard input given, for `--workload -`.
func runWithInput(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetIn(stdin)
	root.SetArgs(args)
	if err := root.Execute(); err != nil {
		fmt.Fprintf(stderr, "gpuplan: %v\n", err)
		if isUsageError(err) {
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

// isUsageError reports a usageError, or one of the command-line errors cobra returns as plain
// errors after parsing (required flags and flag groups), which no hook of cobra's can mark.
func isUsageError(err error) bool {
	var u usageError
	if errors.As(err, &u) {
		return true
	}
	msg := err.Error()
	return strings.HasPrefix(msg, "required flag(s) ") ||
		strings.HasPrefix(msg, "if any flags in the group ") ||
		strings.HasPrefix(msg, "at least one of the flags in the group ")
}

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
		newReportCmd(),
		newPlanCmd(),
		newAuthCmd(),
		newCollectCmd(),
		newWorkerCmd(),
	)
	// Now, not in Execute, so that strictArgs and strictHelp cover them.
	root.InitDefaultCompletionCmd()
	root.InitDefaultHelpCmd()
	strictArgs(root)
	strictHelp(root)
	return root
}

// strictHelp makes 'gpuplan help TOPIC' of an unknown topic a usageError: cobra's help command
// prints "Unknown help topic" and succeeds.
func strictHelp(root *cobra.Command) {
	for _, c := range root.Commands() {
		if c.Name() != "help" || c.Run == nil {
			continue
		}
		show := c.Run
		c.Run = nil
		c.Args = cobra.ArbitraryArgs // topics, checked below
		c.RunE = func(cmd *cobra.Command, args []string) error {
			found, rest, err := root.Find(args)
			if err != nil {
				return usageError{err}
			}
			if len(rest) > 0 && found.HasSubCommands() {
				return unknownCommand(found, rest[0])
			}
			show(cmd, args)
			return nil
		}
	}
}

// strictArgs makes every wrong or missing positional argument a usageError, in every command
// added above: cobra reports them as plain errors, and a command that only groups others (gpuplan,
// gpuplan events) would print its help and succeed on an unknown or missing subcommand.
func strictArgs(c *cobra.Command) {
	for _, sub := range c.Commands() {
		strictArgs(sub)
	}
	if c.HasSubCommands() && !c.Runnable() {
		c.Args = cobra.ArbitraryArgs
		if c.SuggestionsMinimumDistance <= 0 {
			c.SuggestionsMinimumDistance = 2 // cobra's own default, applied only in its own lookup
		}
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				fmt.Fprint(cmd.ErrOrStderr(), cmd.UsageString())
				return usagef("%s needs a command", cmd.CommandPath())
			}
			return unknownCommand(cmd, args[0])
		}
		return
	}
	if v := c.Args; v != nil {
		c.Args = func(cmd *cobra.Command, args []string) error {
			if err := v(cmd, args); err != nil {
				var u usageError
				if errors.As(err, &u) {
					return err
				}
				return usageError{err}
			}
			return nil
		}
	}
}

func unknownCommand(cmd *cobra.Command, name string) error {
	hint := ""
	switch s := cmd.SuggestionsFor(name); {
	case name == "version" && cmd.Parent() == nil:
		hint = " (the version is 'gpuplan --version')"
	case len(s) > 0:
		hint = " (did you mean " + strings.Join(s, " or ") + "?)"
	}
	return usagef("unknown command %q for %q%s; see '%s --help'", name, cmd.CommandPath(), hint, cmd.CommandPath())
}

// noArgs is cobra.NoArgs with a message that fits extra arguments, not only misspelt commands.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%s takes no arguments, got %q", cmd.CommandPath(), strings.Join(args, " "))
	}
	return nil
}

// minArgs is cobra.MinimumNArgs naming what is missing.
func minArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return usagef("%s needs %s; see '%s --help'", cmd.CommandPath(), what, cmd.CommandPath())
		}
		return nil
	}
}
