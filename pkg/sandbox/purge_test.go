package sandbox

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/cfcache/cfcache/pkg/limits"
)

func TestPurgeValidation(t *testing.T) {
	long := strings.Repeat("t", 1025)
	deep := "example.com" + strings.Repeat("/a", 32)
	cases := []struct {
		name    string
		body    any
		status  int
		code    int
		pointer string
	}{
		{"everything", `{"purge_everything":true}`, 200, 0, ""},
		{"file strings", `{"files":["https://example.com/a","http://example.com/b?x=1"]}`, 200, 0, ""},
		{"file objects", `{"files":[{"url":"https://example.com/a","headers":{"CF-Device-Type":"mobile","CF-IPCountry":"ES","Accept-Language":"en-US","Origin":"https://www.example.com"}}]}`, 200, 0, ""},
		{"file object with custom header", `{"files":[{"url":"https://example.com/a","headers":{"X-Variant":"blue"}}]}`, 200, 0, ""},
		{"mixed file forms", `{"files":["https://example.com/a",{"url":"https://example.com/b"}]}`, 200, 0, ""},
		{"tags", `{"tags":["Tag1","product-42"]}`, 200, 0, ""},
		{"hosts", `{"hosts":["images.example.com"]}`, 200, 0, ""},
		{"prefixes", `{"prefixes":["www.example.com/foo/bar/"]}`, 200, 0, ""},

		{"not json", `purge it all`, 400, codeMalformedJSON, ""},
		{"json array", `["https://example.com/a"]`, 400, codeMalformedJSON, ""},
		{"empty object", `{}`, 400, codeMissingSelector, ""},
		{"unknown key", `{"urls":["https://example.com/a"]}`, 400, codeMissingSelector, "/urls"},
		{"everything plus files", `{"purge_everything":true,"files":["https://example.com/a"]}`, 400, codeEverythingCombo, ""},
		{"two selectors", `{"tags":["a"],"hosts":["example.com"]}`, 400, codeMissingSelector, ""},
		{"everything false", `{"purge_everything":false}`, 400, codeEverythingTrue, "/purge_everything"},
		{"everything string", `{"purge_everything":"true"}`, 400, codeEverythingTrue, "/purge_everything"},
		{"files not array", `{"files":"https://example.com/a"}`, 400, codeNotArray, "/files"},
		{"files null", `{"files":null}`, 400, codeNotArray, "/files"},
		{"files empty", `{"files":[]}`, 400, codeNotArray, "/files"},
		{"tags empty", `{"tags":[]}`, 400, codeNotArray, "/tags"},
		{"tag number", `{"tags":[42]}`, 400, codeNotArray, "/tags/0"},
		{"relative url", `{"files":["/a"]}`, 400, codeBadFile, "/files/0"},
		{"ftp url", `{"files":["https://example.com/ok","ftp://example.com/a"]}`, 400, codeBadFile, "/files/1"},
		{"url with space", `{"files":["https://example.com/a b"]}`, 400, codeBadFile, "/files/0"},
		{"file object without url", `{"files":[{"headers":{}}]}`, 400, codeBadFile, "/files/0"},
		{"file object unknown key", `{"files":[{"url":"https://example.com/a","header":{}}]}`, 400, codeBadFile, "/files/0"},
		{"bad device type", `{"files":[{"url":"https://example.com/a","headers":{"CF-Device-Type":"phone"}}]}`, 400, codeBadFile, "/files/0"},
		{"bad country", `{"files":[{"url":"https://example.com/a","headers":{"CF-IPCountry":"Spain"}}]}`, 400, codeBadFile, "/files/0"},
		{"bad origin", `{"files":[{"url":"https://example.com/a","headers":{"Origin":"www.example.com/path"}}]}`, 400, codeBadFile, "/files/0"},
		{"header value not string", `{"files":[{"url":"https://example.com/a","headers":{"CF-Device-Type":1}}]}`, 400, codeBadFile, "/files/0"},
		{"tag too long", `{"tags":["` + long + `"]}`, 400, codeBadTag, "/tags/0"},
		{"tag with space", `{"tags":["a b"]}`, 400, codeBadTag, "/tags/0"},
		{"host with scheme", `{"hosts":["https://example.com"]}`, 400, codeBadHost, "/hosts/0"},
		{"host with path", `{"hosts":["example.com/a"]}`, 400, codeBadHost, "/hosts/0"},
		{"host with port", `{"hosts":["example.com:8443"]}`, 400, codeBadHost, "/hosts/0"},
		{"prefix with scheme", `{"prefixes":["https://example.com/a"]}`, 400, codeBadPrefix, "/prefixes/0"},
		{"prefix with query", `{"prefixes":["example.com/a?x=1"]}`, 400, codeBadPrefix, "/prefixes/0"},
		{"prefix with fragment", `{"prefixes":["example.com/a#top"]}`, 400, codeBadPrefix, "/prefixes/0"},
		{"prefix too deep", `{"prefixes":["` + deep + `"]}`, 400, codeBadPrefix, "/prefixes/0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			res := e.purge(tc.body)
			if res.Status != tc.status || res.code() != tc.code || res.pointer() != tc.pointer {
				t.Fatalf("got %d code %d pointer %q, want %d code %d pointer %q: %s",
					res.Status, res.code(), res.pointer(), tc.status, tc.code, tc.pointer, res.Body)
			}
			rec, _ := e.srv.Purges(DefaultZoneID)
			if tc.status == 200 {
				var v struct{ ID string }
				res.result(t, &v)
				if !isHexID(v.ID) {
					t.Errorf("result id %q is not 32 hex", v.ID)
				}
				if rec.Total() == 0 {
					t.Error("accepted purge recorded nothing")
				}
				return
			}
			if rec.Total() != 0 {
				t.Errorf("rejected purge recorded %+v", rec)
			}
		})
	}
}

