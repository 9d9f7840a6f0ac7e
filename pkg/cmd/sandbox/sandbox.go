// Package sandbox implements `cfcache sandbox`, the local Cloudflare API emulator.
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cfapi"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/sandbox"
)

// SandboxOptions are the parsed inputs of `cfcache sandbox`.
type SandboxOptions struct {
	IO           *iostreams.IOStreams
	Addr         string
	Plan         string
	Zone         string
	FailRate     float64
	ResetRate    float64
	ThrottleRate float64
	Latency      time.Duration
	LimitFlags   []string
	// Environments are NAME or NAME=REF: the zone's environments.
	Environments []string
	// APO is off, on or device (on, with cache by device type).
	APO string
	// SSL is the zone's SSL/TLS mode: off, flexible, full or strict.
	SSL string
	// AddZoneFlags are the raw --add-zone values, NAME[:PLAN][@ACCOUNT];
	// AddZones are them parsed (see parseAddZone), in order.
	AddZoneFlags []string
	AddZones     []sandbox.Zone
	Seed         uint64
	Ctx          context.Context
	// Ready, when set, is called with the base URL once listening (tests).
	Ready func(baseURL, token string)
}

// NewCmdSandbox builds the command; runF replaces the run in tests.
func NewCmdSandbox(f *cmdutil.Factory, runF func(*SandboxOptions) error) *cobra.Command {
	opts := &SandboxOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run a local emulator of the Cloudflare API endpoints cfcache uses",
		Long: `Run a local emulator of the Cloudflare API endpoints cfcache uses, to try
cfcache or test CI scripts without touching production.

It serves zones, token verification, purge_cache and invalidate_cache (all
five kinds, enforcing the plan's items-per-request limits and rate limits as
token buckets shared by both, with 429 + Retry-After + Ratelimit headers and
Cloudflare's error envelope), the zone's environments (--environment: listed
by GET /zones/{id}/environments, purged and invalidated through
/zones/{id}/environments/{ref}/...), the Cache Rules entrypoint ruleset
(GET/PUT, versions, per-plan rule counts) and two zone settings:
automatic_platform_optimization (--apo: off; on; device, which is on with
cache by device type; APO's hostnames are the zone name and its www.) and
ssl (--ssl: off, flexible, full or strict).

It listens on loopback only and refuses any other address. On start it prints
the export lines that point cfcache at it (stdout), then logs one line per
request (stderr). Ctrl-C or SIGTERM stops it; that is its normal end, so it
exits 0. A port already in use is a runtime failure (exit 1). Faults can be
injected: 5xx answers, connection resets, 429s and latency. --limit overrides
the limits the sandbox enforces, e.g. --limit urls_per_request=30 to emulate
Cloudflare accepting fewer items than documented.

--add-zone serves more zones, in more accounts, beside the --zone one (which
is in the default account, id ` + sandbox.DefaultAccountID + `):
NAME[:PLAN][@ACCOUNT], repeatable. PLAN defaults to --plan. ACCOUNT is a
label (letters, digits, '-', '_'; up to 64) that stands for a stable 32-hex
account id derived from it, or a 32-hex id used as is; without it the zone is
in the default account. Zones of one account share its purge buckets, as on
Cloudflare; every zone is listed by GET /zones with its account, and the
start-up lines on stderr give each zone's id, plan and account id. --limit
applies to every plan served.`,
		Example: `  cfcache sandbox
  cfcache sandbox --addr 127.0.0.1:0 --plan enterprise --zone shop.example
  cfcache sandbox --fail-rate 0.1 --latency 50ms --limit urls_per_request=30
  cfcache sandbox --environment production --environment staging=stg1
  cfcache sandbox --apo device --ssl flexible

  # three zones in two accounts: example.com and example.net share the
  # default account's purge buckets, shop.example has its own account
  cfcache sandbox --add-zone example.net --add-zone shop.example:pro@shops

  # in another shell, paste the printed lines, then:
  cfcache purge url https://example.com/ --zone example.com`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			opts.Zone, _ = cmd.Flags().GetString("zone")
			if opts.Zone == "" {
				opts.Zone = sandbox.DefaultZoneName
			}
			for _, r := range []struct {
				name string
				v    float64
			}{{"fail-rate", opts.FailRate}, {"reset-rate", opts.ResetRate}, {"throttle-rate", opts.ThrottleRate}} {
				if err := cmdutil.CheckFloat(r.name, r.v, 0, 1); err != nil {
					return err
				}
			}
			// --plan, --apo and --ssl are checked as they are parsed
			// (cmdutil.StringEnumFlag).
			if err := cmdutil.DurationNotNegative("latency", opts.Latency, ""); err != nil {
				return err
			}
			if opts.FailRate+opts.ResetRate+opts.ThrottleRate > 1 {
				return cmdutil.FlagErrorf("--fail-rate, --reset-rate and --throttle-rate add up to more than 1")
			}
			zones, err := parseAddZones(opts.AddZoneFlags, opts.Zone, opts.Plan)
			if err != nil {
				return err
			}
			opts.AddZones = zones
			if runF != nil {
				return runF(opts)
			}
			return sandboxRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Addr, "addr", "127.0.0.1:8787", "loopback address to listen on (port 0 picks a free one)")
	cmdutil.PlanFlag(cmd, &opts.Plan, "free", "plan of the emulated zone")
	fl.Float64Var(&opts.FailRate, "fail-rate", 0, "fraction of requests answered 500/502/503")
	fl.Float64Var(&opts.ResetRate, "reset-rate", 0, "fraction of connections reset without an answer")
	fl.Float64Var(&opts.ThrottleRate, "throttle-rate", 0, "fraction of requests answered 429 with Retry-After")
	fl.DurationVar(&opts.Latency, "latency", 0, "latency added to every request, e.g. 50ms")
	fl.StringArrayVar(&opts.LimitFlags, "limit", nil, "override an enforced limit of the plan, `key=value` (keys as in `cfcache limits -o json`)")
	fl.StringArrayVar(&opts.Environments, "environment", nil, "give the zone an environment `NAME` or NAME=REF (repeatable; the ref is derived from the name when not given)")
	fl.StringArrayVar(&opts.AddZoneFlags, "add-zone", nil, "serve another zone `NAME[:PLAN][@ACCOUNT]` (repeatable; ACCOUNT is a label for a derived account id, or a 32-hex id)")
	cmdutil.StringEnumFlag(cmd, &opts.APO, "apo", "", "off", apoModes, "the zone's APO for WordPress (device: on, caching by device type)")
	cmdutil.StringEnumFlag(cmd, &opts.SSL, "ssl", "", "full", sslModes, "the zone's SSL/TLS mode")
	fl.Uint64Var(&opts.Seed, "seed", 0, "seed for fault injection, for repeatable runs")
	return cmd
}

