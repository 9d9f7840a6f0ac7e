package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestExitCode(t *testing.T) {
	base := errors.New("boom")
	cases := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, 0},
		{"plain", base, 1},
		{"flag", FlagErrorf("bad flag"), 2},
		{"validation", ValidationErrorf("3 invalid items"), 2},
		{"wrapped validation", fmt.Errorf("purge: %w", ValidationErrorf("x")), 2},
		{"partial", &PartialError{base}, 3},
		{"auth", &AuthError{base}, 4},
		{"wrapped auth", fmt.Errorf("zone: %w", &AuthError{base}), 4},
		{"diff", &DiffError{}, 5},
		{"cancel", &CancelError{}, 130},
		{"context canceled", fmt.Errorf("send: %w", context.Canceled), 130},
		{"reported partial", Reported(&PartialError{base}), 3},
		{"reported failure", Reported(base), 1},
		{"reported auth", Reported(&AuthError{base}), 4},
	}
	for _, c := range cases {
		if got := ExitCode(c.err); got != c.want {
			t.Errorf("%s: ExitCode = %d, want %d", c.name, got, c.want)
		}
		if silent := IsSilent(c.err); silent != (strings.HasPrefix(c.name, "reported") || c.name == "diff") {
			t.Errorf("%s: IsSilent = %v", c.name, silent)
		}
	}
}
