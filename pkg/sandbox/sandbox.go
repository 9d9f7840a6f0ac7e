// Package sandbox is a local emulator of the Cloudflare API endpoints cfcache
// uses: zones, token verification, purge_cache and the cache-settings phase
// entrypoint ruleset. It enforces Cloudflare's documented shapes and limits
// (per-request item counts, per-account purge token buckets, the whole-API
// window and its 5-minute block) so that tests against it mean something,
// and it can inject faults (5xx, 429, connection resets, latency) before a
// request is processed, so a faulted request never purges anything.
//
// It backs `cfcache sandbox` and the project's tests:
//
//	srv := httptest.NewServer(sandbox.New(cfg))
//	base := srv.URL + sandbox.BasePath
//
// Facts and their sources are in docs/cloudflare.md; where
// Cloudflare's real error code or message could not be found, the comment
// at the code says it was chosen.
package sandbox

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/zonestatus"
)

// BasePath is where the API is served, as in https://api.cloudflare.com/client/v4.
const BasePath = "/client/v4"

// CacheSettingsPhase is the ruleset phase Cache Rules live in.
const CacheSettingsPhase = "http_request_cache_settings"

// ResponseCachePhase is the ruleset phase of Cache Response Rules (GA
// 2026-03-24; docs/cloudflare.md "Cache Response Rules"): the same
// endpoints and per-plan rule counts, other actions.
const ResponseCachePhase = "http_response_cache_settings"

// Well-known identifiers used by DefaultConfig. They are the example ids of
// Cloudflare's API reference, so they look real and are recognisable.
const (
	DefaultZoneID    = "023e105f4ecef8ad9ca31a8372d0c353"
	DefaultZoneName  = "example.com"
	DefaultAccountID = "01a7362d577a6c3019a474fd6f485823"
)

// AccountTokenPrefix marks an account-owned API token: those verify at
// /accounts/{account_id}/tokens/verify and get error 1000 from /user/tokens/verify.
const AccountTokenPrefix = "cfat_"

// Token status values reported by the verify endpoints.
const (
	StatusActive   = "active"
	StatusDisabled = "disabled"
	StatusExpired  = "expired"
)

// Permission is a token permission the sandbox checks. A token with no
// permissions listed has all of them, which is what most tests want.
type Permission string

const (
	PermCachePurge     Permission = "cache_purge"      // Zone › Cache Purge
	PermCacheRulesRead Permission = "cache_rules_read" // Zone › Cache Rules › Read
	PermCacheRulesEdit Permission = "cache_rules_edit" // Zone › Cache Rules › Edit (implies read)
	// Zone › Zone Settings › Read: GET /zones/{id}/settings/{setting}.
	PermZoneSettingsRead Permission = "zone_settings_read"
)

// Zone is one zone the sandbox serves.
type Zone struct {
	ID          string      // 32 lowercase hex digits; derived from Name when empty
	Name        string      // e.g. example.com
	Plan        limits.Plan // free when empty
	AccountID   string      // 32 hex; DefaultAccountID when empty
	AccountName string      // "Sandbox account" when empty
	// Status is the zone's status as GET /zones lists it: active (when
	// empty), pending, initializing or moved. A name may be served in
	// several accounts, as Cloudflare lets one domain be added to more
	// than one (typically one active zone and pending copies); the
	// zone's id is then derived from its name and account unless given.
	Status string
	// Environments are the zone's environments (zone versioning), listed
	// by GET /zones/{id}/environments and purged one at a time through
	// /zones/{id}/environments/{ref}/purge_cache and .../invalidate_cache.
	// None by default.
	Environments []Environment
	// APO is the zone's Automatic Platform Optimization for WordPress
	// setting, served by GET /zones/{id}/settings/automatic_platform_optimization.
	// Nil: APO off.
	APO *APO
	// SSL is the zone's SSL/TLS encryption mode (off, flexible, full or
	// strict), served by GET /zones/{id}/settings/ssl. Empty means full.
	SSL string
}

