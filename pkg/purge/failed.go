package purge

import (
	"bufio"
	"encoding/json"
	"io"
	"iter"
	"slices"
	"strconv"
	"strings"
)

// WriteFailed writes the failures in the input format, so that
// `cfcache purge KIND -f FILE` purges exactly the remainder: one value per
// line, or for URL entries with headers a JSON-object line
// {"url": ..., "headers": {...}} (variants already expanded: feed it back
// without --device etc.). Each run of entries with the same reason is headed
// by a "# reason" comment line, which the reader skips.
//
// An item that would not read back as itself on a line of its own (a tag
// starting with # reads as a comment; one starting with { could read as the
// JSON form) is written as a JSON-object line naming its kind, {"tag": "#x"},
// which Reader turns back into the item: every item purge accepts survives
// the round trip (contract, "Files cfcache writes").
func WriteFailed(w io.Writer, kind Kind, failures []Failure) error {
	return WriteFailedSeq(w, kind, len(failures), slices.Values(failures))
}

// WriteFailedSeq is WriteFailed over n failures produced one at a time, so a
// caller that rewrites a large failed file often (a run keeping it current)
// need not build a slice of them each time.
func WriteFailedSeq(w io.Writer, kind Kind, n int, failures iter.Seq[Failure]) error {
	return FailedHeader{Kind: kind}.WriteSeq(w, n, failures)
}

// FailedHeader is what the first comment line of a failed file says: how
// many items of Kind were not confirmed Done ("purged" when empty), and the
// Command that retries them ("cfcache purge KIND" when empty; " -f FILE" is
// appended), so a soft purge or an environment's is retried as it was run.
type FailedHeader struct {
	Kind    Kind
	Done    string
	Command string
}

// WriteSeq is WriteFailedSeq under this header.
func (h FailedHeader) WriteSeq(w io.Writer, n int, failures iter.Seq[Failure]) error {
	kind := h.Kind
	if h.Done == "" {
		h.Done = "purged"
	}
	if h.Command == "" {
		h.Command = "cfcache purge " + string(kind)
	}
	bw := bufio.NewWriter(w)
	if n > 0 {
		bw.WriteString("# cfcache: " + strconv.Itoa(n) + " " + string(kind) +
			" item(s) not confirmed " + h.Done + "; retry with: " + h.Command + " -f FILE\n")
	}
	last := "\x00"
	var err error
	for f := range failures {
		if f.Reason != last {
			bw.WriteString("# " + oneLine(f.Reason) + "\n")
			last = f.Reason
		}
		if kind == KindEverything {
			continue
		}
		e := f.Entry
		switch {
		case len(e.Headers) > 0:
			var line []byte
			if line, err = jsonEntry(e); err != nil {
				return err
			}
			bw.Write(line)
		case needsJSON(e.Value):
			var line []byte
			if line, err = jsonItem(kind, e.Value); err != nil {
				return err
			}
			bw.Write(line)
		default:
			bw.WriteString(e.Value)
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

func jsonEntry(e Entry) ([]byte, error) {
	h := make(map[string]string, len(e.Headers))
	for _, x := range e.Headers {
		h[x.Name] = x.Value
	}
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(struct {
		URL     string            `json:"url"`
		Headers map[string]string `json:"headers"`
	}{e.Value, h}); err != nil {
		return nil, err
	}
	return []byte(strings.TrimSuffix(sb.String(), "\n")), nil
}

// needsJSON reports whether v, written as a line of its own, would read back
// as something else: a comment, a blank line, the JSON form, or v with
// whitespace trimmed.
func needsJSON(v string) bool {
	return v == "" || v[0] == '#' || v[0] == '{' || strings.TrimSpace(v) != v ||
		strings.ContainsAny(v, "\r\n") || strings.HasPrefix(v, "\ufeff")
}

// jsonItem is the one-key JSON-object line of an item: {"tag": "#x"}.
func jsonItem(kind Kind, v string) ([]byte, error) {
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(map[string]string{jsonKey(kind): v}); err != nil {
		return nil, err
	}
	return []byte(strings.TrimSuffix(sb.String(), "\n")), nil
}

// jsonKey is the key of the JSON-object form of kind's items: url, tag,
// prefix, host.
func jsonKey(kind Kind) string { return string(kind) }

// oneLine keeps a reason on its comment line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
