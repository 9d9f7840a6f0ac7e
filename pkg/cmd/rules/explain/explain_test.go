package explain

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cfcache/cfcache/pkg/cmd/rules/internal/rulestest"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/config"
	"github.com/cfcache/cfcache/pkg/expr"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/rules"
	"github.com/cfcache/cfcache/pkg/sandbox"
)

func example(name string) string {
	return filepath.Join("..", "..", "..", "..", "examples", "rules", name)
}

func TestExplainFlags(t *testing.T) {
	e := rulestest.New(t, limits.Free)
	for _, c := range []struct {
		args []string
		file string
		req  expr.Request
		resp expr.Response
		plan limits.Plan
		code int
		msg  string // in the error, for refusals
	}{
		{args: []string{"r.yaml", "--url", "https://example.com/a"}, file: "r.yaml",
			req: expr.Request{Method: "GET", URL: "https://example.com/a"}, resp: expr.Response{Code: 200}},
		{args: []string{"req.yaml", "resp.yaml", "--url", "https://example.com/a", "--status", "404",
			"--response-header", "Content-Type: text/html", "--response-header", "Cache-Tag:a,b"}, file: "req.yaml,resp.yaml",
			req:  expr.Request{Method: "GET", URL: "https://example.com/a"},
			resp: expr.Response{Code: 404, Headers: []expr.Header{{Name: "Content-Type", Value: "text/html"}, {Name: "Cache-Tag", Value: "a,b"}}}},
		{args: []string{"--url", "https://example.com/a", "--status", "99"}, code: 2, msg: "--status 99: want an HTTP status code from 100 to 599"},
		{args: []string{"--url", "https://example.com/a", "--status", "600"}, code: 2, msg: "--status 600"},
		{args: []string{"--url", "https://example.com/a", "--response-header", "ETag"}, code: 2, msg: `--response-header "ETag": want 'Name: value'`},
		{args: []string{"--url", "https://example.com/a", "--response-header", "Bad Name: x"}, code: 2, msg: "not a valid header name"},
		{args: []string{"--url", "https://example.com/a", "--response-header", "X: 1\x1b[2J"}, code: 2, msg: `control character in header value`},
		{args: []string{"--url", "https://example.com/a", "-X", "post", "-H", "Accept-Language: de", "-H", "X-A:1",
			"--cookie", "currency=EUR", "--ip", "2001:db8::1", "--country", "es", "--device", "Mobile", "--plan", "Pro"},
			req: expr.Request{Method: "POST", URL: "https://example.com/a",
				Headers: []expr.Header{{Name: "Accept-Language", Value: "de"}, {Name: "X-A", Value: "1"}},
				Cookies: []expr.Cookie{{Name: "currency", Value: "EUR"}}, Country: "ES", DeviceType: "mobile"},
			resp: expr.Response{Code: 200}, plan: limits.Pro},
		{args: []string{"r.yaml"}, code: 2, msg: "--url is required"},
		{args: []string{"--url", "example.com/a"}, code: 2, msg: "not an absolute URL: want http:// or https://"},
		{args: []string{"--url", "https:///a"}, code: 2, msg: "--url https:///a: no host"},
		{args: []string{"--url", "https://example.com/a", "--country", "ZZ"}, code: 2, msg: `--country "ZZ"`},
		{args: []string{"--url", "https://example.com/a", "--device", "phone"}, code: 2, msg: "want mobile, desktop or tablet"},
		{args: []string{"--url", "https://example.com/a", "-H", "no colon"}, code: 2, msg: "want 'Name: value'"},
		{args: []string{"--url", "https://example.com/a", "-H", "Bad Name: x"}, code: 2, msg: "not a valid header name"},
		{args: []string{"--url", "https://example.com/a", "--cookie", "novalue"}, code: 2, msg: "want 'name=value'"},
		{args: []string{"--url", "https://example.com/a", "--ip", "300.1.1.1"}, code: 2, msg: "not an IPv4 or IPv6"},
		{args: []string{"--url", "https://example.com/a", "--plan", "gold"}, code: 2, msg: "--plan"},
		{args: []string{"a", "b", "c", "--url", "https://example.com/a"}, code: 2, msg: "at most two rules FILEs"},
		// Every bad flag is reported, not only the first.
		{args: []string{"--url", "ftp://x", "--device", "tv", "--country", "Spain"}, code: 2, msg: "--url ftp://x: scheme ftp not allowed"},
		// issue 9: purge's URL rules, a control character shown escaped, never raw.
		{args: []string{"--url", "https://example.com/\x01"}, code: 2, msg: `--url "https://example.com/\x01": contains whitespace or a control character`},
		{args: []string{"--url", "https://example.com/a#top"}, code: 2, msg: "fragment"},
		{args: []string{"--url", "https://example.com/a", "-H", "X-A: 1\x1b[2J"}, code: 2, msg: `-H "X-A: 1\x1b[2J": control character in header value`},
		{args: []string{"--url", "https://example.com/a", "--cookie", "a=\x7f"}, code: 2, msg: `--cookie "a=\x7f": control character`},
	} {
		f, _ := e.Factory(false, false)
		var got *ExplainOptions
		err := rulestest.Run(NewCmdExplain(f, func(o *ExplainOptions) error { got = o; return nil }), c.args...)
		if code := rulestest.ExitCode(err); code != c.code {
			t.Errorf("%v: exit %d (%v), want %d", c.args, code, err, c.code)
			continue
		}
		if c.code != 0 {
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("%v: error %q lacks %q", c.args, err, c.msg)
			}
			if len(c.args) > 4 && c.args[1] == "ftp://x" && strings.Count(err.Error(), "\n") != 2 {
				t.Errorf("want three problems, got %q", err)
			}
			continue
		}
		if strings.Join(got.Files, ",") != c.file || got.Plan != c.plan {
			t.Errorf("%v: files %q plan %q", c.args, got.Files, got.Plan)
		}
		if !reflect.DeepEqual(got.Response, c.resp) {
			t.Errorf("%v: response %+v, want %+v", c.args, got.Response, c.resp)
		}
		r := got.Request
		c.req.IP = r.IP // compared below
		if !reflect.DeepEqual(r, c.req) {
			t.Errorf("%v: request\n got %+v\nwant %+v", c.args, r, c.req)
		}
		if strings.Contains(strings.Join(c.args, " "), "--ip") && r.IP.String() != "2001:db8::1" {
			t.Errorf("ip %v", r.IP)
		}
	}
}

