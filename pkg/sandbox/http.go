package sandbox

import (
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cfcache/cfcache/pkg/limits"
)

// Endpoint names used as keys of Stats.Requests: method and route pattern
// relative to BasePath.
const (
	EndpointZones        = "GET /zones"
	EndpointZone         = "GET /zones/{zone_id}"
	EndpointPurge        = "POST /zones/{zone_id}/purge_cache"
	EndpointInvalidate   = "POST /zones/{zone_id}/invalidate_cache"
	EndpointEnvironments = "GET /zones/{zone_id}/environments"
	EndpointEnvPurge     = "POST /zones/{zone_id}/environments/{env_ref}/purge_cache"
	EndpointEnvInvalid   = "POST /zones/{zone_id}/environments/{env_ref}/invalidate_cache"
	EndpointUserVerify   = "GET /user/tokens/verify"
	EndpointAcctVerify   = "GET /accounts/{account_id}/tokens/verify"
	EndpointEntrypoint   = "GET /zones/{zone_id}/rulesets/phases/" + CacheSettingsPhase + "/entrypoint"
	EndpointPutEntry     = "PUT /zones/{zone_id}/rulesets/phases/" + CacheSettingsPhase + "/entrypoint"
	EndpointVersions     = "GET /zones/{zone_id}/rulesets/phases/" + CacheSettingsPhase + "/entrypoint/versions"
	EndpointVersion      = "GET /zones/{zone_id}/rulesets/phases/" + CacheSettingsPhase + "/entrypoint/versions/{version}"
	// The response phase's entrypoint (Cache Response Rules).
	EndpointRespEntrypoint = "GET /zones/{zone_id}/rulesets/phases/" + ResponseCachePhase + "/entrypoint"
	EndpointRespPutEntry   = "PUT /zones/{zone_id}/rulesets/phases/" + ResponseCachePhase + "/entrypoint"
	EndpointRespVersions   = "GET /zones/{zone_id}/rulesets/phases/" + ResponseCachePhase + "/entrypoint/versions"
	EndpointRespVersion    = "GET /zones/{zone_id}/rulesets/phases/" + ResponseCachePhase + "/entrypoint/versions/{version}"
	EndpointAPOSetting     = "GET /zones/{zone_id}/settings/automatic_platform_optimization"
	EndpointSSLSetting     = "GET /zones/{zone_id}/settings/ssl"
	EndpointUnknownRoute   = "unknown"
)

// handlerFunc is an endpoint after authentication and the whole-API window.
type handlerFunc func(w http.ResponseWriter, r *http.Request, c *caller)

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	s.handle(EndpointZones, s.handleZones, false)
	s.handle(EndpointZone, s.handleZone, false)
	s.handle(EndpointPurge, s.handlePurge, false)
	s.handle(EndpointInvalidate, s.handlePurge, false)
	s.handle(EndpointEnvironments, s.handleEnvironments, false)
	s.handle(EndpointEnvPurge, s.handlePurge, false)
	s.handle(EndpointEnvInvalid, s.handlePurge, false)
	s.handle(EndpointUserVerify, s.handleUserVerify, true)
	s.handle(EndpointAcctVerify, s.handleAccountVerify, true)
	for _, ph := range []struct{ phase, get, put, versions, version string }{
		{CacheSettingsPhase, EndpointEntrypoint, EndpointPutEntry, EndpointVersions, EndpointVersion},
		{ResponseCachePhase, EndpointRespEntrypoint, EndpointRespPutEntry, EndpointRespVersions, EndpointRespVersion},
	} {
		phase := ph.phase
		s.handle(ph.get, func(w http.ResponseWriter, r *http.Request, c *caller) { s.handleGetEntrypoint(w, r, c, phase) }, false)
		s.handle(ph.put, func(w http.ResponseWriter, r *http.Request, c *caller) { s.handlePutEntrypoint(w, r, c, phase) }, false)
		s.handle(ph.versions, func(w http.ResponseWriter, r *http.Request, c *caller) { s.handleVersions(w, r, c, phase) }, false)
		s.handle(ph.version, func(w http.ResponseWriter, r *http.Request, c *caller) { s.handleVersion(w, r, c, phase) }, false)
	}
	s.handle(EndpointAPOSetting, s.handleAPOSetting, false)
	s.handle(EndpointSSLSetting, s.handleSSLSetting, false)
	s.mux.HandleFunc("/", s.handleUnknown)
}

