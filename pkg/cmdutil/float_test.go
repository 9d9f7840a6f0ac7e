package cmdutil

import (
	"math"
	"strings"
	"testing"
)

// NaN fails every comparison, so a range check written `v < lo || v > hi`
// lets it through (issue 9): CheckFloat must refuse it, and ±Inf, as a
// usage error naming the flag.
func TestCheckFloat(t *testing.T) {
	inf := math.Inf(1)
	for _, c := range []struct {
		v, lo, hi float64
		want      string // "" when accepted
	}{
		{0, 0, 1, ""},
		{1, 0, 1, ""},
		{0.5, 0, inf, ""},
		{1e300, 0, inf, ""},
		{math.NaN(), 0, 1, `--x "NaN": not a finite number`},
		{math.NaN(), 0, inf, `--x "NaN": not a finite number`},
		{inf, 0, inf, `--x "+Inf": not a finite number`},
		{-inf, 0, 1, `--x "-Inf": not a finite number`},
		{-0.1, 0, 1, `--x "-0.1": must be between 0 and 1`},
		{2, 0, 1, `--x "2": must be between 0 and 1`},
		{-1, 0, inf, `--x "-1": must not be negative`},
		{0.5, 1, inf, `--x "0.5": must be at least 1`},
	} {
		err := CheckFloat("x", c.v, c.lo, c.hi)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("CheckFloat(%g in [%g, %g]) = %v, want nil", c.v, c.lo, c.hi, err)
		case c.want != "" && (err == nil || ExitCode(err) != ExitUsage || !strings.Contains(err.Error(), c.want)):
			t.Errorf("CheckFloat(%g in [%g, %g]) = %v, want exit 2 and %q", c.v, c.lo, c.hi, err, c.want)
		}
	}
}
