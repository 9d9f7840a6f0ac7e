// Package wordpress finds the URLs a WordPress site considers related to a
// post or page — the pages a cache must drop when the post changes — through
// the site's public REST API. It only reads: nothing here purges. It has no
// cobra and no terminal I/O; `cfcache wp related` renders what it returns.
package wordpress

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Group names why a URL is related to a post.
type Group string

// The groups, in the order a post's URLs are listed.
const (
	GroupPost       Group = "post"
	GroupPagination Group = "pagination"
	GroupHome       Group = "home"
	GroupCategory   Group = "category"
	GroupTag        Group = "tag"
	GroupAuthor     Group = "author"
	GroupFeed       Group = "feed"
	GroupDate       Group = "date"
)

// Groups lists every group, plus "term" (category and tag), as --exclude
// accepts them.
var Groups = []string{"post", "home", "category", "tag", "term", "author", "feed", "date", "pagination"}

// Defaults.
const (
	DefaultConcurrency = 4
	DefaultTimeout     = 10 * time.Second
	DefaultPages       = 3
	// MaxRedirects bounds the redirects followed within one site.
	MaxRedirects = 5
	// MaxTermsPerPost bounds the categories and the tags looked up for one
	// post (a request each); MaxPostPages the <!--nextpage--> pages listed.
	// Real posts have a handful; a hostile answer could list millions.
	MaxTermsPerPost = 100
	MaxPostPages    = 100
	// maxBody bounds one API answer: a post's JSON with its rendered content.
	maxBody = 8 << 20
)

// ParseExclude turns --exclude values into a set; "term" stands for
// category and tag. An unknown name is an error naming it.
func ParseExclude(vals []string) (map[Group]bool, error) {
	out := map[Group]bool{}
	for _, v := range vals {
		switch g := strings.ToLower(strings.TrimSpace(v)); g {
		case "term":
			out[GroupCategory], out[GroupTag] = true, true
		case "post", "home", "category", "tag", "author", "feed", "date", "pagination":
			out[Group(g)] = true
		default:
			return nil, fmt.Errorf("--exclude %q: unknown group; want one of %s", v, strings.Join(Groups, ", "))
		}
	}
	return out, nil
}

// CheckURL says why s cannot be a post URL ("" when it can).
func CheckURL(s string) string {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "not a URL"
	case u.Scheme != "http" && u.Scheme != "https":
		return "want an absolute http:// or https:// URL"
	case u.Host == "":
		return "no host"
	}
	return ""
}

// CheckHostname says why h cannot be a --hostname ("" when it can).
func CheckHostname(h string) string {
	if h == "" || strings.ContainsAny(h, "/:?# ") {
		return "want a bare hostname such as www.example.com"
	}
	return ""
}

// Config is how related URLs are found.
type Config struct {
	// Client sends every request; its redirects are bounded and kept
	// within the site by Finder (see checkRedirect).
	Client      *http.Client
	Concurrency int           // requests in flight at most
	Timeout     time.Duration // per request, body included
	Pages       int           // archive pages listed: 1 is the first only, 3 adds /page/2/ and /page/3/
	Exclude     map[Group]bool
	// Hostnames are more hosts each URL is also listed on (APO's
	// hostnames: one cached copy per hostname).
	Hostnames []string
}

// Related is one related URL.
type Related struct {
	URL   string `json:"url"`
	Group Group  `json:"group"`
	For   string `json:"for"`
}

// SiteError says a site's REST API cannot be read, and what to do.
type SiteError struct {
	Site   string
	Reason string
	// Protected: the API exists but refuses anonymous reads.
	Protected bool
}

func (e *SiteError) Error() string { return e.Site + ": " + e.Reason }

// PostError says one post URL could not be resolved.
type PostError struct {
	URL string
	Err error
}

func (e *PostError) Error() string { return e.URL + ": " + e.Err.Error() }
func (e *PostError) Unwrap() error { return e.Err }

// Result is what Find returns.
type Result struct {
	URLs     []Related // deduplicated, in input order then group order
	Errors   []error   // one per post that could not be resolved (*PostError)
	Warnings []string  // what was left out and why (an author the API hides)
	Requests int       // requests sent to the sites
}

