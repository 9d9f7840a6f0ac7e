package shared

// InputHelp is the part of every item verb's help about input, validation,
// pacing and exit codes.
const InputHelp = `One item per line in files (-f FILE, -f - for stdin); blank lines and lines
starting with # are skipped. Every item is validated before the first
request; invalid items are all listed as SOURCE:LINE: ITEM: REASON and nothing
is sent (exit 2). Items are sent in batches of the plan's size, paced to its
rate limits (a bucket of requests, slow on the free plan: see cfcache limits)
and retried on 5xx (--max-retries). A 429 is waited out, not counted as a
retry, unless Cloudflare asks to wait longer than --max-wait: the run then
stops there. A file that is not text is refused whole. Exit 0 when all were
purged, 3 when some were not (all listed, and written to --failed-file), 1
when none were.

` + ModeHelp + `

` + FailedFileHelp

// ZonesHelp describes how items find their zone (interface.md, purge: "Zones").
const ZonesHelp = `Zones: with a zone given (--zone, CFCACHE_ZONE or the config file), items
outside it are invalid. With none, each item goes to the zone whose name is
the longest suffix of its host among the zones the credentials list (every
page; --account-id narrows them): shop.example.com, delegated as its own
zone, wins over example.com. One list may so span zones and accounts: zones
of different accounts are purged side by side, zones of one account one
after another; one summary gives each zone's figures. An item whose host is
in no listed zone is invalid (exit 2, nothing sent). A dry run with --plan
and no zone looks nothing up and estimates as one account.
--dry-run --list prints every entry that would be sent (variants expanded),
one per line in the failed-file format, so "> FILE" then "-f FILE" sends
exactly them; the plan then goes to stderr.`

// ModeHelp describes --invalidate and --environment, which every verb has.
const ModeHelp = `--invalidate sends the same items to invalidate_cache instead of
purge_cache (soft purge): the content stays cached but is marked stale, so
the next request revalidates it with the origin (a 304 keeps the bytes)
instead of every visitor refetching it; same limits, same rate buckets. The
text then says "Invalidated" and the JSON "mode": "invalidate".
--environment NAME|REF purges (or invalidates) one environment of the zone,
looked up by name or ref; an unknown one is exit 2 listing those that
exist.`

// FailedFileHelp describes --failed-file (contract, "Files cfcache writes").
const FailedFileHelp = `--failed-file FILE lists every item before the first request and shrinks as
batches are confirmed, so even a killed run is resumed with -f FILE; at the
end it holds exactly the items not purged, in the input format (an item that
would read as a comment, such as a tag starting with #, is written as a JSON
line {"tag": "#x"}, which -f reads back as that item; a URL with variant
headers as {"url": ..., "headers": {...}}). A regular file is replaced
atomically, a FIFO or device is written through once at the end; a
directory, or one of the -f inputs, is refused before anything is sent. It
is created with the umask applied (0666 &^ umask).`
