package cfapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cloudflare/cloudflare-go/v7/zones"

	"github.com/cfcache/cfcache/pkg/cachekey"
)

// APOSetting is the zone's Automatic Platform Optimization for WordPress
// setting (cloudflare.md "APO for WordPress").
type APOSetting struct {
	Enabled           bool     `json:"enabled"`
	CacheByDeviceType bool     `json:"cache_by_device_type"`
	Hostnames         []string `json:"hostnames"`
	// WordPress, WPPlugin and CF are what Cloudflare detected: the site
	// runs WordPress, the Cloudflare plugin is installed, the proxy is on.
	WordPress bool `json:"wordpress"`
	WPPlugin  bool `json:"wp_plugin"`
	CF        bool `json:"cf"`
}

// GetAPO reads GET /zones/{id}/settings/automatic_platform_optimization.
func (c *Client) GetAPO(ctx context.Context, zoneID string) (APOSetting, error) {
	var v APOSetting
	if err := c.getSetting(ctx, zoneID, "automatic_platform_optimization", &v); err != nil {
		return APOSetting{}, err
	}
	return v, nil
}

// Key is what the setting means for cache keys: the part --variants auto,
// rules explain and zones check all read.
func (s APOSetting) Key() cachekey.APO {
	return cachekey.APO{Enabled: s.Enabled, CacheByDeviceType: s.CacheByDeviceType, Hostnames: s.Hostnames}
}

// GetSSL reads the zone's SSL/TLS encryption mode (GET
// /zones/{id}/settings/ssl): off, flexible, full or strict.
func (c *Client) GetSSL(ctx context.Context, zoneID string) (string, error) {
	var v string
	err := c.getSetting(ctx, zoneID, "ssl", &v)
	return v, err
}

// getSetting fetches one zone setting through the SDK and decodes its value
// from the raw answer: the SDK's SettingGetResponse is a union of some
// seventy settings whose Value is an interface{}, so reading the raw JSON
// is both simpler and independent of how the union is resolved.
func (c *Client) getSetting(ctx context.Context, zoneID, name string, value any) error {
	var p zones.SettingGetParams
	p.ZoneID.Value, p.ZoneID.Present = zoneID, true
	return c.retryRead(ctx, func() error {
		res, err := c.settings.Get(ctx, name, p)
		if err != nil {
			return err
		}
		var raw struct {
			ID    string          `json:"id"`
			Value json.RawMessage `json:"value"`
		}
		if err := json.Unmarshal([]byte(res.JSON.RawJSON()), &raw); err != nil {
			return fmt.Errorf("zone setting %s: %w", name, err)
		}
		if len(raw.Value) == 0 || string(raw.Value) == "null" {
			return fmt.Errorf("zone setting %s: the answer has no value", name)
		}
		if err := json.Unmarshal(raw.Value, value); err != nil {
			return fmt.Errorf("zone setting %s: unexpected value %s: %w", name, raw.Value, err)
		}
		return nil
	})
}

// IsAuthError reports an answer refusing the credentials or their
// permissions (401, 403, codes 10000 and 9109).
func IsAuthError(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.IsAuth()
}
