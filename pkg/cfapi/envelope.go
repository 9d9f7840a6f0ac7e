package cfapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cloudflare/cloudflare-go/v7/option"
	"github.com/cloudflare/cloudflare-go/v7/packages/pagination"
	"github.com/cloudflare/cloudflare-go/v7/zones"
)

// resultOf returns the `result` of an API answer's envelope
// ({"success":…,"errors":…,"result":…}), or an error when the answer is not
// JSON or says success=false.
//
// A ruleset's answer is about 170 kB for 300 rules, and encoding/json read it
// three times over (a validity scan, a skip of every value, a copy of the
// result), 7% of a `rules diff` (docs/performance.md, "Against start-up").
// scanEnvelope reads it once, with the same grammar, and hands out the
// result's bytes in place. What it does not answer for certain (a key with
// an escape or a non-ASCII letter, which encoding/json folds; a success that
// is not a boolean; invalid JSON) goes to encoding/json as before, so every
// answer, and every error message, is what it was.
func resultOf(raw []byte) (json.RawMessage, error) {
	if result, success, ok := scanEnvelope(raw); ok {
		if !success {
			return nil, errors.New("the API answered success=false")
		}
		return result, nil
	}
	var env struct {
		Success bool            `json:"success"`
		Result  json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, fmt.Errorf("unexpected API answer: %w", err)
	}
	if !env.Success {
		return nil, errors.New("the API answered success=false")
	}
	return env.Result, nil
}

// scanEnvelope reads a JSON object as encoding/json.Unmarshal reads it into
// struct{Success bool; Result json.RawMessage}: keys match "success" and
// "result" ignoring ASCII case, the last of duplicates wins, a null success
// leaves it false, the result is the value's text (nil when absent). ok is
// false when the data is not valid JSON or encoding/json could answer
// differently; the caller then asks encoding/json.
func scanEnvelope(data []byte) (result []byte, success, ok bool) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return nil, false, false
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		i++
	} else {
		for {
			if i >= len(data) || data[i] != '"' {
				return nil, false, false
			}
			end := skipString(data, i)
			if end < 0 {
				return nil, false, false
			}
			key := data[i+1 : end-1]
			i = skipSpace(data, end)
			if i >= len(data) || data[i] != ':' {
				return nil, false, false
			}
			i = skipSpace(data, i+1)
			start := i
			if i = skipValue(data, i, 1); i < 0 {
				return nil, false, false
			}
			if !plainASCII(key) {
				return nil, false, false // encoding/json unescapes and folds Unicode
			}
			switch {
			case equalFoldASCII(key, "success"):
				switch string(data[start:i]) {
				case "true":
					success = true
				case "false":
					success = false
				case "null":
				default:
					return nil, false, false // a type error, which encoding/json words
				}
			case equalFoldASCII(key, "result"):
				result = data[start:i:i] // no room to append into the rest of the body
			}
			i = skipSpace(data, i)
			if i >= len(data) {
				return nil, false, false
			}
			if data[i] == ',' {
				i = skipSpace(data, i+1)
				continue
			}
			if data[i] != '}' {
				return nil, false, false
			}
			i++
			break
		}
	}
	if skipSpace(data, i) != len(data) {
		return nil, false, false
	}
	return result, success, true
}

// maxDepth is encoding/json's nesting limit; deeper input is left to it.
const maxDepth = 10000

