package wordpress_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cfcache/cfcache/pkg/warm"
	"github.com/cfcache/cfcache/pkg/wordpress"
	"github.com/cfcache/cfcache/pkg/wordpress/wptest"
)

// config sends every request to srv under the URL's own Host.
func config(t testing.TB, srvURL string, conc int) wordpress.Config {
	u, err := url.Parse(srvURL)
	if err != nil {
		t.Fatal(err)
	}
	return wordpress.Config{Client: warm.WithOrigin(&http.Client{Transport: warm.NewTransport()}, u), Concurrency: conc, Timeout: 5 * time.Second, Pages: 2}
}

func urls(rs []wordpress.Related) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(string(r.Group) + " " + r.URL + "\n")
	}
	return b.String()
}

func TestRelatedPostname(t *testing.T) {
	s := wptest.New(30)
	srv := wptest.Start(t, s)
	res := wordpress.Find(context.Background(), config(t, srv.URL, 4), []string{"http://example.com/post-1/"})
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	want := `post http://example.com/post-1/
pagination http://example.com/post-1/2/
pagination http://example.com/post-1/3/
home http://example.com/
pagination http://example.com/page/2/
category http://example.com/category/cat-2/
pagination http://example.com/category/cat-2/page/2/
feed http://example.com/category/cat-2/feed/
tag http://example.com/tag/tag-102/
pagination http://example.com/tag/tag-102/page/2/
feed http://example.com/tag/tag-102/feed/
author http://example.com/author/author-2/
pagination http://example.com/author/author-2/page/2/
feed http://example.com/author/author-2/feed/
date http://example.com/2024/
date http://example.com/2024/01/
date http://example.com/2024/01/01/
feed http://example.com/feed/
`
	if got := urls(res.URLs); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestRelatedSubdirCustomExcludeHostnames(t *testing.T) {
	s := wptest.New(30)
	s.Dir, s.Permalinks = "/blog", wptest.Custom
	srv := wptest.Start(t, s)
	cfg := config(t, srv.URL, 2)
	cfg.Exclude, _ = wordpress.ParseExclude([]string{"date", "term", "pagination"})
	cfg.Hostnames = []string{"www.example.com"}
	res := wordpress.Find(context.Background(), cfg, []string{"http://example.com/blog/articles/cat-6/post-5/", "http://example.com/blog/about/"})
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	got := urls(res.URLs)
	for _, w := range []string{"post http://example.com/blog/articles/cat-6/post-5/\n", "post http://www.example.com/blog/articles/cat-6/post-5/\n",
		"home http://example.com/blog/\n", "author http://example.com/blog/author/author-3/\n", "post http://example.com/blog/about/\n", "feed http://example.com/blog/feed/\n"} {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q in\n%s", w, got)
		}
	}
	for _, no := range []string{"topics", "labels", "/2024/", "/page/"} {
		if strings.Contains(got, no) {
			t.Errorf("excluded %q present in\n%s", no, got)
		}
	}
	if strings.Count(got, "home http://example.com/blog/\n") != 1 {
		t.Errorf("home not deduplicated:\n%s", got)
	}
}

func TestRelatedPlainAndRedirect(t *testing.T) {
	s := wptest.New(5)
	s.Permalinks, s.Canonical = wptest.Plain, "example.com"
	srv := wptest.Start(t, s)
	res := wordpress.Find(context.Background(), config(t, srv.URL, 2), []string{"http://www.example.com/?p=3"})
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	got := urls(res.URLs)
	for _, w := range []string{"post http://example.com/?p=3\n", "category http://example.com/?cat=4\n", "date http://example.com/?m=20240103\n", "feed http://example.com/?cat=4&feed=rss2\n"} {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q in\n%s", w, got)
		}
	}
}

func TestRESTOffProtectedHiddenUsers(t *testing.T) {
	for _, c := range []struct{ rest, want string }{
		{wptest.RESTOff, "no WordPress REST API (404"},
		{wptest.RESTHTML, "an HTML page, not JSON"},
		{wptest.RESTProtected, "refuses anonymous reads (401"},
	} {
		s := wptest.New(3)
		s.REST = c.rest
		srv := wptest.Start(t, s)
		res := wordpress.Find(context.Background(), config(t, srv.URL, 2), []string{"http://example.com/post-1/"})
		var se *wordpress.SiteError
		if len(res.Errors) != 1 || !errors.As(res.Errors[0], &se) || !strings.Contains(se.Error(), c.want) || !strings.HasPrefix(se.Error(), "example.com: ") {
			t.Errorf("%s: errors %v, want a SiteError with %q", c.rest, res.Errors, c.want)
		}
	}
	s := wptest.New(3)
	s.HideUsers = true
	srv := wptest.Start(t, s)
	res := wordpress.Find(context.Background(), config(t, srv.URL, 2), []string{"http://example.com/post-1/"})
	if len(res.Errors) != 0 || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "author archive left out") {
		t.Errorf("errors %v warnings %v", res.Errors, res.Warnings)
	}
	res = wordpress.Find(context.Background(), config(t, srv.URL, 2), []string{"http://example.com/no-such-post/"})
	if len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Error(), "no published post or page") {
		t.Errorf("errors %v", res.Errors)
	}
}