// APO is the part of the APO setting cfcache reads (cloudflare.md "APO for
// WordPress"). The sandbox reports cf, wordpress and wp_plugin as Enabled.
type APO struct {
	Enabled bool
	// CacheByDeviceType: APO keeps one HTML copy per device type (mobile,
	// tablet, desktop), purged with CF-Device-Type.
	CacheByDeviceType bool
	// Hostnames APO is active on; the zone name and its www. when empty.
	Hostnames []string
}

// SSL modes of the ssl zone setting.
var sslModes = []string{"off", "flexible", "full", "strict"}

// Environment is one environment of a zone.
type Environment struct {
	Name string // e.g. production, staging
	Ref  string // derived from the zone and Name when empty
}

// Token is an accepted API token. A Value starting with AccountTokenPrefix
// is account-owned: it only sees zones of its AccountID.
type Token struct {
	Value       string
	ID          string       // 32 hex, reported by verify; derived from Value when empty
	AccountID   string       // account-owned tokens only; the first zone's account when empty
	Status      string       // active (default), disabled or expired
	ExpiresOn   time.Time    // zero: never; at or after it the token is expired
	NotBefore   time.Time    // zero: always; before it the token cannot be used
	Permissions []Permission // empty: all permissions
}

// Config configures a Server. The zero value is usable only after filling
// Zones and Tokens; DefaultConfig gives a ready one.
type Config struct {
	Zones  []Zone
	Tokens []Token

	// Legacy global API key, accepted as X-Auth-Email + X-Auth-Key when both are set.
	APIKey   string
	APIEmail string

	// Limits is the table the SERVER enforces; it may differ from the one the
	// client believes (e.g. 30 URLs per request). Nil means limits.Default().
	Limits limits.Table

	// APIBlockDuration is how long a token is refused after exceeding the
	// whole-API window (Cloudflare: 5 minutes). Zero means 5 minutes.
	APIBlockDuration time.Duration

	// Fault injection, drawn once per request before anything is processed.
	// Rates are fractions in [0,1]; their sum should not exceed 1.
	FailRate        float64 // answered 500, 502 or 503 with the error envelope
	ResetRate       float64 // connection hijacked and reset, no response at all
	Throttle429Rate float64 // answered 429 with Retry-After
	// ThrottleRetryAfter is the Retry-After of injected 429s (rounded up to
	// whole seconds, as Cloudflare does). Zero means one second.
	ThrottleRetryAfter time.Duration
	Latency            time.Duration // added to every request
	Seed               uint64        // seeds fault draws and generated ids; 0 is a valid seed

	// Log gets one line per request: method, path, status, duration. Never
	// credentials. Nil means no log.
	Log io.Writer

	// Now is the clock of the token buckets and the API window. Nil means time.Now.
	Now func() time.Time
}

// DefaultConfig returns one free-plan zone example.com with the well-known
// id, a user API token (Tokens[0]) and an account-owned token (Tokens[1]),
// both freshly generated.
func DefaultConfig() Config {
	return Config{
		Zones: []Zone{{
			ID:        DefaultZoneID,
			Name:      DefaultZoneName,
			Plan:      limits.Free,
			AccountID: DefaultAccountID,
		}},
		Tokens: []Token{
			{Value: RandomToken("")},
			{Value: RandomToken(AccountTokenPrefix), AccountID: DefaultAccountID},
		},
	}
}

// RandomToken returns prefix followed by 40 random characters of the
// alphabet Cloudflare tokens use.
func RandomToken(prefix string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
	b := make([]byte, 40)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("sandbox: reading random bytes: %v", err)) // crypto/rand does not fail on supported platforms
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return prefix + string(b)
}

// Validate reports the first problem that would make New panic.
func (c Config) Validate() error {
	_, err := c.normalized()
	return err
}

