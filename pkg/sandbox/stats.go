package sandbox

import (
	"maps"
	"sort"
	"strings"
	"time"
)

// Stats counts the requests the server has seen.
type Stats struct {
	Total int
	// Requests counts answers by endpoint (the Endpoint* constants, or
	// EndpointUnknownRoute) and HTTP status; status 0 is a reset connection.
	Requests map[string]map[int]int
	// TooManyRequests counts every 429: injected, purge bucket and whole-API.
	TooManyRequests int
	// Resets counts connections reset by fault injection.
	Resets int
	// Arrived counts requests by endpoint as they arrive, before the
	// latency and before any answer: a test (e2e's sandbox-wait) knows a
	// command got as far as sending, even to a sandbox that holds it.
	Arrived map[string]int
	// Throttled splits TooManyRequests by cause, so a benchmark can tell
	// the 429s a client earned from the ones injected.
	Throttled ThrottleCounts
	// PurgeFaults counts the faults injected on the purge endpoints
	// (purge_cache and invalidate_cache, zone or environment): what a
	// client's `retries` should equal when nothing else went wrong.
	PurgeFaults FaultCounts
	// Tokens holds per-credential figures, keyed by the token's ID (never
	// its value), or LegacyKeyID for the legacy API key.
	Tokens map[string]TokenStats
}

// LegacyKeyID keys Stats.Tokens for requests made with X-Auth-Email +
// X-Auth-Key.
const LegacyKeyID = "legacy-api-key"

// ThrottleCounts are 429 answers by cause.
type ThrottleCounts struct {
	PurgeBucket int // the account's purge bucket was empty (code 1134)
	APIWindow   int // the token's whole-API window was exceeded, or it was blocked (code 971)
	Injected    int // Config.Throttle429Rate
}

// FaultCounts are injected faults.
type FaultCounts struct {
	Status5xx int // answered 500, 502 or 503
	Resets    int // connection reset without an answer
}

// TokenStats describes what one credential sent.
type TokenStats struct {
	// Requests is every request that carried the credential, whatever its
	// fate (injected faults and 429s included): what the client sent. The
	// server's own window does not count injected faults (they happen
	// before admission), so this is the stricter count.
	Requests int
	// PeakPerWindow is the most requests seen in any sliding API window
	// (300 s by default): above APIRequestsPerWindow means the client
	// crossed Cloudflare's 1,200 / 5 min whatever the server's own window
	// alignment let through.
	PeakPerWindow int
	// Blocked reports whether the credential was ever refused by the
	// whole-API window (and so blocked for APIBlockDuration).
	Blocked bool
}

// Count returns how many answers endpoint gave with status.
func (st Stats) Count(endpoint string, status int) int { return st.Requests[endpoint][status] }

// Stats returns a copy of the request counters.
func (s *Server) Stats() Stats {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	out := s.stats
	out.Requests = make(map[string]map[int]int, len(s.stats.Requests))
	for k, v := range s.stats.Requests {
		out.Requests[k] = maps.Clone(v)
	}
	out.Arrived = maps.Clone(s.stats.Arrived)
	out.Tokens = make(map[string]TokenStats, len(s.tokenStats))
	for k, v := range s.tokenStats {
		out.Tokens[k] = v.TokenStats
	}
	return out
}

// tokenTrack is TokenStats plus the arrival times inside the current
// sliding window, oldest first.
type tokenTrack struct {
	TokenStats
	recent []time.Time
}

// sent records one request of the caller at its arrival. Callers hold no lock.
func (s *Server) sent(c *caller) {
	if c == nil || !c.known() {
		return
	}
	id := c.statsKey()
	window := s.apiLimits.APIWindow()
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	now := s.now() // read under the lock so arrivals are in order
	tr := s.tokenStats[id]
	if tr == nil {
		tr = &tokenTrack{}
		s.tokenStats[id] = tr
	}
	tr.Requests++
	drop := 0
	for drop < len(tr.recent) && now.Sub(tr.recent[drop]) >= window {
		drop++
	}
	tr.recent = append(tr.recent[drop:], now)
	tr.PeakPerWindow = max(tr.PeakPerWindow, len(tr.recent))
}

// markBlocked marks the caller as refused by the whole-API window.
func (s *Server) markBlocked(c *caller) {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	tr := s.tokenStats[c.statsKey()]
	if tr == nil {
		tr = &tokenTrack{}
		s.tokenStats[c.statsKey()] = tr
	}
	tr.Blocked = true
}

type throttleCause int

const (
	byPurgeBucket throttleCause = iota
	byAPIWindow
	byInjection
)

// throttled counts a 429 by cause; count counts its status.
func (s *Server) throttled(cause throttleCause) {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	switch cause {
	case byPurgeBucket:
		s.stats.Throttled.PurgeBucket++
	case byAPIWindow:
		s.stats.Throttled.APIWindow++
	case byInjection:
		s.stats.Throttled.Injected++
	}
}

// purgeFault counts a fault injected on a purge endpoint.
func (s *Server) purgeFault(reset bool) {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	if reset {
		s.stats.PurgeFaults.Resets++
	} else {
		s.stats.PurgeFaults.Status5xx++
	}
}

