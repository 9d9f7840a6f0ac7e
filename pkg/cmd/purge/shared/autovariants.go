package shared

import (
	"fmt"

	"github.com/cfcache/cfcache/pkg/cachekey"
	"github.com/cfcache/cfcache/pkg/purge"
)

// autoVariants runs cachekey.Expander (the algorithm of purge url
// --variants auto) over purge entries: it converts their headers and says
// which entry an error is about. Reading the rules and APO and printing the
// summary stay with the run (expandAutoVariants).
type autoVariants struct {
	x *cachekey.Expander
}

func newAutoVariants(stack *cachekey.Stack, c cachekey.VariantChoices) (*autoVariants, error) {
	x, err := cachekey.NewExpander(stack, c)
	if err != nil {
		return nil, err
	}
	return &autoVariants{x: x}, nil
}

// expand returns the entries with their variants, or an error naming the
// first entry (SOURCE:LINE: URL) whose variants cannot be determined.
func (a *autoVariants) expand(entries []purge.Entry) ([]purge.Entry, error) {
	out := make([]purge.Entry, 0, len(entries))
	for _, e := range entries {
		sets, err := a.x.Expand(e.Value, keyHeaders(e.Headers))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %s: %w", e.Source, e.Line, e.Value, err)
		}
		for _, hs := range sets {
			ne := e
			if len(hs) > 0 {
				ne.Headers = purgeHeaders(hs)
			}
			out = append(out, ne)
		}
	}
	return out, nil
}

// summary says what the rules required (cachekey.Expander.Summary).
func (a *autoVariants) summary() []string { return a.x.Summary() }

func keyHeaders(hs []purge.Header) []cachekey.Header {
	if hs == nil {
		return nil
	}
	out := make([]cachekey.Header, len(hs))
	for i, h := range hs {
		out[i] = cachekey.Header(h)
	}
	return out
}

func purgeHeaders(hs []cachekey.Header) []purge.Header {
	out := make([]purge.Header, len(hs))
	for i, h := range hs {
		out[i] = purge.Header{Name: h.Name, Value: h.Value}
	}
	return out
}
