// Package cmdutil holds what every command shares: the Factory of lazily
// built dependencies, the typed errors and their exit codes, and small
// helpers for arguments and output.
package cmdutil

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/cfcache/cfcache/pkg/budget"
	"github.com/cfcache/cfcache/pkg/build"
	"github.com/cfcache/cfcache/pkg/cfapi"
	"github.com/cfcache/cfcache/pkg/config"
	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/purge"
	"github.com/cfcache/cfcache/pkg/warm"
)

// Factory hands commands their dependencies. Nothing is built until asked,
// so `cfcache version` or a validation error never touches the network.
type Factory struct {
	IOStreams *iostreams.IOStreams
	Env       config.Env
	// HTTPClient, when set, is used for API calls (tests inject one).
	HTTPClient *http.Client
	// SiteTransport, when set, carries the requests to sites instead of
	// warm.NewTransport (tests inject one); see SiteClient.
	SiteTransport http.RoundTripper

	// Set by the root command once flags are parsed.
	Settings   *config.Settings
	TokenFile  string
	Verbose    bool
	clientOnce sync.Once
	client     *cfapi.Client
	clientErr  error
	siteOnce   sync.Once
	siteClient *http.Client

	budgetsOnce sync.Once
	budgets     *budget.Registry
	budgetsErr  error

	credsOnce sync.Once
	creds     config.Credentials
	credsErr  error
}

// New returns a Factory over the process's streams and environment.
func New() *Factory {
	return &Factory{IOStreams: iostreams.System(), Env: config.OSEnv}
}

// Limits returns the per-plan table, with the config file's overrides.
func (f *Factory) Limits() limits.Table {
	if f.Settings != nil && f.Settings.Limits != nil {
		return f.Settings.Limits
	}
	return limits.Default()
}

// Client returns the API client, built once from the resolved settings.
func (f *Factory) Client() (*cfapi.Client, error) {
	f.clientOnce.Do(func() {
		s := f.Settings
		if s == nil {
			s = &config.Settings{APIURL: config.DefaultAPIURL}
		}
		creds, err := f.credentials()
		if errors.Is(err, config.ErrNoCredentials) {
			f.clientErr = &AuthError{Err: err}
			return
		} else if err != nil {
			// A readable token file or a key without its email: fix the setup (exit 2).
			f.clientErr = &ValidationError{Err: err}
			return
		}
		o := cfapi.Options{
			BaseURL:     s.APIURL,
			Credentials: creds,
			HTTPClient:  f.countedHTTPClient(),
			Timeout:     30 * time.Second,
			UserAgent:   build.UserAgent(),
			ReadRetries: 3,
		}
		if f.Verbose {
			o.Verbose = f.IOStreams.ErrOut
		}
		// A read that waits for the token's window (or a 429) says so,
		// in the purge progress's words (interface.md "Waiting and giving
		// up"); -q silences it.
		o.OnNotice = func(msg string) { f.IOStreams.Warn("%s", msg) }
		o.OnWait = func(wait time.Duration, until time.Time) {
			f.IOStreams.Status("waiting %s: %s, resumes %s", wait.Round(time.Second), purge.WaitAPILimit, until.Format("15:04:05"))
		}
		f.client, f.clientErr = cfapi.New(o)
	})
	return f.client, f.clientErr
}

// SiteClient returns the HTTP client for requests to sites (warm and its
// sitemaps, purge url --verify/--warm, wp related), built once: keep-alive
// connections for high concurrency (warm.NewTransport) and, with -v, one
// line per request on stderr as for the API, credentials in the URL
// redacted. Every command gets its site client here, so -v and the tests'
// transport apply to all of them (docs/style.md, "Every HTTP client comes
// from the Factory"). It does not follow the API client's timeouts: each
// command bounds its requests (--timeout). A command adds --origin-url on
// top (warm.WithOrigin); redirect policy is set per request run.
func (f *Factory) SiteClient() (*http.Client, error) {
	f.siteOnce.Do(func() {
		var rt http.RoundTripper = f.SiteTransport
		if rt == nil {
			rt = warm.NewTransport()
		}
		if f.Verbose {
			rt = &siteLog{base: rt, w: f.IOStreams.ErrOut}
		}
		f.siteClient = &http.Client{Transport: rt}
	})
	return f.siteClient, nil
}