// Find resolves every post URL, at most cfg.Concurrency requests at once,
// sharing what posts of one site have in common (the site's home, its
// terms and authors), and lists the related URLs.
func Find(ctx context.Context, cfg Config, posts []string) Result {
	f := newFinder(cfg)
	per := make([][]Related, len(posts))
	errs := make([]error, len(posts))
	warns := make([][]string, len(posts))
	var wg sync.WaitGroup
	work := make(chan int)
	for w := 0; w < max(1, cfg.Concurrency); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				per[i], warns[i], errs[i] = f.related(ctx, posts[i])
			}
		}()
	}
	for i := range posts {
		work <- i
	}
	close(work)
	wg.Wait()

	var res Result
	seen := map[string]bool{}
	for i := range posts {
		if errs[i] != nil {
			res.Errors = append(res.Errors, &PostError{URL: posts[i], Err: errs[i]})
		}
		res.Warnings = append(res.Warnings, warns[i]...)
		for _, r := range per[i] {
			for _, u := range withHostnames(r.URL, cfg.Hostnames) {
				if !seen[u] {
					seen[u] = true
					res.URLs = append(res.URLs, Related{URL: u, Group: r.Group, For: r.For})
				}
			}
		}
	}
	res.Requests = int(f.requests())
	return res
}

// withHostnames lists u, then u on each other hostname.
func withHostnames(u string, hosts []string) []string {
	out := []string{u}
	p, err := url.Parse(u)
	if err != nil {
		return out
	}
	for _, h := range hosts {
		if strings.EqualFold(h, p.Hostname()) {
			continue
		}
		q := *p
		q.Host = h
		if port := p.Port(); port != "" {
			q.Host = h + ":" + port
		}
		out = append(out, q.String())
	}
	return out
}

// finder holds what posts share: the sites found, terms and users by id.
type finder struct {
	cfg    Config
	client *http.Client
	sem    chan struct{}

	mu    sync.Mutex
	sites map[string]*siteCall // by API candidate URL
	links map[string]*linkCall // by API object URL
	sent  int64
}

type siteCall struct {
	done chan struct{}
	site *site
	err  error
}

type linkCall struct {
	done chan struct{}
	link string
	err  error
}

// site is one WordPress install: its home and how to reach its API.
type site struct {
	home  *url.URL // e.g. https://example.com/blog (no trailing slash)
	api   string   // e.g. https://example.com/blog/wp-json/ or https://example.com/?rest_route=/
	query bool     // api is the ?rest_route= form
}

func newFinder(cfg Config) *finder {
	c := *cfg.Client
	c.CheckRedirect = checkRedirect
	return &finder{cfg: cfg, client: &c, sem: make(chan struct{}, max(1, cfg.Concurrency)),
		sites: map[string]*siteCall{}, links: map[string]*linkCall{}}
}

func (f *finder) requests() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sent
}

// checkRedirect follows at most MaxRedirects, and only within the site:
// the same host, give or take "www." (http to https included). Anything
// else is answered as the redirect itself, which the caller reports.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > MaxRedirects {
		return fmt.Errorf("more than %d redirects", MaxRedirects)
	}
	if !sameSite(req.URL.Hostname(), via[0].URL.Hostname()) || !samePort(req.URL, via[0].URL) {
		return http.ErrUseLastResponse
	}
	if last, ok := req.Context().Value(finalKey{}).(*url.URL); ok {
		*last = *req.URL
	}
	return nil
}

// finalKey holds, in a request's context, where its redirects led: the
// response's own Request is what the transport sent, which --origin-url
// rewrote.
type finalKey struct{}

// samePort keeps redirects on the site's own port: the scheme's default
// (http to https moves 80 to 443, which is the same site), or the same
// explicit port. A redirect to example.com:6379 is not the site.
func samePort(a, b *url.URL) bool {
	return effectivePort(a) == effectivePort(b) || a.Port() == "" && b.Port() == ""
}

