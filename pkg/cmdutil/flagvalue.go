package cmdutil

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// FlagValueMessage is the one wording of a bad flag value, whatever the flag
// and the command: `--flag "value": reason` (issue 13, "one voice": the same
// mistake reads the same everywhere). The value is always quoted, so an
// empty or blank one shows and control characters are escaped. Domain
// packages that collect several bad values at once (purge.FlagError) use the
// same shape; a table test in pkg/cmd/root checks every flag and command.
func FlagValueMessage(flag, value, reason string) string {
	return fmt.Sprintf("%s %s: %s", flag, strconv.Quote(value), reason)
}

// FlagValueError is a usage error (exit 2, usage hint) for a bad flag value.
func FlagValueError(flag, value, reason string) error {
	return &FlagError{Err: errors.New(FlagValueMessage(flag, value, reason))}
}

// The reasons shared by numeric flags, so counts and durations read alike.
const (
	ReasonNotWholeNumber = "not a whole number"
	ReasonNotNumber      = "not a number"
	ReasonNotDuration    = "not a duration (e.g. 30s, 5m, 1h30m)"
	ReasonNotBool        = "want true or false"
	ReasonNegative       = "must not be negative"
)

// AtLeast refuses a count flag below min.
func AtLeast(flag string, v, min int) error {
	if v < min {
		return FlagValueError("--"+flag, strconv.Itoa(v), fmt.Sprintf("must be at least %d", min))
	}
	return nil
}

// NotNegative refuses a negative count flag.
func NotNegative(flag string, v int) error {
	if v < 0 {
		return FlagValueError("--"+flag, strconv.Itoa(v), ReasonNegative)
	}
	return nil
}

// DurationNotNegative refuses a negative duration flag; note, if any, is
// added to the reason (what 0 means).
func DurationNotNegative(flag string, d time.Duration, note string) error {
	if d < 0 {
		r := ReasonNegative
		if note != "" {
			r += " (" + note + ")"
		}
		return FlagValueError("--"+flag, d.String(), r)
	}
	return nil
}

// DurationPositive refuses a duration flag that is zero or negative.
func DurationPositive(flag string, d time.Duration) error {
	if d <= 0 {
		return FlagValueError("--"+flag, d.String(), "must be more than 0")
	}
	return nil
}

// FlagErrorFunc types every flag-parsing error as a usage error, and gives a
// value pflag refused (a bad duration, count or fixed value) the one
// wording of FlagValueMessage instead of pflag's "invalid argument ... for
// ... flag: strconv.ParseInt: ...". Set on the root (and by cmdtest) so
// every command inherits it.
func FlagErrorFunc(_ *cobra.Command, err error) error {
	var inv *pflag.InvalidValueError
	if errors.As(err, &inv) {
		fl := inv.GetFlag()
		return FlagValueError("--"+fl.Name, inv.GetValue(), invalidReason(fl, errors.Unwrap(inv)))
	}
	return &FlagError{Err: err}
}

func invalidReason(fl *pflag.Flag, cause error) string {
	switch fl.Value.Type() {
	case "duration":
		return ReasonNotDuration
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "count":
		return ReasonNotWholeNumber
	case "float32", "float64":
		return ReasonNotNumber
	case "bool":
		return ReasonNotBool
	}
	if cause == nil {
		return "invalid value"
	}
	return cause.Error()
}
