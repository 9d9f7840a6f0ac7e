// Package explain implements `cfcache rules explain`.
package explain

import (
	"context"
	"fmt"
	"net/netip"
	"os"
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

	// ZoneGiven reports whether a zone was given (--zone, CFCACHE_ZONE or
	// the config file): then a phase with no FILE is read live.
	ZoneGiven func() bool

	// Files are the rules files, at most one per phase (each file's
	// `phase:`); none means the zone's live rules of both phases.
	Files []string
	// Request is the request described by the flags, validated.
	Request expr.Request
	// Response is the origin's response (--status, --response-header)
	// the response-phase rules are evaluated against.
	Response expr.Response
	// ResponseGiven is set when --status or --response-header was given:
	// with no response-phase rules to run they have no effect, and the
	// user is told so (review of issue 12, finding 9).
	ResponseGiven bool
	// Plan checks File against this plan's limits; "" means Enterprise.
	Plan limits.Plan
}

// rawFlags are the request flags as typed, validated in one place.
type rawFlags struct {
	url, method, ip, country, device, plan string
	headers, cookies, responseHeaders      []string
	status                                 int
}

// NewCmdExplain builds the command; runF replaces the run in tests.
func NewCmdExplain(f *cmdutil.Factory, runF func(*ExplainOptions) error) *cobra.Command {
	opts := &ExplainOptions{IO: f.IOStreams, Client: f.Client, ResolveZone: f.ResolveZone, Limits: f.Limits, JSON: f.OutputJSON,
		ZoneGiven: func() bool { return f.Settings != nil && f.Settings.Zone != "" }}
	var raw rawFlags
	cmd := &cobra.Command{
		Use:   "explain [FILE...] --url URL",
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

Cache Response Rules (a file with phase: response, or the zone's live
ones) run on the origin's response, described by --status (default 200)
and --response-header: each response rule matched or not, then the
resulting Cache-Control (at the edge, and downstream when cloudflare_only
directives make them differ), the cache tags (the origin's Cache-Tag, then
every matching set_cache_tags; a tag expression this command cannot compute
is said to be computed at the edge) and the stripped headers, each with the
rule that set it, and where a response rule overrides a Cache Rule (it wins:
an edge_ttl or browser_ttl overridden by Cache-Control, origin_cache_control
turned on, a strip switch, the origin's CDN-Cache-Control).

FILEs (YAML or JSON, "-" for stdin; at most one per phase, each file's
phase: says which) are validated first against --plan (default Enterprise,
the most permissive); with files only it works offline and needs no
credentials. A phase with no FILE is read from the zone when a zone is
given (--zone, CFCACHE_ZONE or the config file; should that read fail, the
phase is left out with a warning); with no FILE at all it
reads the zone's live rules of both phases and its APO for WordPress
setting (three API calls): with APO caching by device type, an HTML page (a
path ending in /, .html or .htm, or with no extension) on an APO hostname
has the device type in its key, set by APO, and the purge command carries
--device.

The request is offline: fields it cannot know (TLS details, bot signals)
count as missing, the country is --country, the device type is --device or
else derived from the User-Agent, and cf.edge.server_port is the port of
--url (80 for http and 443 for https unless the URL names one). An https
request is taken as HTTP/2, as browsers and curl send it, so its header
names are lower-case in http.request.headers.names; an http one as HTTP/1.1,
where they keep the case -H gives them. It refuses (exit 2) a missing or
non-absolute --url, a malformed -H, --cookie or --response-header, a
--status outside 100-599, an unknown --country or --device, an invalid
rules file and two files of the same phase.`,
		Example: `  cfcache rules explain examples/rules/free-plan.yaml --url https://www.example.com/app.css
  cfcache rules explain examples/rules/html-device-type.yaml --url https://www.example.com/shop --device mobile
  cfcache rules explain examples/rules/enterprise-custom-key.json --url 'https://www.example.com/catalog/shoes?page=2&utm=x' -H 'Accept-Language: de-DE,de' --cookie currency=EUR -o json
  cfcache rules explain examples/rules/free-plan.yaml examples/rules/response-html-cache-control.yaml --url https://www.example.com/about --response-header 'Content-Type: text/html; charset=utf-8' --response-header 'Cache-Control: private, max-age=600'
  cfcache rules explain --url https://example.com/api/v1/users --zone example.com`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 2 {
				return cmdutil.FlagErrorf("explain takes at most two rules FILEs (one per phase), got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			opts.Files = args
			req, resp, plan, err := parseFlags(raw, cmd.Flags().Changed("plan"))
			if err != nil {
				return err
			}
			opts.Request, opts.Response, opts.Plan = req, resp, plan
			opts.ResponseGiven = cmd.Flags().Changed("status") || cmd.Flags().Changed("response-header")
			if runF != nil {
				return runF(opts)
			}
			defer shared.ShortCommandGC()()
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
	fl.IntVar(&raw.status, "status", 200, "the origin's response status `CODE` (100-599), for Cache Response Rules")
	fl.StringArrayVar(&raw.responseHeaders, "response-header", nil, "an origin response header, `'Name: value'` (repeatable), for Cache Response Rules")
	cmdutil.PlanFlag(cmd, &raw.plan, "", "validate FILE against this plan's limits (default enterprise)")
	// One device type, checked in parseFlags with purge's words.
	_ = cmd.RegisterFlagCompletionFunc("device", cmdutil.FixedCompletion(purge.DeviceValues(false)))
	return cmd
}

// parseFlags validates every request flag before anything is read, and
// reports all the bad ones at once (exit 2).
func parseFlags(raw rawFlags, planGiven bool) (expr.Request, expr.Response, limits.Plan, error) {
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
	// -H and --response-header are validated alike.
	header := func(flag, h string) (expr.Header, bool) {
		name, value, ok := strings.Cut(h, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		switch {
		case !ok:
			bad("%s", (&purge.FlagError{Flag: flag, Value: h, Reason: purge.HeaderFormReason}).Error())
		case !isToken(name):
			bad("%s %q: %q is not a valid header name", flag, h, name)
		case purge.HeaderValueReason(value) != "":
			bad("%s %q: %s", flag, h, purge.HeaderValueReason(value))
		default:
			return expr.Header{Name: name, Value: value}, true
		}
		return expr.Header{}, false
	}
	for _, h := range raw.headers {
		if hd, ok := header("-H", h); ok {
			req.Headers = append(req.Headers, hd)
		}
	}
	resp := expr.Response{Code: raw.status}
	if raw.status < 100 || raw.status > 599 {
		bad("--status %d: want an HTTP status code from 100 to 599", raw.status)
	}
	for _, h := range raw.responseHeaders {
		if hd, ok := header("--response-header", h); ok {
			resp.Headers = append(resp.Headers, hd)
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
		return req, resp, plan, cmdutil.FlagErrorf("%s", strings.Join(problems, "\n"))
	}
	return req, resp, plan, nil
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
	in, err := loadRules(opts)
	if err != nil {
		return err
	}
	source := in.requestSource
	stack := cachekey.Compile(in.request)
	if in.apo != nil {
		stack = stack.WithAPO(*in.apo)
		hosts := strings.Join(in.apo.Hostnames, ", ")
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
	var resp *cachekey.ResponseResult
	if len(in.response) == 0 && opts.ResponseGiven {
		why := "no response-phase FILE was given and no zone's live ones were read"
		if in.responseSource != "" {
			why = in.responseSource + " has none"
		}
		opts.IO.Warn("--status and --response-header had no effect: there are no Cache Response Rules to run them through (%s)", why)
	}
	if len(in.response) > 0 {
		resp, err = cachekey.CompileResponse(in.response).Evaluate(opts.Request, opts.Response, res.Effective)
		if err != nil {
			return cmdutil.FlagErrorf("--url: %s", err)
		}
	}
	args := append([]string{}, res.Purge.Args...)
	if in.zone.Name != "" {
		args = append(args, "--zone", in.zone.Name)
	}
	command := "cfcache " + shellJoin(args)
	out := explained{res: res, zone: in.zone, source: source, command: command, resp: resp, respSource: in.responseSource}
	if opts.JSON() {
		return cmdutil.WriteJSON(opts.IO.Out, jsonResult(opts, out))
	}
	return render(opts.IO, opts.Request, opts.Response, out)
}

// explained is everything the renderers show.
type explained struct {
	res *cachekey.Result
	// zone is in.zone: the JSON's zone_id and zone_name.
	zone            cfapi.Zone
	source, command string
	// resp is nil when there are no response rules; respSource says where
	// they came from, or that there were none.
	resp       *cachekey.ResponseResult
	respSource string
}

// inputs are the rules of both phases and where each came from.
type inputs struct {
	request, response             []*rules.Rule
	requestSource, responseSource string
	// zone is the zone whose live rules were read, for the purge
	// command's --zone and the JSON's zone_id and zone_name (interface.md,
	// "In CI"); none for FILEs alone or when the zone's rules could not be
	// read. Kept in one place so the fallback clears all three at once.
	zone cfapi.Zone
	apo  *cachekey.APO
}

// loadRules reads the FILEs (validated, offline), one per phase, and the
// zone's live rules of a phase with no FILE when a zone is given (with no
// FILE at all, always).
func loadRules(opts *ExplainOptions) (*inputs, error) {
	in := &inputs{}
	byPhase := map[string]string{} // phase → file name
	files, err := checkFiles(opts)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if prev, dup := byPhase[f.Phase]; dup {
			return nil, cmdutil.FlagErrorf("%s and %s are both %s files: give at most one file per phase", prev, f.Name, rules.PhaseTitle(f.Phase))
		}
		byPhase[f.Phase] = f.Name
		if f.Phase == rules.PhaseResponse {
			in.response, in.responseSource = f.Rules, f.Name
		} else {
			in.request, in.requestSource = f.Rules, f.Name
		}
	}
	_, haveReq := byPhase[rules.PhaseRequest]
	_, haveResp := byPhase[rules.PhaseResponse]
	live := len(opts.Files) == 0 || opts.ZoneGiven()
	if !live || (haveReq && haveResp) {
		if !haveReq {
			in.requestSource = "no Cache Rules (no request-phase FILE and no zone given)"
		}
		return in, nil
	}
	err = readLive(opts, in, !haveReq, !haveResp)
	if err != nil && len(opts.Files) > 0 && (opts.Ctx == nil || opts.Ctx.Err() == nil) {
		// FILEs alone work offline: a zone in the environment or config
		// whose rules cannot be read (no token, no access) leaves the
		// missing phase out rather than failing the explanation.
		missing := rules.PhaseResponse
		if !haveReq {
			missing = rules.PhaseRequest
		}
		opts.IO.Warn("cannot read the zone's live %s (%v): explaining without them; give a %s FILE instead",
			rules.PhaseTitle(missing), err, rules.PhaseShort(missing)+"-phase")
		in.zone = cfapi.Zone{}
		if !haveReq {
			in.request, in.requestSource, in.apo = nil, "no Cache Rules (the zone's could not be read)", nil
		}
		if !haveResp {
			in.response, in.responseSource = nil, ""
		}
		return in, nil
	}
	return in, err
}

// readLive reads the zone's entrypoint of each phase asked for. For the
// request phase it reads the APO setting too, kept when APO caches by
// device type.
func readLive(opts *ExplainOptions, in *inputs, request, response bool) error {
	zone, client, err := shared.Connect(opts.Ctx, opts.ResolveZone, opts.Client)
	if err != nil {
		return err
	}
	in.zone = zone
	if request {
		remote, err := shared.FetchPhase(opts.Ctx, client, zone.ID, rules.PhaseRequest)
		if err != nil {
			return err
		}
		in.request, in.requestSource = remote.Rules(), "zone "+zone.Name+", "+remote.Describe()
		s, err := client.GetAPO(opts.Ctx, zone.ID)
		switch {
		case cfapi.IsAuthError(err):
			opts.IO.Warn("cannot read the zone's APO setting (%v): the key below leaves APO out; give the token Zone › Zone Settings › Read", err)
		case err != nil:
			return cmdutil.WrapAPIError(err)
		case s.Enabled && s.CacheByDeviceType:
			k := s.Key()
			in.apo = &k
		}
	}
	if response {
		// A zone without a response-phase entrypoint (404 "no ruleset")
		// has no response rules: Remote.Rules is empty, Describe says so.
		remote, err := shared.FetchPhase(opts.Ctx, client, zone.ID, rules.PhaseResponse)
		if err != nil {
			return err
		}
		in.response, in.responseSource = remote.Rules(), "zone "+zone.Name+", "+remote.Describe()
	}
	return nil
}

// sideBySideMax is the largest FILE checked beside another. Checking holds
// a file's tree and its aliases' expansion, which for a hostile file near
// the 16 MiB input cap runs to gigabytes (docs/performance.md "Hostile
// rules files"); two at once would add up, so larger files are checked one
// after the other, as a 300-rule file (150 kB) never needs to be.
const sideBySideMax = 1 << 20

// checkFiles reads the FILEs and validates them against --plan; their
// problems are printed file by file, in the order given, and errors stop
// explain before anything is evaluated (exit 2). Two FILEs that are both
// regular files of at most sideBySideMax bytes are checked side by side
// (on two cores the pair took 0.915× the wall time of one after the other,
// docs/performance.md "Sixth round"), and reported exactly as in turn: the
// first file's problems as soon as its check ends, its errors without
// waiting for the second's check, an interrupt naming the file still being
// checked. Anything else (standard input, a FIFO, a large file) is read
// and checked in turn, so a second FILE is never read, nor waited for,
// after a first with errors.
func checkFiles(opts *ExplainOptions) ([]*rules.File, error) {
	if len(opts.Files) == 2 && smallRegularFiles(opts.Files) {
		return checkSideBySide(opts, opts.Files[0], opts.Files[1])
	}
	var files []*rules.File
	for _, path := range opts.Files {
		data, name, err := shared.ReadInput(opts.IO, path)
		if err != nil {
			return nil, err
		}
		c, err := shared.Interruptible(opts.Ctx, interrupted(name), func() checked { return check(opts, name, data) })
		if err != nil {
			return nil, err
		}
		if err := report(opts, name, c); err != nil {
			return nil, err
		}
		files = append(files, c.f)
	}
	return files, nil
}

// checkSideBySide checks the second file on a goroutine of its own while
// the first is checked and reported.
func checkSideBySide(opts *ExplainOptions, first, second string) ([]*rules.File, error) {
	data1, name1, err := shared.ReadInput(opts.IO, first)
	if err != nil {
		return nil, err
	}
	// A regular file of bounded size: reading it now cannot block.
	data2, name2, readErr := shared.ReadInput(opts.IO, second)
	var later chan checked
	if readErr == nil {
		later = make(chan checked, 1)
		go func() { later <- check(opts, name2, data2) }()
	}
	c1, err := shared.Interruptible(opts.Ctx, interrupted(name1), func() checked { return check(opts, name1, data1) })
	if err != nil {
		return nil, err
	}
	if err := report(opts, name1, c1); err != nil {
		return nil, err
	}
	if readErr != nil {
		return nil, readErr
	}
	c2, err := shared.Interruptible(opts.Ctx, interrupted(name2), func() checked { return <-later })
	if err != nil {
		return nil, err
	}
	if err := report(opts, name2, c2); err != nil {
		return nil, err
	}
	return []*rules.File{c1.f, c2.f}, nil
}

// smallRegularFiles reports whether every path names a regular file (not
// standard input) of at most sideBySideMax bytes.
func smallRegularFiles(paths []string) bool {
	for _, p := range paths {
		if p == "-" {
			return false
		}
		fi, err := os.Stat(p)
		if err != nil || !fi.Mode().IsRegular() || fi.Size() > sideBySideMax {
			return false
		}
	}
	return true
}

type checked struct {
	f     *rules.File
	probs rules.Problems
}

// check validates one file's bytes against --plan (Enterprise when none).
func check(opts *ExplainOptions, name string, data []byte) checked {
	plan := opts.Plan
	if plan == "" {
		plan = limits.Enterprise
	}
	f, probs := rules.Check(name, data, shared.ValidateOptions(opts.Limits().For(plan)))
	return checked{f, probs}
}

// report prints a file's problems; its errors stop explain (exit 2).
func report(opts *ExplainOptions, name string, c checked) error {
	shared.PrintProblems(opts.IO, c.probs)
	return shared.ProblemsError(name, c.probs, false)
}

func interrupted(name string) string {
	return "stopped while checking " + name + ": nothing was evaluated"
}

func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shared.ShellQuote(a)
	}
	return strings.Join(q, " ")
}