// handle registers an endpoint. verify endpoints see inactive and unknown
// tokens themselves, because reporting them is their job.
func (s *Server) handle(endpoint string, h handlerFunc, verify bool) {
	method, path, _ := strings.Cut(endpoint, " ")
	s.mux.HandleFunc(method+" "+BasePath+path, func(w http.ResponseWriter, r *http.Request) {
		c := s.authenticate(r)
		if !verify && !c.usable() {
			s.setRateHeaders(w, c)
			writeErrors(w, http.StatusForbidden, apiErr(codeAuth, msgAuth))
			return
		}
		if c.known() && !s.admit(w, c) {
			return
		}
		if !c.known() {
			s.setRateHeaders(w, c)
		}
		h(w, r, c)
	})
}

func (s *Server) handleUnknown(w http.ResponseWriter, r *http.Request) {
	s.setRateHeaders(w, s.authenticate(r))
	if r.Method != http.MethodGet && s.knownPath(r) {
		writeErrors(w, http.StatusMethodNotAllowed, apiErr(codeMethodNotAllowed, "Method %s not allowed for this route", r.Method))
		return
	}
	writeErrors(w, http.StatusNotFound, apiErr(codeNoRoute, msgNoRoute))
}

// knownPath reports whether another method would have matched, so a wrong
// method says so instead of "no route".
func (s *Server) knownPath(r *http.Request) bool {
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, p := s.mux.Handler(probe); p != "" && p != "/" {
			return true
		}
	}
	return false
}

// ServeHTTP answers one API request: latency, then at most one injected
// fault, then authentication, the whole-API window and the endpoint.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	endpoint := s.endpointOf(r)
	rec := &recorder{ResponseWriter: w, onStatus: func(status int) { s.count(endpoint, status) }}
	defer func() { s.logRequest(rec, r, time.Since(start)) }()
	s.arrived(endpoint)
	s.sent(s.authenticate(r))

	if s.cfg.Latency > 0 {
		t := time.NewTimer(s.cfg.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			rec.WriteHeader(499) // client went away; nginx's convention, seen only in stats and the log
			return
		}
	}
	switch f := s.drawFault(); f.kind {
	case faultReset:
		// Counted before the reset so a client that sees the reset also sees it in Stats.
		rec.reset = true
		if isPurgeEndpoint(endpoint) {
			s.purgeFault(true)
		}
		s.count(endpoint, 0)
		resetConnection(w)
		return
	case faultFail:
		if isPurgeEndpoint(endpoint) {
			s.purgeFault(false)
		}
		s.setRateHeaders(rec, s.authenticate(r))
		writeErrors(rec, f.status, apiErr(codeInternal, "%s", http.StatusText(f.status)))
		return
	case faultThrottle:
		s.throttled(byInjection)
		s.setRateHeaders(rec, s.authenticate(r))
		rec.Header().Set("Retry-After", strconv.Itoa(ceilSeconds(s.cfg.ThrottleRetryAfter)))
		if isPurgeEndpoint(endpoint) {
			writeErrors(rec, http.StatusTooManyRequests, apiErr(codePurgeRateLimited, msgPurgeRateLimit))
		} else {
			writeErrors(rec, http.StatusTooManyRequests, apiErr(codeAPIRateLimited, msgAPIRateLimit))
		}
		return
	}
	s.mux.ServeHTTP(rec, r)
}

// isPurgeEndpoint reports the endpoints that share the purge buckets.
func isPurgeEndpoint(endpoint string) bool {
	switch endpoint {
	case EndpointPurge, EndpointInvalidate, EndpointEnvPurge, EndpointEnvInvalid:
		return true
	}
	return false
}

