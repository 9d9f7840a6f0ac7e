package url

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/cmdtest"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/sandbox"
)

// A live rule with user.lang keys each copy by the visitor's first
// Accept-Language language, which a purge reaches by sending Accept-Language
// (cloudflare.md, Purge). --variants auto purges the languages given with
// --lang and the copy of visitors who sent none; without --lang it refuses,
// naming the rule, before anything is sent, as it does for --country.
func TestVariantsAutoPurgesLangWithLang(t *testing.T) {
	sb := cmdtest.NewSandbox(t, limits.Enterprise, nil)
	if _, err := sb.Server.EditCacheRules("example.com", func([]sandbox.Rule) []sandbox.Rule {
		return []sandbox.Rule{{Ref: "docs-by-lang", Action: "set_cache_settings", Enabled: true,
			Expression:       `starts_with(http.request.uri.path, "/docs/")`,
			ActionParameters: json.RawMessage(`{"cache": true, "cache_key": {"custom_key": {"user": {"lang": true}}}}`)}}
	}); err != nil {
		t.Fatal(err)
	}

	f, st := cmdtest.NewFactory(t, sb, "example.com", false)
	err := runURL(t, f, "https://example.com/docs/a", "--variants", "auto")
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "rule docs-by-lang puts the visitor's first Accept-Language language in the cache key") ||
		!strings.Contains(err.Error(), "--lang") || !strings.Contains(err.Error(), "nothing was sent") {
		t.Fatalf("without --lang: %v\n%s", err, st.Err.String())
	}
	if rec, _ := sb.Server.Purges("example.com"); len(rec.Files) != 0 {
		t.Fatalf("sent %v", rec.Files)
	}

	f, st = cmdtest.NewFactory(t, sb, "example.com", false)
	if err := runURL(t, f, "https://example.com/docs/a", "https://example.com/blog/b", "--variants", "auto", "--lang", "de-DE,fr"); err != nil {
		t.Fatalf("%v\n%s", err, st.Err.String())
	}
	rec, _ := sb.Server.Purges("example.com")
	var got []string
	for k := range rec.Files {
		got = append(got, k)
	}
	sort.Strings(got)
	want := []string{
		"https://example.com/blog/b",
		"https://example.com/docs/a",
		sandbox.FileKey("https://example.com/docs/a", map[string]string{"Accept-Language": "de-DE"}),
		sandbox.FileKey("https://example.com/docs/a", map[string]string{"Accept-Language": "fr"}),
	}
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("purged\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	errOut := st.Err.String()
	if !strings.Contains(errOut, "lang (rule docs-by-lang)") || strings.Contains(errOut, "no purge header reaches") {
		t.Fatalf("summary:\n%s", errOut)
	}
}
