package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/gpuplan/gpuplan/events"
)

// timeRange is --since and --until, as RFC 3339 times or dates (UTC); empty leaves a side open.
type timeRange struct{ since, until string }

func (r timeRange) parse() (since, until time.Time, err error) {
	if since, err = parseTime("--since", r.since); err != nil {
		return
	}
	if until, err = parseTime("--until", r.until); err != nil {
		return
	}
	if !since.IsZero() && !until.IsZero() && !until.After(since) {
		err = usagef("--until %s is not after --since %s", r.until, r.since)
	}
	return
}

func parseTime(flag, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, usagef("%s: want an RFC 3339 time (2021-03-01T12:00:00Z) or a date (2021-03-01), got %q", flag, s)
}

// parseKinds turns --kind values (wire names such as job.finished) into kinds.
func parseKinds(names []string) ([]events.Kind, error) {
	var kinds []events.Kind
	for _, n := range names {
		k := events.ParseKind(n)
		if !k.Known() {
			var known []string
			for _, k := range events.Kinds() {
				known = append(known, k.String())
			}
			return nil, usagef("--kind: unknown kind %q (have %s)", n, strings.Join(known, ", "))
		}
		kinds = append(kinds, k)
	}
	return kinds, nil
}

func plural(n int, one string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", one)
	}
	return fmt.Sprintf("%s %ss", thousands(float64(n), 0), one)
}
