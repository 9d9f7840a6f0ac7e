// Package cachekey works out what Cloudflare does with one request under a
// zone's Cache Rules: which rules match, the settings that result when they
// stack (every matching rule applies, in order; for each setting the later
// rule wins), the cache key Cloudflare builds from those settings, and the
// single-file purge that evicts exactly that key. It also answers the
// question `purge url --variants auto` asks: which variant dimensions (device
// type, country, language, headers, cookies) the cache key of a URL may hold
// (Stack.Variants), and which header sets purge all its copies (Expander).
// ResponseStack does the same for the zone's Cache Response Rules against
// the origin's response: Cache-Control, cache tags and stripped headers, and
// the Cache Rules settings a response rule overrides (response.go).
//
// Facts it relies on, from Cloudflare's documentation (cache/how-to/
// cache-keys, cache/how-to/cache-rules/settings, cache/how-to/purge-cache/
// purge-cache-key and purge-by-single-file, cache/concepts/
// default-cache-behavior) and docs/cloudflare.md:
//
//   - The default key is scheme, host and the URI with its query string, plus
//     the Origin header a client sends (for CORS) and a handful of
//     proxy headers (x-forwarded-host, x-http-method-override, ...).
//   - custom_key.query_string include/exclude picks the query parameters;
//     ignore_query_strings_order sorts them. header.include and cookie.include
//     put values in the key, check_presence only whether they were sent,
//     header.contains which of the listed values the header holds.
//   - cache_by_device_type and user.device_type add mobile/desktop/tablet
//     (from the User-Agent), user.geo the client's country, user.lang the
//     first language of Accept-Language.
//   - A single-file purge must send every header the key holds: device type
//     as CF-Device-Type, country as CF-IPCountry, language as
//     Accept-Language (the key holds its first language; cloudflare.md,
//     Purge: an older page said lang cannot be purged, the current
//     purge-cache-key page and the API reference show Accept-Language).
//   - Purge computes the key of the purge request through the same rules,
//     and purge requests use another method internally (Cache Rules settings
//     note), so rules that match on the method may not apply to a purge.
//
// The package is pure: no I/O and no package-level mutable state. A Stack is
// read-only after Compile and safe for concurrent use; an Expander
// remembers rule outcomes and is not.
package cachekey
