package rules

// Problem codes: a stable id per class of problem, so code-scanning tools
// (SARIF's ruleId, `rules validate -o sarif`, interface.md) group and track
// the same mistake across runs while messages stay free to improve.
//
// A code comes from the message's format string at the one place problems
// are made (vctx.add, decoder.add), not from each call: the messages stay
// as they are and the checks' code is untouched. TestEveryProblemHasACode
// walks this package's source and fails for a format string with no code
// here, so a new check cannot ship without one.

// Codes of problems that do not come from a format string.
const (
	CodeExprSyntax  = "expr/syntax"
	CodeExprWarning = "expr/warning"
	codeOtherError  = "rules/other"
	codeOtherWarn   = "rules/other-warning"
)

// decodeCodes classifies what Parse reports (the file's shape).
var decodeCodes = map[string]string{
	"%s": "file/syntax", // the YAML or JSON reader's own message
	"the file is empty: want a mapping with a rules list":                                 "file/empty",
	"want request or response, got %s":                                                    "file/phase",
	"%q is not a phase: want request or response (Cache Rules or Cache Response Rules)%s": "file/phase",
	"want a mapping with a rules list, got a %s":                                          "schema/type",
	"want a list of rules, got a %s":                                                      "schema/type",
	"want a rule (a mapping), got a %s":                                                   "schema/type",
	"want a string, got a %s":                                                             "schema/type",
	"want true or false, got a %s":                                                        "schema/type",
	"want a mapping of settings, got a %s":                                                "schema/type",
	"unknown field%s":                                                                     "schema/unknown-key",
	"missing rules: want a list of rules":                                                 "schema/missing",
	"no value: give a list of rules (an explicit `rules: []` means none, and deploy needs --allow-empty for it)": "schema/missing",
	"duplicate key (first given on line %d)": "schema/duplicate-key",
}

// checkCodes classifies what Validate reports (each rule's content, the
// plan's limits, lint).
var checkCodes = map[string]string{
	// The plan's limits and gates (cloudflare.md, "Cache Rules").
	"expression is %d characters long: the limit is %d":                                             "plan/limit",
	"%d s is below the %s plan's minimum edge TTL of %s":                                            "plan/min-ttl",
	"status code TTLs need the Enterprise plan; this is checked against %s":                         "plan/feature",
	"a custom cache key by %s needs the Enterprise plan; this is checked against %s":                "plan/feature",
	"missing ref: give every rule a unique, stable ref (it identifies the rule in diff and deploy)": "ref/missing",
	"ref %q has leading or trailing spaces":                                                         "ref/invalid",
	"ref %q holds the control character U+%04X: refs are printable text":                            "ref/invalid",
	"duplicate ref %q: rules[%d]%s already uses it":                                                 "ref/duplicate",
	"missing expression: say which requests the rule matches (true matches all)":                    "expr/missing",
	"empty expression: say which requests the rule matches (true matches all)":                      "expr/missing",
	// The response phase's actions (schema_response.go).
	"no settings: %s needs %s":                                       "schema/missing",
	"give values or expression, not both":                            "schema/exclusive",
	"missing: give values (a list of tags) or expression":            "schema/missing",
	"empty list: give at least one cache tag":                        "schema/value",
	"empty cache tag":                                                "schema/value",
	"cache tag %q holds %s: tags are printable ASCII without spaces": "tags/value",
	"cache tag %q holds a comma, which separates tags in the Cache-Tag header: give each tag as its own value": "tags/value",
	"cache tag is %d characters long: at most %d":                                                              "tags/value",
	"duplicate cache tag %q: values[%d] already gives it":                                                      "tags/duplicate",
	"cache tag %q differs from values[%d] %q only in case: tags are case-insensitive, so it is the same tag":   "tags/duplicate",
	"empty expression: say how the tags are computed":                                                          "expr/missing",
	"missing: operation set needs a value in seconds":                                                          "schema/missing",
	"a value is only allowed with operation set (operation is remove)":                                         "schema/exclusive",
	"qualifiers are only allowed with operation set (operation is remove)":                                     "schema/exclusive",
	"%q is not a header name": "schema/value",
	// The settings' schema (schema.go).
	"want true or false, got %s":                                     "schema/type",
	"want a string, got %s":                                          "schema/type",
	"want a whole number%s, got %s":                                  "schema/type",
	"want a list, got %s%s":                                          "schema/type",
	"want a mapping, got %s%s":                                       "schema/type",
	"%q is not one of %s%s":                                          "schema/enum",
	"%d is out of range: want at least %d%s":                         "schema/range",
	"%d is out of range: want %d–%d%s":                               "schema/range",
	"unknown setting%s":                                              "schema/unknown-key",
	"missing (required)%s":                                           "schema/missing",
	"no settings: give at least one (for example cache: true)":       "schema/missing",
	"missing status_code or status_code_range":                       "schema/missing",
	"give from, to or both":                                          "schema/missing",
	"give include or exclude":                                        "schema/missing",
	"give all: true or a list of parameters":                         "schema/missing",
	"default is only allowed with mode override_origin (mode is %s)": "schema/conflict",
	"give status_code or status_code_range, not both":                "schema/conflict",
	"give include or exclude, not both":                              "schema/conflict",
	"give all or list, not both":                                     "schema/conflict",
	"all: false is not accepted; leave %s out instead":               "schema/enum",
	"from %d is greater than to %d":                                  "schema/range",
	"%d parameters: a cache key holds at most 100":                   "schema/range",
	"empty list: give at least one parameter name":                   "schema/empty",
	"empty parameter name":                                           "schema/empty",
	"empty list: give at least one value":                            "schema/empty",
	"empty value":                                                    "schema/empty",
	"empty cookie name":                                              "schema/empty",
	"%s":                                                             "cache-key/header", // headerRefusal's reason
	"%s: cookies starting __cf belong to Cloudflare and cannot be in the cache key": "cache-key/cookie",
	// Request-phase 2026 checks (vary, restricted headers 1-10, Enterprise
	// gates, override_origin needs a default; issue 12 §2-3).
	"%d rules exceed the %s plan's limit of %d per zone: rules[%d] is the first one over it": "plan/limit",
	"%s needs the Enterprise plan; this is checked against %s":                               "plan/feature",
	"%d %s: at most %d are allowed":                                                          "schema/range",
	"header name is %d characters long: at most 128":                                         "schema/range",
	"empty header name":                                                                  "schema/empty",
	"%q: values must be non-empty printable ASCII":                                       "schema/value",
	"%q is not a valid header name here: letters, digits, _ and - only":                  "schema/header-name",
	"%s is restricted: give 1–%d values, not %d":                                         "cache-key/restricted-header",
	"%s is restricted: list 1–10 values under contains instead of including every value": "cache-key/restricted-header",
	"%q has upper-case letters: %s values match as case-sensitive substrings and browsers send %s in lower case, so this never matches": "cache-key/restricted-header",
	"%q is part of %q: %s values match as case-sensitive substrings, so every request matching [%d] also matches this one":              "cache-key/restricted-header",
	"%s cannot be varied on":                               "vary/header",
	"%s only applies to the %s header":                     "vary/header",
	"%s: cf- and cf_ headers cannot be varied on":          "vary/header",
	"header names under vary must be lower-case: write %s": "vary/header",
	"missing (required with mode override_origin): say how many seconds browsers may cache; the API refuses override_origin without it": "ttl/missing-default",
	"missing (required with mode override_origin): say how many seconds the edge may cache; the API refuses override_origin without it": "ttl/missing-default",
	// Lint: settings that never take effect.
	"cache is false, so matching responses are never cached and edge_ttl has no effect": "lint/no-effect",
	"default is ignored unless mode is override_origin (mode is %s)":                    "lint/no-effect",
	"overlaps status_code_ttl[%d]: which TTL applies is unclear":                        "lint/overlap",
	"always overridden by rules[%d] %q%s, which %s and comes later":                     "lint/overridden",
	"disabled and identical to enabled rules[%d] %q%s; delete one":                      "lint/duplicate",
}

