package shared

import (
	"context"
	"strings"

	"github.com/cfcache/cfcache/pkg/cachekey"
	"github.com/cfcache/cfcache/pkg/cfapi"
)

// readAPO reads the zone's APO for WordPress setting for --variants auto:
// with cache by device type on, its hostnames' HTML pages are cached once
// per device type whatever the Cache Rules say.
func readAPO(ctx context.Context, client *cfapi.Client, zoneID string) (cachekey.APO, error) {
	s, err := client.GetAPO(ctx, zoneID)
	if err != nil {
		return cachekey.APO{}, err
	}
	return cachekey.APO{Enabled: s.Enabled, CacheByDeviceType: s.CacheByDeviceType, Hostnames: s.Hostnames}, nil
}

func apoHosts(a cachekey.APO) string {
	if len(a.Hostnames) == 0 {
		return "every host of the zone"
	}
	return strings.Join(a.Hostnames, ", ")
}