func sandboxRun(opts *SandboxOptions) error {
	plan, _ := limits.ParsePlan(opts.Plan)
	plans := []limits.Plan{plan}
	for _, z := range opts.AddZones {
		if !slices.Contains(plans, z.Plan) {
			plans = append(plans, z.Plan)
		}
	}
	tbl, err := limitsWithOverrides(plans, opts.LimitFlags)
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	cfg := sandbox.DefaultConfig()
	zone := &cfg.Zones[0]
	zone.Plan = plan
	if cfapi.IsZoneID(opts.Zone) {
		zone.ID = opts.Zone
	} else {
		zone.Name = strings.ToLower(opts.Zone)
		if zone.Name != sandbox.DefaultZoneName {
			zone.ID = "" // derived from the name, so each emulated zone keeps a stable id
		}
	}
	for _, e := range opts.Environments {
		name, ref, _ := strings.Cut(e, "=")
		zone.Environments = append(zone.Environments, sandbox.Environment{Name: name, Ref: ref})
	}
	zone.SSL = opts.SSL
	if opts.APO != "off" {
		// Hostnames left empty: the sandbox fills in the zone name and its www.
		zone.APO = &sandbox.APO{Enabled: true, CacheByDeviceType: opts.APO == "device"}
	}
	cfg.Zones = append(cfg.Zones, opts.AddZones...)
	cfg.Limits = tbl
	cfg.FailRate, cfg.ResetRate, cfg.Throttle429Rate = opts.FailRate, opts.ResetRate, opts.ThrottleRate
	cfg.Latency = opts.Latency
	cfg.Seed = opts.Seed
	if !opts.IO.IsQuiet() {
		cfg.Log = opts.IO.ErrOut
	}
	// New panics on a config Validate refuses: whatever the flag checks
	// above missed is still a usage error (exit 2), never a stack trace.
	if err := cfg.Validate(); err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	srv := sandbox.New(cfg)
	ln, err := sandbox.Listen(opts.Addr)
	if err != nil {
		return listenError(opts.Addr, err)
	}
	base := sandbox.BaseURL(ln.Addr())
	token := cfg.Tokens[0].Value
	zones := srv.Zones()
	z := zones[0]
	fmt.Fprintf(opts.IO.Out, "export CLOUDFLARE_BASE_URL=%s\nexport CLOUDFLARE_API_TOKEN=%s\n", base, token)
	if len(zones) == 1 {
		fmt.Fprintf(opts.IO.Out, "export CFCACHE_ZONE=%s\n", z.Name)
	} else {
		// Several zones: no default zone, so purge routes each item to its
		// zone as it would across a real account (interface.md, purge
		// "Zones"); unset one a previous sandbox exported.
		fmt.Fprintf(opts.IO.Out, "unset CFCACHE_ZONE\n")
	}
	if f, ok := opts.IO.Out.(interface{ Sync() error }); ok {
		_ = f.Sync()
	}
	if len(zones) == 1 {
		opts.IO.Status("sandbox: serving zone %s (id %s, plan %s) at %s — Ctrl-C to stop", z.Name, z.ID, z.Plan, base)
	} else {
		accounts := map[string]bool{}
		list := make([]string, len(zones))
		for i, zz := range zones {
			accounts[zz.AccountID] = true
			list[i] = fmt.Sprintf("%s (id %s, plan %s, account %s)", zz.Name, zz.ID, zz.Plan, zz.AccountID)
		}
		opts.IO.Status("sandbox: serving %d zones in %d accounts at %s — Ctrl-C to stop: %s",
			len(zones), len(accounts), base, strings.Join(list, "; "))
	}
	if z.APO != nil {
		opts.IO.Status("sandbox: APO on for %s (cache by device type: %t); SSL %s", strings.Join(z.APO.Hostnames, ", "), z.APO.CacheByDeviceType, z.SSL)
	} else {
		opts.IO.Status("sandbox: APO off; SSL %s", z.SSL)
	}
	for _, e := range z.Environments {
		opts.IO.Status("sandbox: environment %s (ref %s)", e.Name, e.Ref)
	}
	opts.IO.Status("sandbox: account-owned token for `auth verify` tests: %s (account %s)", cfg.Tokens[1].Value, cfg.Tokens[1].AccountID)
	if opts.Ready != nil {
		opts.Ready(base, token)
	}
	if err := sandbox.Serve(opts.Ctx, ln, srv); err != nil {
		return err
	}
	st := srv.Stats()
	opts.IO.Status("sandbox: stopped after %d requests (%d answered 429: %d purge bucket, %d API window, %d injected; %d reset)",
		st.Total, st.TooManyRequests, st.Throttled.PurgeBucket, st.Throttled.APIWindow, st.Throttled.Injected, st.Resets)
	// A signal is how a server is meant to stop (Ctrl-C, or SIGTERM from a
	// CI job, systemd or docker stop): it is the normal end of the run, not
	// an interruption of work, so exit 0 for both, as web servers do.
	return nil
}

