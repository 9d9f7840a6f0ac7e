package budget

import (
	"strconv"
	"time"

	"github.com/cfcache/cfcache/pkg/purge"
)

// The API state's JSON head is read and written twice for every API call
// (TryCount before it, Answered after), and encoding/json's reflection over
// apiHead, time.Time and the policies was about half the cost of those
// takes: 2% of a `rules diff`, which makes two calls, most of it building
// the type caches a short process uses once (docs/performance.md, "Against
// start-up"). appendAPIHead writes the very bytes json.Marshal writes, and
// readAPIHead reads exactly that form; anything else (another layout, a
// value encoding/json would refuse or round differently) is left to
// encoding/json, so the state shared with other processes reads as before.

// appendAPIHead appends json.Marshal(apiHead{APIState: a, LogBytes: &n})
// to buf; ok is false when it cannot say for certain what json.Marshal
// would write (a string it would escape, a time it would refuse).
func appendAPIHead(buf []byte, a *purge.APIState, n int) ([]byte, bool) {
	buf = append(buf, '{')
	if len(a.Policies) > 0 {
		buf = append(buf, `"policies":[`...)
		for i, p := range a.Policies {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, `{"quota":`...)
			buf = strconv.AppendInt(buf, int64(p.Quota), 10)
			buf = append(buf, `,"window":`...)
			buf = strconv.AppendInt(buf, int64(p.Window), 10)
			buf = append(buf, '}')
		}
		buf = append(buf, "],"...)
	}
	if h := a.Header; h != nil {
		buf = append(buf, `"header":{"budget":`...)
		buf = strconv.AppendInt(buf, int64(h.Budget), 10)
		buf = append(buf, `,"used":`...)
		buf = strconv.AppendInt(buf, int64(h.Used), 10)
		buf = append(buf, `,"reset":`...)
		t, err := h.Reset.MarshalJSON()
		if err != nil {
			return nil, false
		}
		buf = append(append(buf, t...), "},"...)
	}
	if !a.PauseUntil.IsZero() {
		buf = append(buf, `"pause_until":`...)
		t, err := a.PauseUntil.MarshalJSON()
		if err != nil {
			return nil, false
		}
		buf = append(append(buf, t...), ',')
	}
	if a.PauseSource != "" {
		if !plainString(a.PauseSource) {
			return nil, false
		}
		buf = append(buf, `"pause_source":"`...)
		buf = append(append(buf, a.PauseSource...), `",`...)
	}
	buf = append(buf, `"log_bytes":`...)
	buf = strconv.AppendInt(buf, int64(n), 10)
	return append(buf, '}'), true
}

