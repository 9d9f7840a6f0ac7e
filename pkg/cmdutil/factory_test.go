package cmdutil

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cfcache/cfcache/pkg/budget"
	"github.com/cfcache/cfcache/pkg/cfapi"
	"github.com/cfcache/cfcache/pkg/config"
	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/purge"
	"github.com/cfcache/cfcache/pkg/sandbox"
)

func sandboxFactory(t *testing.T, env map[string]string) (*Factory, *iostreamsBuffers) {
	t.Helper()
	cfg := sandbox.DefaultConfig()
	ts := httptest.NewServer(sandbox.New(cfg))
	t.Cleanup(ts.Close)
	io, _, out, errOut := iostreams.Test()
	env["CLOUDFLARE_API_TOKEN"] = cfg.Tokens[0].Value
	f := &Factory{IOStreams: io, Env: config.MapEnv(env), HTTPClient: ts.Client(),
		Settings: &config.Settings{APIURL: ts.URL + sandbox.BasePath}}
	return f, &iostreamsBuffers{out: out, err: errOut}
}

type iostreamsBuffers struct{ out, err interface{ String() string } }

// A command that is not a purge, with the shared state unusable, warns in
// words about what it loses (the count of its API calls), and -q silences
// it (review of issue 10, finding 11).
func TestUnusableStateWarningFollowsQuiet(t *testing.T) {
	for _, quiet := range []bool{false, true} {
		file := filepath.Join(t.TempDir(), "file")
		if err := os.WriteFile(file, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		f, bufs := sandboxFactory(t, map[string]string{"XDG_STATE_HOME": file}) // no directory under a file
		f.IOStreams.SetQuiet(quiet)
		c, err := f.Client()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.ListZones(context.Background()); err != nil {
			t.Fatal(err)
		}
		got := bufs.err.String()
		switch {
		case quiet && got != "":
			t.Errorf("-q: %q", got)
		case !quiet && (strings.Count(got, "warning:") != 1 || strings.Contains(got, "purge") || !strings.Contains(got, "counting this process's API calls alone")):
			t.Errorf("warning %q", got)
		}
	}
}

// A read that waits for the token's window says so on stderr, once, with
// when it resumes; -q silences it (review of issue 10, finding 2).
func TestReadWaitingForTheWindowSaysSo(t *testing.T) {
	for _, quiet := range []bool{false, true} {
		state := t.TempDir()
		f, bufs := sandboxFactory(t, map[string]string{"XDG_STATE_HOME": state})
		f.IOStreams.SetQuiet(quiet)
		reg, err := f.Budgets()
		if err != nil {
			t.Fatal(err)
		}
		// Another process has the window full but for the next 1.5 s.
		b, _ := reg.For("acc", limits.Free, limits.Default().For(limits.Free))
		now := time.Now()
		for i := range 1200 {
			at := now.Add(-limits.Default().For(limits.Free).APIWindow() + 1500*time.Millisecond)
			if i > 0 {
				at = now
			}
			if ok, _ := b.(*budget.Budget).TryCount(at); !ok {
				t.Fatalf("fill: refused at %d", i)
			}
		}
		b.Answered(now, purge.Answer{})
		c, err := f.Client()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.ListZones(context.Background()); err != nil {
			t.Fatal(err)
		}
		got := bufs.err.String()
		switch {
		case quiet && got != "":
			t.Errorf("-q: %q", got)
		case !quiet && (strings.Count(got, "waiting ") != 1 || !strings.Contains(got, ": Cloudflare's API limit, resumes ")):
			t.Errorf("stderr %q", got)
		}
	}
}

// A write that meets a full window is not sent and fails with a message
// saying to wait and retry.
func TestWriteDuringAFullWindowFailsCleanly(t *testing.T) {
	f, _ := sandboxFactory(t, map[string]string{"XDG_STATE_HOME": t.TempDir()})
	reg, _ := f.Budgets()
	b, _ := reg.For("acc", limits.Free, limits.Default().For(limits.Free))
	now := time.Now()
	for range 1200 {
		b.(*budget.Budget).TryCount(now)
	}
	c, err := f.Client()
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.PutEntrypoint(context.Background(), sandbox.DefaultZoneID, []byte(`{"rules":[]}`))
	var apiErr *cfapi.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 429 || !strings.Contains(err.Error(), "nothing was sent: wait ") ||
		!strings.Contains(err.Error(), "and retry") {
		t.Fatalf("err = %v", err)
	}
}

// The token file is read (and its permissions checked) once per Factory:
// Budgets and Client share the credentials. The file is removed after the
// first read, so a second read would fail the Client.
func TestTokenFileReadOnce(t *testing.T) {
	cfg := sandbox.DefaultConfig()
	ts := httptest.NewServer(sandbox.New(cfg))
	t.Cleanup(ts.Close)
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(cfg.Tokens[0].Value+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	io, _, _, _ := iostreams.Test()
	f := &Factory{IOStreams: io, Env: config.MapEnv(map[string]string{"XDG_STATE_HOME": t.TempDir()}),
		HTTPClient: ts.Client(), TokenFile: tokenFile,
		Settings: &config.Settings{APIURL: ts.URL + sandbox.BasePath}}
	if _, err := f.Budgets(); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(tokenFile); err != nil {
		t.Fatal(err)
	}
	c, err := f.Client()
	if err != nil {
		t.Fatalf("client after the file went: %v (read twice)", err)
	}
	if _, err := c.ListZones(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// Every command that resolves --zone refuses an account id that is not 32
// hex digits before any request (purge did; rules, zones and auth read a
// typo as "no zone of that name in that account"), and an account id that
// chooses a pending copy over the active zone is warned about on stderr.
func TestResolveZoneAccountID(t *testing.T) {
	cfg := sandbox.DefaultConfig()
	other := strings.Repeat("ab", 16)
	cfg.Zones = append(cfg.Zones, sandbox.Zone{Name: "example.com", AccountID: other, Status: "pending"})
	srv := sandbox.New(cfg)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	newF := func(account string) (*Factory, interface{ String() string }) {
		io, _, _, errOut := iostreams.Test()
		f := &Factory{IOStreams: io, Env: config.MapEnv(map[string]string{"XDG_STATE_HOME": t.TempDir(), "CLOUDFLARE_API_TOKEN": cfg.Tokens[0].Value}),
			HTTPClient: ts.Client(), Settings: &config.Settings{APIURL: ts.URL + sandbox.BasePath, Zone: "example.com", AccountID: account}}
		return f, errOut
	}
	f, _ := newF("acme")
	_, err := f.ResolveZone(context.Background())
	if ExitCode(err) != ExitUsage || !strings.Contains(err.Error(), `invalid --account-id "acme": an account id is 32 hex digits`) {
		t.Fatalf("got %v (exit %d)", err, ExitCode(err))
	}
	if n := srv.Stats().Total; n != 0 {
		t.Fatalf("%d requests sent", n)
	}
	f, errOut := newF(other)
	z, err := f.ResolveZone(context.Background())
	if err != nil || z.AccountID != other || !strings.Contains(errOut.String(), "warning: zone example.com is pending in account "+other) {
		t.Fatalf("got %+v, %v\n%s", z, err, errOut)
	}
}