func TestRedirectToOtherSiteRefused(t *testing.T) {
	s := wptest.New(3)
	s.Canonical = "other.org"
	srv := wptest.Start(t, s)
	res := wordpress.Find(context.Background(), config(t, srv.URL, 2), []string{"http://example.com/post-1/"})
	if len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Error(), "redirects to another site") {
		t.Errorf("errors %v", res.Errors)
	}
}

// TestConcurrencyBound: 100 posts of a 2,000-post site with a slow origin
// never have more than Concurrency requests in flight, and share the
// site index and the term and author lookups.
func TestConcurrencyBound(t *testing.T) {
	s := wptest.New(2000)
	s.Latency = 2 * time.Millisecond
	srv := wptest.Start(t, s)
	var posts []string
	for i := 1; i <= 100; i++ {
		posts = append(posts, "http://example.com/"+wptest.Slug(i*20)+"/")
	}
	res := wordpress.Find(context.Background(), config(t, srv.URL, 4), posts)
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors[0])
	}
	total, api, peak := s.Requests()
	if peak > 4 || peak < 2 {
		t.Errorf("peak in flight %d, want 2..4", peak)
	}
	// index 1 + 100 posts + 10 categories + 20 tags (only even ones: 10) + 3 users at most
	if api != total || api > 1+100+10+20+3 || res.Requests != total {
		t.Errorf("requests: total %d api %d reported %d", total, api, res.Requests)
	}
}

var _ = http.MethodGet

// benchRelated: n posts of a 2,000-post site on loopback, concurrency 4;
// reports requests per run and the in-flight peak (docs/performance.md).
func benchRelated(b *testing.B, n int) {
	s := wptest.New(2000)
	srv := wptest.Start(b, s)
	var posts []string
	for i := 1; i <= n; i++ {
		posts = append(posts, "http://example.com/"+wptest.Slug(i*19%2000+1)+"/")
	}
	var reqs int
	for b.Loop() {
		res := wordpress.Find(context.Background(), config(b, srv.URL, 4), posts)
		if len(res.Errors) > 0 {
			b.Fatal(res.Errors[0])
		}
		reqs = res.Requests
	}
	_, _, peak := s.Requests()
	b.ReportMetric(float64(reqs), "requests/op")
	b.ReportMetric(float64(peak), "peak-in-flight")
}

func BenchmarkRelated1Post(b *testing.B)    { benchRelated(b, 1) }
func BenchmarkRelated100Posts(b *testing.B) { benchRelated(b, 100) }

// A hostile or compromised site's answers are data, not instructions: a
// post listing hundreds of term ids is looked up to a bound (each is a
// request), and a link on another host is left out and said (piped into
// purge it could purge another zone's URL).
func TestHostilePostAnswerIsBounded(t *testing.T) {
	site := wptest.New(3)
	ids := make([]string, 0, 500)
	for i := 0; i < 500; i++ {
		ids = append(ids, strconv.Itoa(i%10+1))
	}
	hostile := `[{"id":1,"link":"http://example.com/post-1/","date":"2024-01-01T10:00:00","author":1,` +
		`"categories":[` + strings.Join(ids, ",") + `],"tags":[],"content":{"rendered":"a` + strings.Repeat("<!--nextpage-->b", 1000) + `"}}]`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/wp/v2/posts"):
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(hostile))
			return
		case strings.HasSuffix(r.URL.Path, "/wp/v2/users/1"):
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"id":1,"link":"http://other.example.org/x/"}`))
			return
		}
		site.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	res := wordpress.Find(context.Background(), config(t, srv.URL, 2), []string{"http://example.com/post-1/"})
	if len(res.Errors) != 0 {
		t.Fatalf("errors %v", res.Errors)
	}
	for _, u := range res.URLs {
		if strings.Contains(u.URL, "other.example.org") {
			t.Errorf("a link on another host was listed: %s", u.URL)
		}
	}
	warned := strings.Join(res.Warnings, "\n")
	for _, want := range []string{`link "http://other.example.org/x/" left out`, "500 category ids: the first 100 looked up", "1001 pages (<!--nextpage-->): the first 100 listed"} {
		if !strings.Contains(warned, want) {
			t.Errorf("warnings %q lack %q", warned, want)
		}
	}
}

// Redirects stay on the site's port: example.com → example.com:6379 is not
// the site (http → https, 80 → 443, is).
func TestRedirectToAnotherPortRefused(t *testing.T) {
	// The other port serves a working site, so following the redirect
	// would succeed: only refusing it gives an error.
	site := wptest.New(3)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.Host, ":6379") {
			site.ServeHTTP(w, r)
			return
		}
		http.Redirect(w, r, "http://example.com:6379"+r.URL.RequestURI(), http.StatusMovedPermanently)
	}))
	t.Cleanup(srv.Close)
	res := wordpress.Find(context.Background(), config(t, srv.URL, 2), []string{"http://example.com/post-1/"})
	if len(res.Errors) != 1 || len(res.URLs) != 0 {
		t.Fatalf("errors %v, urls %v: want the redirect refused", res.Errors, res.URLs)
	}
}