// skipValue returns the offset just past the JSON value at data[i], or -1
// when there is none (invalid, truncated or nested deeper than maxDepth).
// It accepts what encoding/json's scanner accepts: RFC 8259's grammar, with
// any byte from 0x20 up inside strings.
func skipValue(data []byte, i, depth int) int {
	if i >= len(data) {
		return -1
	}
	switch c := data[i]; {
	case c == '"':
		return skipString(data, i)
	case c == '{', c == '[':
		if depth >= maxDepth {
			return -1
		}
		closing := byte('}')
		if c == '[' {
			closing = ']'
		}
		i = skipSpace(data, i+1)
		if i < len(data) && data[i] == closing {
			return i + 1
		}
		for {
			if c == '{' {
				if i >= len(data) || data[i] != '"' {
					return -1
				}
				if i = skipString(data, i); i < 0 {
					return -1
				}
				i = skipSpace(data, i)
				if i >= len(data) || data[i] != ':' {
					return -1
				}
				i = skipSpace(data, i+1)
			}
			if i = skipValue(data, i, depth+1); i < 0 {
				return -1
			}
			i = skipSpace(data, i)
			if i >= len(data) {
				return -1
			}
			switch data[i] {
			case ',':
				i = skipSpace(data, i+1)
			case closing:
				return i + 1
			default:
				return -1
			}
		}
	case c == '-' || (c >= '0' && c <= '9'):
		return skipNumber(data, i)
	case c == 't':
		return skipWord(data, i, "true")
	case c == 'f':
		return skipWord(data, i, "false")
	case c == 'n':
		return skipWord(data, i, "null")
	}
	return -1
}

// stringStop marks the bytes a string's scan must look at: its closing
// quote, an escape, a control character (invalid inside a string).
var stringStop = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// skipString returns the offset past the string whose quote is at data[i].
// Ordinary bytes are passed over with one table look-up each: strings are
// most of a ruleset's 170 kB answer (docs/performance.md, "Against
// start-up").
func skipString(data []byte, i int) int {
	for j := i + 1; j < len(data); j++ {
		for j < len(data) && !stringStop[data[j]] {
			j++
		}
		if j == len(data) {
			break
		}
		switch c := data[j]; {
		case c == '"':
			return j + 1
		case c == '\\':
			j++
			if j >= len(data) {
				return -1
			}
			switch data[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(data) {
					return -1
				}
				for _, h := range data[j+1 : j+5] {
					if !isHex(h) {
						return -1
					}
				}
				j += 4
			default:
				return -1
			}
		case c < 0x20:
			return -1
		}
	}
	return -1
}

// skipNumber: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func skipNumber(data []byte, i int) int {
	digits := func(i int) int {
		j := i
		for j < len(data) && data[j] >= '0' && data[j] <= '9' {
			j++
		}
		if j == i {
			return -1
		}
		return j
	}
	if data[i] == '-' {
		i++
	}
	if i < len(data) && data[i] == '0' {
		i++
	} else if i = digits(i); i < 0 {
		return -1
	}
	if i < len(data) && data[i] == '.' {
		if i = digits(i + 1); i < 0 {
			return -1
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i = digits(i); i < 0 {
			return -1
		}
	}
	return i
}

func skipWord(data []byte, i int, word string) int {
	if len(data)-i < len(word) || string(data[i:i+len(word)]) != word {
		return -1
	}
	return i + len(word)
}

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// plainASCII: a key with no escape and no byte outside ASCII, whose text is
// its value and which encoding/json compares by ASCII case folding alone.
func plainASCII(key []byte) bool {
	for _, c := range key {
		if c == '\\' || c >= 0x80 {
			return false
		}
	}
	return true
}

// equalFoldASCII compares an ASCII key with a lower-case name, ignoring case.
func equalFoldASCII(key []byte, name string) bool {
	if len(key) != len(name) {
		return false
	}
	for i, c := range key {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != name[i] {
			return false
		}
	}
	return true
}

// maxSizedBody bounds the buffer allocated up front from a Content-Length:
// a larger (or lying) length is read as it arrives instead.
const maxSizedBody = 64 << 20

// readBody reads and closes an answer's body. When the server gave its
// length the body is read into one buffer of that size; io.ReadAll, which
// the SDK uses, grows through buffers twice the answer's size in all
// (about 340 kB of fresh, zeroed memory for a 300-rule ruleset). Errors are
// worded as the SDK words them.
func readBody(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	var body []byte
	var err error
	if n := resp.ContentLength; n > 0 && n <= maxSizedBody {
		body = make([]byte, n)
		_, err = io.ReadFull(resp.Body, body)
	} else {
		body, err = io.ReadAll(resp.Body)
	}
	if err != nil {
		return nil, fmt.Errorf("error reading response body: %w", err)
	}
	return body, nil
}

