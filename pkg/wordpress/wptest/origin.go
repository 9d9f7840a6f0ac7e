// Package wptest is a WordPress-like origin for tests: an http.Handler that
// serves the public REST API (the index, posts and pages by slug or id,
// categories, tags and users by id), the pages and feeds themselves and the
// core sitemaps, with the permalink structure, the install directory and
// the REST API's state configurable, and counts what it is asked. It is a
// fixture, not WordPress: only what cfcache reads is there.
package wptest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Permalink structures.
const (
	PostName = "postname" // /%postname%/ (the default here)
	Dated    = "dated"    // /%year%/%monthnum%/%postname%/
	Custom   = "custom"   // /articles/%category%/%postname%/ (category base "topics", tag base "labels")
	Plain    = "plain"    // ?p=ID; the API only at ?rest_route=
)

// REST API states.
const (
	RESTOn        = "on"
	RESTOff       = "off"       // 404 at /wp-json/ (a "disable REST API" plugin)
	RESTHTML      = "html"      // the home page's HTML at /wp-json/ (a rewrite that swallows it)
	RESTProtected = "protected" // 401 for anonymous reads
)

// Site is the origin. Set the fields before serving.
type Site struct {
	Posts      int    // posts 1…Posts, slugs post-1…; post 1 has three pages (<!--nextpage-->)
	Dir        string // install directory, e.g. "/blog" ("" for the root)
	Scheme     string // scheme of the links ("" means http)
	Host       string // host of the links; "" means the request's Host
	Permalinks string // PostName (default), Dated, Custom or Plain
	REST       string // RESTOn (default), RESTOff, RESTHTML, RESTProtected
	HideUsers  bool   // 401 at /users/ID (security plugins hide users)
	// Canonical, when set, 301-redirects every request on another Host there.
	Canonical string
	Latency   time.Duration // delays every answer, so concurrent requests overlap

	mu       sync.Mutex
	requests int
	api      int
	byPath   map[string]int
	inFlight int
	peak     int
}

// New returns a site of n posts.
func New(n int) *Site { return &Site{Posts: n, byPath: map[string]int{}} }

// Start serves s on loopback until the test ends.
func Start(t testing.TB, s *Site) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv
}

// Requests reports every request answered, API requests among them, and
// the most in flight at once.
func (s *Site) Requests() (total, api, peak int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests, s.api, s.peak
}

// Seen reports how many requests asked for path (query included).
func (s *Site) Seen(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byPath[path]
}

// Post facts, fixed by the post's number so tests can predict them.

// Slug of post i.
func Slug(i int) string { return "post-" + strconv.Itoa(i) }

// Category of post i (ids 1…10, slugs cat-1…).
func Category(i int) int { return i%10 + 1 }

// Tags of post i (ids 101…120, slugs tag-101…).
func Tags(i int) []int { return []int{101 + i%20} }

// Author of post i (ids 1…3, slugs author-1…).
func Author(i int) int { return i%3 + 1 }

// Date of post i: one a day from 2024-01-01.
func Date(i int) time.Time { return time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC).AddDate(0, 0, i-1) }

// AboutID is the id of the one page, slug "about".
const AboutID = 900001

func (s *Site) base(r *http.Request) string {
	scheme, host := s.Scheme, s.Host
	if scheme == "" {
		scheme = "http"
	}
	if host == "" {
		host = r.Host
	}
	return scheme + "://" + host + s.Dir
}

// PostLink is post i's link under the site's permalinks, below base
// (scheme://host/dir).
func (s *Site) PostLink(base string, i int) string {
	switch s.Permalinks {
	case Dated:
		d := Date(i)
		return fmt.Sprintf("%s/%04d/%02d/%s/", base, d.Year(), d.Month(), Slug(i))
	case Custom:
		return fmt.Sprintf("%s/articles/cat-%d/%s/", base, Category(i), Slug(i))
	case Plain:
		return fmt.Sprintf("%s/?p=%d", base, i)
	}
	return base + "/" + Slug(i) + "/"
}

func (s *Site) termLink(base, tax string, id int) string {
	slug := map[string]string{"categories": "cat-", "tags": "tag-", "users": "author-"}[tax] + strconv.Itoa(id)
	if s.Permalinks == Plain {
		return base + "/?" + map[string]string{"categories": "cat", "tags": "tag", "users": "author"}[tax] + "=" + strconv.Itoa(id)
	}
	prefix := map[string]string{"categories": "category", "tags": "tag", "users": "author"}[tax]
	if s.Permalinks == Custom && tax != "users" {
		prefix = map[string]string{"categories": "topics", "tags": "labels"}[tax]
	}
	return base + "/" + prefix + "/" + slug + "/"
}