func (s *Server) endpointOf(r *http.Request) string {
	_, pattern := s.mux.Handler(r)
	method, path, ok := strings.Cut(pattern, " ")
	if !ok || !strings.HasPrefix(path, BasePath+"/") {
		return EndpointUnknownRoute
	}
	// GET patterns also match HEAD; name the endpoint by its pattern.
	return method + " " + strings.TrimPrefix(path, BasePath)
}

// resetConnection drops the connection without answering. SetLinger(0)
// makes the close send a TCP RST, which is what "connection reset" means to
// a client. Where hijacking is impossible (HTTP/2) the handler aborts, which
// resets the stream.
func resetConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

type faultKind int

const (
	faultNone faultKind = iota
	faultReset
	faultFail
	faultThrottle
)

type fault struct {
	kind   faultKind
	status int
}

func (s *Server) drawFault() fault {
	c := s.cfg
	if c.FailRate == 0 && c.ResetRate == 0 && c.Throttle429Rate == 0 {
		return fault{}
	}
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	u := s.rng.Float64()
	switch {
	case u < c.ResetRate:
		return fault{kind: faultReset}
	case u < c.ResetRate+c.FailRate:
		return fault{kind: faultFail, status: []int{500, 502, 503}[s.rng.IntN(3)]}
	case u < c.ResetRate+c.FailRate+c.Throttle429Rate:
		return fault{kind: faultThrottle}
	}
	return fault{}
}

// recorder remembers the status for the log and counts it in the stats
// as soon as it is known, before the client can read the answer.
type recorder struct {
	http.ResponseWriter
	onStatus func(int)
	status   int
	reset    bool
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
		r.onStatus(status)
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.WriteHeader(http.StatusOK)
	}
	return r.ResponseWriter.Write(b)
}

func (s *Server) arrived(endpoint string) {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	if s.stats.Arrived == nil {
		s.stats.Arrived = map[string]int{}
	}
	s.stats.Arrived[endpoint]++
}

func (s *Server) count(endpoint string, status int) {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	s.stats.Total++
	byStatus := s.stats.Requests[endpoint]
	if byStatus == nil {
		byStatus = map[int]int{}
		s.stats.Requests[endpoint] = byStatus
	}
	byStatus[status]++
	switch status {
	case 0:
		s.stats.Resets++
	case http.StatusTooManyRequests:
		s.stats.TooManyRequests++
	}
}

func (s *Server) logRequest(rec *recorder, r *http.Request, d time.Duration) {
	if s.cfg.Log == nil {
		return
	}
	shown := strconv.Itoa(rec.status)
	if rec.reset {
		shown = "reset"
	}
	// Only the path: the query string is not needed and headers, where the
	// credentials are, are never logged.
	line := fmt.Sprintf("sandbox: %s %s %s %s\n", r.Method, r.URL.Path, shown, d.Round(time.Microsecond))
	s.logMu.Lock()
	_, _ = io.WriteString(s.cfg.Log, line)
	s.logMu.Unlock()
}

// caller is the authenticated identity of a request.
type caller struct {
	token  *Token // nil for the legacy API key or no credentials
	legacy bool   // authenticated with X-Auth-Email + X-Auth-Key
	status string // token status at request time
	early  bool   // before the token's not_before
}

func (c *caller) known() bool { return c.token != nil || c.legacy }

func (c *caller) usable() bool {
	if c.legacy {
		return true
	}
	return c.token != nil && c.status == StatusActive && !c.early
}

// statsKey names the caller in Stats.Tokens: the token's ID, never its value.
func (c *caller) statsKey() string {
	if c.legacy {
		return LegacyKeyID
	}
	return c.token.ID
}

// windowKey identifies whose whole-API window a request counts against.
func (c *caller) windowKey() string {
	if c.legacy {
		return "key"
	}
	return "token:" + c.token.ID
}

func (c *caller) accountOwned() bool {
	return c.token != nil && strings.HasPrefix(c.token.Value, AccountTokenPrefix)
}