func effectivePort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "http" {
		return "80"
	}
	return "443"
}

func sameSite(a, b string) bool {
	a, b = strings.TrimPrefix(strings.ToLower(a), "www."), strings.TrimPrefix(strings.ToLower(b), "www.")
	return a == b
}

// answer is one API response.
type answer struct {
	status   int
	body     []byte
	json     bool
	location string
	final    *url.URL
}

// get sends one GET, holding one of the cfg.Concurrency slots.
func (f *finder) get(ctx context.Context, u string) (answer, error) {
	select {
	case f.sem <- struct{}{}:
	case <-ctx.Done():
		return answer{}, ctx.Err()
	}
	defer func() { <-f.sem }()
	f.mu.Lock()
	f.sent++
	f.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()
	final, err := url.Parse(u)
	if err != nil {
		return answer{}, err
	}
	req, err := http.NewRequestWithContext(context.WithValue(ctx, finalKey{}, final), http.MethodGet, u, nil)
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := f.client.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return answer{}, err
	}
	ct := resp.Header.Get("Content-Type")
	isJSON := strings.Contains(ct, "json") || (ct == "" && len(body) > 0 && (body[0] == '{' || body[0] == '['))
	return answer{status: resp.StatusCode, body: body, json: isJSON, location: resp.Header.Get("Location"), final: final}, nil
}

// siteFor finds the install serving post: a site already found whose home
// holds the URL, else the REST index at each directory from the root down
// (a subdirectory install answers at /blog/wp-json/), as /wp-json/ then as
// ?rest_route=/ (plain permalinks).
func (f *finder) siteFor(ctx context.Context, post *url.URL) (*site, error) {
	dirs := []string{"/"}
	segs := strings.Split(strings.Trim(post.Path, "/"), "/")
	for i := 1; i < len(segs); i++ {
		dirs = append(dirs, "/"+strings.Join(segs[:i], "/")+"/")
	}
	origin := post.Scheme + "://" + post.Host
	var first error
	for _, d := range dirs {
		for _, cand := range []string{origin + d + "wp-json/", origin + d + "?rest_route=/"} {
			s, err := f.siteAt(ctx, cand)
			if err == nil && holds(s.home, post) {
				return s, nil
			}
			var se *SiteError
			if err != nil && (!errors.As(err, &se) || se.Protected) {
				return nil, err // protected or unreachable: other candidates will not help
			}
			if first == nil {
				first = err
			}
		}
	}
	if first == nil {
		first = &SiteError{Site: post.Host, Reason: "no WordPress REST API found whose home holds " + post.String()}
	}
	return nil, first
}

// holds reports whether post is under home (scheme and "www." aside).
func holds(home, post *url.URL) bool {
	if !sameSite(home.Hostname(), post.Hostname()) {
		return false
	}
	hp := strings.TrimSuffix(home.Path, "/")
	return post.Path == hp || strings.HasPrefix(post.Path, hp+"/") || (hp == "" && post.Path == "")
}

// siteAt reads the REST index at cand once per run.
func (f *finder) siteAt(ctx context.Context, cand string) (*site, error) {
	f.mu.Lock()
	c, ok := f.sites[cand]
	if !ok {
		c = &siteCall{done: make(chan struct{})}
		f.sites[cand] = c
	}
	f.mu.Unlock()
	if ok {
		<-c.done
		return c.site, c.err
	}
	defer close(c.done)
	c.site, c.err = f.readIndex(ctx, cand)
	return c.site, c.err
}

