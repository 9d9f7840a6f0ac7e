package purge

import (
	"bufio"
	"encoding/json"
	"io"
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
// A tag starting with # cannot be a line of its own (it would read as a
// comment); it is written as a comment saying to pass it as an argument.
func WriteFailed(w io.Writer, kind Kind, failures []Failure) error {
	bw := bufio.NewWriter(w)
	if len(failures) > 0 {
		bw.WriteString("# cfcache: " + strconv.Itoa(len(failures)) + " " + string(kind) +
			" item(s) not confirmed purged; retry with: cfcache purge " + string(kind) + " -f FILE\n")
	}
	last := "\x00"
	for _, f := range failures {
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
			line, err := jsonEntry(e)
			if err != nil {
				return err
			}
			bw.Write(line)
		case strings.HasPrefix(e.Value, "#") || kind == KindURL && strings.HasPrefix(e.Value, "{"):
			bw.WriteString("# cannot be read back from a file, pass it as an argument: " + e.Value)
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

// oneLine keeps a reason on its comment line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
