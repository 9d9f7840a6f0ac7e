package purge

import (
	"fmt"
	"strings"
)

// Kind is what a purge selects by. The names are the ones the CLI and its JSON
// output use.
type Kind string

const (
	KindURL        Kind = "url"
	KindPrefix     Kind = "prefix"
	KindTag        Kind = "tag"
	KindHost       Kind = "host"
	KindEverything Kind = "everything"
)

// Kinds lists every kind in the order the CLI documents them.
var Kinds = []Kind{KindURL, KindPrefix, KindTag, KindHost, KindEverything}

// ParseKind accepts a kind name in any case.
func ParseKind(s string) (Kind, error) {
	k := Kind(strings.ToLower(strings.TrimSpace(s)))
	for _, known := range Kinds {
		if k == known {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown purge kind %q: want one of url, prefix, tag, host, everything", s)
}

// flex reports whether the kind is paced by the flex bucket (counted in
// requests) rather than the single-file bucket (counted in URLs).
func (k Kind) flex() bool { return k != KindURL }

// Header is one request header of a URL purge entry. A slice keeps the order
// deterministic and lets every entry of one variant combination share it.
type Header struct {
	Name  string
	Value string
}

// Entry is one item to purge: the unit that is counted, reported and written to
// the failed file. Variant expansion has already happened, so a URL purged for
// three devices is three entries.
type Entry struct {
	// Value is the item as the user wrote it (for a prefix: without the
	// scheme). It is what the failed file gets, so feeding that file back with
	// the same --url-form reproduces the same requests.
	Value string
	// Forms are the values actually sent when they differ from Value: the
	// percent-encoded form, or raw and encoded both for --url-form both. All
	// forms must succeed for the entry to count as purged. Nil means [Value].
	Forms []string
	// Headers are the cache-key headers of a URL entry, sorted by name.
	// Entries of the same variant combination share one slice: do not modify.
	Headers []Header
	// Source and Line say where the item came from (Line is 1-based; for
	// arguments it is the argument's position).
	Source string
	Line   int
}

// NumForms is the number of values sent for the entry.
func (e *Entry) NumForms() int {
	if len(e.Forms) == 0 {
		return 1
	}
	return len(e.Forms)
}

func (e *Entry) form(i int) string {
	if len(e.Forms) == 0 {
		return e.Value
	}
	return e.Forms[i]
}

// URLForm chooses how an item whose path holds non-ASCII characters is sent:
// Cloudflare caches it under the percent-encoded form when the zone normalizes
// incoming URLs and under the raw form when it does not.
type URLForm string

const (
	FormBoth    URLForm = "both"
	FormRaw     URLForm = "raw"
	FormEncoded URLForm = "encoded"
)

// ParseURLForm accepts raw, encoded or both; the empty string means both.
func ParseURLForm(s string) (URLForm, error) {
	switch f := URLForm(strings.ToLower(strings.TrimSpace(s))); f {
	case "":
		return FormBoth, nil
	case FormBoth, FormRaw, FormEncoded:
		return f, nil
	}
	return "", fmt.Errorf("invalid --url-form %q: want raw, encoded or both", s)
}