// Budgets returns the per-account purge budgets of the credentials, shared
// with the other cfcache processes of the machine under
// $XDG_STATE_HOME/cfcache/ (interface.md "Pacing is per account"); in
// memory when neither XDG_STATE_HOME nor HOME is set.
func (f *Factory) Budgets() (*budget.Registry, error) {
	f.budgetsOnce.Do(func() {
		dir, _ := budget.Dir(f.Env) // no directory: memory only
		creds, err := f.credentials()
		if err != nil {
			// Still a Registry, for what needs no credential (the caps
			// learned on the machine, which an offline dry run reads), with
			// the error that says it counts no token's calls.
			f.budgets = budget.NewRegistry(budget.Options{Dir: dir, Warn: f.IOStreams.Warn})
			f.budgetsErr = err
			return
		}
		cred := creds.Token.Reveal()
		if cred == "" {
			cred = creds.Key.Reveal() + "\x00" + creds.Email
		}
		f.budgets = budget.NewRegistry(budget.Options{Dir: dir, Credential: cred, Warn: f.IOStreams.Warn})
	})
	return f.budgets, f.budgetsErr
}

// credentials resolves the API credentials once: Client and Budgets (which
// Client's HTTP client calls) both need them, and a token file is read and
// its permissions checked once per run, not once per caller.
func (f *Factory) credentials() (config.Credentials, error) {
	f.credsOnce.Do(func() {
		s := f.Settings
		if s == nil {
			s = &config.Settings{APIURL: config.DefaultAPIURL}
		}
		f.creds, f.credsErr = s.Credentials(f.Env, f.TokenFile)
	})
	return f.creds, f.credsErr
}

// countedHTTPClient is the API client's HTTP client with every call counted
// in the token's 1,200 / 5 min (budget.Registry.Transport), so zone lookups
// and purges share one window.
func (f *Factory) countedHTTPClient() *http.Client {
	reg, err := f.Budgets()
	if err != nil {
		return f.HTTPClient
	}
	// No http.Client.Timeout: the API client bounds each request, reading
	// its answer included, through the request's context (cfapi
	// Options.Timeout). Over the budget's RoundTripper, which net/http
	// cannot cancel directly, a client timeout started two goroutines and
	// a timer for every API call, a tenth of a millisecond of a cold `rules
	// diff` (docs/performance.md, "Against start-up").
	hc := &http.Client{}
	if f.HTTPClient != nil {
		c := *f.HTTPClient
		hc = &c
	}
	hc.Transport = reg.Transport(hc.Transport, f.Limits().For(limits.Free))
	return hc
}

// CheckAccountID refuses an account id (from origin: the flag, the
// environment or the config file) that is not 32 hex digits, before any
// request: a typo would otherwise read as "no zone in that account".
func CheckAccountID(origin, id string) error {
	if id != "" && !cfapi.IsAccountID(id) {
		return FlagErrorf("invalid %s %q: an account id is 32 hex digits (Cloudflare dashboard › Account home › Account ID); nothing was sent", origin, id)
	}
	return nil
}

// ResolveZone resolves --zone through the client (--account-id choosing
// among zones of one name), mapping "not found" and an ambiguous name to a
// usage error and auth failures to AuthError.
func (f *Factory) ResolveZone(ctx context.Context) (cfapi.Zone, error) {
	if f.Settings == nil || f.Settings.Zone == "" {
		return cfapi.Zone{}, FlagErrorf("no zone given: use --zone NAME|ID, CFCACHE_ZONE, or `zone:` in the config file")
	}
	if err := CheckAccountID(f.Settings.Origin("account-id"), f.Settings.AccountID); err != nil {
		return cfapi.Zone{}, err
	}
	c, err := f.Client()
	if err != nil {
		return cfapi.Zone{}, err
	}
	z, err := c.ResolveZone(ctx, f.Settings.Zone, f.Settings.AccountID)
	return z, WrapAPIError(err)
}
