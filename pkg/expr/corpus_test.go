package expr

import (
	"encoding/json"
	"errors"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/cfcache/cfcache/pkg/limits"
)

var update = flag.Bool("update", false, "rewrite the expected results in testdata/corpus.json")

// corpusFile holds real expressions from Cloudflare's documentation, each with
// where it came from, its canonical form or parse error, the checker's
// problems on the given plan (default enterprise) and whether it matches each
// sample request.
type corpusFile struct {
	Requests map[string]corpusRequest `json:"requests"`
	Cases    []corpusCase             `json:"cases"`
}

type corpusRequest struct {
	Method      string              `json:"method"`
	URL         string              `json:"url"`
	Headers     [][2]string         `json:"headers"`
	IP          string              `json:"ip"`
	Country     string              `json:"country"`
	Continent   string              `json:"continent"`
	ASN         int64               `json:"asn"`
	BotScore    int                 `json:"bot_score,omitempty"`
	VerifiedBot bool                `json:"verified_bot,omitempty"`
	Lists       map[string][]string `json:"lists,omitempty"`
}

type corpusCase struct {
	Source   string          `json:"source"`
	Expr     string          `json:"expr"`
	Plan     string          `json:"plan,omitempty"`
	Format   string          `json:"format,omitempty"`
	Error    string          `json:"error,omitempty"`
	Problems []string        `json:"problems,omitempty"`
	Match    map[string]bool `json:"match,omitempty"`
}

func (r corpusRequest) request(t testing.TB) Request {
	req := Request{Method: r.Method, URL: r.URL, Country: r.Country, Continent: r.Continent, ASN: r.ASN, BotScore: r.BotScore, VerifiedBot: r.VerifiedBot, Lists: r.Lists}
	for _, h := range r.Headers {
		req.Headers = append(req.Headers, Header{Name: h[0], Value: h[1]})
	}
	if r.IP != "" {
		ip, err := netip.ParseAddr(r.IP)
		if err != nil {
			t.Fatal(err)
		}
		req.IP = ip
	}
	return req
}

func loadCorpus(t testing.TB) (corpusFile, map[string]*Env) {
	raw, err := os.ReadFile(filepath.Join("testdata", "corpus.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c corpusFile
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	envs := map[string]*Env{}
	for name, r := range c.Requests {
		env, err := NewEnv(r.request(t))
		if err != nil {
			t.Fatalf("request %s: %v", name, err)
		}
		envs[name] = env
	}
	return c, envs
}

func (cc corpusCase) plan() limits.Plan {
	if cc.Plan == "" {
		return limits.Enterprise
	}
	return limits.Plan(cc.Plan)
}

// run computes the actual results of a case.
func (cc corpusCase) run(envs map[string]*Env) corpusCase {
	got := corpusCase{Source: cc.Source, Expr: cc.Expr, Plan: cc.Plan}
	e, err := Parse(cc.Expr)
	if err != nil {
		var se *SyntaxError
		if !errors.As(err, &se) {
			got.Error = "not a SyntaxError: " + err.Error()
		} else {
			got.Error = se.Error()
		}
		return got
	}
	got.Format = Format(e)
	for _, p := range CheckExpression(cc.Expr, cc.plan()) {
		got.Problems = append(got.Problems, p.String())
	}
	got.Match = map[string]bool{}
	names := make([]string, 0, len(envs))
	for n := range envs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		got.Match[n] = envs[n].Matches(e)
	}
	return got
}

func TestCorpus(t *testing.T) {
	c, envs := loadCorpus(t)
	if len(c.Cases) < 60 {
		t.Fatalf("corpus has %d cases, want at least 60", len(c.Cases))
	}
	var updated []corpusCase
	for i, cc := range c.Cases {
		got := cc.run(envs)
		updated = append(updated, got)
		if *update {
			continue
		}
		want, _ := json.Marshal(cc)
		have, _ := json.Marshal(got)
		if string(want) != string(have) {
			t.Errorf("case %d (%s):\n%s\nwant %s\ngot  %s", i, cc.Source, cc.Expr, want, have)
		}
	}
	if *update {
		c.Cases = updated
		out, err := json.MarshalIndent(c, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("testdata", "corpus.json"), append(out, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Every parsed case must round-trip through Format.
	for _, cc := range c.Cases {
		e, err := Parse(cc.Expr)
		if err != nil {
			continue
		}
		e2, err := Parse(Format(e))
		if err != nil || !Equal(e, e2) {
			t.Errorf("round trip failed for %q: %v", cc.Expr, err)
		}
	}
}