func (f *finder) readIndex(ctx context.Context, cand string) (*site, error) {
	a, err := f.get(ctx, cand)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cand, err)
	}
	host := hostOf(cand)
	switch {
	case a.status == 401 || a.status == 403:
		return nil, &SiteError{Site: host, Protected: true, Reason: fmt.Sprintf("the REST API refuses anonymous reads (%d at %s): allow public GET of /wp-json/ and /wp-json/wp/v2/ (posts, pages, categories, tags, users) in the security plugin or server rules", a.status, cand)}
	case a.status >= 300 && a.status < 400:
		return nil, &SiteError{Site: host, Reason: fmt.Sprintf("%s redirects to another site (%s): give the post URL on the site it redirects to", cand, a.location)}
	case a.status != 200 || !a.json:
		what := fmt.Sprintf("%d", a.status)
		if a.status == 200 {
			what = "an HTML page, not JSON"
		}
		return nil, &SiteError{Site: host, Reason: fmt.Sprintf("no WordPress REST API (%s at %s): turn the REST API on for anonymous reads (a plugin such as \"Disable REST API\" turns it off), or check the URL is a WordPress post", what, cand)}
	}
	var idx struct {
		Home string `json:"home"`
	}
	if err := json.Unmarshal(a.body, &idx); err != nil || idx.Home == "" {
		return nil, &SiteError{Site: host, Reason: fmt.Sprintf("%s is not a WordPress REST index (no \"home\")", cand)}
	}
	home, err := url.Parse(strings.TrimSuffix(idx.Home, "/"))
	if err != nil || home.Host == "" {
		return nil, &SiteError{Site: host, Reason: fmt.Sprintf("%s gives an invalid home %q", cand, idx.Home)}
	}
	// The API is used where it answered, after redirects (http to https).
	api := a.final.String()
	return &site{home: home, api: api, query: strings.Contains(api, "rest_route=")}, nil
}

func hostOf(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Host
	}
	return s
}