func TestPurgeReportsEveryBadItem(t *testing.T) {
	e := newEnv(t, nil)
	res := e.purge(map[string]any{"files": []string{"https://example.com/ok", "nope", "https://example.com/fine", "ftp://x/y"}})
	if len(res.Env.Errors) != 2 || res.Env.Errors[0].Source.Pointer != "/files/1" || res.Env.Errors[1].Source.Pointer != "/files/3" {
		t.Fatalf("errors %+v", res.Env.Errors)
	}
}

func TestPurgeTooManyItemsForServerPlan(t *testing.T) {
	// The server accepts fewer URLs than the documented table says, as
	// Cloudflare did (30) while its docs said 100.
	e := newEnv(t, withLimits(func(l *limits.Limits) { l.URLsPerRequest, l.FlexItemsPerRequest = 30, 30 }))
	cases := []struct {
		kind   Kind
		items  []string
		status int
		code   int
	}{
		{KindFiles, urls(30, "ok"), 200, 0},
		{KindFiles, urls(31, "big"), 400, codeTooManyFiles},
		{KindTags, strings.Split(strings.Repeat("t,", 31), ",")[:31], 400, codeTooManyTags},
		{KindHosts, strings.Split(strings.Repeat("h.example.com,", 31), ",")[:31], 400, codeTooManyHosts},
		{KindPrefixes, strings.Split(strings.Repeat("example.com/p,", 31), ",")[:31], 400, codeTooManyPrefixes},
	}
	for _, tc := range cases {
		res := e.purge(map[string]any{string(tc.kind): tc.items})
		if res.Status != tc.status || res.code() != tc.code {
			t.Errorf("%s x%d: got %d code %d: %s", tc.kind, len(tc.items), res.Status, res.code(), res.Body)
			continue
		}
		if tc.status == 400 {
			msg := res.Env.Errors[0].Message
			if !strings.Contains(msg, "maximum amount of 30 ") {
				t.Errorf("%s: message does not state the maximum: %q", tc.kind, msg)
			}
		}
	}
	rec, _ := e.srv.Purges("example.com")
	if len(rec.Files) != 30 || len(rec.Tags)+len(rec.Hosts)+len(rec.Prefixes) != 0 {
		t.Errorf("record %d files, %d others", len(rec.Files), len(rec.Tags)+len(rec.Hosts)+len(rec.Prefixes))
	}
}

func TestPurgeRecord(t *testing.T) {
	e := newEnv(t, nil)
	bodies := []string{
		`{"files":["https://example.com/a","https://example.com/a"]}`,
		`{"files":[{"url":"https://example.com/a","headers":{"CF-Device-Type":"Mobile","cf-ipcountry":"es"}}]}`,
		`{"files":[{"url":"https://example.com/a","headers":{"cf-device-type":"mobile","CF-IPCountry":"ES"}}]}`,
		`{"tags":["Product-1","product-1","other"]}`,
		`{"hosts":["Images.Example.com"]}`,
		`{"prefixes":["WWW.example.com/Foo/"]}`,
		`{"purge_everything":true}`,
	}
	for _, b := range bodies {
		if res := e.purge(b); res.Status != 200 {
			t.Fatalf("%s: %d %s", b, res.Status, res.Body)
		}
	}
	withHeaders := FileKey("https://example.com/a", map[string]string{"CF-Device-Type": "mobile", "CF-IPCountry": "ES"})
	checks := []struct {
		kind Kind
		item string
		want int
	}{
		{KindFiles, "https://example.com/a", 2},
		{KindFiles, withHeaders, 2},
		{KindTags, "PRODUCT-1", 2},
		{KindTags, "other", 1},
		{KindHosts, "images.example.com", 1},
		{KindPrefixes, "www.example.com/Foo/", 1},
		{KindPrefixes, "www.example.com/foo/", 0},
		{KindEverything, "", 1},
	}
	for _, c := range checks {
		if got := e.srv.PurgeCount(DefaultZoneID, c.kind, c.item); got != c.want {
			t.Errorf("PurgeCount(%s, %q) = %d, want %d", c.kind, c.item, got, c.want)
		}
	}
	rec, ok := e.srv.Purges("example.com")
	if !ok || rec.Requests[KindFiles] != 3 || rec.Requests[KindTags] != 1 || rec.Everything != 1 || rec.Total() != 10 {
		t.Errorf("record %+v", rec)
	}
	if withHeaders != "https://example.com/a [cf-device-type: mobile; cf-ipcountry: ES]" {
		t.Errorf("FileKey = %q", withHeaders)
	}
}

func TestPurgeConcurrent(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Zones[0].Plan = limits.Enterprise })
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				body := fmt.Sprintf(`{"files":["https://example.com/%d/%d"]}`, w, i)
				req, _ := http.NewRequest(http.MethodPost, e.http.URL+BasePath+"/zones/"+DefaultZoneID+"/purge_cache", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+testToken)
				res, err := e.http.Client().Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				res.Body.Close()
				_ = e.srv.Stats()
				_, _ = e.srv.Purges(DefaultZoneID)
			}
		}()
	}
	wg.Wait()
	rec, _ := e.srv.Purges(DefaultZoneID)
	if len(rec.Files) != 40 {
		t.Errorf("%d files purged, want 40", len(rec.Files))
	}
}
