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
		{math.NaN(), 0, 1, "--x must be a finite number, got NaN"},
		{math.NaN(), 0, inf, "--x must be a finite number, got NaN"},
		{inf, 0, inf, "--x must be a finite number, got +Inf"},
		{-inf, 0, 1, "--x must be a finite number, got -Inf"},
		{-0.1, 0, 1, "--x must be between 0 and 1, got -0.1"},
		{2, 0, 1, "--x must be between 0 and 1, got 2"},
		{-1, 0, inf, "--x must not be negative, got -1"},
		{0.5, 1, inf, "--x must be at least 1, got 0.5"},
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
