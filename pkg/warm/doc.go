// Package warm fills a cache by requesting URLs the way visitors would, and
// reads back what the cache did: the logic behind `cfcache warm` and
// `cfcache purge url --warm/--verify`.
//
// It gathers URLs (lists, XML sitemaps and sitemap indexes, gzipped or not,
// streamed), drops the ones a preloader should skip (query strings,
// pagination, trashed posts, user patterns), requests each once per device
// with a representative User-Agent, bounded in concurrency and rate, and
// records per request the status, CF-Cache-Status, Age and data centre.
// Verify checks a purge took: which copies are still served from before it
// (asked twice, a recheck apart), and which checks got no answer.
//
// All network I/O goes through the *http.Client given in the configuration,
// so tests point it at a loopback origin (see package warmtest).
package warm
