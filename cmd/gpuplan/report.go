package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gpuplan/gpuplan/planner/report"
	"github.com/gpuplan/gpuplan/scenarios"
)

type reportFlags struct {
	formats  []string
	langs    []string
	out      string
	scenario string
}

var reportFormats = []string{"html", "pdf", "md", "csv"}

func newReportCmd() *cobra.Command {
	var f reportFlags
	cmd := &cobra.Command{
		Use:   "report RESULTS.json",
		Short: "Write the policy brief (HTML, PDF, Markdown, CSV; Korean or English) of a simulate or plan result",
		Example: `  gpuplan simulate --scenario institute-3000 --baseline fragmented --json results.json
  gpuplan report results.json --format html,pdf --lang ko --out brief
  gpuplan report plan/results.json --lang en,ko --out brief`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("report takes one results file, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReport(cmd.OutOrStdout(), cmd.ErrOrStderr(), args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&f.formats, "format", reportFormats, "formats, comma separated: "+strings.Join(reportFormats, ", "))
	fl.StringSliceVar(&f.langs, "lang", []string{"en"}, "languages, comma separated: en, ko")
	fl.StringVar(&f.out, "out", ".", "folder for the brief (created if missing)")
	fl.StringVar(&f.scenario, "scenario", "", "scenario (built-in name or YAML file) whose comments give the sources (default: the results' scenario when it is built in)")
	return cmd
}

func runReport(stdout, stderr io.Writer, path string, f reportFlags) error {
	var langs []report.Lang
	for _, s := range f.langs {
		l, err := report.ParseLang(strings.TrimSpace(s))
		if err != nil {
			return usageError{err}
		}
		if !slices.Contains(langs, l) {
			langs = append(langs, l)
		}
	}
	for _, s := range f.formats {
		if !slices.Contains(reportFormats, s) {
			return usagef("--format %q: want some of %s", s, strings.Join(reportFormats, ", "))
		}
	}
	doc, err := report.ReadFile(path)
	if err != nil {
		return err
	}
	if len(doc.Assumptions) == 0 {
		as, err := scenarioSources(doc, f.scenario)
		if err != nil {
			return err
		}
		if as == nil && f.scenario == "" {
			fmt.Fprintf(stderr, "gpuplan: report: no sources for scenario %q (not built in; pass --scenario FILE)\n", doc.Scenario)
		}
		doc.Assumptions = as
	}
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	var written []string
	for _, l := range langs {
		b, err := report.New(doc, l)
		if err != nil {
			return err
		}
		for _, format := range f.formats {
			var write func(io.Writer) error
			switch format {
			case "html":
				write = b.WriteHTML
			case "pdf":
				write = b.WritePDF
			case "md":
				write = b.WriteMarkdown
			default:
				continue
			}
			p := filepath.Join(f.out, "brief-"+string(l)+"."+format)
			if err := writeFileAtomic(p, write); err != nil {
				return err
			}
			written = append(written, p)
		}
	}
	if slices.Contains(f.formats, "csv") {
		ps, err := report.WriteCSV(doc, f.out)
		if err != nil {
			return err
		}
		written = append(written, ps...)
	}
	for _, p := range written {
		fmt.Fprintln(stdout, p)
	}
	return nil
}

// writeFileAtomic renders into memory first, so a failed render leaves no half-written brief.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// scenarioSources reads the commented inputs of the scenario behind the results. A scenario whose
// hash differs from the results' is not the one that produced them: its sources are refused.
func scenarioSources(doc *report.Document, flag string) ([]report.Assumption, error) {
	name := flag
	if name == "" {
		name = doc.Scenario
	}
	var file string
	var data []byte
	if src, ok := scenarios.BuiltinSource(name); ok {
		file, data = name+" (built in)", src
	} else if flag != "" {
		var err error
		if data, err = os.ReadFile(flag); err != nil {
			return nil, fmt.Errorf("report: --scenario: %w", err)
		}
		file = flag
	} else {
		return nil, nil
	}
	if doc.ScenarioHash != "" {
		s, err := scenarios.Lookup(name)
		if err != nil {
			return nil, fmt.Errorf("report: --scenario: %w", err)
		}
		hash, ok, err := s.QuickHash()
		if err == nil && !ok { // it reads files: only a full build hashes their contents
			var built *scenarios.Built
			if built, err = s.Build(); err == nil {
				hash = built.Hash
			}
		}
		if err != nil {
			return nil, fmt.Errorf("report: --scenario: %w", err)
		}
		if hash != doc.ScenarioHash {
			return nil, fmt.Errorf("report: %w: scenario %s has hash %.12s, the results were made from %.12s",
				errScenarioMismatch, file, hash, doc.ScenarioHash)
		}
	}
	return report.AssumptionsFromYAML(file, data)
}

var errScenarioMismatch = errors.New("scenario differs from the one behind the results")
