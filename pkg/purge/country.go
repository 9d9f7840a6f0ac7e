package purge

import "strings"

// iso3166 is every officially assigned ISO 3166-1 alpha-2 code (249 of them,
// as maintained by the ISO 3166 Maintenance Agency). It is embedded rather
// than taken from golang.org/x/text/language because that package also
// accepts CLDR's extra, deprecated and reserved codes (EU, AC, SU, YU, ...)
// which Cloudflare never puts in CF-IPCountry.
const iso3166 = "" +
	"AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ " +
	"BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
	"CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ " +
	"DE DJ DK DM DO DZ " +
	"EC EE EG EH ER ES ET " +
	"FI FJ FK FM FO FR " +
	"GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY " +
	"HK HM HN HR HT HU " +
	"ID IE IL IM IN IO IQ IR IS IT " +
	"JE JM JO JP " +
	"KE KG KH KI KM KN KP KR KW KY KZ " +
	"LA LB LC LI LK LR LS LT LU LV LY " +
	"MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ " +
	"NA NC NE NF NG NI NL NO NP NR NU NZ " +
	"OM " +
	"PA PE PF PG PH PK PL PM PN PR PS PT PW PY " +
	"QA " +
	"RE RO RS RU RW " +
	"SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ " +
	"TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ " +
	"UA UG UM US UY UZ " +
	"VA VC VE VG VI VN VU " +
	"WF WS " +
	"YE YT " +
	"ZA ZM ZW"

// cloudflareCountries are the non-ISO values Cloudflare puts in CF-IPCountry:
// T1 for Tor, XX for "no country information", and XK for Kosovo (a
// user-assigned code Cloudflare uses, as most geo databases do).
const cloudflareCountries = "T1 XX XK"

// ValidCountry reports whether code (upper-case) is a value CF-IPCountry can
// take: an assigned ISO 3166-1 alpha-2 code, T1 or XX (or XK).
func ValidCountry(code string) bool {
	if len(code) != 2 {
		return false
	}
	// Codes are two letters followed by a space or the end in both lists, so
	// an aligned search cannot match across two codes.
	for _, list := range [...]string{iso3166, cloudflareCountries} {
		for i := 0; i+2 <= len(list); i += 3 {
			if list[i:i+2] == code {
				return true
			}
		}
	}
	return false
}

// countryCodes lists the ISO codes; tests compare it with x/text's data.
func countryCodes() []string { return strings.Fields(iso3166) }
