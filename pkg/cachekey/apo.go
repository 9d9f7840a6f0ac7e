package cachekey

import (
	"net/url"
	"path"
	"slices"
	"strings"
)

// APO is what of a zone's Automatic Platform Optimization for WordPress
// setting decides its cache keys (cloudflare.md "APO for WordPress"): with
// CacheByDeviceType, APO keeps one copy of each HTML page per device type
// (mobile, tablet, desktop), keyed like a custom key's device type, so a
// single-file purge must carry CF-Device-Type for each. The Cloudflare
// WordPress plugin forgot tablet (Cloudflare-WordPress #500); this does not.
type APO struct {
	Enabled           bool     `json:"enabled"`
	CacheByDeviceType bool     `json:"cache_by_device_type"`
	Hostnames         []string `json:"hostnames"`
}

// RefAPO names APO where a variant names the rule that required it.
const RefAPO = "APO"

// SettingAPODevice is the zone setting that puts the device type in APO's key.
const SettingAPODevice = "automatic_platform_optimization.cache_by_device_type"

// IsHTML decides whether a URL path is an HTML page for APO: it ends in
// "/", in .html or .htm, or its last segment has no extension (WordPress
// permalinks such as /2024/05/hello-world). APO caches HTML only; other
// files (images, CSS, JS) keep Cloudflare's ordinary key.
func IsHTML(p string) bool {
	if p == "" || strings.HasSuffix(p, "/") {
		return true
	}
	switch strings.ToLower(path.Ext(path.Base(p))) {
	case "":
		return true
	case ".html", ".htm":
		return true
	}
	return false
}

// Covers reports whether APO keeps device copies of rawURL: APO on with
// cache by device type, the URL's host among APO's hostnames (any host of
// the zone when the setting lists none), and an HTML path.
func (a APO) Covers(rawURL string) bool {
	if !a.Enabled || !a.CacheByDeviceType {
		return false
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return false
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if len(a.Hostnames) > 0 && !slices.ContainsFunc(a.Hostnames, func(h string) bool {
		return strings.EqualFold(strings.TrimSuffix(h, "."), host)
	}) {
		return false
	}
	return IsHTML(u.EscapedPath())
}

// variant is the device dimension APO requires of a URL it covers.
func (a APO) variant() Variant {
	return Variant{Dimension: DimDevice, Values: DeviceTypes(), Purgeable: true, Ref: RefAPO, Setting: SettingAPODevice,
		Note: "APO caches this HTML page once per device type"}
}

// WithAPO returns the stack with the zone's APO setting, which Variants
// and Explain then take into account alongside the Cache Rules. The
// receiver is not changed.
func (s *Stack) WithAPO(a APO) *Stack {
	c := *s
	a.Hostnames = slices.Clone(a.Hostnames)
	c.apo = &a
	return &c
}