// listenError types a failure to listen: an address that is not loopback or
// not an address is a usage mistake (exit 2); a port already taken or not
// allowed is a runtime failure of a valid request (exit 1, no usage hint).
func listenError(addr string, err error) error {
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return fmt.Errorf("sandbox: %s is already in use: stop what listens there, or choose another port with --addr (127.0.0.1:0 picks a free one)", addr)
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EADDRNOTAVAIL):
		var opErr *net.OpError
		if errors.As(err, &opErr) {
			err = opErr.Err
		}
		return fmt.Errorf("sandbox: cannot listen on %s: %v: choose another address with --addr (127.0.0.1:0 picks a free port)", addr, err)
	}
	return &cmdutil.FlagError{Err: err}
}

var (
	apoModes = []string{"off", "on", "device"}
	sslModes = []string{"off", "flexible", "full", "strict"}
)

// parseAddZones parses the --add-zone values, NAME[:PLAN][@ACCOUNT], and
// refuses (exit 2, naming the value) a bad name, plan or account, and a
// zone given twice or equal to --zone.
func parseAddZones(values []string, primary, defPlan string) ([]sandbox.Zone, error) {
	if len(values) == 0 {
		return nil, nil
	}
	plan, err := limits.ParsePlan(defPlan)
	if err != nil {
		return nil, &cmdutil.FlagError{Err: err}
	}
	// --zone names the first zone, or gives example.com another id.
	first := strings.ToLower(strings.TrimSuffix(primary, "."))
	if first == "" || cfapi.IsZoneID(primary) {
		first = sandbox.DefaultZoneName
	}
	seen := map[string]bool{first: true}
	out := make([]sandbox.Zone, 0, len(values))
	for _, v := range values {
		z, err := parseAddZone(v, plan)
		if err != nil {
			return nil, cmdutil.FlagErrorf("--add-zone %q: %v", v, err)
		}
		if seen[z.Name] {
			return nil, cmdutil.FlagErrorf("--add-zone %q: zone %s is already served", v, z.Name)
		}
		seen[z.Name] = true
		out = append(out, z)
	}
	return out, nil
}