// PurgeRecord is everything purged in one zone and how many times. Keys are
// as Cloudflare would match them: files by FileKey, tags and hosts
// lower-cased, prefixes with the host part lower-cased.
type PurgeRecord struct {
	Everything int
	Files      map[string]int
	Tags       map[string]int
	Hosts      map[string]int
	Prefixes   map[string]int
	// Requests counts successful calls (purge_cache or invalidate_cache,
	// as the record's scope says), by kind.
	Requests map[Kind]int
}

// Total returns the number of items purged, counting repeats.
func (p PurgeRecord) Total() int {
	n := p.Everything
	for _, m := range []map[string]int{p.Files, p.Tags, p.Hosts, p.Prefixes} {
		for _, c := range m {
			n += c
		}
	}
	return n
}

type purgeRecord struct {
	everything int
	items      map[Kind]map[string]int
	requests   map[Kind]int
}

func newPurgeRecord() purgeRecord {
	return purgeRecord{
		items:    map[Kind]map[string]int{KindFiles: {}, KindTags: {}, KindHosts: {}, KindPrefixes: {}},
		requests: map[Kind]int{},
	}
}

// Scope names one record of a zone: zone-level purge_cache (the zero
// Scope), invalidate_cache, or either of them for one environment (by ref).
type Scope struct {
	Environment string
	Invalidate  bool
}

// record returns the zone's record for scope, creating it. Callers hold s.mu.
func (z *zoneState) record(sc Scope) *purgeRecord {
	r := z.records[sc]
	if r == nil {
		nr := newPurgeRecord()
		r = &nr
		z.records[sc] = r
	}
	return r
}

func (z *zoneState) environment(ref string) *Environment {
	for i := range z.Environments {
		if z.Environments[i].Ref == ref {
			return &z.Environments[i]
		}
	}
	return nil
}

// Purges returns a copy of what was purged (zone-level purge_cache) in the
// zone with the given id or name, and false when there is no such zone.
func (s *Server) Purges(zone string) (PurgeRecord, bool) { return s.Record(zone, Scope{}) }

// Record returns a copy of what reached the zone in scope: purged or
// invalidated, at the zone level or in one environment.
func (s *Server) Record(zone string, sc Scope) (PurgeRecord, bool) {
	z := s.zone(zone)
	if z == nil {
		return PurgeRecord{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := z.record(sc)
	return PurgeRecord{
		Everything: r.everything,
		Files:      maps.Clone(r.items[KindFiles]),
		Tags:       maps.Clone(r.items[KindTags]),
		Hosts:      maps.Clone(r.items[KindHosts]),
		Prefixes:   maps.Clone(r.items[KindPrefixes]),
		Requests:   maps.Clone(r.requests),
	}, true
}

// PurgeCount returns how many times item was purged (zone-level
// purge_cache) in zone: a FileKey for KindFiles, the tag, host or prefix
// otherwise (normalized the same way), and the number of purge_everything
// calls for KindEverything.
func (s *Server) PurgeCount(zone string, kind Kind, item string) int {
	return s.Count(zone, Scope{}, kind, item)
}

// Count is PurgeCount for any scope.
func (s *Server) Count(zone string, sc Scope, kind Kind, item string) int {
	z := s.zone(zone)
	if z == nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := z.record(sc)
	switch kind {
	case KindEverything:
		return r.everything
	case KindFiles:
		return r.items[kind][item]
	default:
		return r.items[kind][normalizeItem(kind, item)]
	}
}

// PurgeTokens reports the tokens left now in the zone's account buckets:
// URLs for single-file purge, requests for the others.
func (s *Server) PurgeTokens(zone string) (urls, flex float64) {
	z := s.zone(zone)
	if z == nil {
		return 0, 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	return s.bucketFor(z, urlBucket).available(now), s.bucketFor(z, flexBucket).available(now)
}

// FileKey is the key of a purged file in PurgeRecord.Files: the URL as sent,
// then the headers with lower-cased names, sorted, in brackets. The values of
// CF-Device-Type and CF-IPCountry are case-normalized as Cloudflare matches them.
func FileKey(url string, headers map[string]string) string {
	if len(headers) == 0 {
		return url
	}
	names := make([]string, 0, len(headers))
	norm := make(map[string]string, len(headers))
	for k, v := range headers {
		lk := strings.ToLower(k)
		names = append(names, lk)
		norm[lk] = normalizeHeaderValue(lk, v)
	}
	sort.Strings(names)
	var b strings.Builder
	b.Grow(len(url) + 32*len(names))
	b.WriteString(url)
	b.WriteString(" [")
	for i, n := range names {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(n)
		b.WriteString(": ")
		b.WriteString(norm[n])
	}
	b.WriteByte(']')
	return b.String()
}

func normalizeHeaderValue(lowerName, v string) string {
	switch lowerName {
	case "cf-device-type":
		return strings.ToLower(v)
	case "cf-ipcountry":
		return strings.ToUpper(v)
	}
	return v
}

func normalizeItem(kind Kind, item string) string {
	switch kind {
	case KindTags, KindHosts:
		return strings.ToLower(item)
	case KindPrefixes:
		host, path, found := strings.Cut(item, "/")
		if !found {
			return strings.ToLower(host)
		}
		return strings.ToLower(host) + "/" + path
	}
	return item
}