func (c Config) normalized() (Config, error) {
	out := c
	if len(c.Zones) == 0 {
		return out, fmt.Errorf("sandbox: no zones configured")
	}
	out.Zones = make([]Zone, len(c.Zones))
	ids, names, inAccount := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i, z := range c.Zones {
		z.Name = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(z.Name), "."))
		if z.Name == "" || validHostname(z.Name) != "" {
			return out, fmt.Errorf("sandbox: zone %d: invalid name %q", i, c.Zones[i].Name)
		}
		if z.AccountID == "" {
			z.AccountID = DefaultAccountID
		}
		z.AccountID = strings.ToLower(z.AccountID)
		if !isHexID(z.AccountID) {
			return out, fmt.Errorf("sandbox: zone %s: account id %q is not 32 hex digits", z.Name, c.Zones[i].AccountID)
		}
		if z.ID == "" {
			// The first zone of a name keeps the id derived from the name
			// alone, as before names could repeat across accounts.
			z.ID = derivedID("zone", z.Name)
			if names[z.Name] {
				z.ID = derivedID("zone", z.Name+"@"+z.AccountID)
			}
		}
		z.ID = strings.ToLower(z.ID)
		if !isHexID(z.ID) {
			return out, fmt.Errorf("sandbox: zone %s: id %q is not 32 hex digits", z.Name, z.ID)
		}
		if z.Plan == "" {
			z.Plan = limits.Free
		}
		p, err := limits.ParsePlan(string(z.Plan))
		if err != nil {
			return out, fmt.Errorf("sandbox: zone %s: %w", z.Name, err)
		}
		z.Plan = p
		if z.AccountName == "" {
			z.AccountName = "Sandbox account"
		}
		envs, err := normalizeEnvironments(z)
		if err != nil {
			return out, err
		}
		z.Environments = envs
		if z.SSL == "" {
			z.SSL = "full"
		}
		z.SSL = strings.ToLower(z.SSL)
		if !slices.Contains(sslModes, z.SSL) {
			return out, fmt.Errorf("sandbox: zone %s: ssl %q is not off, flexible, full or strict", z.Name, z.SSL)
		}
		if z.APO != nil {
			a := *z.APO
			if len(a.Hostnames) == 0 {
				a.Hostnames = []string{z.Name, "www." + z.Name}
			}
			a.Hostnames = append([]string(nil), a.Hostnames...)
			for j, h := range a.Hostnames {
				h = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(h), "."))
				if why := validHostname(h); why != "" {
					return out, fmt.Errorf("sandbox: zone %s: APO hostname %q: %s", z.Name, a.Hostnames[j], why)
				}
				if h != z.Name && !strings.HasSuffix(h, "."+z.Name) {
					return out, fmt.Errorf("sandbox: zone %s: APO hostname %q is not in the zone", z.Name, h)
				}
				a.Hostnames[j] = h
			}
			z.APO = &a
		}
		z.Status = strings.ToLower(z.Status)
		if z.Status == "" {
			z.Status = "active"
		}
		if !slices.Contains(zoneStatuses, z.Status) {
			return out, fmt.Errorf("sandbox: zone %s: status %q is not active, pending, initializing or moved", z.Name, z.Status)
		}
		if ids[z.ID] || inAccount[z.Name+"@"+z.AccountID] {
			return out, fmt.Errorf("sandbox: zone %s (%s) configured twice", z.Name, z.ID)
		}
		ids[z.ID], names[z.Name], inAccount[z.Name+"@"+z.AccountID] = true, true, true
		out.Zones[i] = z
	}
	out.Tokens = make([]Token, len(c.Tokens))
	values := map[string]bool{}
	for i, t := range c.Tokens {
		if t.Value == "" {
			return out, fmt.Errorf("sandbox: token %d has no value", i)
		}
		if values[t.Value] {
			return out, fmt.Errorf("sandbox: token %d configured twice", i)
		}
		values[t.Value] = true
		if t.ID == "" {
			t.ID = derivedID("token", t.Value)
		}
		if t.Status == "" {
			t.Status = StatusActive
		}
		switch t.Status {
		case StatusActive, StatusDisabled, StatusExpired:
		default:
			return out, fmt.Errorf("sandbox: token %d: status %q is not active, disabled or expired", i, t.Status)
		}
		if strings.HasPrefix(t.Value, AccountTokenPrefix) && t.AccountID == "" {
			t.AccountID = out.Zones[0].AccountID
		}
		out.Tokens[i] = t
	}
	if len(out.Tokens) == 0 && (c.APIKey == "" || c.APIEmail == "") {
		return out, fmt.Errorf("sandbox: no credentials configured")
	}
	if out.Limits == nil {
		out.Limits = limits.Default()
	}
	for _, z := range out.Zones {
		l := out.Limits.For(z.Plan)
		if l.URLPurgeRate <= 0 || l.FlexPurgeRate <= 0 || l.URLPurgeBurst < 1 || l.FlexPurgeBurst < 1 ||
			l.APIRequestsPerWindow < 1 || l.APIWindowSeconds < 1 {
			return out, fmt.Errorf("sandbox: limits for plan %s need positive rates, bucket sizes and API window", z.Plan)
		}
	}
	if out.APIBlockDuration <= 0 {
		out.APIBlockDuration = 5 * time.Minute
	}
	if out.ThrottleRetryAfter <= 0 {
		out.ThrottleRetryAfter = time.Second
	}
	for _, r := range []float64{c.FailRate, c.ResetRate, c.Throttle429Rate} {
		if r < 0 || r > 1 || math.IsNaN(r) {
			return out, fmt.Errorf("sandbox: fault rates must be within [0,1]")
		}
	}
	if c.FailRate+c.ResetRate+c.Throttle429Rate > 1 {
		return out, fmt.Errorf("sandbox: fault rates add up to more than 1")
	}
	if out.Now == nil {
		out.Now = time.Now
	}
	return out, nil
}

