package explain

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/cmd/rules/internal/rulestest"
)

// user.lang keys the copy by the first Accept-Language language, and a purge
// reaches it by sending Accept-Language (cloudflare.md, Purge): the printed
// command carries --lang with that language, which purge url accepts, and
// nothing is called unpurgeable. A cf.edge.server_port rule is decided by
// the port of --url.
func TestExplainPurgeCommandCarriesLang(t *testing.T) {
	path := rulestest.WriteFile(t, "rules.yaml", `rules:
  - ref: alt-port
    expression: cf.edge.server_port eq 8443
    action_parameters: {cache: true}
  - ref: docs-by-lang
    expression: starts_with(http.request.uri.path, "/docs/")
    action_parameters: {cache: true, cache_key: {custom_key: {user: {lang: true, geo: true}}}}
`)
	io, run := offline(t, false, false)
	if err := run(path, "--url", "https://www.example.com:8443/docs/a", "-H", "Accept-Language: de-DE,de;q=0.9,en;q=0.5", "--country", "ES"); err != nil {
		t.Fatalf("%v\n%s", err, io.ErrOut)
	}
	out := io.Out.String()
	for _, want := range []string{
		"✓ alt-port",
		"cfcache purge url https://www.example.com:8443/docs/a --country ES --lang de-DE\n",
		"--lang sends it as Accept-Language",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "cannot be purged") {
		t.Errorf("lang called unpurgeable:\n%s", out)
	}

	io, run = offline(t, false, true)
	if err := run(path, "--url", "http://www.example.com/docs/a", "-H", "Accept-Language: fr-CH, fr;q=0.9"); err != nil {
		t.Fatalf("%v\n%s", err, io.ErrOut)
	}
	var doc struct {
		Rules []struct {
			Ref     string `json:"ref"`
			Matched bool   `json:"matched"`
			Reason  string `json:"reason"`
		} `json:"rules"`
		PurgeCommand string `json:"purge_command"`
		Purge        struct {
			Headers      []struct{ Name, Value string } `json:"headers"`
			NotPurgeable []string                       `json:"not_purgeable"`
		} `json:"purge"`
	}
	if err := json.Unmarshal(io.Out.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, io.Out)
	}
	if doc.PurgeCommand != "cfcache purge url http://www.example.com/docs/a --country XX --lang fr-CH" {
		t.Errorf("purge_command %q", doc.PurgeCommand)
	}
	if len(doc.Purge.NotPurgeable) != 0 || len(doc.Purge.Headers) != 2 || doc.Purge.Headers[1].Name != "Accept-Language" || doc.Purge.Headers[1].Value != "fr-CH" {
		t.Errorf("purge %+v", doc.Purge)
	}
	if doc.Rules[0].Matched || !strings.Contains(doc.Rules[0].Reason, "cf.edge.server_port is 80") {
		t.Errorf("alt-port on port 80: %+v", doc.Rules[0])
	}
}

// Cloudflare's field table (http.request.headers.names) gives the example
// any(http.request.headers.names[*] == "content-type") with the note that
// over HTTP/2 header names are always lower-case, as browsers and curl send
// them for https. explain models an https request so, and an http one as
// HTTP/1.1, where names keep the case they were given.
func TestExplainHeaderNamesFollowTheProtocol(t *testing.T) {
	path := rulestest.WriteFile(t, "rules.yaml", `rules:
  - ref: json-names
    expression: any(http.request.headers.names[*] == "content-type")
    action_parameters: {cache: false}
  - ref: json-values
    expression: any(http.request.headers["content-type"][*] == "application/json")
    action_parameters: {cache: false}
`)
	for _, c := range []struct {
		url        string
		namesMatch bool
	}{
		{"https://www.example.com/api", true},
		{"http://www.example.com/api", false},
	} {
		io, run := offline(t, false, true)
		if err := run(path, "--url", c.url, "-H", "Content-Type: application/json"); err != nil {
			t.Fatalf("%v\n%s", err, io.ErrOut)
		}
		var doc struct {
			Rules []struct {
				Ref     string `json:"ref"`
				Matched bool   `json:"matched"`
				Reason  string `json:"reason"`
			} `json:"rules"`
		}
		if err := json.Unmarshal(io.Out.Bytes(), &doc); err != nil {
			t.Fatalf("%v\n%s", err, io.Out)
		}
		if doc.Rules[0].Matched != c.namesMatch || !doc.Rules[1].Matched {
			t.Errorf("%s: %+v", c.url, doc.Rules)
		}
		if !c.namesMatch && !strings.Contains(doc.Rules[0].Reason, `http.request.headers.names is ["Content-Type"]`) {
			t.Errorf("%s: reason %q", c.url, doc.Rules[0].Reason)
		}
	}
}
