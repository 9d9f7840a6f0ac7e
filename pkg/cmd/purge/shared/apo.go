package shared

import (
	"strings"

	"github.com/cfcache/cfcache/pkg/cachekey"
)

func apoHosts(a cachekey.APO) string {
	if len(a.Hostnames) == 0 {
		return "every host of the zone"
	}
	return strings.Join(a.Hostnames, ", ")
}
