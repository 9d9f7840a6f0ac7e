package shared

import (
	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/purge"
)

// AddURLFlags registers the flags of the verbs that purge URLs (purge url,
// purge changed): variants and what to do after the purge.
func AddURLFlags(cmd *cobra.Command, o *URLOptions) {
	fl := cmd.Flags()
	fl.StringSliceVar(&o.Devices, "device", nil, "device types to purge for: mobile, desktop, tablet or all (CF-Device-Type)")
	// Checked by purge.ParseVariants against the same list, which reports
	// every bad variant value at once; completed as a comma list.
	_ = cmd.RegisterFlagCompletionFunc("device", cmdutil.ListCompletion(purge.DeviceValues(true)))
	fl.StringSliceVar(&o.Countries, "country", nil, "ISO 3166-1 alpha-2 countries (T1 Tor, XX unknown) to purge for (CF-IPCountry)")
	fl.StringSliceVar(&o.Langs, "lang", nil, "languages to purge for, e.g. en-US (Accept-Language)")
	fl.StringArrayVarP(&o.Headers, "header", "H", nil, "cache-key header to purge for, `'Name: value'` (repeatable)")
	cmdutil.StringEnumFlag(cmd, &o.Variants, "variants", "", "", []string{"auto"}, "auto: purge the variants each URL's cache key requires under the zone's live Cache Rules and APO setting")
	fl.BoolVar(&o.Warm, "warm", false, "after the purge, request every purged URL and variant to fill the cache again")
	fl.BoolVar(&o.Verify, "verify", false, "after the purge, check no purged URL is still served from before it (exit 3 if one is, or if a check got no answer)")
	fl.IntVar(&o.VerifySample, "verify-sample", 0, "verify a random sample of `N` purged entries instead of all (implies --verify)")
	fl.StringVar(&o.OriginURL, "origin-url", "", "send --warm/--verify requests to `URL` (scheme://host:port), keeping each URL's Host header")
}
