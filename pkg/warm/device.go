package warm

import (
	"strings"

	"github.com/cfcache/cfcache/pkg/purge"
)

// Device is a Cloudflare device type, the value of CF-Device-Type.
type Device string

// The device types Cloudflare distinguishes when a cache rule turns on
// "cache by device type".
const (
	Desktop Device = "desktop"
	Mobile  Device = "mobile"
	Tablet  Device = "tablet"
)

// AllDevices are the device types in the order "all" expands to.
func AllDevices() []Device { return []Device{Desktop, Mobile, Tablet} }

// DefaultDevices are warmed when none is asked for: desktop and mobile, as
// WP Rocket's preload does, because a zone caching by device type keeps one
// copy for each and those two carry nearly all traffic.
func DefaultDevices() []Device { return []Device{Desktop, Mobile} }

// UserAgent is a representative, current User-Agent for the device.
//
// The strings follow Chrome's reduced User-Agent format, which every Chrome
// has sent since the reduction rolled out (Chrome 107 desktop, 110 Android):
// fixed platform tokens "Windows NT 10.0; Win64; x64" and "Linux; Android 10;
// K", and a MAJOR.0.0.0 version (https://www.chromium.org/updates/ua-reduction/).
// Chrome is the most used browser on each platform, and Android tablets send
// the phone string without "Mobile". Cloudflare classifies them as desktop,
// mobile and tablet with the expressions it documents for cache by device
// type (developers.cloudflare.com/automatic-platform-optimization/reference/
// cache-device-type/); ClassifyUserAgent implements those and a test checks
// the three strings against it. Only the major version ages; bumping it
// changes nothing Cloudflare looks at.
func (d Device) UserAgent() string {
	const chrome = "Chrome/140.0.0.0"
	switch d {
	case Mobile:
		return "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) " + chrome + " Mobile Safari/537.36"
	case Tablet:
		return "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) " + chrome + " Safari/537.36"
	}
	return "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) " + chrome + " Safari/537.36"
}

// ParseDevices reads --device values: names separated by commas (the
// elements may themselves be lists), or "all". Duplicates are dropped and
// the order given is kept. An empty list gives DefaultDevices.
func ParseDevices(values []string) ([]Device, error) {
	var out []Device
	seen := map[Device]bool{}
	for _, v := range values {
		for _, raw := range strings.Split(v, ",") {
			s := strings.ToLower(strings.TrimSpace(raw))
			var ds []Device
			switch s {
			case "":
				continue
			case "all":
				ds = AllDevices()
			case string(Desktop), string(Mobile), string(Tablet):
				ds = []Device{Device(s)}
			default:
				// purge's words for the same mistake (issue 13, "one voice").
				return nil, &purge.FlagError{Flag: "--device", Value: raw, Reason: purge.DeviceReason(true)}
			}
			for _, d := range ds {
				if !seen[d] {
					seen[d] = true
					out = append(out, d)
				}
			}
		}
	}
	if len(out) == 0 {
		return DefaultDevices(), nil
	}
	return out, nil
}

// ClassifyUserAgent says which device type Cloudflare assigns to a
// User-Agent, following its documented case-insensitive expressions:
//
//	mobile: (?:phone|windows\s+phone|ipod|blackberry|(?:android|bb\d+|meego|silk|googlebot) .+? mobile|palm|windows\s+ce|opera mini|avantgo|mobilesafari|docomo|kaios)
//	tablet: (?:ipad|playbook|(?:android|bb\d+|meego|silk)(?! .+? mobile))
//	desktop: everything else
//
// Go's regexp has no lookahead, so the tablet rule's "not followed by
// ' … mobile'" is checked by hand. Test origins use it to keep one cache
// entry per device type, as Cloudflare does.
func ClassifyUserAgent(ua string) Device {
	s := strings.ToLower(ua)
	if mobileRE.MatchString(s) {
		return Mobile
	}
	if strings.Contains(s, "ipad") || strings.Contains(s, "playbook") {
		return Tablet
	}
	for _, loc := range tabletStemRE.FindAllStringIndex(s, -1) {
		if !followedByMobile(s[loc[1]:]) {
			return Tablet
		}
	}
	return Desktop
}

// followedByMobile reports whether rest matches ` .+? mobile` at its start.
func followedByMobile(rest string) bool {
	if !strings.HasPrefix(rest, " ") {
		return false
	}
	i := strings.Index(rest[1:], " mobile")
	return i >= 1 // .+? needs at least one character
}
