package expr

import (
	"mime"
	"strings"
)

// Response is the origin's response as Cache Response Rules see it
// (phase http_response_cache_settings; docs/cloudflare.md, "Cache
// Response Rules"): its status code and headers in the order sent.
type Response struct {
	Code    int
	Headers []Header
}

// WithResponse returns a copy of env in which the response fields
// (http.response.code, http.response.headers and its .names / .values,
// http.response.content_type.media_type) hold resp, so a response-phase
// expression can read both the request and the response. env itself is not
// changed (it stays safe for concurrent use).
func (env *Env) WithResponse(resp Response) *Env {
	f := make(map[string]value, len(env.fields)+5)
	for k, v := range env.fields {
		f[k] = v
	}
	headerMap := map[string]value{}
	names := make([]string, 0, len(resp.Headers))
	values := make([]string, 0, len(resp.Headers))
	contentType := ""
	for _, h := range resp.Headers {
		// Keys are the header names lower-cased and repeated headers are the
		// elements of one array, as for http.request.headers (field table,
		// http.response.headers). .names keeps the case the origin sent:
		// origins usually answer Cloudflare over HTTP/1.1.
		lname := asciiLower(h.Name)
		hv := headerMap[lname]
		hv.k = vArray
		hv.arr = append(hv.arr, vs(h.Value))
		headerMap[lname] = hv
		names = append(names, h.Name)
		values = append(values, h.Value)
		if lname == "content-type" && contentType == "" {
			contentType = h.Value
		}
	}
	f["http.response.code"] = vi(int64(resp.Code))
	f["http.response.headers"] = value{k: vMap, m: headerMap}
	f["http.response.headers.names"] = vstrings(names)
	f["http.response.headers.values"] = vstrings(values)
	f["http.response.content_type.media_type"] = vs(mediaType(contentType))
	for _, n := range []string{"http.response.headers", "http.response.headers.names", "http.response.headers.values"} {
		f["raw."+n] = f[n]
	}
	return &Env{fields: f, lists: env.lists}
}

// mediaType is http.response.content_type.media_type for a Content-Type
// header value: the type/subtype lower-cased, without parameters
// ("text/html; charset=UTF-8" → "text/html"), "" when there is none.
func mediaType(contentType string) string {
	if mt, _, err := mime.ParseMediaType(contentType); err == nil {
		return mt
	}
	mt, _, _ := strings.Cut(contentType, ";")
	return asciiLower(strings.TrimSpace(mt))
}

// Strings evaluates a value expression (such as set_cache_tags'
// `expression`) to strings: a String gives one, an Array its String
// elements. ok is false when the value cannot be computed offline (a field
// not known here, a function this package does not implement) or is not a
// String or an Array of them.
func (env *Env) Strings(e Expr) (out []string, ok bool) {
	v := env.eval(e)
	switch v.k {
	case vString:
		return []string{v.s}, true
	case vArray:
		for _, el := range v.arr {
			if el.k != vString {
				return nil, false
			}
			out = append(out, el.s)
		}
		return out, true
	}
	return nil, false
}
