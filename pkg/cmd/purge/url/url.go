// Package url implements `cfcache purge url`.
package url

import (
	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cmd/purge/shared"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/purge"
)

// Options are the parsed inputs of `cfcache purge url`.
type Options struct {
	shared.Common
	shared.Items
	shared.URLOptions
	URLForm string
}

// NewCmdURL builds the command; runF replaces the run in tests.
func NewCmdURL(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Common: shared.NewCommon(f, purge.KindURL), Items: shared.NewItems(), URLOptions: shared.NewURLOptions(f)}
	cmd := &cobra.Command{
		Use:   "url [URL...] [-f FILE|-]",
		Short: "Purge cached files by URL",
		Long: `Purge cached files by URL, from arguments and/or files (-f FILE, -f - for stdin).

One item per line; blank lines and lines starting with # are skipped. A line
may also be a JSON object {"url": "...", "headers": {"CF-Device-Type": "mobile"}}.

Every URL is validated before the first request: absolute http(s), a host in
the zone (with none given, in a zone the credentials list: see Zones
below), no wildcards or spaces. Invalid items are all listed as
SOURCE:LINE: ITEM: REASON and nothing is sent (exit 2). Duplicates are dropped.
URLs are sent in batches of the plan's size, paced to its rate limits and
retried on 429 and 5xx. Exit 0 when all were purged, 3 when some were not
(all listed, and written to --failed-file), 1 when none were.

` + shared.FailedFileHelp + `

Custom cache keys: --device, --country, --lang and -H expand every URL into one
entry per combination, sent with the CF-Device-Type, CF-IPCountry,
Accept-Language or given header. With --variants auto, the zone's live Cache
Rules decide instead, URL by URL: each URL gets the variants its cache key
requires (device type, country, language, the headers and cookies it
includes), and the rule that required each is named. The zone's APO for
WordPress setting is read too: with cache by device type on, every HTML URL
on an APO hostname (a path ending in /, .html or .htm, or with no extension)
is purged in its mobile, tablet and desktop copies, and APO is named as the
reason (the token needs Zone Settings Read; without it a warning says APO was
not expanded). --device then limits the device types, and --country, --lang
and -H give the values the rules cannot know (the countries, the languages
and the header values to purge; a key holding the language is purged for
each --lang and for visitors who sent none); a URL whose key needs one that
is not given is refused before anything is sent. A path with non-ASCII
characters is sent raw and percent-encoded (--url-form both) and counted
once.

` + shared.ModeHelp + `

` + shared.ZonesHelp + `

A 200 from Cloudflare means the purge was accepted, not that the next request
will miss: it evicts the exact cache key only.

After the purge (never on a dry run, and only for the entries confirmed
purged):
  --verify requests every purged URL and variant (or a random
  --verify-sample N of them) and checks none is served from cache (HIT,
  STALE, UPDATING) with an Age older than the purge, i.e. cached before it.
  After --invalidate, REVALIDATED, EXPIRED and UPDATING are the proof
  (the stale copy was revalidated) and only a HIT with an Age older than
  the invalidation is still cached.
  Any still cached are asked again after 2 s, then listed on stderr and in
  the JSON "verify": {"checked", "still_cached"}, and the exit status is 3.
  A check that got no answer (refused, timed out, no such host) or a 5xx
  that did not come through the cache verifies nothing: it is counted as
  "unverified" (with "unverified_reasons"), said on stderr ("could not
  verify N of M URLs: REASON"), and the exit status is 3 as well.
  --warm then requests each purged URL and variant once so visitors get
  hits: a --device variant with that device's User-Agent, other variants
  with their headers. Warm failures are warned about, not an exit status.
  --origin-url sends these requests to another origin under the same Host
  (a staging server, or a local test server).`,
		Example: `  cfcache purge url https://example.com/ https://example.com/app.css -z example.com
  cfcache purge url -f urls.txt --failed-file failed.txt -z example.com
  git diff --name-only | sed 's#^public#https://example.com#' | cfcache purge url -f - -z example.com
  cfcache purge url https://example.com/ --device all --country ES,US -z example.com
  cfcache purge url -f urls.txt --dry-run --plan free
  cfcache purge url -f urls-of-many-sites.txt --account-id 01a7362d577a6c3019a474fd6f485823
  cfcache purge url -f urls.txt --device all --dry-run --list -z example.com > entries.txt
  cfcache purge url -f urls.txt --variants auto --country ES,FR -z example.com
  cfcache purge url https://example.com/ --device all --verify --warm -z example.com
  cfcache purge url -f urls.txt --verify-sample 20 -z example.com
  cfcache purge url -f urls.txt --invalidate --verify -z example.com
  cfcache purge url https://example.com/ --environment staging -z example.com`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Finish(f, cmd)
			opts.Args = args
			if runF != nil {
				return runF(opts)
			}
			return urlRun(opts)
		},
	}
	shared.AddCommonFlags(cmd, &opts.Common)
	shared.AddItemFlags(cmd, &opts.Items, true)
	shared.AddAllowOtherHostsFlag(cmd, &opts.Items)
	shared.AddURLFormFlag(cmd, &opts.URLForm)
	shared.AddURLFlags(cmd, &opts.URLOptions)
	return cmd
}

// Job is the options as the shared purge steps take them.
func (o *Options) Job() *shared.Job {
	return shared.NewJob(&o.Common, &o.Items, &o.URLOptions, o.URLForm)
}

func urlRun(o *Options) error { return o.Job().Run() }
