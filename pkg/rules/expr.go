package rules

import (
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/cfcache/cfcache/pkg/limits"
)

// ExprProblem is a problem inside an expression. Line and Col are 1-based and
// relative to the expression text (Col counts characters, not bytes);
// Validate maps them to the file, through YAML quoting and block scalars.
type ExprProblem struct {
	Line    int
	Col     int
	Message string
	Warning bool
}

// ExpressionChecker checks one rule expression of the cache phase. The full
// Rules-language parser (pkg/expr) implements it; DefaultChecker is the
// stand-in. Validate itself checks emptiness and the length limit, so a
// checker only needs syntax, fields, operators and plan gates that live in
// the expression (regex needs Business or higher: l.RegexAllowed).
type ExpressionChecker interface {
	Check(expression string, l limits.Limits) []ExprProblem
}

// PhaseExpressionChecker is an ExpressionChecker that knows the phase:
// response fields (http.response.*) are usable in the response phase only.
// Validate uses CheckPhase when the checker has it, Check otherwise.
type PhaseExpressionChecker interface {
	ExpressionChecker
	CheckPhase(expression string, l limits.Limits, phase string) []ExprProblem
}

// ValueExpressionChecker is an ExpressionChecker that also checks value
// expressions: set_cache_tags' `expression` computes the tags (a String or
// an Array of Strings, cloudflare-docs
// cache/how-to/cache-response-rules/settings.mdx) instead of matching. The
// full parser (pkg/expr) implements it with its type checker. Validate
// falls back to CheckPhase for a checker without it, which at least
// catches syntax, unknown fields and the plan's regex gate.
type ValueExpressionChecker interface {
	CheckValue(expression string, l limits.Limits, phase string) []ExprProblem
}

// responseFields are the response fields of the Rules language usable in
// Cache Response Rules (cloudflare.md, "Cache Response Rules"; cloudflare-docs
// src/content/fields/index.yaml, category Response).
func responseFields() []string {
	return []string{"http.response.code", "http.response.headers", "http.response.headers.names",
		"http.response.headers.values", "http.response.content_type.media_type",
		"raw.http.response.headers", "raw.http.response.headers.names", "raw.http.response.headers.values"}
}

// DefaultChecker checks what can be checked without a grammar: balanced
// quotes, parentheses, brackets and braces; field names against the fields
// usable in cache rules; regex operators against the plan; `in` followed by
// a set; and two traps seen in real rulesets. Build it with
// NewDefaultChecker to reuse its tables across rules; the zero value works
// but rebuilds them on every call.
type DefaultChecker struct {
	fields   map[string]bool
	known    []string
	keywords map[string]bool
}

// NewDefaultChecker builds the checker's field and keyword tables once.
func NewDefaultChecker() *DefaultChecker {
	d := &DefaultChecker{fields: cacheFields(), keywords: exprKeywords()}
	for f := range d.fields {
		d.known = append(d.known, f)
	}
	sort.Strings(d.known) // so "did you mean" picks the same name every run
	return d
}

