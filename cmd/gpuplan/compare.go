package main

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/gpuplan/gpuplan/planner"
)

// tableWorst is how many worst-off owners the table shows per policy (the JSON has them all).
const tableWorst = 5

// writeComparisons prints, under the table, each policy's owner counts against the baseline and its
// worst-off owners.
func writeComparisons(w io.Writer, cs []planner.Comparison) error {
	if len(cs) == 0 {
		return nil
	}
	fmt.Fprintf(w, "\nowners better or worse off than %s (a change in mean wait within max(%d s, %g%% of %s's) is unchanged)\n",
		cs[0].Baseline, planner.DefaultCompareMinWaitS, 100*planner.DefaultCompareRelTol, cs[0].Baseline)
	for _, c := range cs {
		fmt.Fprintf(w, "  %s: %d better, %d worse, %d unchanged\n", c.Policy, c.Better, c.Worse, c.Unchanged)
		if len(c.Worst) == 0 {
			continue
		}
		rows := map[string]*planner.OwnerChange{}
		for i := range c.Owners {
			rows[c.Owners[i].Owner] = &c.Owners[i]
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "    worst off\tmean wait (h)\tp95 wait (h)\tnet jobs lost\t")
		for _, name := range c.Worst[:min(tableWorst, len(c.Worst))] {
			oc := rows[name]
			fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\t\n", name, signedHours(oc.DeltaMeanWaitS), signedHours(oc.DeltaP95WaitS),
				strconv.Itoa(oc.Lost-oc.Gained))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// signedHours is a change in seconds, in hours with its sign.
func signedHours(s float64) string {
	h := hours(s)
	if s > 0 && h != "0.00" {
		return "+" + h
	}
	return h
}