func (c *caller) can(p Permission) bool {
	if c.legacy || len(c.token.Permissions) == 0 {
		return true
	}
	if p == PermCacheRulesRead && slices.Contains(c.token.Permissions, PermCacheRulesEdit) {
		return true
	}
	return slices.Contains(c.token.Permissions, p)
}

// sees reports whether the caller may see zone z at all. Account-owned
// tokens only see their account; a zone they cannot see is answered exactly
// like a zone that does not exist.
func (c *caller) sees(z *zoneState) bool {
	return !c.accountOwned() || c.token.AccountID == z.AccountID
}

func (s *Server) authenticate(r *http.Request) *caller {
	if v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		t := s.tokens[strings.TrimSpace(v)]
		if t == nil {
			return &caller{}
		}
		return &caller{token: t, status: s.tokenStatus(t), early: !t.NotBefore.IsZero() && s.now().Before(t.NotBefore)}
	}
	email, key := r.Header.Get("X-Auth-Email"), r.Header.Get("X-Auth-Key")
	if s.cfg.APIKey != "" && s.cfg.APIEmail != "" && key == s.cfg.APIKey && strings.EqualFold(email, s.cfg.APIEmail) {
		return &caller{legacy: true, status: StatusActive}
	}
	return &caller{}
}

func (s *Server) tokenStatus(t *Token) string {
	if t.Status == StatusActive && !t.ExpiresOn.IsZero() && !s.now().Before(t.ExpiresOn) {
		return StatusExpired
	}
	return t.Status
}

// admit counts the request against the caller's whole-API window and sets
// the rate-limit headers. Over the limit it answers 429 itself and blocks
// the caller for APIBlockDuration, as Cloudflare blocks for 5 minutes.
func (s *Server) admit(w http.ResponseWriter, c *caller) bool {
	l := s.apiLimits
	s.mu.Lock()
	win := s.windows[c.windowKey()]
	if win == nil {
		win = &window{}
		s.windows[c.windowKey()] = win
	}
	ok, remaining, reset := win.admit(s.now(), l.APIRequestsPerWindow, l.APIWindow(), s.cfg.APIBlockDuration)
	s.mu.Unlock()
	writeRateHeaders(w, remaining, reset, l)
	if !ok {
		s.throttled(byAPIWindow)
		s.markBlocked(c)
		w.Header().Set("Retry-After", strconv.Itoa(ceilSeconds(reset)))
		writeErrors(w, http.StatusTooManyRequests, apiErr(codeAPIRateLimited, msgAPIRateLimit))
	}
	return ok
}

// setRateHeaders describes the caller's window without counting a request,
// for answers given before or instead of admission.
func (s *Server) setRateHeaders(w http.ResponseWriter, c *caller) {
	l := s.apiLimits
	remaining, reset := l.APIRequestsPerWindow, l.APIWindow()
	if c != nil && c.known() {
		s.mu.Lock()
		if win := s.windows[c.windowKey()]; win != nil {
			remaining, reset = win.peek(s.now(), l.APIRequestsPerWindow, l.APIWindow())
		}
		s.mu.Unlock()
	}
	writeRateHeaders(w, remaining, reset, l)
}

// writeRateHeaders uses the format of developers.cloudflare.com/fundamentals/api/reference/limits/:
// Ratelimit: "default";r=50;t=30 and Ratelimit-Policy: "burst";q=100;w=60.
func writeRateHeaders(w http.ResponseWriter, remaining int, reset time.Duration, l limits.Limits) {
	h := w.Header()
	h.Set("Ratelimit", fmt.Sprintf(`"default";r=%d;t=%d`, remaining, ceilSeconds(reset)))
	h.Set("Ratelimit-Policy", fmt.Sprintf(`"burst";q=%d;w=%d`, l.APIRequestsPerWindow, l.APIWindowSeconds))
}

// ceilSeconds rounds up to whole seconds, as Cloudflare's Retry-After does.
func ceilSeconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int(math.Ceil(d.Seconds()))
}
