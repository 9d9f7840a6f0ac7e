package purge

import (
	"fmt"
	"strings"

	"github.com/cfcache/cfcache/pkg/limits"
)

// PrepareOptions configure reading, validation, dedupe and expansion.
type PrepareOptions struct {
	Kind     Kind
	Limits   limits.Limits
	Zone     Zone
	URLForm  URLForm  // "" means FormBoth
	Variants Variants // URL purges only; ignored for other kinds
	// MaxItems refuses an input with more items than this (counting every
	// item read, valid or not, before dedupe). 0 means no limit.
	MaxItems int
	// MaxLineBytes bounds one line; 0 means DefaultMaxLineBytes.
	MaxLineBytes int
	// CountOnly keeps counts but no entries, so a dry run over millions of
	// items holds only the dedupe set in memory.
	CountOnly bool
	// OnError receives each invalid item as it is found; nil collects them in
	// Prepared.Errors. Streaming them keeps memory flat on a bad file.
	OnError func(*ItemError)
	// OnNote receives each note; nil collects them in Prepared.Notes.
	OnNote func(Note)
}

// Prepared is what came out of the inputs.
type Prepared struct {
	Read       int // items read, valid or not, duplicates included
	Invalid    int // items that failed validation
	Duplicates int // valid items dropped as exact duplicates
	Items      int // valid, distinct items
	EntryCount int // entries after variant expansion
	// Units is the number of values that will be sent: an entry sent in raw
	// and percent-encoded form counts twice. Batching and the estimate count
	// these.
	Units   int
	Entries []Entry // nil with CountOnly
	Errors  []*ItemError
	Notes   []Note
}

// TooManyItemsError is returned when the input holds more than MaxItems items.
type TooManyItemsError struct{ Max int }

func (e *TooManyItemsError) Error() string {
	return fmt.Sprintf("more than %d items in the input (--max-items %d)", e.Max, e.Max)
}

// Prepare reads every input in order, validates every item (all of them: an
// invalid item does not stop the reading, so every error can be reported),
// drops duplicates and expands URL variants. It returns an error only when an
// input cannot be read or MaxItems is exceeded; invalid items are in
// Prepared.Invalid (and Errors or OnError), and the caller must send nothing
// when there are any.
func Prepare(opts PrepareOptions, inputs ...Input) (*Prepared, error) {
	p := &Prepared{}
	rules := Rules{Zone: opts.Zone, TagMaxLength: opts.Limits.TagMaxLength, PrefixMaxSeparators: opts.Limits.PrefixMaxSeparators}
	form := opts.URLForm
	if form == "" {
		form = FormBoth
	}
	dedupe := NewDeduper(opts.Kind)
	fail := func(it Item, reason string) {
		p.Invalid++
		// Clone: in count-only mode the value borrows the read buffer.
		e := &ItemError{Source: it.Source, Line: it.Line, Item: strings.Clone(it.Value), Reason: reason}
		if opts.OnError != nil {
			opts.OnError(e)
		} else {
			p.Errors = append(p.Errors, e)
		}
	}
	for _, in := range inputs {
		r := NewReader(in, opts.Kind, opts.MaxLineBytes)
		r.borrow = opts.CountOnly
		for r.Scan() {
			it := r.Item()
			p.Read++
			if opts.MaxItems > 0 && p.Read > opts.MaxItems {
				return p, &TooManyItemsError{Max: opts.MaxItems}
			}
			if it.Reason != "" {
				fail(it, it.Reason)
				continue
			}
			v := Validate(opts.Kind, it.Value, rules)
			if !v.OK() {
				fail(it, v.Reason)
				continue
			}
			if v.Note != "" {
				n := Note{Source: it.Source, Line: it.Line, Item: strings.Clone(it.Value), Text: strings.Clone(v.Note)}
				if opts.OnNote != nil {
					opts.OnNote(n)
				} else {
					p.Notes = append(p.Notes, n)
				}
			}
			if !dedupe.Add(v.Value, it.Headers) {
				p.Duplicates++
				continue
			}
			p.Items++
			var forms []string
			if v.NonASCII {
				switch enc := EncodeNonASCII(v.Value); form {
				case FormBoth:
					forms = []string{v.Value, enc}
				case FormEncoded:
					forms = []string{enc}
				}
			}
			nforms := max(1, len(forms))
			combos := [][]Header(nil)
			if opts.Kind == KindURL {
				combos = opts.Variants.expand(it.Headers)
			}
			n := max(1, len(combos))
			p.EntryCount += n
			p.Units += n * nforms
			if opts.CountOnly {
				continue
			}
			if len(combos) == 0 {
				p.Entries = append(p.Entries, Entry{Value: v.Value, Forms: forms, Source: it.Source, Line: it.Line})
				continue
			}
			for _, hs := range combos {
				p.Entries = append(p.Entries, Entry{Value: v.Value, Forms: forms, Headers: hs, Source: it.Source, Line: it.Line})
			}
		}
		if err := r.Err(); err != nil {
			return p, fmt.Errorf("reading %s: %w", in.Source, err)
		}
	}
	return p, nil
}

// Recheck validates prepared entries again under rules known only after the
// zone was looked up (its name when it was given by id, its plan's caps), so
// that everything else could be checked before any request (interface.md:
// exit 2 with nothing sent). Variants of one item share its source and line
// and are checked once. It returns the number of invalid items.
func Recheck(kind Kind, entries []Entry, r Rules, onError func(*ItemError), onNote func(Note)) int {
	invalid := 0
	var last *Entry
	for i := range entries {
		e := &entries[i]
		if last != nil && last.Source == e.Source && last.Line == e.Line && last.Value == e.Value {
			continue
		}
		last = e
		v := Validate(kind, e.Value, r)
		switch {
		case !v.OK():
			invalid++
			onError(&ItemError{Source: e.Source, Line: e.Line, Item: e.Value, Reason: v.Reason})
		case v.Note != "" && onNote != nil:
			onNote(Note{Source: e.Source, Line: e.Line, Item: e.Value, Text: v.Note})
		}
	}
	return invalid
}
