// Package explain implements `cfcache rules explain`.
package explain

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cachekey"
	"github.com/cfcache/cfcache/pkg/cfapi"
	"github.com/cfcache/cfcache/pkg/cmd/rules/shared"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/expr"
	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/purge"
	"github.com/cfcache/cfcache/pkg/rules"
)

// ExplainOptions are the parsed inputs of `cfcache rules explain`.
type ExplainOptions struct {
	IO          *iostreams.IOStreams
	Client      func() (*cfapi.Client, error)
	ResolveZone func(context.Context) (cfapi.Zone, error)
	Limits      func() limits.Table
	JSON        func() bool
	Ctx         context.Context

	// File is the rules file; "" means the zone's live rules.
	File string
	// Request is the request described by the flags, validated.
	Request expr.Request
	// Plan checks File against this plan's limits; "" means Enterprise.
	Plan limits.Plan

	// zone is the zone whose live rules were read (none for FILE), for
	// the JSON's zone_id and zone_name (interface.md, "In CI").
	zone cfapi.Zone
}

// rawFlags are the request flags as typed, validated in one place.
type rawFlags struct {
	url, method, ip, country, device, plan string
	headers, cookies                       []string
}

// NewCmdExplain builds the command; runF replaces the run in tests.
func NewCmdExplain(f *cmdutil.Factory, runF func(*ExplainOptions) error) *cobra.Command {
	opts := &ExplainOptions{IO: f.IOStreams, Client: f.Client, ResolveZone: f.ResolveZone, Limits: f.Limits, JSON: f.OutputJSON}
	var raw rawFlags
	cmd := &cobra.Command{
		Use:   "explain [FILE] --url URL",
		Short: "Show which cache rules apply to a request, its cache key and how to purge it",
		Long: `Evaluate the cache rules against one request described by flags, and show
what Cloudflare would do with it:

  - every rule in order: ✓ matched, ✗ not matched (with the first part of
    the expression that was false and the request's values there), or
    – disabled;
  - the effective settings once the matching rules stack (every matching
    rule applies; for each setting the later rule wins) and the rule that
    set each one;
  - the cache key: scheme, host, path, the query string as the key holds it
    (include/exclude lists, sorting), the headers and cookies in it, device
    type, country and language, and whether the request is cached at all;
  - the cfcache purge url command, with --device, --country, --lang and
    -H, that evicts exactly that cached copy (a key with the language holds
    the first language of Accept-Language, which --lang sends).

With FILE (YAML or JSON, "-" for stdin) it works offline and needs no
credentials; the file is validated first against --plan (default
Enterprise, the most permissive). Without FILE it reads the zone's live
rules and its APO for WordPress setting (two API calls): with APO caching by
device type, an HTML page (a path ending in /, .html or .htm, or with no
extension) on an APO hostname has the device type in its key, set by APO,
and the purge command carries --device.

The request is offline: fields it cannot know (TLS details, bot signals)
count as missing, the country is --country, the device type is --device or
else derived from the User-Agent, and cf.edge.server_port is the port of
--url (80 for http and 443 for https unless the URL names one). An https
request is taken as HTTP/2, as browsers and curl send it, so its header
names are lower-case in http.request.headers.names; an http one as HTTP/1.1,
where they keep the case -H gives them. It refuses (exit 2) a missing or
non-absolute --url, a malformed -H or --cookie, an unknown --country or
--device, and an invalid rules file.`,
		Example: `  cfcache rules explain examples/rules/free-plan.yaml --url https://www.example.com/app.css
  cfcache rules explain examples/rules/html-device-type.yaml --url https://www.example.com/shop --device mobile
  cfcache rules explain examples/rules/enterprise-custom-key.json --url 'https://www.example.com/catalog/shoes?page=2&utm=x' -H 'Accept-Language: de-DE,de' --cookie currency=EUR -o json
  cfcache rules explain --url https://example.com/api/v1/users --zone example.com`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return cmdutil.FlagErrorf("explain takes at most one rules FILE, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			if len(args) == 1 {
				opts.File = args[0]
			}
			req, plan, err := parseFlags(raw, cmd.Flags().Changed("plan"))
			if err != nil {
				return err
			}
			opts.Request, opts.Plan = req, plan
			if runF != nil {
				return runF(opts)
			}
			return explainRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&raw.url, "url", "", "the request's absolute http(s) `URL` (required)")
	fl.StringVarP(&raw.method, "method", "X", "GET", "the request `METHOD`")
	fl.StringArrayVarP(&raw.headers, "header", "H", nil, "a request header, `'Name: value'` (repeatable)")
	fl.StringArrayVar(&raw.cookies, "cookie", nil, "a request cookie, `'name=value'` (repeatable)")
	fl.StringVar(&raw.ip, "ip", "", "the client's IP `ADDRESS` (ip.src)")
	fl.StringVar(&raw.country, "country", "", "the client's country, ISO 3166-1 alpha-2 (T1 Tor, XX unknown)")
	fl.StringVar(&raw.device, "device", "", "the client's device type: mobile, desktop or tablet (default: from the User-Agent)")
	cmdutil.PlanFlag(cmd, &raw.plan, "", "validate FILE against this plan's limits (default enterprise)")
	// One device type, checked in parseFlags with purge's words.
	_ = cmd.RegisterFlagCompletionFunc("device", cmdutil.FixedCompletion(purge.DeviceValues(false)))
	return cmd
}

