package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/cmdtest"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/limits"
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
		{[]string{"--latency", "-5s"}, `--latency "-5s": must not be negative`},
		{[]string{"--fail-rate", "-0.1"}, `--fail-rate "-0.1": must be between 0 and 1`},
		{[]string{"--reset-rate", "1.5"}, `--reset-rate "1.5": must be between 0 and 1`},
		{[]string{"--throttle-rate", "2"}, `--throttle-rate "2": must be between 0 and 1`},
		{[]string{"--fail-rate", "0.6", "--reset-rate", "0.6"}, "add up to more than 1"},
		// NaN passes `v < 0 || v > 1`, and reached sandbox.New, which panicked.
		{[]string{"--fail-rate", "NaN"}, `--fail-rate "NaN": not a finite number`},
		{[]string{"--reset-rate", "NaN"}, `--reset-rate "NaN": not a finite number`},
		{[]string{"--throttle-rate", "nan"}, `--throttle-rate "NaN": not a finite number`},
		{[]string{"--fail-rate", "-Inf"}, `--fail-rate "-Inf": not a finite number`},
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

// issue 10 "Measure": --add-zone NAME[:PLAN][@ACCOUNT] serves more zones in
// more accounts; argv becomes Options.AddZones.
func TestAddZoneFlagToOptions(t *testing.T) {
	f, _ := cmdtest.NewFactory(t, nil, "", false)
	var got *SandboxOptions
	cmd := NewCmdSandbox(f, func(o *SandboxOptions) error { got = o; return nil })
	err := cmdtest.Run(context.Background(), cmd, "--plan", "business",
		"--add-zone", "example.net",
		"--add-zone", "Shop.Example.:pro@shops",
		"--add-zone", "blog.example@shops",
		"--add-zone", "big.example:Enterprise@0123456789abcdef0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	want := []sandbox.Zone{
		{Name: "example.net", Plan: limits.Business},
		{Name: "shop.example", Plan: limits.Pro, AccountID: sandbox.AccountID("shops"), AccountName: "Sandbox account shops"},
		{Name: "blog.example", Plan: limits.Business, AccountID: sandbox.AccountID("shops"), AccountName: "Sandbox account shops"},
		{Name: "big.example", Plan: limits.Enterprise, AccountID: "0123456789abcdef0123456789abcdef"},
	}
	if !reflect.DeepEqual(got.AddZones, want) {
		t.Errorf("AddZones:\n got %+v\nwant %+v", got.AddZones, want)
	}
	if id := sandbox.AccountID("shops"); id != sandbox.AccountID("shops") || len(id) != 32 || id == sandbox.DefaultAccountID {
		t.Errorf("AccountID(shops) = %q: want a stable 32-hex id of its own", id)
	}
}

// Bad --add-zone values are usage errors (exit 2) naming the value, and
// nothing listens.
func TestAddZoneBadValues(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--add-zone", ""}, `--add-zone "": want NAME[:PLAN][@ACCOUNT]`},
		{[]string{"--add-zone", ":pro"}, `--add-zone ":pro": want NAME[:PLAN][@ACCOUNT]`},
		{[]string{"--add-zone", "bad host"}, `--add-zone "bad host": "bad host" is not a zone name`},
		{[]string{"--add-zone", "https://x.example"}, `--add-zone "https://x.example":`},
		{[]string{"--add-zone", "x.example:gold"}, `--add-zone "x.example:gold": unknown plan "gold"`},
		{[]string{"--add-zone", "x.example@"}, `--add-zone "x.example@": account ""`},
		{[]string{"--add-zone", "x.example@my shop"}, `--add-zone "x.example@my shop": account "my shop"`},
		{[]string{"--add-zone", "example.com"}, `--add-zone "example.com": zone example.com is already served`},
		{[]string{"--add-zone", "a.example", "--add-zone", "a.example@other"}, `--add-zone "a.example@other": zone a.example is already served`},
	} {
		_, err := run(context.Background(), t, func() { t.Errorf("%v: the sandbox started", c.args) }, append(c.args, "--addr", "127.0.0.1:0")...)
		if cmdutil.ExitCode(err) != cmdutil.ExitUsage || err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want exit 2 and %q", c.args, err, c.want)
		}
	}
	// --zone (a root flag) names the first zone: adding it again is refused.
	_, err := parseAddZones([]string{"SHOP.example:pro"}, "shop.example", "free")
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || err.Error() != `--add-zone "SHOP.example:pro": zone shop.example is already served` {
		t.Errorf("--zone shop.example --add-zone SHOP.example:pro: got %v", err)
	}
}