// plainString: printable ASCII that json.Marshal writes as it is (it
// escapes '"', '\\' and, for HTML, '<', '>' and '&').
func plainString(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// readAPIHead reads the head appendAPIHead writes into a (a zero state)
// and returns the offset after it and the send log's stated length; ok is
// false when data is not in that form, and a is then untouched enough for
// encoding/json to read it afresh (the caller zeroes it).
func readAPIHead(data []byte, a *purge.APIState) (end int, logBytes *int, ok bool) {
	r := headReader{data: data}
	if !r.byte('{') {
		return 0, nil, false
	}
	var seen uint8 // the keys read, by bit
	for first := true; ; first = false {
		if r.byte('}') {
			if first {
				return 0, nil, false // json.Marshal always writes log_bytes
			}
			return r.i, logBytes, true
		}
		if !first && !r.byte(',') {
			return 0, nil, false
		}
		key, ok := r.key()
		bit := headKey(key)
		if !ok || bit == 0 || seen&bit != 0 {
			return 0, nil, false
		}
		seen |= bit
		switch key {
		case "policies":
			if !r.byte('[') {
				return 0, nil, false
			}
			for i := 0; ; i++ {
				if i > 0 && r.byte(']') {
					break
				}
				if i > 0 && !r.byte(',') {
					return 0, nil, false
				}
				var p purge.PolicyWindow
				var q, w int64
				if !r.literal(`{"quota":`) || !r.int(&q) || !r.literal(`,"window":`) || !r.int(&w) || !r.byte('}') || int64(int(q)) != q {
					return 0, nil, false
				}
				p.Quota, p.Window = int(q), time.Duration(w)
				a.Policies = append(a.Policies, p)
			}
		case "header":
			var b, u int64
			h := &purge.HeaderBudget{}
			if !r.literal(`{"budget":`) || !r.int(&b) || !r.literal(`,"used":`) || !r.int(&u) ||
				!r.literal(`,"reset":`) || !r.time(&h.Reset) || !r.byte('}') || int64(int(b)) != b || int64(int(u)) != u {
				return 0, nil, false
			}
			h.Budget, h.Used = int(b), int(u)
			a.Header = h
		case "pause_until":
			if !r.time(&a.PauseUntil) {
				return 0, nil, false
			}
		case "pause_source":
			s, ok := r.str()
			if !ok {
				return 0, nil, false
			}
			a.PauseSource = s
		case "log_bytes":
			var n int64
			if !r.int(&n) || int64(int(n)) != n {
				return 0, nil, false
			}
			v := int(n)
			logBytes = &v
		default:
			return 0, nil, false
		}
	}
}

// headKey is the bit of readAPIHead's seen for one of the head's keys, 0
// for any other key.
func headKey(key string) uint8 {
	switch key {
	case "policies":
		return 1
	case "header":
		return 2
	case "pause_until":
		return 4
	case "pause_source":
		return 8
	case "log_bytes":
		return 16
	}
	return 0
}

// headReader reads the compact JSON json.Marshal writes (no spaces).
type headReader struct {
	data []byte
	i    int
}

func (r *headReader) byte(c byte) bool {
	if r.i < len(r.data) && r.data[r.i] == c {
		r.i++
		return true
	}
	return false
}

func (r *headReader) literal(s string) bool {
	if len(r.data)-r.i >= len(s) && string(r.data[r.i:r.i+len(s)]) == s {
		r.i += len(s)
		return true
	}
	return false
}

// str reads a string of plainString's characters (anything else, escapes
// included, is left to encoding/json).
func (r *headReader) str() (string, bool) {
	if !r.byte('"') {
		return "", false
	}
	for j := r.i; j < len(r.data); j++ {
		if r.data[j] == '"' {
			s := string(r.data[r.i:j])
			if !plainString(s) {
				return "", false
			}
			r.i = j + 1
			return s, true
		}
	}
	return "", false
}

func (r *headReader) key() (string, bool) {
	s, ok := r.str()
	return s, ok && r.byte(':')
}

// int reads -?[0-9]+ as strconv.AppendInt writes it (no leading zero, no
// "-0", in int64's range).
func (r *headReader) int(v *int64) bool {
	start := r.i
	if r.i < len(r.data) && r.data[r.i] == '-' {
		r.i++
	}
	digits := r.i
	for r.i < len(r.data) && r.data[r.i] >= '0' && r.data[r.i] <= '9' {
		r.i++
	}
	text := string(r.data[start:r.i])
	if r.i == digits || (r.data[digits] == '0' && r.i-digits > 1) || text == "-0" {
		return false
	}
	n, err := strconv.ParseInt(text, 10, 64)
	*v = n
	return err == nil
}

// time reads a quoted time as time.Time.UnmarshalJSON, which encoding/json
// calls for it.
func (r *headReader) time(t *time.Time) bool {
	if r.i >= len(r.data) || r.data[r.i] != '"' {
		return false
	}
	for j := r.i + 1; j < len(r.data); j++ {
		if r.data[j] == '"' {
			if t.UnmarshalJSON(r.data[r.i:j+1]) != nil {
				return false
			}
			r.i = j + 1
			return true
		}
		if r.data[j] == '\\' {
			return false
		}
	}
	return false
}
