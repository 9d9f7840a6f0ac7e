package sandbox

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/cmdtest"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/sandbox"
)

// run runs `cfcache sandbox args...`; ready is called once it listens.
func run(ctx context.Context, t *testing.T, ready func(), args ...string) (cmdtest.Streams, error) {
	t.Helper()
	f, st := cmdtest.NewFactory(t, nil, "", false)
	cmd := NewCmdSandbox(f, func(o *SandboxOptions) error {
		o.Ready = func(string, string) {
			if ready != nil {
				ready()
			}
		}
		return sandboxRun(o)
	})
	return st, cmdtest.Run(ctx, cmd, args...)
}

// issue 9 #14: a port already in use is a runtime failure (exit 1) in one
// line that says what to do, not a usage error with a usage hint.
func TestBusyPortIsARuntimeFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	_, err = run(context.Background(), t, func() { t.Error("the sandbox started on a busy port") }, "--addr", addr)
	if code := cmdutil.ExitCode(err); code != cmdutil.ExitError {
		t.Fatalf("exit %d (%v), want 1", code, err)
	}
	var flagErr *cmdutil.FlagError
	want := "sandbox: " + addr + " is already in use: stop what listens there, or choose another port with --addr (127.0.0.1:0 picks a free one)"
	if errors.As(err, &flagErr) || err.Error() != want {
		t.Fatalf("got %q (usage error: %v), want %q", err, errors.As(err, &flagErr), want)
	}
}

// issue 9 #14: a negative --latency, and rates outside [0, 1], are refused
// (exit 2) before listening.
func TestNumericFlagsAreChecked(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--latency", "-5s"}, "--latency must not be negative, got -5s"},
		{[]string{"--fail-rate", "-0.1"}, "--fail-rate must be between 0 and 1, got -0.1"},
		{[]string{"--reset-rate", "1.5"}, "--reset-rate must be between 0 and 1, got 1.5"},
		{[]string{"--throttle-rate", "2"}, "--throttle-rate must be between 0 and 1, got 2"},
		{[]string{"--fail-rate", "0.6", "--reset-rate", "0.6"}, "add up to more than 1"},
		// NaN passes `v < 0 || v > 1`, and reached sandbox.New, which panicked.
		{[]string{"--fail-rate", "NaN"}, "--fail-rate must be a finite number, got NaN"},
		{[]string{"--reset-rate", "NaN"}, "--reset-rate must be a finite number, got NaN"},
		{[]string{"--throttle-rate", "nan"}, "--throttle-rate must be a finite number, got NaN"},
		{[]string{"--fail-rate", "-Inf"}, "--fail-rate must be a finite number, got -Inf"},
		{[]string{"--limit", "url_purge_rate=NaN"}, "limits.free.url_purge_rate: want a finite number, got NaN"},
		{[]string{"--limit", "url_purge_rate=+Inf"}, "limits.free.url_purge_rate: want a finite number, got +Inf"},
	} {
		_, err := run(context.Background(), t, func() { t.Errorf("%v: the sandbox started", c.args) }, append(c.args, "--addr", "127.0.0.1:0")...)
		if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want exit 2 and %q", c.args, err, c.want)
		}
	}
}

// issue 9 #14: stopped by a signal (the context is cancelled), the sandbox
// reports and exits 0: that is how a server is meant to end.
func TestStoppedBySignalExitsZero(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := run(ctx, t, cancel, "--addr", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("got %v (exit %d), want success", err, cmdutil.ExitCode(err))
	}
	if !strings.Contains(st.Err.String(), "sandbox: stopped after 0 requests") {
		t.Errorf("stderr: %s", st.Err.String())
	}
}

// --apo and --ssl set the zone settings the sandbox serves; bad values are
// usage errors before listening.
func TestAPOAndSSLFlags(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, st := cmdtest.NewFactory(t, nil, "", false)
	var apo, ssl string
	var query func(base, token string)
	done := make(chan struct{})
	cmd := NewCmdSandbox(f, func(o *SandboxOptions) error {
		// Ready runs before Serve: the requests go from another goroutine.
		o.Ready = func(base, token string) { go query(base, token) }
		return sandboxRun(o)
	})
	query = func(base, token string) {
		defer close(done)
		defer cancel()
		get := func(setting string) string {
			req, _ := http.NewRequest("GET", base+"/zones/"+sandbox.DefaultZoneID+"/settings/"+setting, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return ""
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return string(b)
		}
		apo, ssl = get("automatic_platform_optimization"), get("ssl")
	}
	if err := cmdtest.Run(ctx, cmd, "--addr", "127.0.0.1:0", "--apo", "device", "--ssl", "flexible"); err != nil {
		t.Fatal(err)
	}
	<-done
	if !strings.Contains(apo, `"cache_by_device_type":true`) || !strings.Contains(apo, `"hostnames":["example.com","www.example.com"]`) {
		t.Errorf("apo: %s", apo)
	}
	if !strings.Contains(ssl, `"value":"flexible"`) {
		t.Errorf("ssl: %s", ssl)
	}
	if !strings.Contains(st.Err.String(), "APO on for example.com, www.example.com (cache by device type: true); SSL flexible") {
		t.Errorf("stderr: %s", st.Err.String())
	}
	for _, args := range [][]string{{"--apo", "yes"}, {"--ssl", "loose"}} {
		_, err := run(context.Background(), t, func() { t.Errorf("%v: the sandbox started", args) }, append(args, "--addr", "127.0.0.1:0")...)
		if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), args[0]) {
			t.Errorf("%v: got %v, want exit 2 naming the flag", args, err)
		}
	}
}
