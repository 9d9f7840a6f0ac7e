package cachekey

import (
	"slices"
	"strconv"
	"strings"

	"golang.org/x/text/language"

	"github.com/cfcache/cfcache/pkg/expr"
)

// The headers Cloudflare's single-file purge reads the user features from
// (cache/how-to/purge-cache/purge-cache-key), spelled as its API reference
// does. They match pkg/purge's constants; this package does not import
// pkg/purge so that purge can import it.
const (
	HeaderDevice   = "CF-Device-Type"
	HeaderCountry  = "CF-IPCountry"
	HeaderLanguage = "Accept-Language"
)

// Header is one header of a purge entry.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Purge is the single-file purge that evicts exactly one cache key.
type Purge struct {
	// URL is the URL to purge: the request's, without its fragment.
	// Cloudflare computes the key of a purge entry from its URL and headers
	// through the same rules, so the URL is given as requested, not as the
	// key holds it.
	URL string `json:"url"`
	// Args are the arguments of `cfcache` that purge the variant:
	// purge url URL [--device D] [--country CC] [--lang L] [-H 'Name: value']...
	Args []string `json:"args"`
	// Headers are the headers of the purge entry the command sends.
	Headers []Header `json:"headers"`
	// NotPurgeable names the parts of the key a purge header cannot reach.
	NotPurgeable []string `json:"not_purgeable,omitempty"`
	Notes        []string `json:"notes,omitempty"`
}

// Result is one request explained: every rule's outcome, the stacked
// settings, the cache key and the purge of that key.
type Result struct {
	Rules     []RuleResult
	Effective Effective
	Key       Key
	Purge     Purge
}

// Explain evaluates the request and derives its key and purge. The error is
// for a request URL that is not absolute http(s).
func (s *Stack) Explain(r expr.Request) (*Result, error) {
	ev, err := s.Evaluate(r)
	if err != nil {
		return nil, err
	}
	res := &Result{Rules: ev.Rules, Effective: ev.Effective}
	res.Key = BuildKey(ev.Effective, r)
	if s.apo != nil && s.apo.Covers(r.URL) {
		if res.Key.Device == nil {
			res.Key.Device = deviceFeature(splitRequest(r), RefAPO)
		}
		res.Key.Notes = append(res.Key.Notes, "APO for WordPress caches this HTML page once per device type ("+SettingAPODevice+"), whatever the Cache Rules say")
	}
	res.Purge = s.purgeFor(res, r)
	return res, nil
}

