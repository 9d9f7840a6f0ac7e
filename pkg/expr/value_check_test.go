package expr

import (
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/limits"
)

// Tag expressions (set_cache_tags' expression) are values, checked in the
// response phase: review of issue 12, finding 1.
func TestCheckValueExpression(t *testing.T) {
	resp := func(plan limits.Plan) Options { return Options{Plan: plan, ResponsePhase: true, Value: true} }
	for _, tc := range []struct {
		src  string
		opts Options
		want string // "" = valid
	}{
		// settings.mdx's own example.
		{`split(http.response.headers["surrogate-keys"][0], ",", 1)`, resp(limits.Free), ""},
		{`concat("post-", http.request.uri.path)`, resp(limits.Free), ""},
		{`http.request.headers.values`, resp(limits.Free), ""},
		{`concat("a", http.nope.field`, resp(limits.Pro), "found the end of the expression"},
		{`concat("a", http.nope.field)`, resp(limits.Pro), "unknown field"},
		{`http.response.code eq 200`, resp(limits.Pro), "must produce a String or an Array of Strings"},
		{`http.response.code`, resp(limits.Pro), "must produce a String or an Array of Strings"},
		{`regex_replace(http.request.uri.path, "^/(.*)$", "${1}")`, resp(limits.Free), "requires a Business or Enterprise plan"},
		{`regex_replace(http.request.uri.path, "^/(.*)$", "${1}")`, resp(limits.Business), ""},
		{"concat(\"a\",\thttp.request.uri.path)", resp(limits.Pro), "tab"},
		// The phase's functions are the response phase's only.
		{`split(http.request.uri.path, "/", 2)[0] eq "x"`, Options{Plan: limits.Pro}, "cannot be used in cache rules"},
	} {
		probs := CheckExpressionWith(tc.src, tc.opts)
		var errs []string
		for _, p := range probs {
			if !p.Warning {
				errs = append(errs, p.Message)
			}
		}
		got := strings.Join(errs, "; ")
		switch {
		case tc.want == "" && got != "":
			t.Errorf("%s: want valid, got %s", tc.src, got)
		case tc.want != "" && !strings.Contains(got, tc.want):
			t.Errorf("%s: want %q, got %q", tc.src, tc.want, got)
		}
	}
}