// Server is the emulator. It is an http.Handler and safe for concurrent use.
type Server struct {
	cfg       Config
	mux       *http.ServeMux
	zones     []*zoneState
	byID      map[string]*zoneState
	byName    map[string]*zoneState
	tokens    map[string]*Token
	apiLimits limits.Limits
	created   time.Time

	// mu guards everything a request changes: buckets, windows, purge
	// records, rulesets and the id sequence.
	mu      sync.Mutex
	buckets map[bucketKey]*bucket
	windows map[string]*window
	idSeq   uint64

	faultMu sync.Mutex
	rng     *mrand.Rand

	statsMu    sync.Mutex
	stats      Stats
	tokenStats map[string]*tokenTrack

	logMu sync.Mutex

	// answers holds the encoded GET answer of each stored ruleset version
	// (writeRuleset). Versions never change, and nothing is evicted: a
	// sandbox kept running holds each version about twice, which suits a
	// test server (docs/performance.md, "Against start-up").
	answerMu sync.Mutex
	answers  map[*Ruleset][]byte
}

type zoneState struct {
	Zone
	// records holds what was purged or invalidated, per scope (zone level
	// or environment, purge or invalidate); created on first use.
	records  map[Scope]*purgeRecord
	versions []*Ruleset // every version of the cache-settings entrypoint; last is current
	// respVersions is the same for the response phase's entrypoint.
	respVersions []*Ruleset
}