func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.byPath == nil {
		s.byPath = map[string]int{}
	}
	s.requests++
	s.byPath[r.URL.RequestURI()]++
	s.inFlight++
	s.peak = max(s.peak, s.inFlight)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
	}()
	if s.Latency > 0 {
		time.Sleep(s.Latency)
	}
	if s.Canonical != "" && r.Host != s.Canonical {
		http.Redirect(w, r, "http://"+s.Canonical+r.URL.RequestURI(), http.StatusMovedPermanently)
		return
	}
	path := r.URL.Path
	if !strings.HasPrefix(path, s.Dir+"/") {
		http.NotFound(w, r)
		return
	}
	rel := strings.TrimPrefix(path, s.Dir)
	route, isAPI := "", false
	if strings.HasPrefix(rel, "/wp-json/") && s.Permalinks != Plain {
		route, isAPI = "/"+strings.TrimPrefix(rel, "/wp-json/"), true
	} else if rr := r.URL.Query().Get("rest_route"); rel == "/" && rr != "" {
		route, isAPI = rr, true
	}
	if isAPI {
		s.mu.Lock()
		s.api++
		s.mu.Unlock()
		s.serveAPI(w, r, strings.TrimSuffix(route, "/"))
		return
	}
	switch {
	case rel == "/wp-sitemap.xml":
		s.sitemapIndex(w, r)
	case rel == "/wp-sitemap-posts-post-1.xml":
		s.urlset(w, r, true)
	case rel == "/wp-sitemap-posts-page-1.xml":
		s.urlset(w, r, false)
	case strings.HasSuffix(rel, "/feed/") || r.URL.Query().Get("feed") != "":
		w.Header().Set("Content-Type", "application/rss+xml; charset=UTF-8")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>fixture</title><link>%s/</link></channel></rss>`, s.base(r))
	default:
		// Every other path is a page: cacheable HTML, as APO caches it.
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.Header().Set("Link", fmt.Sprintf(`<%s/wp-json/>; rel="https://api.w.org/"`, s.base(r)))
		w.Header().Set("CF-Cache-Status", "MISS")
		fmt.Fprintf(w, "<!doctype html><title>%s</title>", r.URL.Path)
	}
}

func (s *Site) serveAPI(w http.ResponseWriter, r *http.Request, route string) {
	switch s.REST {
	case RESTOff:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(404)
		fmt.Fprint(w, `{"code":"rest_no_route","message":"No route was found matching the URL and request method.","data":{"status":404}}`)
		return
	case RESTHTML:
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		fmt.Fprint(w, "<!doctype html><title>Home</title>")
		return
	case RESTProtected:
		writeJSON(w, 401, map[string]any{"code": "rest_not_logged_in", "message": "You are not currently logged in.", "data": map[string]int{"status": 401}})
		return
	}
	base := s.base(r)
	parts := strings.Split(strings.Trim(route, "/"), "/")
	if route == "" || route == "/" {
		writeJSON(w, 200, map[string]any{"name": "Fixture", "url": base, "home": base, "namespaces": []string{"wp/v2"}})
		return
	}
	if len(parts) < 3 || parts[0] != "wp" || parts[1] != "v2" {
		writeJSON(w, 404, map[string]any{"code": "rest_no_route"})
		return
	}
	coll := parts[2]
	if len(parts) == 4 {
		id, err := strconv.Atoi(parts[3])
		if err != nil {
			writeJSON(w, 404, map[string]any{"code": "rest_no_route"})
			return
		}
		switch coll {
		case "posts":
			if id >= 1 && id <= s.Posts {
				writeJSON(w, 200, s.post(base, id))
				return
			}
		case "pages":
			if id == AboutID {
				writeJSON(w, 200, s.page(base))
				return
			}
		case "categories", "tags", "users":
			if coll == "users" && s.HideUsers {
				writeJSON(w, 401, map[string]any{"code": "rest_user_cannot_view"})
				return
			}
			ok := (coll == "categories" && id >= 1 && id <= 10) || (coll == "tags" && id >= 101 && id <= 120) || (coll == "users" && id >= 1 && id <= 3)
			if ok {
				writeJSON(w, 200, map[string]any{"id": id, "link": s.termLink(base, coll, id)})
				return
			}
		}
		writeJSON(w, 404, map[string]any{"code": "rest_invalid_id"})
		return
	}
	slug := r.URL.Query().Get("slug")
	out := []any{}
	switch coll {
	case "posts":
		if n, ok := strings.CutPrefix(slug, "post-"); ok {
			if i, err := strconv.Atoi(n); err == nil && i >= 1 && i <= s.Posts {
				out = append(out, s.post(base, i))
			}
		}
	case "pages":
		if slug == "about" {
			out = append(out, s.page(base))
		}
	default:
		writeJSON(w, 404, map[string]any{"code": "rest_no_route"})
		return
	}
	writeJSON(w, 200, out)
}

func (s *Site) post(base string, i int) map[string]any {
	content := "<p>Post " + strconv.Itoa(i) + "</p>"
	if i == 1 {
		content += "\n<!--nextpage-->\n<p>two</p>\n<!--nextpage-->\n<p>three</p>"
	}
	return map[string]any{
		"id": i, "slug": Slug(i), "type": "post", "status": "publish",
		"date": Date(i).Format("2006-01-02T15:04:05"), "link": s.PostLink(base, i),
		"author": Author(i), "categories": []int{Category(i)}, "tags": Tags(i),
		"content": map[string]any{"rendered": content},
	}
}

func (s *Site) page(base string) map[string]any {
	link := base + "/about/"
	if s.Permalinks == Plain {
		link = base + "/?page_id=" + strconv.Itoa(AboutID)
	}
	return map[string]any{"id": AboutID, "slug": "about", "type": "page", "date": "2023-06-01T09:00:00",
		"link": link, "author": 1, "content": map[string]any{"rendered": "<p>About</p>"}}
}

func (s *Site) sitemapIndex(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/xml")
	b := s.base(r)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>%s/wp-sitemap-posts-post-1.xml</loc></sitemap><sitemap><loc>%s/wp-sitemap-posts-page-1.xml</loc></sitemap></sitemapindex>`, b, b)
}

func (s *Site) urlset(w http.ResponseWriter, r *http.Request, posts bool) {
	w.Header().Set("Content-Type", "application/xml")
	b := s.base(r)
	fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
	if posts {
		for i := 1; i <= s.Posts; i++ {
			fmt.Fprintf(w, "<url><loc>%s</loc></url>", s.PostLink(b, i))
		}
	} else {
		fmt.Fprintf(w, "<url><loc>%s/</loc></url><url><loc>%s/about/</loc></url>", b, b)
	}
	fmt.Fprint(w, "</urlset>")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
