package url

import (
	"errors"
	"testing"

	"github.com/cfcache/cfcache/pkg/cmdtest"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/limits"
)

// issue 13 #6: bad variant flag values are one usage error (the usage hint
// follows it), naming every bad value, worded as warm's; nothing is printed
// apart from it and nothing is sent.
func TestBadVariantFlagsAreOneFlagError(t *testing.T) {
	sb := cmdtest.NewSandbox(t, limits.Free, nil)
	f, st := cmdtest.NewFactory(t, sb, "example.com", false)
	err := runURL(t, f, "https://example.com/", "--device", "phone", "--country", "ZZ,US")
	var fe *cmdutil.FlagError
	if !errors.As(err, &fe) || cmdutil.ExitCode(err) != 2 {
		t.Fatalf("got %T %v (exit %d), want a FlagError", err, err, cmdutil.ExitCode(err))
	}
	const want = `--device "phone": not a device type: want mobile, desktop, tablet or all; --country "ZZ": `
	if got := err.Error(); len(got) < len(want) || got[:len(want)] != want {
		t.Errorf("error %q, want it to begin %q", got, want)
	}
	if st.Err.Len() != 0 {
		t.Errorf("printed apart from the error:\n%s", st.Err.String())
	}
	if n := sb.Server.Stats().Total; n != 0 {
		t.Errorf("%d requests sent", n)
	}
}