// offline is a Factory with no credentials and an API that does not exist:
// explain with FILE must need neither.
func offline(t *testing.T, tty, jsonOut bool, edit ...func(*cmdutil.Factory)) (*rulestest.IO, func(...string) error) {
	e := rulestest.New(t, limits.Enterprise)
	f, io := e.Factory(tty, jsonOut)
	f.Env = config.MapEnv(map[string]string{})
	f.Settings.Zone = ""
	f.Settings.APIURL = "http://127.0.0.1:1/client/v4"
	f.HTTPClient = nil
	for _, ed := range edit {
		ed(f)
	}
	return io, func(args ...string) error { return rulestest.Run(NewCmdExplain(f, nil), args...) }
}

// goldenCases are requests against the example files; each is rendered as
// plain text, as text on a TTY (colour) and as JSON.
var goldenCases = []struct {
	name string
	args []string
}{
	{"free-plan-css", []string{example("free-plan.yaml"), "--url", "https://www.example.com/app.css"}},
	{"free-plan-api", []string{example("free-plan.yaml"), "--url", "https://www.example.com/api/v1/users?id=7"}},
	{"free-plan-post-html", []string{example("free-plan.yaml"), "--url", "https://www.example.com/contact", "--method", "POST"}},
	{"device-type-mobile", []string{example("html-device-type.yaml"), "--url", "https://www.example.com/shop?b=2&a=1",
		"-H", "User-Agent: Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148"}},
	{"device-type-other-host", []string{example("html-device-type.yaml"), "--url", "https://static.example.com/shop", "--device", "tablet"}},
	{"custom-key", []string{example("enterprise-custom-key.json"), "--url", "https://www.example.com/catalog/shoes?utm_source=x&sort=price&page=2",
		"-H", "Accept-Language: de-DE,de;q=0.9", "-H", "Origin: https://app.example.com", "--cookie", "currency=EUR", "--device", "desktop", "--country", "DE"}},
	{"api-bypass-cookie", []string{example("api-bypass.yaml"), "--url", "https://blog.example.com/2024/hello/", "--cookie", "wordpress_logged_in_abc=1"}},
	// Both phases: a response rule's Cache-Control overrides html-short's
	// edge_ttl; s-maxage is edge-only, so downstream differs.
	{"response-html", []string{example("free-plan.yaml"), example("response-html-cache-control.yaml"), "--url", "https://www.example.com/about",
		"--response-header", "Content-Type: text/html; charset=utf-8", "--response-header", "Cache-Control: private, max-age=600",
		"--response-header", "CDN-Cache-Control: max-age=60"}},
	// Tags: the origin's, a matching add, an expression evaluated here, and
	// a 404 that removes one; the response file alone has no Cache Rules.
	{"response-tags-404", []string{example("response-cache-tags.yaml"), "--url", "https://www.example.com/blog/products/x",
		"--status", "404", "--response-header", "Cache-Tag: origin, blog"}},
	{"response-tags-products", []string{example("response-cache-tags.yaml"), "--url", "https://www.example.com/products/shoe-42"}},
	// Stripped headers, and a response rule that does not match (a 304).
	{"response-strip", []string{example("response-strip-set-cookie.yaml"), example("static-assets.yaml"), "--url", "https://www.example.com/app.css",
		"--response-header", "Set-Cookie: session=abc", "--response-header", "ETag: \"x\""}},
	{"response-strip-304", []string{example("response-strip-set-cookie.yaml"), "--url", "https://www.example.com/app.css", "--status", "304"}},
}