// route builds the API URL of route (e.g. "wp/v2/posts") with query q.
func (s *site) route(route string, q url.Values) string {
	if s.query {
		u, _ := url.Parse(s.api)
		v := u.Query()
		v.Set("rest_route", "/"+route)
		for k, vs := range q {
			v[k] = vs
		}
		u.RawQuery = v.Encode()
		return u.String()
	}
	u := strings.TrimSuffix(strings.SplitN(s.api, "?", 2)[0], "/") + "/" + route
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// post is the part of a REST post or page used here.
type post struct {
	ID         int    `json:"id"`
	Link       string `json:"link"`
	Date       string `json:"date"`
	Author     int    `json:"author"`
	Categories []int  `json:"categories"`
	Tags       []int  `json:"tags"`
	Content    struct {
		Rendered string `json:"rendered"`
	} `json:"content"`
}

// related resolves one post URL.
func (f *finder) related(ctx context.Context, raw string) ([]Related, []string, error) {
	pu, err := url.Parse(raw)
	if err != nil {
		return nil, nil, err
	}
	s, err := f.siteFor(ctx, pu)
	if err != nil {
		return nil, nil, err
	}
	p, kind, err := f.findPost(ctx, s, pu)
	if err != nil {
		return nil, nil, err
	}
	var out []Related
	var warns []string
	add := func(g Group, u string) {
		if f.cfg.Exclude[g] || u == "" {
			return
		}
		// The links come from the site's JSON: one on another host (or
		// outside the install) is not this site's page, and piped into
		// purge it could purge another zone's URL. Left out and said.
		if lu, err := url.Parse(u); err != nil || !holds(s.home, lu) {
			warns = append(warns, fmt.Sprintf("%s: %s link %q left out: not on the site %s", raw, g, u, s.home))
			return
		}
		out = append(out, Related{URL: u, Group: g, For: raw})
	}
	pages := func(g Group, link string, n int, param string) {
		if f.cfg.Exclude[g] {
			return
		}
		for i := 2; i <= n; i++ {
			add(GroupPagination, pageLink(link, i, param))
		}
	}
	add(GroupPost, p.Link)
	// A post split with <!--nextpage--> has pages link/2/ … (all of them:
	// each shows part of the post).
	if n := strings.Count(p.Content.Rendered, "<!--nextpage-->") + 1; n > 1 {
		if n > MaxPostPages {
			warns = append(warns, fmt.Sprintf("%s: %d pages (<!--nextpage-->): the first %d listed", raw, n, MaxPostPages))
			n = MaxPostPages
		}
		pages(GroupPost, p.Link, n, "page")
	}
	home := strings.TrimSuffix(s.home.String(), "/") + "/"
	add(GroupHome, home)
	pages(GroupHome, home, f.cfg.Pages, "paged")
	if kind == "posts" {
		for _, t := range []struct {
			g    Group
			rt   string
			ids  []int
			name string
		}{{GroupCategory, "wp/v2/categories", p.Categories, "category"}, {GroupTag, "wp/v2/tags", p.Tags, "tag"}} {
			if f.cfg.Exclude[t.g] {
				continue
			}
			ids := t.ids
			if len(ids) > MaxTermsPerPost {
				// Each term is a request: a post's answer must not be able
				// to make a run send millions of them.
				warns = append(warns, fmt.Sprintf("%s: %d %s ids: the first %d looked up", raw, len(ids), t.name, MaxTermsPerPost))
				ids = ids[:MaxTermsPerPost]
			}
			for _, id := range ids {
				link, err := f.link(ctx, s, t.rt, id)
				if err != nil {
					return nil, nil, fmt.Errorf("%s %d: %w", t.name, id, err)
				}
				add(t.g, link)
				pages(t.g, link, f.cfg.Pages, "paged")
				if !f.cfg.Exclude[GroupFeed] {
					add(GroupFeed, feedLink(link))
				}
			}
		}
		if !f.cfg.Exclude[GroupAuthor] && p.Author != 0 {
			link, err := f.link(ctx, s, "wp/v2/users", p.Author)
			var he *httpError
			switch {
			case errors.As(err, &he) && (he.status == 401 || he.status == 403 || he.status == 404):
				// Security plugins commonly hide users: say the author archive is left out.
				warns = append(warns, fmt.Sprintf("%s: author archive left out: %s answers %d (users hidden from the REST API)", raw, s.route(fmt.Sprintf("wp/v2/users/%d", p.Author), nil), he.status))
			case err != nil:
				return nil, nil, fmt.Errorf("author %d: %w", p.Author, err)
			default:
				add(GroupAuthor, link)
				pages(GroupAuthor, link, f.cfg.Pages, "paged")
				if !f.cfg.Exclude[GroupFeed] {
					add(GroupFeed, feedLink(link))
				}
			}
		}
		if !f.cfg.Exclude[GroupDate] {
			for _, d := range dateLinks(home, p.Date, strings.Contains(p.Link, "?")) {
				add(GroupDate, d)
			}
		}
	}
	add(GroupFeed, feedLink(home))
	return out, warns, nil
}

type httpError struct {
	url    string
	status int
}

func (e *httpError) Error() string { return fmt.Sprintf("%s answers %d", e.url, e.status) }

// findPost looks the URL up as a post, then as a page: by id for plain
// permalinks (?p=N, ?page_id=N), else by the slug (the last path segment),
// keeping the match whose link is the URL (slugs repeat under parents).
func (f *finder) findPost(ctx context.Context, s *site, pu *url.URL) (post, string, error) {
	q := pu.Query()
	if id := q.Get("p"); id != "" {
		return f.postByID(ctx, s, "posts", id)
	}
	if id := q.Get("page_id"); id != "" {
		return f.postByID(ctx, s, "pages", id)
	}
	rel := strings.TrimPrefix(pu.Path, strings.TrimSuffix(s.home.Path, "/"))
	segs := strings.Split(strings.Trim(rel, "/"), "/")
	slug := segs[len(segs)-1]
	if slug == "" {
		return post{}, "", fmt.Errorf("the home page is not a post: give a post or page URL")
	}
	for _, kind := range []string{"posts", "pages"} {
		u := s.route("wp/v2/"+kind, url.Values{"slug": {slug}})
		a, err := f.get(ctx, u)
		if err != nil {
			return post{}, "", err
		}
		if err := okJSON(a, u); err != nil {
			return post{}, "", err
		}
		var ps []post
		if err := json.Unmarshal(a.body, &ps); err != nil {
			return post{}, "", fmt.Errorf("%s: %v", u, err)
		}
		for _, p := range ps {
			if lu, err := url.Parse(p.Link); err == nil && samePath(lu.Path, pu.Path) {
				return p, kind, nil
			}
		}
	}
	return post{}, "", fmt.Errorf("no published post or page has this URL (slug %q)", slug)
}

func samePath(a, b string) bool { return strings.TrimSuffix(a, "/") == strings.TrimSuffix(b, "/") }

func (f *finder) postByID(ctx context.Context, s *site, kind, id string) (post, string, error) {
	if _, err := strconv.Atoi(id); err != nil {
		return post{}, "", fmt.Errorf("id %q is not a number", id)
	}
	u := s.route("wp/v2/"+kind+"/"+id, nil)
	a, err := f.get(ctx, u)
	if err != nil {
		return post{}, "", err
	}
	if a.status == 404 {
		return post{}, "", fmt.Errorf("no published %s with id %s", strings.TrimSuffix(kind, "s"), id)
	}
	if err := okJSON(a, u); err != nil {
		return post{}, "", err
	}
	var p post
	if err := json.Unmarshal(a.body, &p); err != nil {
		return post{}, "", fmt.Errorf("%s: %v", u, err)
	}
	return p, kind, nil
}

func okJSON(a answer, u string) error {
	if a.status != 200 {
		return &httpError{url: u, status: a.status}
	}
	if !a.json {
		return fmt.Errorf("%s answers HTML, not JSON", u)
	}
	return nil
}

// link reads the link of a term or user once per run.
func (f *finder) link(ctx context.Context, s *site, route string, id int) (string, error) {
	u := s.route(fmt.Sprintf("%s/%d", route, id), nil)
	f.mu.Lock()
	c, ok := f.links[u]
	if !ok {
		c = &linkCall{done: make(chan struct{})}
		f.links[u] = c
	}
	f.mu.Unlock()
	if ok {
		<-c.done
		return c.link, c.err
	}
	defer close(c.done)
	a, err := f.get(ctx, u)
	if err != nil {
		c.err = err
		return "", err
	}
	if c.err = okJSON(a, u); c.err != nil {
		return "", c.err
	}
	var obj struct {
		Link string `json:"link"`
	}
	if err := json.Unmarshal(a.body, &obj); err != nil || obj.Link == "" {
		c.err = fmt.Errorf("%s: no link", u)
		return "", c.err
	}
	c.link = obj.Link
	return c.link, nil
}

// pageLink is page n of link: link/page/n/ (a post's own pages: link/n/),
// or ?paged=n / ?page=n under plain permalinks, as WordPress builds them.
func pageLink(link string, n int, param string) string {
	if strings.Contains(link, "?") {
		return link + "&" + param + "=" + strconv.Itoa(n)
	}
	base := strings.TrimSuffix(link, "/") + "/"
	if param == "page" {
		return base + strconv.Itoa(n) + "/"
	}
	return base + "page/" + strconv.Itoa(n) + "/"
}

// feedLink is the RSS feed of an archive: link/feed/, or &feed=rss2 under
// plain permalinks.
func feedLink(link string) string {
	if strings.Contains(link, "?") {
		return link + "&feed=rss2"
	}
	if u, err := url.Parse(link); err == nil && u.RawQuery == "" && strings.HasSuffix(link, "/") {
		return link + "feed/"
	}
	return strings.TrimSuffix(link, "/") + "/feed/"
}

// dateLinks are the year, month and day archives of a post's date
// (2024-05-17T10:00:00): home/2024/, /2024/05/, /2024/05/17/, or ?m=…
// under plain permalinks. WordPress builds these from the date; the REST
// API has no link for them.
func dateLinks(home, date string, plain bool) []string {
	if len(date) < 10 {
		return nil
	}
	y, m, d := date[0:4], date[5:7], date[8:10]
	if plain {
		return []string{home + "?m=" + y, home + "?m=" + y + m, home + "?m=" + y + m + d}
	}
	return []string{home + y + "/", home + y + "/" + m + "/", home + y + "/" + m + "/" + d + "/"}
}

// CountByGroup counts urls by group (for summaries).
func CountByGroup(urls []Related) map[Group]int {
	out := map[Group]int{}
	for _, u := range urls {
		out[u.Group]++
	}
	return out
}