func parseAddZone(v string, defPlan limits.Plan) (sandbox.Zone, error) {
	rest, account, hasAccount := strings.Cut(v, "@")
	name, planName, hasPlan := strings.Cut(rest, ":")
	z := sandbox.Zone{Name: strings.ToLower(strings.TrimSuffix(strings.TrimSpace(name), ".")), Plan: defPlan}
	if z.Name == "" {
		return z, errors.New("want NAME[:PLAN][@ACCOUNT], e.g. shop.example:pro@shops")
	}
	// The sandbox's own check of zone names, so what passes here serves.
	if err := (sandbox.Config{Zones: []sandbox.Zone{z}, APIKey: "k", APIEmail: "e"}).Validate(); err != nil || cfapi.IsZoneID(z.Name) {
		return z, fmt.Errorf("%q is not a zone name such as shop.example", name)
	}
	if hasPlan {
		p, err := limits.ParsePlan(planName)
		if err != nil {
			return z, err
		}
		z.Plan = p
	}
	if hasAccount {
		switch {
		case cfapi.IsZoneID(account): // the same 32 lower-case hex as an account id
			z.AccountID = account
		case validLabel(account):
			z.AccountID = sandbox.AccountID(account)
			z.AccountName = "Sandbox account " + account
		default:
			return z, fmt.Errorf("account %q: want a label of letters, digits, '-' or '_' (at most 64), or a 32-hex account id", account)
		}
	}
	return z, nil
}

func validLabel(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func limitsWithOverrides(plans []limits.Plan, flags []string) (limits.Table, error) {
	if len(flags) == 0 {
		return limits.Default(), nil
	}
	over := map[string]any{}
	for _, kv := range flags {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--limit %q: want key=value, e.g. urls_per_request=30", kv)
		}
		if n, err := strconv.ParseFloat(v, 64); err == nil {
			over[k] = n // NaN and Inf parse; WithOverrides refuses them
		} else if b, err := strconv.ParseBool(v); err == nil {
			over[k] = b
		} else {
			return nil, fmt.Errorf("--limit %s: %q is not a number or boolean", k, v)
		}
	}
	perPlan := map[string]map[string]any{}
	for _, p := range plans {
		perPlan[string(p)] = over
	}
	return limits.Default().WithOverrides(perPlan)
}