func TestExplainGolden(t *testing.T) {
	for _, c := range goldenCases {
		for _, mode := range []string{"text", "color", "nocolor", "json"} {
			t.Run(c.name+"/"+mode, func(t *testing.T) {
				// NO_COLOR on a terminal: the plain text, symbols only.
				noColor := func(f *cmdutil.Factory) {
					if mode == "nocolor" {
						f.IOStreams.SetColorEnv(true, false)
					}
				}
				io, run := offline(t, mode == "color" || mode == "nocolor", mode == "json", noColor)
				if err := run(c.args...); err != nil {
					t.Fatalf("%v\n%s", err, io.ErrOut)
				}
				out := io.Out.String()
				switch mode {
				case "text", "nocolor":
					rulestest.NoANSI(t, "stdout", out)
					rulestest.Golden(t, c.name, out)
				case "color":
					rulestest.HasANSI(t, "stdout", out)
					rulestest.Golden(t, c.name+".color", out)
				case "json":
					var doc map[string]json.RawMessage
					if err := json.Unmarshal([]byte(out), &doc); err != nil {
						t.Fatalf("not one JSON document: %v\n%s", err, out)
					}
					for _, k := range []string{"rules", "settings", "set_by", "cache_key", "purge_command"} {
						if _, ok := doc[k]; !ok {
							t.Errorf("JSON lacks %q", k)
						}
					}
					if r, ok := doc["response"]; ok != strings.HasPrefix(c.name, "response-") {
						t.Errorf("JSON has response: %v", ok)
					} else if ok {
						// The contract's keys (interface.md, rules explain).
						var resp map[string]json.RawMessage
						if err := json.Unmarshal(r, &resp); err != nil {
							t.Fatal(err)
						}
						for _, k := range []string{"rules", "cache_control", "cache_tags", "stripped", "set_by"} {
							if _, ok := resp[k]; !ok {
								t.Errorf("JSON response lacks %q", k)
							}
						}
					}
					rulestest.Golden(t, c.name+".json", out)
				}
			})
		}
	}
}

