package scenarios_test

import (
	"strings"
	"testing"

	"github.com/gpuplan/gpuplan/scenarios"
)

func TestCheckPolicy(t *testing.T) {
	cases := []struct {
		names []string
		i     int
		want  string // "" for no error, else a part of the message
	}{
		{[]string{"fragmented", "easy"}, 1, ""},
		{[]string{"fragmented", "lottery"}, 1, `unknown policy "lottery"`},
		{[]string{"easy", "fifo", "easy"}, 2, `policy "easy" listed twice`},
		{[]string{"easy", "fifo", "easy"}, 0, ""}, // the first of a repeated name is fine
	}
	for _, c := range cases {
		err := scenarios.CheckPolicy(c.names, c.i)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%v[%d]: %v", c.names, c.i, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%v[%d]: err %v, want %q", c.names, c.i, err, c.want)
		}
	}
}
