package verify

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cfcache/cfcache/pkg/cmdtest"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/sandbox"
)

func TestArgvToOptions(t *testing.T) {
	f, _ := cmdtest.NewFactory(t, nil, "example.com", false)
	f.Settings.AccountID = "acct"
	var got *VerifyOptions
	cmd := NewCmdVerify(f, func(o *VerifyOptions) error { got = o; return nil })
	if err := cmdtest.Run(context.Background(), cmd); err != nil {
		t.Fatal(err)
	}
	if got.AccountID != "acct" || !got.ZoneGiven {
		t.Fatalf("options: %+v", got)
	}
}

func TestVerify(t *testing.T) {
	expiry := time.Now().Add(5 * 24 * time.Hour)
	cases := []struct {
		name     string
		edit     func(*sandbox.Config)
		token    string // "" = cmdtest.Token; "acct" = the account token
		zone     string
		wantCode int
		want     string
	}{
		{"active", nil, "", "", 0, "active user token"},
		{"expiring soon", func(c *sandbox.Config) { c.Tokens[0].ExpiresOn = expiry }, "", "", 0, "(in 4 days)"},
		{"disabled", func(c *sandbox.Config) { c.Tokens[0].Status = sandbox.StatusDisabled }, "", "", 4, "disabled"},
		{"account token via zone", nil, "acct", "example.com", 0, "active account token"},
		{"account token without account", nil, "acct", "", 2, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sb := cmdtest.NewSandbox(t, limits.Free, c.edit)
			f, st := cmdtest.NewFactory(t, sb, c.zone, false)
			if c.token == "acct" {
				acct := sb.Config.Tokens[1].Value
				f.Env = func(k string) (string, bool) {
					if k == "CLOUDFLARE_API_TOKEN" {
						return acct, true
					}
					return "", false
				}
			}
			err := cmdtest.Run(context.Background(), NewCmdVerify(f, nil))
			if got := cmdutil.ExitCode(err); got != c.wantCode {
				t.Fatalf("exit %d (%v), want %d\n%s", got, err, c.wantCode, st.Err.String())
			}
			if !strings.Contains(st.Out.String(), c.want) {
				t.Fatalf("output %q lacks %q", st.Out.String(), c.want)
			}
		})
	}
}