// The contract's JSON shape, checked field by field on one case.
func TestExplainJSONContract(t *testing.T) {
	io, run := offline(t, false, true)
	if err := run(example("free-plan.yaml"), "--url", "https://www.example.com/app.css"); err != nil {
		t.Fatalf("%v\n%s", err, io.ErrOut)
	}
	var doc struct {
		Rules []struct {
			Ref     string `json:"ref"`
			Matched bool   `json:"matched"`
			Reason  string `json:"reason"`
		} `json:"rules"`
		Settings     map[string]any    `json:"settings"`
		SetBy        map[string]string `json:"set_by"`
		CacheKey     map[string]any    `json:"cache_key"`
		PurgeCommand string            `json:"purge_command"`
	}
	if err := json.Unmarshal(io.Out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, r := range doc.Rules {
		refs = append(refs, r.Ref)
		if r.Matched != (r.Reason == "") {
			t.Errorf("%s: matched %v with reason %q", r.Ref, r.Matched, r.Reason)
		}
	}
	if strings.Join(refs, ",") != "default-cache,static-long,html-short,api-bypass" {
		t.Errorf("rules %v not in file order", refs)
	}
	if doc.SetBy["edge_ttl"] != "static-long" || doc.SetBy["cache"] != "default-cache" {
		t.Errorf("set_by %v", doc.SetBy)
	}
	if doc.Settings["cache"] != true || doc.CacheKey["url"] != "https://www.example.com/app.css" {
		t.Errorf("settings %v key %v", doc.Settings, doc.CacheKey)
	}
	if doc.PurgeCommand != "cfcache purge url https://www.example.com/app.css" {
		t.Errorf("purge_command %q", doc.PurgeCommand)
	}
	if io.ErrOut.Len() != 0 {
		t.Errorf("stderr: %s", io.ErrOut)
	}
}

func TestExplainRefusesInvalidFile(t *testing.T) {
	for _, c := range []struct{ name, content, plan, msg string }{
		{"syntax.yaml", "rules:\n  - ref: a\n    expression: http.host eq\n", "", "rules.yaml"},
		{"plan.yaml", "rules:\n  - ref: a\n    expression: \"true\"\n    action_parameters: {cache: true, cache_key: {custom_key: {user: {geo: true}}}}\n", "pro", "Enterprise"},
	} {
		io, run := offline(t, false, false)
		path := rulestest.WriteFile(t, "rules.yaml", c.content)
		args := []string{path, "--url", "https://example.com/"}
		if c.plan != "" {
			args = append(args, "--plan", c.plan)
		}
		err := run(args...)
		if code := rulestest.ExitCode(err); code != 2 {
			t.Errorf("%s: exit %d (%v), want 2", c.name, code, err)
		}
		if io.Out.Len() != 0 || !strings.Contains(io.ErrOut.String(), c.msg) {
			t.Errorf("%s: stdout %q stderr %q", c.name, io.Out, io.ErrOut)
		}
	}
	io, run := offline(t, false, false)
	if err := run("/does/not/exist.yaml", "--url", "https://example.com/"); rulestest.ExitCode(err) != 2 {
		t.Errorf("missing file: %v", err)
	}
	_ = io
}

// Without FILE, explain reads the zone's live rules: one GET, nothing written.
func TestExplainLiveRules(t *testing.T) {
	e := rulestest.New(t, limits.Enterprise)
	data, err := readExample("html-device-type.yaml")
	if err != nil {
		t.Fatal(err)
	}
	e.SeedFile(data + `  - ref: api-bypass
    expression: starts_with(http.request.uri.path, "/api/")
    action_parameters: {cache: false}
    enabled: false
`)
	for _, jsonOut := range []bool{false, true} {
		f, io := e.Factory(false, jsonOut)
		if err := rulestest.Run(NewCmdExplain(f, nil), "--url", "https://www.example.com/api/items", "--device", "mobile"); err != nil {
			t.Fatalf("%v\n%s", err, io.ErrOut)
		}
		out := io.Out.String()
		if jsonOut {
			var doc struct {
				Source       string `json:"source"`
				PurgeCommand string `json:"purge_command"`
				Rules        []struct {
					Ref    string `json:"ref"`
					Reason string `json:"reason"`
				} `json:"rules"`
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatal(err)
			}
			if len(doc.Rules) != 2 || doc.Rules[1].Reason != "disabled" || !strings.Contains(doc.Rules[0].Reason, "starts_with") {
				t.Errorf("rules %+v", doc.Rules)
			}
			if !strings.HasPrefix(doc.Source, "zone example.com, version ") {
				t.Errorf("source %q", doc.Source)
			}
			// html-by-device does not match /api/: no device in the key.
			if doc.PurgeCommand != "cfcache purge url https://www.example.com/api/items --zone example.com" {
				t.Errorf("purge_command %q", doc.PurgeCommand)
			}
			continue
		}
		// The sandbox stamps the ruleset with the time it was seeded.
		out = regexp.MustCompile(`last updated [^)]*`).ReplaceAllString(out, "last updated TIME")
		rulestest.Golden(t, "live", out)
	}
	if n := e.Requests(sandbox.EndpointPutEntry); n != 0 {
		t.Errorf("explain wrote the rules (%d PUTs)", n)
	}
}

// The live rules of a zone on which a device-type rule matches give a
// purge command with --device and --zone.
func TestExplainLiveDeviceVariant(t *testing.T) {
	e := rulestest.New(t, limits.Pro)
	data, err := readExample("html-device-type.yaml")
	if err != nil {
		t.Fatal(err)
	}
	e.SeedFile(data)
	f, io := e.Factory(false, false)
	if err := rulestest.Run(NewCmdExplain(f, nil), "--url", "https://www.example.com/products", "--device", "tablet"); err != nil {
		t.Fatalf("%v\n%s", err, io.ErrOut)
	}
	if !strings.Contains(io.Out.String(), "cfcache purge url https://www.example.com/products --device tablet --zone example.com\n") {
		t.Errorf("stdout:\n%s", io.Out)
	}
}

func readExample(name string) (string, error) {
	data, err := os.ReadFile(example(name))
	return string(data), err
}

// With APO caching by device type, a live zone's HTML page has the device
// type in its key, set by APO, though no Cache Rule puts it there; a token
// without Zone Settings Read gets a warning, not a failure.
func TestExplainLiveAPO(t *testing.T) {
	e := rulestest.NewWith(t, rulestest.Setup{Plan: limits.Free, EditZone: func(z *sandbox.Zone) {
		z.APO = &sandbox.APO{Enabled: true, CacheByDeviceType: true}
	}})
	f, io := e.Factory(false, false)
	if err := rulestest.Run(NewCmdExplain(f, nil), "--url", "https://www.example.com/hello-world/", "--device", "tablet"); err != nil {
		t.Fatalf("%v\n%s", err, io.ErrOut)
	}
	out := io.Out.String()
	for _, want := range []string{
		"cfcache purge url https://www.example.com/hello-world/ --device tablet --zone example.com\n",
		"set by APO",
		"APO for WordPress caching by device type on example.com, www.example.com",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if n := e.Requests(sandbox.EndpointAPOSetting); n != 1 {
		t.Errorf("APO setting read %d times", n)
	}

	e = rulestest.NewWith(t, rulestest.Setup{Plan: limits.Free, Permissions: []sandbox.Permission{sandbox.PermCacheRulesRead},
		EditZone: func(z *sandbox.Zone) { z.APO = &sandbox.APO{Enabled: true, CacheByDeviceType: true} }})
	f, io = e.Factory(false, false)
	if err := rulestest.Run(NewCmdExplain(f, nil), "--url", "https://www.example.com/hello-world/"); err != nil {
		t.Fatalf("%v\n%s", err, io.ErrOut)
	}
	if !strings.Contains(io.ErrOut.String(), "cannot read the zone's APO setting") || strings.Contains(io.Out.String(), "--device") {
		t.Errorf("stderr:\n%s\nstdout:\n%s", io.ErrOut, io.Out)
	}
}

// Live rules of both phases: without FILE explain reads both entrypoints;
// with a request-phase FILE and a zone given it reads the response phase
// live; with FILEs of both phases it reads neither. Nothing is written.
func TestExplainLiveBothPhases(t *testing.T) {
	e := rulestest.New(t, limits.Enterprise)
	data, err := readExample("free-plan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	e.SeedFile(data)
	e.SeedPhase(sandbox.ResponseCachePhase, `[
	 {"ref": "html-cc", "expression": "http.response.content_type.media_type eq \"text/html\"", "action": "set_cache_control", "enabled": true,
	  "action_parameters": {"s-maxage": {"operation": "set", "value": 300, "cloudflare_only": true}}},
	 {"ref": "tag-all", "expression": "true", "enabled": true, "action": "set_cache_tags", "action_parameters": {"operation": "add", "values": ["site"]}}]`)
	respArgs := []string{"--url", "https://www.example.com/about", "--response-header", "Content-Type: text/html"}

	f, io := e.Factory(false, true)
	if err := rulestest.Run(NewCmdExplain(f, nil), respArgs...); err != nil {
		t.Fatalf("%v\n%s", err, io.ErrOut)
	}
	var doc struct {
		Source   string `json:"source"`
		Response *struct {
			Source       string              `json:"source"`
			CacheControl string              `json:"cache_control"`
			CacheTags    []string            `json:"cache_tags"`
			SetBy        map[string]string   `json:"set_by"`
			Overrides    []map[string]string `json:"overrides"`
		} `json:"response"`
	}
	if err := json.Unmarshal(io.Out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	r := doc.Response
	if r == nil || !strings.HasPrefix(r.Source, "zone example.com, version ") || r.CacheControl != "s-maxage=300" ||
		strings.Join(r.CacheTags, ",") != "site" || r.SetBy["cache_tags.site"] != "tag-all" {
		t.Fatalf("response %+v", r)
	}
	if len(r.Overrides) != 1 || r.Overrides[0]["setting"] != "edge_ttl" || r.Overrides[0]["request_ref"] != "html-short" {
		t.Errorf("overrides %v", r.Overrides)
	}
	if n := e.Requests(sandbox.EndpointRespEntrypoint); n != 1 {
		t.Errorf("response entrypoint read %d times", n)
	}

	// A request FILE and a zone: the response rules are the zone's.
	f, io = e.Factory(false, false)
	if err := rulestest.Run(NewCmdExplain(f, nil), append([]string{example("static-assets.yaml")}, respArgs...)...); err != nil {
		t.Fatalf("%v\n%s", err, io.ErrOut)
	}
	if out := io.Out.String(); !strings.Contains(out, "against ../../../../examples/rules/static-assets.yaml\n") ||
		!strings.Contains(out, "for a 200 response, against zone example.com, version ") || !strings.Contains(out, "site\n") {
		t.Errorf("stdout:\n%s", out)
	}
	// Files of both phases: no API call at all.
	before := e.Requests(sandbox.EndpointRespEntrypoint) + e.Requests(sandbox.EndpointEntrypoint)
	f, io = e.Factory(false, false)
	if err := rulestest.Run(NewCmdExplain(f, nil), append([]string{example("static-assets.yaml"), example("response-cache-tags.yaml")}, respArgs...)...); err != nil {
		t.Fatalf("%v\n%s", err, io.ErrOut)
	}
	if after := e.Requests(sandbox.EndpointRespEntrypoint) + e.Requests(sandbox.EndpointEntrypoint); after != before {
		t.Errorf("files of both phases read the zone (%d reads)", after-before)
	}
	// Two files of one phase are refused before anything is read.
	f, io = e.Factory(false, false)
	err = rulestest.Run(NewCmdExplain(f, nil), append([]string{example("static-assets.yaml"), example("free-plan.yaml")}, respArgs...)...)
	if rulestest.ExitCode(err) != 2 || !strings.Contains(err.Error(), "are both Cache Rules files") || io.Out.Len() != 0 {
		t.Errorf("two request files: %v\n%s", err, io.Out)
	}
	if n := e.Requests(sandbox.EndpointPutEntry) + e.Requests(sandbox.EndpointRespPutEntry); n != 0 {
		t.Errorf("explain wrote rules (%d PUTs)", n)
	}
}

// A zone from the environment or config whose rules cannot be read does not
// break explaining FILEs: the missing phase is left out with a warning.
func TestExplainFileZoneUnreadable(t *testing.T) {
	io, run := offline(t, false, false, func(f *cmdutil.Factory) { f.Settings.Zone = "example.com" })
	if err := run(example("response-cache-tags.yaml"), "--url", "https://www.example.com/blog/a"); err != nil {
		t.Fatalf("%v\n%s", err, io.ErrOut)
	}
	if !strings.Contains(io.ErrOut.String(), "cannot read the zone's live Cache Rules") {
		t.Errorf("stderr: %s", io.ErrOut)
	}
	out := io.Out.String()
	if !strings.Contains(out, "against no Cache Rules (the zone's could not be read)") || !strings.Contains(out, "  ✓ tag-blog") {
		t.Errorf("stdout:\n%s", out)
	}
}

// A zone that is found but whose rules cannot be read (a token without
// Cache Rules Read) is dropped as a whole: not from the purge command only
// but from the JSON's zone_id and zone_name too, which print as with FILEs
// and no zone (interface.md, "In CI").
func TestExplainFileZoneRulesUnreadableJSON(t *testing.T) {
	e := rulestest.NewWith(t, rulestest.Setup{Plan: limits.Enterprise, Permissions: []sandbox.Permission{sandbox.PermCachePurge}})
	f, io := e.Factory(false, true)
	if err := rulestest.Run(NewCmdExplain(f, nil), example("static-assets.yaml"), "--url", "https://www.example.com/app.css"); err != nil {
		t.Fatalf("%v\n%s", err, io.ErrOut)
	}
	if !strings.Contains(io.ErrOut.String(), "cannot read the zone's live Cache Response Rules") {
		t.Errorf("stderr: %s", io.ErrOut)
	}
	var doc map[string]any
	if err := json.Unmarshal(io.Out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	purge, _ := doc["purge_command"].(string)
	if doc["zone_id"] != "" || doc["zone_name"] != "" || strings.Contains(purge, "--zone") {
		t.Errorf("zone_id %q zone_name %q purge_command %q, want both \"\" and no --zone", doc["zone_id"], doc["zone_name"], purge)
	}
}

// --status and --response-header with no response rules to run them through
// are not silently ignored (review of issue 12, finding 9); without them
// there is no warning.
func TestExplainWarnsWhenResponseFlagsHaveNoEffect(t *testing.T) {
	for _, c := range []struct {
		extra []string
		warn  bool
	}{
		{[]string{"--status", "404"}, true},
		{[]string{"--response-header", "Cache-Control: no-store"}, true},
		{nil, false},
	} {
		io, run := offline(t, false, false)
		args := append([]string{example("free-plan.yaml"), "--url", "https://www.example.com/app.css"}, c.extra...)
		if err := run(args...); err != nil {
			t.Fatalf("%v: %v", c.extra, err)
		}
		if got := strings.Contains(io.ErrOut.String(), "had no effect"); got != c.warn {
			t.Errorf("%v: warning %v, want %v; stderr %q", c.extra, got, c.warn, io.ErrOut)
		}
	}
}

// An edge-only removal of a directive the origin sent is labelled "removed
// by", not "set by" (review finding 10).
func TestExplainLabelsEdgeOnlyRemoval(t *testing.T) {
	io, run := offline(t, false, false)
	path := rulestest.WriteFile(t, "resp.yaml", "phase: response\nrules:\n  - ref: b\n    expression: \"true\"\n    action: set_cache_control\n    action_parameters:\n      s-maxage: {operation: remove, cloudflare_only: true}\n      private: {operation: set}\n")
	if err := run(path, "--url", "https://www.example.com/", "--response-header", "Cache-Control: max-age=10, s-maxage=70"); err != nil {
		t.Fatal(err)
	}
	out := io.Out.String()
	if !strings.Contains(out, "removed by b: s-maxage") || strings.Contains(out, "set by b: private, s-maxage") {
		t.Errorf("labels:\n%s", out)
	}
}

// Cache tags compare case-insensitively (review finding 5): the origin's
// "Blog" is removed by untag-errors' "blog" on a 404.
func TestExplainTagsCaseInsensitive(t *testing.T) {
	io, run := offline(t, false, true)
	if err := run(example("response-cache-tags.yaml"), "--url", "https://example.com/blog/abc", "--status", "404",
		"--response-header", "Cache-Tag: origin1,Blog"); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Response struct {
			Tags []string `json:"cache_tags"`
		} `json:"response"`
	}
	if err := json.Unmarshal(io.Out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.Response.Tags, ",") != "origin1" {
		t.Errorf("tags %v, want [origin1]", got.Response.Tags)
	}
}

// TestSettingJSONIsMarshal: the effective settings print as json.Marshal
// printed them, HTML escaping included.
func TestSettingJSONIsMarshal(t *testing.T) {
	docs := []string{`true`, `3600`, `1.5`, `-2e-7`, `"a<b>&c\u2028d\u2029"`, `"plain"`, `null`, `[]`, `{}`,
		`{"mode":"override_origin","default":3600,"status_code_ttl":[{"status_code":404,"value":60}]}`,
		`{"include":["x-<tier>"],"check_presence":[]}`, `["a&b"]`, `"\u2028"`, `{"k":"\u00e9\ud83d\ude00\\\"\n\t"}`}
	for _, d := range docs {
		var v rules.Value
		if err := json.Unmarshal([]byte(d), &v); err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		want, err := json.Marshal(&v)
		if err != nil {
			t.Fatal(err)
		}
		if got := settingJSON(&v); string(got) != string(want) {
			t.Errorf("%s: got %s, want %s", d, got, want)
		}
	}
	if got := settingJSON(nil); string(got) != "null" {
		t.Errorf("nil: got %s", got)
	}
}

// The two FILEs are checked side by side, and reported as if one after
// the other: problems file by file in the order given, nothing of the
// second when the first has errors, and a second FILE that cannot be read
// is reported after the first one's problems.
func TestExplainTwoFilesReportInOrder(t *testing.T) {
	badReq := rulestest.WriteFile(t, "req.yaml", "rules:\n  - ref: a\n    expression: http.host eq\n")
	goodReq := rulestest.WriteFile(t, "good.yaml", "rules:\n  - ref: a\n    expression: http.host eq \"example.com\"\n    action_parameters: {cache: true}\n")
	badResp := rulestest.WriteFile(t, "resp.yaml", "phase: response\nrules:\n  - ref: r\n    expression: http.response.code eq\n    action: set_cache_tags\n    action_parameters: {operation: add, values: [t]}\n")
	for _, c := range []struct {
		name        string
		files       []string
		want, never string
	}{
		{"first has errors", []string{badReq, badResp}, "req.yaml:3", "resp.yaml"},
		{"second has errors", []string{goodReq, badResp}, "resp.yaml:4", "req.yaml"},
		{"second cannot be read", []string{badReq, "/does/not/exist.yaml"}, "req.yaml:3", "exist.yaml"},
	} {
		io, run := offline(t, false, false)
		err := run(append(c.files, "--url", "https://example.com/")...)
		if code := rulestest.ExitCode(err); code != 2 {
			t.Errorf("%s: exit %d (%v), want 2", c.name, code, err)
		}
		if !strings.Contains(io.ErrOut.String(), c.want) || strings.Contains(io.ErrOut.String(), c.never) {
			t.Errorf("%s: stderr should name %q and not %q:\n%s", c.name, c.want, c.never, io.ErrOut)
		}
	}
	io, run := offline(t, false, false)
	err := run(goodReq, "/does/not/exist.yaml", "--url", "https://example.com/")
	if rulestest.ExitCode(err) != 2 || !strings.Contains(err.Error(), "exist.yaml") {
		t.Errorf("missing second file: %v\n%s", err, io.ErrOut)
	}
}

// A first FILE with errors is reported at once: a second FILE on standard
// input that never ends is not read (nor waited for), as before the files
// were checked side by side.
func TestExplainFirstFileErrorsDoNotWaitForStdin(t *testing.T) {
	badReq := rulestest.WriteFile(t, "req.yaml", "rules:\n  - ref: a\n    expression: http.host eq\n")
	stdin, w := io.Pipe() // nothing is ever written: a read blocks
	t.Cleanup(func() { w.Close() })
	errs, run := offline(t, false, false, func(f *cmdutil.Factory) { f.IOStreams.In = stdin })
	done := make(chan error, 1)
	go func() { done <- run(badReq, "-", "--url", "https://example.com/") }()
	select {
	case err := <-done:
		if rulestest.ExitCode(err) != 2 || !strings.Contains(errs.ErrOut.String(), "req.yaml:3") {
			t.Fatalf("exit %d (%v)\n%s", rulestest.ExitCode(err), err, errs.ErrOut)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("explain waited for standard input after the first FILE's errors")
	}
}

// Only regular files of bounded size are checked side by side: standard
// input, directories, missing and large files are checked in turn.
func TestSmallRegularFiles(t *testing.T) {
	dir := t.TempDir()
	small := rulestest.WriteFile(t, "small.yaml", "rules: []\n")
	large := filepath.Join(dir, "large.yaml")
	if err := os.WriteFile(large, make([]byte, sideBySideMax+1), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		paths []string
		want  bool
	}{
		{[]string{small, small}, true},
		{[]string{small, "-"}, false},
		{[]string{"-", small}, false},
		{[]string{small, dir}, false},
		{[]string{small, filepath.Join(dir, "missing.yaml")}, false},
		{[]string{large, small}, false},
	} {
		if got := smallRegularFiles(c.paths); got != c.want {
			t.Errorf("smallRegularFiles(%q) = %v, want %v", c.paths, got, c.want)
		}
	}
}
