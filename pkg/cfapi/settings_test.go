package cfapi

import (
	"context"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/cfcache/cfcache/pkg/config"
	"github.com/cfcache/cfcache/pkg/sandbox"
)

func settingsClient(t *testing.T, z func(*sandbox.Zone)) *Client {
	t.Helper()
	cfg := sandbox.DefaultConfig()
	z(&cfg.Zones[0])
	ts := httptest.NewServer(sandbox.New(cfg))
	t.Cleanup(ts.Close)
	c, err := New(Options{BaseURL: ts.URL + sandbox.BasePath, Credentials: config.Credentials{Token: config.NewSecret(cfg.Tokens[0].Value)}, HTTPClient: ts.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestGetAPOAndSSL(t *testing.T) {
	ctx := context.Background()
	c := settingsClient(t, func(z *sandbox.Zone) {
		z.APO = &sandbox.APO{Enabled: true, CacheByDeviceType: true}
		z.SSL = "flexible"
	})
	apo, err := c.GetAPO(ctx, sandbox.DefaultZoneID)
	if err != nil || !apo.Enabled || !apo.CacheByDeviceType || !apo.WordPress ||
		!slices.Equal(apo.Hostnames, []string{"example.com", "www.example.com"}) {
		t.Fatalf("apo: %+v %v", apo, err)
	}
	ssl, err := c.GetSSL(ctx, sandbox.DefaultZoneID)
	if err != nil || ssl != "flexible" {
		t.Fatalf("ssl: %q %v", ssl, err)
	}

	off := settingsClient(t, func(*sandbox.Zone) {})
	apo, err = off.GetAPO(ctx, sandbox.DefaultZoneID)
	if err != nil || apo.Enabled || apo.CacheByDeviceType || len(apo.Hostnames) != 0 {
		t.Fatalf("apo off: %+v %v", apo, err)
	}
	if ssl, err := off.GetSSL(ctx, sandbox.DefaultZoneID); err != nil || ssl != "full" {
		t.Fatalf("default ssl: %q %v", ssl, err)
	}
	if _, err := off.GetAPO(ctx, "00000000000000000000000000000000"); err == nil {
		t.Fatal("unknown zone: no error")
	}
}