// getBody runs an SDK call that hands its answer over undecoded (the SDK's
// option.WithResponseBodyInto with an **http.Response) and reads the body
// with readBody. An error answer never gets here: errorMiddleware has made
// it an *APIError.
func getBody(call func(into **http.Response) error) ([]byte, error) {
	var resp *http.Response
	if err := call(&resp); err != nil {
		return nil, err
	}
	return readBody(resp)
}

// listZones is one GET /zones (zones.ZoneService.List) read into Zones.
// The SDK decodes the answer into its zones.Zone, some forty fields by
// reflection (apijson over gjson, after an encoding/json pass): 2.2% of a
// `rules diff`, for the seven fields cfcache keeps (docs/performance.md,
// "Against start-up"). scanZones reads those fields from an answer of the
// usual shape; any other answer is decoded by the SDK's own code, as before.
func (c *Client) listZones(ctx context.Context, p zones.ZoneListParams) ([]Zone, error) {
	var resp *http.Response
	if _, err := c.zones.List(ctx, p, option.WithResponseBodyInto(&resp)); err != nil {
		return nil, err
	}
	body, err := readBody(resp)
	if err != nil {
		return nil, err
	}
	return zonesOf(resp, body)
}

// zonesByName is listZones for GET /zones?name=, the lookup every command
// given a zone name makes, sent as rawGet: building it through the SDK
// (its request config, the query encoded by reflection, its middleware
// chain) was a quarter of the lookup's CPU in `rules diff`
// (docs/performance.md, "Against start-up"). The answer is read as
// listZones reads it.
//
// Every page is read (50 zones a page): which zone of a name is chosen
// depends on all the zones of that name (pickByName), and a name held in
// more accounts than one page lists must not be chosen from the first page
// alone.
func (c *Client) zonesByName(ctx context.Context, name string) ([]Zone, error) {
	var out []Zone
	for page := 1; ; page++ {
		q := url.Values{"name": {name}, "per_page": {"50"}, "page": {strconv.Itoa(page)}}
		found, err := rawGet(ctx, c, "zones?"+q.Encode(), zonesOf)
		if err != nil {
			return nil, err
		}
		out = append(out, found...)
		if len(found) < 50 {
			return out, nil
		}
	}
}

// rawGet sends GET path (relative to the base URL, query included) as the
// SDK would with cfcache's options: the same headers that matter (Accept,
// User-Agent, credentials), the request timeout, the -v log and the typed
// errors of the middleware (logMiddleware, errorMiddleware), the same
// http.Client (so the request budget counts it), and, as the SDK does, the
// context's error when the request timed out or was cancelled. read gets
// the answer and its body.
func rawGet[T any](ctx context.Context, c *Client, path string, read func(*http.Response, []byte) (T, error)) (T, error) {
	var zero T
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return zero, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.opts.UserAgent)
	c.authorize(req.Header)
	resp, err := c.logMiddleware(req, func(r *http.Request) (*http.Response, error) {
		return errorMiddleware(r, c.hc.Do)
	})
	if ctx.Err() != nil {
		if resp != nil {
			resp.Body.Close()
		}
		return zero, ctx.Err()
	}
	if err != nil {
		return zero, err
	}
	body, err := readBody(resp)
	if err != nil {
		return zero, err
	}
	return read(resp, body)
}

// zonesOf reads a GET /zones answer into Zones.
func zonesOf(resp *http.Response, body []byte) ([]Zone, error) {
	if isJSON(resp) {
		if out, ok := scanZones(body); ok {
			return out, nil
		}
	}
	// What the SDK does with an answer (requestconfig.Execute).
	var page *pagination.V4PagePaginationArray[zones.Zone]
	if !isJSON(resp) {
		return nil, fmt.Errorf("expected destination type of 'string' or '[]byte' for responses with content-type '%s' that is not 'application/json'", resp.Header.Get("content-type"))
	}
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&page); err != nil {
		return nil, fmt.Errorf("error parsing response json: %w", err)
	}
	var out []Zone
	if page != nil {
		for _, z := range page.Result {
			out = append(out, fromSDK(z))
		}
	}
	return out, nil
}

