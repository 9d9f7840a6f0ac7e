package cmdutil

import (
	"fmt"
	"math"
	"strconv"
)

// CheckFloat refuses a float flag's value unless it is a finite number in
// [lo, hi] (hi may be math.Inf(1) for "no upper bound"), as a usage error
// (exit 2) naming the flag. pflag's Float64Var accepts "NaN", "Inf" and
// "-Inf" (strconv.ParseFloat does), and NaN slips past every comparison:
// `v < 0 || v > 1` is false for it, so range checks written that way let
// it through to code that panics or spins (issue 9). Every float flag is
// checked here, so the rule holds in one place.
func CheckFloat(flag string, v, lo, hi float64) error {
	bad := func(reason string) error {
		return FlagValueError("--"+flag, strconv.FormatFloat(v, 'g', -1, 64), reason)
	}
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return bad("not a finite number")
	case v >= lo && v <= hi:
		return nil
	case math.IsInf(hi, 1) && lo == 0:
		return bad(ReasonNegative)
	case math.IsInf(hi, 1):
		return bad(fmt.Sprintf("must be at least %g", lo))
	}
	return bad(fmt.Sprintf("must be between %g and %g", lo, hi))
}