// parseFlags validates every request flag before anything is read, and
// reports all the bad ones at once (exit 2).
func parseFlags(raw rawFlags, planGiven bool) (expr.Request, limits.Plan, error) {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	req := expr.Request{Method: strings.ToUpper(strings.TrimSpace(raw.method)), URL: strings.TrimSpace(raw.url)}

	switch {
	case req.URL == "":
		bad("--url is required: the request to explain, e.g. --url https://www.example.com/app.css")
	default:
		// purge's rules, not a copy: explain prints the purge command for
		// this URL, so it must be a URL purge would send (issue 9), and it
		// is shown as purge shows items: quoted (control characters
		// escaped) when it is not printable, never written raw.
		if v := purge.ValidateURL(req.URL, purge.Zone{}); !v.OK() {
			bad("--url %s: %s", purge.DisplayItem(req.URL), v.Reason)
		}
	}
	if !isToken(req.Method) {
		bad("--method %q: not an HTTP method", raw.method)
	}
	for _, h := range raw.headers {
		name, value, ok := strings.Cut(h, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		switch {
		case !ok:
			bad("%s", (&purge.FlagError{Flag: "-H", Value: h, Reason: purge.HeaderFormReason}).Error())
		case !isToken(name):
			bad("-H %q: %q is not a valid header name", h, name)
		case purge.HeaderValueReason(value) != "":
			bad("-H %q: %s", h, purge.HeaderValueReason(value))
		default:
			req.Headers = append(req.Headers, expr.Header{Name: name, Value: value})
		}
	}
	for _, c := range raw.cookies {
		name, value, ok := strings.Cut(c, "=")
		name = strings.TrimSpace(name)
		switch {
		case !ok || name == "":
			bad("--cookie %q: want 'name=value'", c)
		case strings.ContainsAny(name, "; ,\t") || strings.ContainsAny(value, ";"):
			bad("--cookie %q: a cookie name or value cannot hold ';', and a name no spaces or commas", c)
		case purge.HeaderValueReason(name+value) != "":
			bad("--cookie %q: control character in the cookie (it travels in the Cookie header)", c)
		default:
			req.Cookies = append(req.Cookies, expr.Cookie{Name: name, Value: value})
		}
	}
	if raw.ip != "" {
		ip, err := netip.ParseAddr(strings.TrimSpace(raw.ip))
		if err != nil {
			bad("--ip %q: not an IPv4 or IPv6 address", raw.ip)
		}
		req.IP = ip
	}
	if raw.country != "" {
		cc := strings.ToUpper(strings.TrimSpace(raw.country))
		if !purge.ValidCountry(cc) {
			bad("%s", (&purge.FlagError{Flag: "--country", Value: raw.country, Reason: purge.CountryReason}).Error())
		}
		req.Country = cc
	}
	if raw.device != "" {
		d, ok := purge.ParseDevice(raw.device)
		if !ok {
			bad("%s", (&purge.FlagError{Flag: "--device", Value: raw.device, Reason: purge.DeviceReason(false)}).Error())
		}
		req.DeviceType = d
	}
	var plan limits.Plan
	if planGiven {
		plan = limits.Plan(raw.plan) // checked as parsed (cmdutil.PlanFlag)
	}
	if len(problems) > 0 {
		return req, plan, cmdutil.FlagErrorf("%s", strings.Join(problems, "\n"))
	}
	return req, plan, nil
}

// isToken reports whether s is an RFC 9110 token (header names, methods).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

func explainRun(opts *ExplainOptions) error {
	list, source, zoneName, apo, err := loadRules(opts)
	if err != nil {
		return err
	}
	stack := cachekey.Compile(list)
	if apo != nil {
		stack = stack.WithAPO(*apo)
		hosts := strings.Join(apo.Hostnames, ", ")
		if hosts == "" {
			hosts = "every host"
		}
		source += ", APO for WordPress caching by device type on " + hosts
	}
	// Normalise the URL's scheme so the engine (which wants lower-case
	// http/https, as a request line has it) accepts HTTPS://.
	if scheme, rest, ok := strings.Cut(opts.Request.URL, "://"); ok {
		opts.Request.URL = strings.ToLower(scheme) + "://" + rest
		// Browsers and curl reach Cloudflare over HTTP/2 for https, where
		// header names arrive lower-case (field table,
		// http.request.headers.names), and over HTTP/1.1 for http.
		if opts.Request.HTTPVersion == "" && strings.EqualFold(scheme, "https") {
			opts.Request.HTTPVersion = "HTTP/2"
		}
	}
	res, err := stack.Explain(opts.Request)
	if err != nil {
		return cmdutil.FlagErrorf("--url: %s", err)
	}
	args := append([]string{}, res.Purge.Args...)
	if zoneName != "" {
		args = append(args, "--zone", zoneName)
	}
	command := "cfcache " + shellJoin(args)
	if opts.JSON() {
		return cmdutil.WriteJSON(opts.IO.Out, jsonResult(opts, res, source, command))
	}
	return render(opts.IO, opts.Request, res, source, command)
}

// loadRules reads FILE (validated, offline) or the zone's live rules, and
// says where they came from. For a live zone it reads the APO setting too,
// returned when APO caches by device type.
func loadRules(opts *ExplainOptions) ([]*rules.Rule, string, string, *cachekey.APO, error) {
	if opts.File != "" {
		data, name, err := shared.ReadInput(opts.IO, opts.File)
		if err != nil {
			return nil, "", "", nil, err
		}
		plan := opts.Plan
		if plan == "" {
			plan = limits.Enterprise
		}
		type checked struct {
			f     *rules.File
			probs rules.Problems
		}
		c, err := shared.Interruptible(opts.Ctx, "stopped while checking "+name+": nothing was evaluated", func() checked {
			f, probs := rules.Check(name, data, shared.ValidateOptions(opts.Limits().For(plan)))
			return checked{f, probs}
		})
		if err != nil {
			return nil, "", "", nil, err
		}
		f, probs := c.f, c.probs
		shared.PrintProblems(opts.IO, probs)
		if err := shared.ProblemsError(name, probs, false); err != nil {
			return nil, "", "", nil, err
		}
		return f.Rules, name, "", nil, nil
	}
	zone, client, remote, err := shared.ZoneRules(opts.Ctx, opts.ResolveZone, opts.Client)
	if err != nil {
		return nil, "", "", nil, err
	}
	opts.zone = zone
	var apo *cachekey.APO
	s, err := client.GetAPO(opts.Ctx, zone.ID)
	switch {
	case cfapi.IsAuthError(err):
		opts.IO.Warn("cannot read the zone's APO setting (%v): the key below leaves APO out; give the token Zone › Zone Settings › Read", err)
	case err != nil:
		return nil, "", "", nil, cmdutil.WrapAPIError(err)
	case s.Enabled && s.CacheByDeviceType:
		k := s.Key()
		apo = &k
	}
	return remote.Rules(), "zone " + zone.Name + ", " + remote.Describe(), zone.Name, apo, nil
}

func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shared.ShellQuote(a)
	}
	return strings.Join(q, " ")
}
