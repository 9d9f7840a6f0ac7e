package cfapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/config"
	"github.com/cfcache/cfcache/pkg/sandbox"
)

func sandboxClient(t *testing.T, creds func(sandbox.Config) config.Credentials) (*Client, *sandbox.Server, *strings.Builder) {
	t.Helper()
	cfg := sandbox.DefaultConfig()
	cfg.APIKey, cfg.APIEmail = "legacy-key", "ops@example.com"
	cfg.Zones[0].Environments = []sandbox.Environment{{Name: "production", Ref: "prod1"}, {Name: "staging", Ref: "stg1"}}
	srv := sandbox.New(cfg)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	var log strings.Builder
	c, err := New(Options{BaseURL: ts.URL + sandbox.BasePath, Credentials: creds(cfg), HTTPClient: ts.Client(), Verbose: &log})
	if err != nil {
		t.Fatal(err)
	}
	return c, srv, &log
}

// Every target reaches its own endpoint, invalidate_cache through the raw
// request, with either kind of credentials, logged without them.
func TestPurgeToEveryTarget(t *testing.T) {
	for name, creds := range map[string]func(sandbox.Config) config.Credentials{
		"token": func(c sandbox.Config) config.Credentials {
			return config.Credentials{Token: config.NewSecret(c.Tokens[0].Value)}
		},
		"key": func(c sandbox.Config) config.Credentials {
			return config.Credentials{Key: config.NewSecret(c.APIKey), Email: c.APIEmail}
		},
	} {
		t.Run(name, func(t *testing.T) {
			c, srv, log := sandboxClient(t, creds)
			ctx := context.Background()
			body := []byte(`{"tags":["t1"]}`)
			for _, tgt := range []PurgeTarget{
				{ZoneID: sandbox.DefaultZoneID},
				{ZoneID: sandbox.DefaultZoneID, Invalidate: true},
				{ZoneID: sandbox.DefaultZoneID, Environment: "stg1"},
				{ZoneID: sandbox.DefaultZoneID, Environment: "stg1", Invalidate: true},
			} {
				h, err := c.PurgeTo(ctx, tgt, body)
				if err != nil || h == nil {
					t.Fatalf("%+v: %v", tgt, err)
				}
				sc := sandbox.Scope{Environment: tgt.Environment, Invalidate: tgt.Invalidate}
				if n := srv.Count(sandbox.DefaultZoneID, sc, sandbox.KindTags, "t1"); n != 1 {
					t.Fatalf("%+v: recorded %d times", tgt, n)
				}
			}
			if !strings.Contains(log.String(), "POST /client/v4/zones/"+sandbox.DefaultZoneID+"/environments/stg1/invalidate_cache → 200") {
				t.Fatalf("log: %s", log)
			}
			if strings.Contains(log.String(), "legacy-key") || strings.Contains(log.String(), srv.Config().Tokens[0].Value) {
				t.Fatal("a credential reached the log")
			}
			// An error answer to the raw request is the same typed error.
			_, err := c.PurgeTo(ctx, PurgeTarget{ZoneID: sandbox.DefaultZoneID, Environment: "nope", Invalidate: true}, body)
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.Status != 404 || !strings.Contains(apiErr.Message(), "nope") {
				t.Fatalf("unknown environment: %v", err)
			}
			_, err = c.PurgeTo(ctx, PurgeTarget{ZoneID: sandbox.DefaultZoneID, Invalidate: true}, []byte(`{"urls":["x"]}`))
			if !errors.As(err, &apiErr) || apiErr.Status != 400 {
				t.Fatalf("bad body: %v", err)
			}
		})
	}
}

func TestListAndFindEnvironments(t *testing.T) {
	c, _, _ := sandboxClient(t, func(c sandbox.Config) config.Credentials {
		return config.Credentials{Token: config.NewSecret(c.Tokens[0].Value)}
	})
	envs, err := c.ListEnvironments(context.Background(), sandbox.DefaultZoneID)
	if err != nil || len(envs) != 2 || envs[1] != (Environment{Ref: "stg1", Name: "staging"}) {
		t.Fatalf("%+v %v", envs, err)
	}
	for q, want := range map[string]string{"stg1": "stg1", "staging": "stg1", "Production": "prod1", "prod1": "prod1"} {
		if e, err := FindEnvironment(envs, q, "example.com"); err != nil || e.Ref != want {
			t.Errorf("%s: %+v %v", q, e, err)
		}
	}
	_, err = FindEnvironment(envs, "qa", "example.com")
	if err == nil || err.Error() != `unknown environment "qa" in zone example.com; it has: production (ref prod1), staging (ref stg1)` {
		t.Fatalf("unknown: %v", err)
	}
	if _, err := FindEnvironment(nil, "qa", "example.com"); err == nil || !strings.Contains(err.Error(), "has no environments") {
		t.Fatalf("none: %v", err)
	}
}

func TestCheckEnvironment(t *testing.T) {
	for _, ok := range []string{"production", "stg-1", "a.b_c", "0123456789abcdef"} {
		if err := CheckEnvironment(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "a/b", "..", "has space", "é", strings.Repeat("x", 65), "x?y"} {
		if err := CheckEnvironment(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestPurgeTargetPath(t *testing.T) {
	if p := (PurgeTarget{ZoneID: "z", Environment: "e", Invalidate: true}).Path(); p != "zones/z/environments/e/invalidate_cache" {
		t.Fatal(p)
	}
}

// A 200 that says success=false is typed like an HTTP error (Cloudflare's
// codes kept), so the purge engine can classify it; it was a plain error.
func TestInvalidateSuccessFalseIsAnAPIError(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"success":false,"errors":[{"code":1107,"message":"Unable to invalidate"}],"messages":[],"result":null}`)
	}))
	t.Cleanup(ts.Close)
	c, err := New(Options{BaseURL: ts.URL + "/client/v4", Credentials: config.Credentials{Token: config.NewSecret("tok-0123456789")}, HTTPClient: ts.Client()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.PurgeTo(context.Background(), PurgeTarget{ZoneID: "023e105f4ecef8ad9ca31a8372d0c353", Invalidate: true}, []byte(`{"tags":["a"]}`))
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusOK || len(ae.Errors) != 1 || ae.Errors[0].Code != 1107 {
		t.Fatalf("err = %#v, want an *APIError with code 1107", err)
	}
}