// isJSON is the SDK's test of an answer's content type.
func isJSON(resp *http.Response) bool {
	mediaType, _, _ := mime.ParseMediaType(resp.Header.Get("content-type"))
	return strings.Contains(mediaType, "application/json") || strings.HasSuffix(mediaType, "+json")
}

// scanZones reads {"result":[{zone}, …], …} as the SDK would, for answers
// whose every value scanZones reads is a plain string (no escape, valid
// UTF-8) under its exact key, given once, and which are valid JSON; ok is
// false for anything else. The SDK, too, matches keys exactly and ignores
// the others.
func scanZones(data []byte) (out []Zone, ok bool) {
	var result []byte
	end := scanObject(data, skipSpace(data, 0), func(key, v []byte) bool {
		if string(key) != "result" {
			return true
		}
		if result != nil {
			return false
		}
		result = v
		return true
	})
	if end < 0 || skipSpace(data, end) != len(data) || len(result) == 0 || result[0] != '[' {
		return nil, false
	}
	out = []Zone{}
	for i := skipSpace(result, 1); result[i] != ']'; {
		z, end, ok := scanZone(result, i)
		if !ok {
			return nil, false
		}
		out = append(out, z)
		if i = skipSpace(result, end); result[i] == ',' {
			i = skipSpace(result, i+1)
		}
	}
	return out, true
}

// scanZone reads the zone object at data[i] into what fromSDK makes of it.
func scanZone(data []byte, i int) (z Zone, end int, ok bool) {
	var planID string
	var seen uint16
	once := func(bit uint16) bool {
		first := seen&bit == 0
		seen |= bit
		return first
	}
	end = scanObject(data, i, func(key, v []byte) bool {
		switch string(key) {
		case "id":
			return once(1) && plainString(v, &z.ID)
		case "name":
			return once(2) && plainString(v, &z.Name)
		case "status":
			return once(4) && plainString(v, &z.Status)
		case "plan":
			return once(8) && scanObject(v, 0, func(key, v []byte) bool {
				switch string(key) {
				case "legacy_id":
					return once(16) && plainString(v, &planID)
				case "name":
					return once(32) && plainString(v, &z.PlanName)
				}
				return true
			}) == len(v)
		case "account":
			return once(64) && scanObject(v, 0, func(key, v []byte) bool {
				switch string(key) {
				case "id":
					return once(128) && plainString(v, &z.AccountID)
				case "name":
					return once(256) && plainString(v, &z.AccountName)
				}
				return true
			}) == len(v)
		}
		return true
	})
	if end < 0 {
		return Zone{}, -1, false
	}
	z.Plan = planOf(planID)
	return z, end, true
}

// scanObject reads the JSON object at data[i], calling field with each key
// (a plain one: an escaped key is refused) and value text, and returns the
// offset past it, or -1 when it is not a valid object or field says false.
func scanObject(data []byte, i int, field func(key, value []byte) bool) int {
	if i >= len(data) || data[i] != '{' {
		return -1
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return i + 1
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return -1
		}
		end := skipString(data, i)
		if end < 0 || bytes.IndexByte(data[i:end], '\\') >= 0 {
			return -1
		}
		key := data[i+1 : end-1]
		i = skipSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return -1
		}
		i = skipSpace(data, i+1)
		start := i
		if i = skipValue(data, i, 2); i < 0 || !field(key, data[start:i]) {
			return -1
		}
		i = skipSpace(data, i)
		if i >= len(data) {
			return -1
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return i + 1
		default:
			return -1
		}
	}
}

// plainString sets *dst to the JSON string v when it has no escape and is
// valid UTF-8 (its text is then its value, whoever decodes it).
func plainString(v []byte, dst *string) bool {
	if len(v) < 2 || v[0] != '"' || bytes.IndexByte(v, '\\') >= 0 || !utf8.Valid(v) {
		return false
	}
	*dst = string(v[1 : len(v)-1])
	return true
}