func (s *Stack) purgeFor(res *Result, r expr.Request) Purge {
	k := res.Key
	q := splitRequest(r)
	u, _, _ := strings.Cut(r.URL, "#")
	p := Purge{URL: u, Args: []string{"purge", "url", u}, Headers: []Header{}}
	if !k.Cached {
		p.Notes = append(p.Notes, "nothing is cached for this request ("+k.Reason+"); the command purges its key should that change")
	}
	if k.Device != nil {
		p.Args = append(p.Args, "--device", k.Device.Value)
		p.Headers = append(p.Headers, Header{Name: HeaderDevice, Value: k.Device.Value})
		switch k.Device.Source {
		case "user-agent":
			p.Notes = append(p.Notes, "device type "+k.Device.Value+" was derived from the User-Agent approximately; pass --device to be exact")
		case "assumed":
			p.Notes = append(p.Notes, "no --device and no User-Agent: desktop assumed; the key has one copy per device type (purge url --device all reaches them all)")
		}
	}
	if k.Country != nil {
		p.Args = append(p.Args, "--country", k.Country.Value)
		p.Headers = append(p.Headers, Header{Name: HeaderCountry, Value: k.Country.Value})
		if k.Country.Source == "assumed" {
			p.Notes = append(p.Notes, "no --country: XX (unknown country) assumed; the key has one copy per visitor country")
		}
	}
	// lang comes after the -H headers are known: a rule that matched on
	// Accept-Language makes the purge send the whole header, which carries
	// the same first language, and --lang beside it would be a second entry.
	langAt := len(p.Args)
	langHeaderAt := len(p.Headers)

	added := map[string]bool{}
	addHeader := func(lower, value string) {
		if added[lower] {
			return
		}
		added[lower] = true
		name := q.headerName(lower)
		p.Args = append(p.Args, "-H", name+": "+value)
		p.Headers = append(p.Headers, Header{Name: name, Value: value})
	}
	for _, h := range k.Headers {
		if h.Present {
			addHeader(h.Name, h.Value)
		}
	}
	cookieLine := func() string {
		v, _ := q.header("cookie")
		var extra []string
		for _, c := range r.Cookies {
			extra = append(extra, c.Name+"="+c.Value)
		}
		if len(extra) > 0 {
			if v != "" {
				v += "; "
			}
			v += strings.Join(extra, "; ")
		}
		return v
	}
	for _, c := range k.Cookies {
		if c.Present {
			addHeader("cookie", cookieLine())
			p.Notes = append(p.Notes, "cookies are in the key: the purge sends them as a Cookie header, as Cloudflare says to send every header the key holds; it gives no cookie example, so confirm with purge url --verify")
			break
		}
	}

	// Cloudflare runs the purge entry through the rules to compute its key,
	// so a rule that shaped the key must match the purge entry as well: send
	// the headers it matched on, and say when it matched on something a
	// purge cannot carry.
	shaped := map[string]bool{}
	for path, ref := range res.Effective.SetBy {
		if strings.HasPrefix(path, "cache_key.") {
			shaped[ref] = true
		}
	}
	for i := range s.rules {
		c := &s.rules[i]
		if !res.Rules[i].Matched() || !shaped[c.ref] {
			continue
		}
		reads := c.ruleReads()
		for _, h := range reads.headers {
			if h == "cookie" {
				if line := cookieLine(); line != "" {
					addHeader("cookie", line)
				}
				continue
			}
			if v, ok := q.header(h); ok {
				addHeader(h, v)
			}
		}
		for _, read := range reads.parts {
			switch {
			case read == "method":
				p.Notes = append(p.Notes, "rule "+c.ref+" matches on the request method, and purge requests use another method internally (Cloudflare, Cache Rules settings): this purge may not compute the same key")
			case read == "headers":
				p.Notes = append(p.Notes, "rule "+c.ref+" matches on the request's header names or values as a whole (http.request.headers...), and the purge sends only the headers named here: it may not compute the same key")
			case strings.HasPrefix(read, "client address"):
				p.Notes = append(p.Notes, "rule "+c.ref+" matches on the "+read+", which a purge request does not carry: this purge may not compute the same key")
			}
		}
	}
	if k.Lang != nil && added["accept-language"] {
		p.Notes = append(p.Notes, "the key holds the first Accept-Language language ("+k.Lang.Value+", user.lang set by "+k.Lang.SetBy+
			"): the purge sends the request's Accept-Language, which a rule matched on and which carries that language")
	}
	if k.Lang != nil && !added["accept-language"] {
		args, hs, note, ok := langPurge(k.Lang)
		p.Args = slices.Insert(p.Args, langAt, args...)
		p.Headers = slices.Insert(p.Headers, langHeaderAt, hs...)
		p.Notes = append(p.Notes, note)
		if !ok {
			p.NotPurgeable = append(p.NotPurgeable, "lang")
		}
	}
	return p
}

// langPurge is how a purge reaches the language in a key: the key holds the
// first language of Accept-Language, and a purge entry's Accept-Language
// header is read the same way (cloudflare.md, Purge: "lang in a cache key is
// purged by sending Accept-Language"; Cloudflare's purge-cache-key page), so
// `purge url --lang L` sends exactly that language. A key without one (no
// Accept-Language sent) is purged by sending none. ok is false when the
// language is not a BCP 47 tag, which purge url --lang refuses.
func langPurge(f *Feature) (args []string, hs []Header, note string, ok bool) {
	by := "user.lang set by " + f.SetBy
	switch {
	case f.Value == "":
		return nil, nil, "the key holds no language (no Accept-Language was sent, " + by + "): the purge sends none, which reaches that copy; other languages have their own copies (purge url --lang)", true
	case !validLanguage(f.Value):
		return nil, nil, "the key holds the first Accept-Language language " + strconv.Quote(f.Value) + " (" + by + "), which is not a BCP 47 language tag, so purge url --lang refuses it: purge by prefix, host or tag", false
	}
	return []string{"--lang", f.Value}, []Header{{Name: HeaderLanguage, Value: f.Value}},
		"the key holds the first Accept-Language language (" + f.Value + ", " + by + "): --lang sends it as Accept-Language", true
}

func validLanguage(s string) bool {
	_, err := language.Parse(s)
	return err == nil && !strings.ContainsAny(s, ", ;")
}