// cacheFields are the fields cfcache knows to be usable in the cache phase:
// the list in docs/cloudflare.md (from Cloudflare's "Cache Rules
// settings" page) plus the request fields of the Rules language reference
// (cloudflare-docs src/content/fields/index.yaml) that the editor accepts.
// Response fields are not available when matching requests.
func cacheFields() map[string]bool {
	names := []string{
		"http.cookie", "http.host", "http.referer", "ssl", "http.request.full_uri", "http.request.uri",
		"http.request.uri.path", "http.request.uri.path.extension", "http.request.uri.query",
		"http.request.uri.args", "http.request.headers", "http.request.cookies", "http.user_agent",
		"http.x_forwarded_for", "ip.src", "ip.src.country", "ip.src.continent", "ip.src.asnum",
		// Further request fields from the fields reference.
		"http.request.method", "http.request.version", "http.request.timestamp.sec",
		"http.request.timestamp.msec", "http.request.accepted_languages",
		"http.request.uri.args.names", "http.request.uri.args.values",
		"http.request.headers.names", "http.request.headers.values", "http.request.headers.truncated",
		"raw.http.request.full_uri", "raw.http.request.uri", "raw.http.request.uri.path",
		"raw.http.request.uri.path.extension", "raw.http.request.uri.query", "raw.http.request.uri.args",
		"raw.http.request.uri.args.names", "raw.http.request.uri.args.values",
		"ip.src.city", "ip.src.lat", "ip.src.lon", "ip.src.metro_code", "ip.src.postal_code",
		"ip.src.region", "ip.src.region_code", "ip.src.subdivision_1_iso_code",
		"ip.src.subdivision_2_iso_code", "ip.src.timezone.name", "ip.src.is_in_european_union",
		"ip.geoip.asnum", "ip.geoip.continent", "ip.geoip.country", "ip.geoip.subdivision_1_iso_code",
		"ip.geoip.subdivision_2_iso_code", "ip.geoip.is_in_european_union",
		"cf.client.bot", "cf.verified_bot_category", "cf.edge.server_ip", "cf.edge.server_port",
		"cf.ray_id", "cf.threat_score", "cf.tls_version", "cf.tls_cipher", "cf.tls_client_hello_length",
		"cf.tls_client_random", "cf.tls_client_extensions_sha1", "cf.zone.name", "cf.zone.plan",
		"cf.metal.id", "cf.hostname.metadata", "cf.worker.upstream_zone", "cf.random_seed",
	}
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// Field families whose members are all usable.
func cacheFieldPrefixes() []string {
	return []string{"cf.bot_management.", "cf.tls_client_auth."}
}

func exprKeywords() map[string]bool {
	m := map[string]bool{}
	for _, k := range []string{"and", "or", "not", "xor", "eq", "ne", "lt", "le", "gt", "ge",
		"contains", "matches", "in", "wildcard", "strict", "true", "false"} {
		m[k] = true
	}
	return m
}

type exprTok struct {
	kind      byte // 'i' identifier, 's' string, 'p' punctuation, 'n' other literal
	text      string
	line, col int
}

// Check implements ExpressionChecker for the request phase.
func (d *DefaultChecker) Check(expr string, l limits.Limits) []ExprProblem {
	return d.CheckPhase(expr, l, PhaseRequest)
}

// CheckPhase implements PhaseExpressionChecker.
func (d *DefaultChecker) CheckPhase(expr string, l limits.Limits, phase string) []ExprProblem {
	if d.fields == nil {
		d = NewDefaultChecker()
	}
	toks, probs := lexExpr(expr)
	fields, keywords, known := d.fields, d.keywords, d.known
	at := func(t exprTok, warn bool, format string, args ...any) {
		probs = append(probs, ExprProblem{Line: t.line, Col: t.col, Message: fmt.Sprintf(format, args...), Warning: warn})
	}
	lastField := ""
	for i, t := range toks {
		next := exprTok{}
		if i+1 < len(toks) {
			next = toks[i+1]
		}
		switch {
		case t.kind == 'p' && t.text == "~", t.kind == 'i' && t.text == "matches":
			if !l.RegexAllowed {
				at(t, false, "regular expressions (%s) need the Business or Enterprise plan; this is checked against %s", t.text, l.Plan)
			}
		case t.kind == 'i' && t.text == "in":
			if next.kind != 0 && !(next.kind == 'p' && next.text == "{") && !strings.HasPrefix(next.text, "$") {
				at(next, false, "in needs a set in braces, such as {%s}", next.text)
			}
		case t.kind == 'i' && (t.text == "and" || t.text == "or" || t.text == "xor"):
			lastField = ""
		case t.kind == 'p' && (t.text == "&&" || t.text == "||" || t.text == "^^"):
			lastField = ""
		case t.kind == 'i' && !keywords[t.text]:
			if next.kind == 'p' && next.text == "(" {
				if t.text == "regex_replace" && !l.RegexAllowed {
					at(t, false, "regular expressions (%s) need the Business or Enterprise plan; this is checked against %s", t.text, l.Plan)
				}
				continue // a function name
			}
			name := t.text
			switch {
			case fields[name] || hasAnyPrefix(name, cacheFieldPrefixes()):
				lastField = name
			case phase == PhaseResponse && contains(responseFields(), name):
				lastField = name
			case strings.HasPrefix(name, "http.response.") || strings.HasPrefix(name, "raw.http.response."):
				at(t, false, "%s is a response field; Cache Rules match requests, so it is only available in Cache Response Rules (a file with phase: response)", name)
			default:
				at(t, false, "unknown field %s%s", name, suggest(name, known))
			}
		case t.kind == 's':
			if strings.HasSuffix(lastField, "uri.path.extension") && t.text != strings.ToLower(t.text) {
				at(t, true, "%s is lower-case, so %q never matches; write %q", lastField, t.text, strings.ToLower(t.text))
			}
			if i >= 2 && toks[i-1].text == "[" && toks[i-2].text == "http.request.cookies" && strings.Contains(t.text, "*") {
				at(t, true, "the * in cookie name %q is literal, not a wildcard, so this never matches the cookies it looks like it should", t.text)
			}
		}
	}
	return probs
}

// CheckValue implements ValueExpressionChecker with the token scan: syntax,
// fields and the regex gate; the result's type needs the full checker.
func (d *DefaultChecker) CheckValue(expr string, l limits.Limits, phase string) []ExprProblem {
	return d.CheckPhase(expr, l, phase)
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// lexExpr splits an expression into tokens and reports unbalanced quotes and
// brackets. Positions are 1-based lines and character columns.
func lexExpr(expr string) ([]exprTok, []ExprProblem) {
	rs := []rune(expr)
	var toks []exprTok
	var probs []ExprProblem
	type open struct {
		r         rune
		line, col int
	}
	var stack []open
	line, col := 1, 1
	i := 0
	advance := func() {
		if rs[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		i++
	}
	closer := map[rune]rune{')': '(', ']': '[', '}': '{'}
	badSpace := false // report the first one only
	for i < len(rs) {
		r := rs[i]
		sl, sc := line, col
		switch {
		case r == ' ' || r == '\n' || r == '\r':
			advance()
		case unicode.IsSpace(r) || unicode.IsControl(r):
			// Cloudflare's parser takes only spaces and line breaks as
			// whitespace: a tab makes it refuse the expression (issue 12 §3).
			what := fmt.Sprintf("the character U+%04X", r)
			if r == '\t' {
				what = "a tab"
			}
			if !badSpace {
				probs = append(probs, ExprProblem{Line: sl, Col: sc, Message: what + " is not whitespace in Cloudflare's Rules language: separate tokens with spaces or line breaks"})
				badSpace = true
			}
			advance()
		case r == '"' || (r == 'r' && i+1 < len(rs) && (rs[i+1] == '"' || rs[i+1] == '#')):
			raw := r == 'r'
			hashes := 0
			if raw {
				advance()
				for i < len(rs) && rs[i] == '#' {
					hashes++
					advance()
				}
				if i >= len(rs) || rs[i] != '"' {
					probs = append(probs, ExprProblem{Line: sl, Col: sc, Message: "raw string needs a quote after r and #"})
					continue
				}
			}
			advance() // opening quote
			var sb strings.Builder
			closed := false
			for i < len(rs) {
				c := rs[i]
				if !raw && c == '\\' && i+1 < len(rs) {
					advance()
					sb.WriteRune(rs[i])
					advance()
					continue
				}
				if c == '"' {
					n := 0
					for n < hashes && i+1+n < len(rs) && rs[i+1+n] == '#' {
						n++
					}
					if n == hashes {
						advance()
						for k := 0; k < hashes; k++ {
							advance()
						}
						closed = true
						break
					}
				}
				sb.WriteRune(c)
				advance()
			}
			if !closed {
				probs = append(probs, ExprProblem{Line: sl, Col: sc, Message: "string is not closed: a \" is missing"})
			}
			toks = append(toks, exprTok{kind: 's', text: sb.String(), line: sl, col: sc})
		case r == '(' || r == '[' || r == '{':
			stack = append(stack, open{r, sl, sc})
			toks = append(toks, exprTok{kind: 'p', text: string(r), line: sl, col: sc})
			advance()
		case r == ')' || r == ']' || r == '}':
			want := closer[r]
			switch {
			case len(stack) == 0:
				probs = append(probs, ExprProblem{Line: sl, Col: sc, Message: fmt.Sprintf("%c has no matching %c", r, want)})
			case stack[len(stack)-1].r != want:
				top := stack[len(stack)-1]
				probs = append(probs, ExprProblem{Line: sl, Col: sc,
					Message: fmt.Sprintf("%c does not close the %c opened at %d:%d", r, top.r, top.line, top.col)})
				stack = stack[:len(stack)-1]
			default:
				stack = stack[:len(stack)-1]
			}
			toks = append(toks, exprTok{kind: 'p', text: string(r), line: sl, col: sc})
			advance()
		case unicode.IsLetter(r) || r == '_' || r == '$':
			start := i
			for i < len(rs) && (unicode.IsLetter(rs[i]) || unicode.IsDigit(rs[i]) || rs[i] == '_' || rs[i] == '.' || rs[i] == '$') {
				advance()
			}
			text := strings.TrimSuffix(string(rs[start:i]), ".")
			kind := byte('i')
			if strings.HasPrefix(text, "$") {
				kind = 'n' // a named list
			}
			toks = append(toks, exprTok{kind: kind, text: text, line: sl, col: sc})
		case unicode.IsDigit(r) || r == ':':
			// Numbers, IP addresses and CIDRs, ranges (1..5).
			start := i
			for i < len(rs) && (unicode.IsDigit(rs[i]) || strings.ContainsRune(".:/abcdefABCDEF", rs[i])) {
				advance()
			}
			toks = append(toks, exprTok{kind: 'n', text: string(rs[start:i]), line: sl, col: sc})
		default:
			op := string(r)
			if i+1 < len(rs) {
				two := string(rs[i : i+2])
				switch two {
				case "&&", "||", "^^", "==", "!=", "<=", ">=":
					op = two
					advance()
				}
			}
			advance()
			toks = append(toks, exprTok{kind: 'p', text: op, line: sl, col: sc})
		}
	}
	for _, o := range stack {
		want := map[rune]rune{'(': ')', '[': ']', '{': '}'}[o.r]
		probs = append(probs, ExprProblem{Line: o.line, Col: o.col, Message: fmt.Sprintf("%c is not closed: a %c is missing", o.r, want)})
	}
	return toks, probs
}
