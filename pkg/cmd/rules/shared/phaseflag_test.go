package shared

import (
	"testing"

	"github.com/spf13/cobra"
)

// TestPhaseFlagFullNames: --phase takes the full phase names that a file's
// `phase:` takes (review of issue 12, nit: `--phase
// http_response_cache_settings` was refused), and still refuses others.
func TestPhaseFlagFullNames(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
		bad  bool
	}{
		{nil, "request", false},
		{[]string{"--phase", "response"}, "response", false},
		{[]string{"--phase", "http_response_cache_settings"}, "response", false},
		{[]string{"--phase=HTTP_REQUEST_CACHE_SETTINGS"}, "request", false},
		{[]string{"--phase", "responses"}, "", true},
		{[]string{"--phase", "http_request_firewall_custom"}, "", true},
	} {
		var phase string
		cmd := &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return nil }}
		PhaseFlag(cmd, &phase)
		cmd.SetArgs(tc.args)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		err := cmd.Execute()
		switch {
		case tc.bad && err == nil:
			t.Errorf("%v: accepted as %q", tc.args, phase)
		case !tc.bad && err != nil:
			t.Errorf("%v: %v", tc.args, err)
		case !tc.bad && phase != tc.want:
			t.Errorf("%v: phase %q, want %q", tc.args, phase, tc.want)
		}
	}
}
