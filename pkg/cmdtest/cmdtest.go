// Package cmdtest runs commands in tests: a Factory over buffer streams,
// pointed at an in-process sandbox, and argv parsing through cobra. Only
// tests import it.
package cmdtest

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/config"
	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/sandbox"
)

// Token is the API token the test sandbox accepts.
const Token = "cmdtest-token-0123456789abcdefghijklmnopqrst"

// Sandbox is a running in-process sandbox.
type Sandbox struct {
	Server *sandbox.Server
	HTTP   *httptest.Server
	Config sandbox.Config
}

// BaseURL is the API base to point a client at.
func (s *Sandbox) BaseURL() string { return s.HTTP.URL + sandbox.BasePath }

// NewSandbox starts a sandbox with one zone, example.com, on plan; edit
// adjusts the configuration before it starts.
func NewSandbox(t testing.TB, plan limits.Plan, edit func(*sandbox.Config)) *Sandbox {
	t.Helper()
	cfg := sandbox.DefaultConfig()
	cfg.Zones[0].Plan = plan
	cfg.Tokens[0].Value = Token
	if edit != nil {
		edit(&cfg)
	}
	return StartSandbox(t, cfg, nil)
}

// StartSandbox serves a sandbox with cfg; wrap, when set, sits in front of
// it to alter answers (a test of how commands take what Cloudflare does).
func StartSandbox(t testing.TB, cfg sandbox.Config, wrap func(http.Handler) http.Handler) *Sandbox {
	t.Helper()
	srv := sandbox.New(cfg)
	var h http.Handler = srv
	if wrap != nil {
		h = wrap(srv)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return &Sandbox{Server: srv, HTTP: hs, Config: cfg}
}

// Requests counts the answers given on endpoint (a sandbox.Endpoint* constant).
func (s *Sandbox) Requests(endpoint string) int {
	n := 0
	for _, c := range s.Server.Stats().Requests[endpoint] {
		n += c
	}
	return n
}

// Streams are the buffers behind a test Factory.
type Streams struct {
	In, Out, Err *bytes.Buffer
}

// NewFactory returns a Factory over buffers (a terminal or not, as tty
// says), whose settings point at sb (nil: no API) and zone.
func NewFactory(t testing.TB, sb *Sandbox, zone string, tty bool) (*cmdutil.Factory, Streams) {
	t.Helper()
	io, in, out, errOut := iostreams.Test()
	io.SetTTY(tty)
	env := map[string]string{"XDG_STATE_HOME": t.TempDir(), "XDG_CONFIG_HOME": t.TempDir()}
	s := &config.Settings{Profile: "default", Zone: zone, Output: "text", Color: "auto", APIURL: config.DefaultAPIURL, Limits: limits.Default()}
	if sb != nil {
		s.APIURL = sb.BaseURL()
		env["CLOUDFLARE_API_TOKEN"] = Token
	}
	f := &cmdutil.Factory{IOStreams: io, Env: config.MapEnv(env), Settings: s}
	return f, Streams{In: in, Out: out, Err: errOut}
}

// Run parses args with cmd as cobra would and runs it with ctx; errors are
// returned, not printed, as the root command does.
func Run(ctx context.Context, cmd *cobra.Command, args ...string) error {
	if args == nil {
		args = []string{} // cobra reads os.Args when given nil
	}
	cmd.SetArgs(args)
	cmd.SetIn(&bytes.Buffer{})
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	cmd.SetFlagErrorFunc(cmdutil.FlagErrorFunc)
	_, err := cmd.ExecuteContextC(ctx)
	return err
}
