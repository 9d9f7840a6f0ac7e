package sandbox

import (
	"net/http"
	"time"
)

// settingResult is one zone setting as GET /zones/{id}/settings/{name}
// answers it (cloudflare-go v7 zones.SettingGetResponse): id, value,
// editable and modified_on.
type settingResult struct {
	ID         string     `json:"id"`
	Value      any        `json:"value"`
	Editable   bool       `json:"editable"`
	ModifiedOn *time.Time `json:"modified_on"`
}

// apoValue is the value of automatic_platform_optimization; every field is
// required by the SDK's AutomaticPlatformOptimization.
type apoValue struct {
	Enabled           bool     `json:"enabled"`
	CF                bool     `json:"cf"`
	WordPress         bool     `json:"wordpress"`
	WPPlugin          bool     `json:"wp_plugin"`
	Hostnames         []string `json:"hostnames"`
	CacheByDeviceType bool     `json:"cache_by_device_type"`
}

// GET /zones/{id}/settings/automatic_platform_optimization. A zone without
// APO answers enabled false and no hostnames, as Cloudflare does for a zone
// that never turned it on.
func (s *Server) handleAPOSetting(w http.ResponseWriter, r *http.Request, c *caller) {
	z := s.zoneFor(w, r, c, PermZoneSettingsRead)
	if z == nil {
		return
	}
	v := apoValue{Hostnames: []string{}}
	if z.APO != nil {
		v = apoValue{Enabled: z.APO.Enabled, CF: z.APO.Enabled, WordPress: z.APO.Enabled, WPPlugin: z.APO.Enabled,
			Hostnames: append([]string{}, z.APO.Hostnames...), CacheByDeviceType: z.APO.CacheByDeviceType}
	}
	created := s.created
	writeOK(w, settingResult{ID: "automatic_platform_optimization", Value: v, Editable: true, ModifiedOn: &created})
}

// GET /zones/{id}/settings/ssl: off, flexible, full or strict.
func (s *Server) handleSSLSetting(w http.ResponseWriter, r *http.Request, c *caller) {
	z := s.zoneFor(w, r, c, PermZoneSettingsRead)
	if z == nil {
		return
	}
	created := s.created
	writeOK(w, settingResult{ID: "ssl", Value: z.SSL, Editable: true, ModifiedOn: &created})
}