// GET /zones lists every zone with its account id, paginated as
// Cloudflare's API is (per_page, page, result_info), and the start-up line
// lists them all.
func TestAddZoneListedByZonesEndpoint(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, st := cmdtest.NewFactory(t, nil, "", false)
	type page struct {
		Result []struct {
			Name    string `json:"name"`
			Account struct {
				ID string `json:"id"`
			} `json:"account"`
			Plan struct {
				LegacyID string `json:"legacy_id"`
			} `json:"plan"`
		} `json:"result"`
		ResultInfo struct {
			Page       int `json:"page"`
			PerPage    int `json:"per_page"`
			Count      int `json:"count"`
			TotalCount int `json:"total_count"`
			TotalPages int `json:"total_pages"`
		} `json:"result_info"`
	}
	var pages [3]page
	var query func(base, token string)
	done := make(chan struct{})
	cmd := NewCmdSandbox(f, func(o *SandboxOptions) error {
		o.Ready = func(base, token string) { go query(base, token) }
		return sandboxRun(o)
	})
	query = func(base, token string) {
		defer close(done)
		defer cancel()
		for i := range pages {
			req, _ := http.NewRequest("GET", base+"/zones?per_page=5&page="+strconv.Itoa(i+1), nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			if err := json.NewDecoder(resp.Body).Decode(&pages[i]); err != nil {
				t.Error(err)
			}
			resp.Body.Close()
		}
	}
	args := []string{"--addr", "127.0.0.1:0"}
	for _, z := range []string{"a.example@one", "b.example@one", "c.example:pro@two", "d.example", "e.example@two", "f.example@three"} {
		args = append(args, "--add-zone", z)
	}
	if err := cmdtest.Run(ctx, cmd, args...); err != nil {
		t.Fatal(err)
	}
	<-done
	got := map[string]string{}
	for i, p := range pages {
		ri := p.ResultInfo
		wantCount := []int{5, 2, 0}[i]
		if ri.Page != i+1 || ri.PerPage != 5 || ri.Count != wantCount || len(p.Result) != wantCount || ri.TotalCount != 7 || ri.TotalPages != 2 {
			t.Errorf("page %d: result_info %+v with %d zones", i+1, ri, len(p.Result))
		}
		for _, z := range p.Result {
			got[z.Name] = z.Account.ID + " " + z.Plan.LegacyID
		}
	}
	one, two, three := sandbox.AccountID("one"), sandbox.AccountID("two"), sandbox.AccountID("three")
	want := map[string]string{
		"example.com": sandbox.DefaultAccountID + " free",
		"a.example":   one + " free", "b.example": one + " free",
		"c.example": two + " pro", "d.example": sandbox.DefaultAccountID + " free",
		"e.example": two + " free", "f.example": three + " free",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("GET /zones over 3 pages:\n got %v\nwant %v", got, want)
	}
	// Several zones: no default zone is exported, so purge routes items to
	// their zones; one a previous sandbox exported is unset.
	if out := st.Out.String(); strings.Contains(out, "export CFCACHE_ZONE") || !strings.Contains(out, "unset CFCACHE_ZONE\n") {
		t.Errorf("export lines with several zones:\n%s", out)
	}
	line := st.Err.String()
	if !strings.Contains(line, "sandbox: serving 7 zones in 4 accounts at ") {
		t.Errorf("start-up line: %s", line)
	}
	for name, acct := range want {
		if !strings.Contains(line, name+" (id ") || !strings.Contains(line, "account "+strings.Fields(acct)[0]) {
			t.Errorf("start-up line does not list %s (%s): %s", name, acct, line)
		}
	}
}
