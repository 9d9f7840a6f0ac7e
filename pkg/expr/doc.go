// Package expr implements Cloudflare's Rules language (the wirefilter
// expression syntax) for the cache-rules phase (http_request_cache_settings).
//
//   - Parse reads an expression; errors are *SyntaxError with a 1-based line
//     and column within the expression and say what was expected.
//   - Format prints the canonical form; Parse(Format(e)) is Equal to e.
//   - Check (and CheckExpression, the adapter for the rules validator) types
//     the expression against the field table transcribed from Cloudflare's
//     src/content/fields/index.yaml (see fields_table.go), applies the
//     cache-phase availability of fields and functions and the plan gates, and
//     warns about expressions that are valid but can never match.
//   - NewEnv prepares an offline Request; Env.Eval evaluates an expression and,
//     when it is false, explains which sub-expression was false and why.
//
// Semantics follow Cloudflare's "Rules language" pages: `wildcard` matches the
// whole value case-insensitively with `*` only (`strict wildcard` is
// case-sensitive); a missing map key or array element makes a comparison
// false; `[*]` unpacks an array for any()/all(); `matches` uses Go's regexp on
// a translated Rust pattern (see regex.go for the differences).
//
// Not supported: byte-string literals (`aa:bb:cc`), the integer `&` /
// `bitwise_and` operator and `contains {...}`, which Cloudflare's engine has but
// its Rules documentation does not describe; the rule that `[*]` may be used
// several times only on the same array is not enforced.
//
// The package does no I/O. Its package-level state is the tables built once
// at initialisation and never modified, and two things kept for speed
// (docs/performance.md, "Against start-up"): Parse's memory of the trees and
// errors it returned (parse.go; a tree is never changed once built, so one
// text's tree is handed out again; bounded at 2,048 texts, emptied by
// ForgetParsed; a check with Options.Once neither asks nor fills it), and
// a sync.Pool of the chunks parse nodes are cut from (slabs.go; a check
// with Options.Once gives its nodes back). Both are safe for concurrent use
// and change no result.
package expr