func codeFor(table map[string]string, format string, sev Severity) string {
	if c, ok := table[format]; ok {
		return c
	}
	if sev == SeverityWarning {
		return codeOtherWarn
	}
	return codeOtherError
}

// codeDescriptions say in a line what each code is about, for SARIF's
// rule descriptors.
var codeDescriptions = map[string]string{
	"file/syntax":                 "The file is not valid YAML or JSON.",
	"file/empty":                  "The file holds no rules mapping.",
	"file/phase":                  "The file's rules belong to another phase.",
	"schema/type":                 "A value has the wrong type.",
	"schema/unknown-key":          "A key that Cloudflare's API does not know.",
	"schema/missing":              "A required key or value is missing.",
	"schema/duplicate-key":        "A key is given twice in the same mapping.",
	"schema/action":               "The action is not valid in this phase.",
	"schema/enum":                 "A value is not one of those allowed.",
	"schema/exclusive":            "Settings given together that exclude each other.",
	"schema/range":                "A number is out of the allowed range.",
	"schema/conflict":             "Two settings that exclude each other are both given.",
	"schema/empty":                "A list or name is empty.",
	"plan/limit":                  "Over one of the plan's limits.",
	"plan/min-ttl":                "An edge TTL below the plan's minimum.",
	"plan/feature":                "A setting the plan does not include.",
	"ref/missing":                 "A rule has no ref.",
	"ref/invalid":                 "A ref is not printable text without surrounding spaces.",
	"ref/duplicate":               "Two rules share a ref.",
	"expr/missing":                "A rule has no expression.",
	CodeExprSyntax:                "The expression is not valid in the Rules language.",
	CodeExprWarning:               "The expression is valid but likely not what was meant.",
	"ttl/missing-default":         "override_origin without a default TTL.",
	"schema/value":                "A value that is not allowed.",
	"schema/header-name":          "Not a valid header name.",
	"vary/header":                 "A header that cannot be varied on as written.",
	"cache-key/header":            "A header that cannot be part of a cache key.",
	"cache-key/restricted-header": "A restricted header needs a short list of values.",
	"cache-key/cookie":            "A cookie that cannot be part of a cache key.",
	"tags/value":                  "A cache tag Cloudflare does not accept as written.",
	"tags/duplicate":              "A cache tag given twice (tags are case-insensitive).",
	"lint/no-effect":              "A setting that never takes effect.",
	"lint/overlap":                "Status code TTLs that overlap.",
	"lint/overridden":             "A setting always overridden by a later rule.",
	"lint/duplicate":              "A disabled rule identical to an enabled one.",
	codeOtherError:                "Another problem with the rules file.",
	codeOtherWarn:                 "Another warning about the rules file.",
}

// RuleID is the problem's code, for reports that need one on every
// problem (SARIF's ruleId): Code, else the code of a literal message, else
// the catch-all of its severity.
func (p Problem) RuleID() string {
	if p.Code != "" {
		return p.Code
	}
	if c, ok := checkCodes[p.Message]; ok {
		return c
	}
	if c, ok := decodeCodes[p.Message]; ok {
		return c
	}
	return codeFor(nil, "", p.Severity)
}

// CodeDescription says in one sentence what problems of a code are about.
func CodeDescription(code string) string {
	if d, ok := codeDescriptions[code]; ok {
		return d
	}
	return "A problem with the rules file."
}