// New builds a Server. It panics when cfg does not pass Validate, like
// regexp.MustCompile: a bad sandbox config is a programming error.
func New(cfg Config) *Server {
	c, err := cfg.normalized()
	if err != nil {
		panic(err)
	}
	s := &Server{
		cfg:        c,
		byID:       map[string]*zoneState{},
		byName:     map[string]*zoneState{},
		tokens:     map[string]*Token{},
		buckets:    map[bucketKey]*bucket{},
		windows:    map[string]*window{},
		tokenStats: map[string]*tokenTrack{},
		answers:    map[*Ruleset][]byte{},
		rng:        mrand.New(mrand.NewPCG(c.Seed, 0x5eed_cf_cace)),
		created:    c.Now().UTC().Truncate(time.Second),
	}
	s.stats.Requests = map[string]map[int]int{}
	for _, z := range c.Zones {
		zs := &zoneState{Zone: z, records: map[Scope]*purgeRecord{}}
		s.zones = append(s.zones, zs)
		s.byID[z.ID] = zs
		// Introspection by name finds the zone `--zone NAME` resolves to:
		// the best-served of that name (zonestatus.Rank), the first
		// configured among equals.
		if have, seen := s.byName[z.Name]; !seen || zonestatus.Rank(z.Status) < zonestatus.Rank(have.Status) {
			s.byName[z.Name] = zs
		}
	}
	for i := range c.Tokens {
		s.tokens[c.Tokens[i].Value] = &c.Tokens[i]
	}
	// The whole-API window is per token, not per zone, so one row has to
	// describe it: the first zone's plan (every documented row has the same
	// 1,200 per 5 minutes anyway).
	s.apiLimits = c.Limits.For(c.Zones[0].Plan)
	s.routes()
	return s
}

func (s *Server) now() time.Time { return s.cfg.Now() }

// newID returns 32 hex digits, deterministic for a given Seed and call
// order, and never drawn from the fault generator so ids do not shift faults.
// Callers hold s.mu.
func (s *Server) newID() string {
	s.idSeq++
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], s.cfg.Seed)
	binary.BigEndian.PutUint64(b[8:], s.idSeq)
	sum := sha256.Sum256(b[:])
	return hex.EncodeToString(sum[:16])
}

// AccountID returns the stable 32-hex account id the sandbox uses for an
// account label (`cfcache sandbox --add-zone NAME@LABEL`): the same label
// always gives the same id, so scripts and saved state can rely on it.
func AccountID(label string) string { return derivedID("account", label) }

func derivedID(kind, name string) string {
	sum := sha256.Sum256([]byte("cfcache-sandbox/" + kind + "/" + name))
	return hex.EncodeToString(sum[:16])
}

func isHexID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// zone finds a zone by id or name, for the introspection methods.
func (s *Server) zone(idOrName string) *zoneState {
	if z := s.byID[strings.ToLower(idOrName)]; z != nil {
		return z
	}
	return s.byName[strings.ToLower(strings.TrimSuffix(idOrName, "."))]
}

// normalizeEnvironments checks a zone's environments: names of a
// reasonable syntax, each name and ref once.
func normalizeEnvironments(z Zone) ([]Environment, error) {
	if len(z.Environments) == 0 {
		return nil, nil
	}
	out := make([]Environment, len(z.Environments))
	names, refs := map[string]bool{}, map[string]bool{}
	for i, e := range z.Environments {
		e.Name = strings.TrimSpace(e.Name)
		if !validEnvToken(e.Name) {
			return nil, fmt.Errorf("sandbox: zone %s: invalid environment name %q", z.Name, e.Name)
		}
		if e.Ref == "" {
			e.Ref = derivedID("environment", z.Name+"/"+e.Name)[:16]
		}
		if !validEnvToken(e.Ref) {
			return nil, fmt.Errorf("sandbox: zone %s: invalid environment ref %q", z.Name, e.Ref)
		}
		if names[strings.ToLower(e.Name)] || refs[e.Ref] {
			return nil, fmt.Errorf("sandbox: zone %s: environment %s (%s) configured twice", z.Name, e.Name, e.Ref)
		}
		names[strings.ToLower(e.Name)], refs[e.Ref] = true, true
		out[i] = e
	}
	return out, nil
}

// validEnvToken: 1 to 64 letters, digits, '-', '_' or '.', as a path
// segment needs no escaping.
func validEnvToken(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(isAlnum(c) || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// Zones returns the normalized zones the server serves (ids filled in).
func (s *Server) Zones() []Zone {
	out := make([]Zone, len(s.zones))
	for i, z := range s.zones {
		out[i] = z.Zone
	}
	return out
}

// Config returns the normalized configuration, defaults filled in.
func (s *Server) Config() Config { return s.cfg }
