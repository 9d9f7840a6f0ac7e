package warm

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of a warm run.
const (
	DefaultConcurrency = 8
	DefaultTimeout     = 30 * time.Second
)

// Target is one request to make: a URL as one device.
type Target struct {
	URL    string
	Device Device
	// Header holds extra request headers (a purged variant's Accept-Language
	// or custom cache-key header). Nil for a plain warm.
	Header http.Header
}

// Result is what one request found. Status 0 means no answer (Error says
// why).
type Result struct {
	URL         string `json:"url"`
	Device      Device `json:"device"`
	Status      int    `json:"status"`
	CacheStatus string `json:"cache_status"`
	Age         int    `json:"age"`
	Colo        string `json:"colo"`
	MS          int64  `json:"ms"`
	Location    string `json:"location,omitempty"`
	Error       string `json:"error,omitempty"`

	// At is when the response headers arrived (for --verify's age check).
	At time.Time `json:"-"`
}

// Failed reports whether the request got no usable answer: a network error
// or timeout, or a 5xx from Cloudflare or the origin.
func (r Result) Failed() bool { return r.Status == 0 || r.Status >= 500 }

// Unanswered reports whether the request says nothing about Cloudflare's
// cache: no answer at all (connection refused, timeout, DNS failure), or a
// 5xx that did not come through the cache (no CF-Cache-Status: the origin or
// something in front of it failed). A 5xx with a cache status is still an
// answer about the cache (a MISS went to the origin; a HIT was served from
// the cache). --verify counts these as unverified (issue 9, #12).
func (r Result) Unanswered() bool {
	return r.Status == 0 || (r.Status >= 500 && r.CacheStatus == "NONE")
}

// Reason says why a request failed: its error, or its HTTP status.
func (r Result) Reason() string {
	if r.Error != "" {
		return r.Error
	}
	return "HTTP " + strconv.Itoa(r.Status)
}

// Config is a warm run's settings.
type Config struct {
	// Client makes the requests. Its CheckRedirect is replaced unless
	// FollowRedirects, so a 3xx is reported rather than followed (warming
	// the redirect target under the source's name would hide the redirect).
	Client          *http.Client
	FollowRedirects bool
	// Head sends HEAD instead of GET. Cloudflare fetches the full object
	// from the origin on a HEAD miss too, so HEAD warms without
	// downloading bodies.
	Head bool
	// Concurrency bounds requests in flight (default DefaultConcurrency).
	Concurrency int
	// Rate bounds requests started per second; 0 means unbounded.
	Rate float64
	// Timeout bounds one request, body included (default DefaultTimeout).
	Timeout time.Duration
	// OnResult is called after each request, from the worker goroutines,
	// one call at a time.
	OnResult func(Result)
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// Outcome is a run's results, in target order, and whether it was cut short.
// On interruption only the requests that finished are listed.
type Outcome struct {
	Results     []Result
	Interrupted bool
	Duration    time.Duration
}

// Stats is what a streamed run keeps: counts, not results.
type Stats struct {
	Done        int
	Interrupted bool
	Duration    time.Duration
}

// TargetList is the requests of a run, produced on demand: a warm of N
// URLs on D devices does not hold N×D Targets (issue 9, #16: memory must not
// grow with the number of URLs beyond the URLs themselves).
type TargetList interface {
	Len() int
	At(i int) Target
}

// List is a TargetList held in memory.
type List []Target

func (l List) Len() int        { return len(l) }
func (l List) At(i int) Target { return l[i] }

// Run requests every target once, at most Concurrency at a time and Rate per
// second, and returns the results in target order. When ctx is cancelled no
// request starts and those in flight are abandoned; what finished is
// returned. It holds every result: for runs of any size use Stream.
func Run(ctx context.Context, cfg Config, targets []Target) Outcome {
	results := make([]Result, len(targets))
	done := make([]bool, len(targets))
	st := Stream(ctx, cfg, List(targets), func(i int, r Result) { results[i], done[i] = r, true })
	out := Outcome{Interrupted: st.Interrupted, Duration: st.Duration}
	out.Results = results[:0]
	for i, ok := range done {
		if ok {
			out.Results = append(out.Results, results[i])
		}
	}
	return out
}

// Stream is Run without keeping results: each is handed to each (with its
// target's index) as it arrives, in completion order, from the worker
// goroutines, one call at a time, so each needs no lock of its own. A
// request abandoned on cancellation is not a result and is not handed over.
func Stream(ctx context.Context, cfg Config, targets TargetList, each func(i int, r Result)) Stats {
	n := targets.Len()
	var next atomic.Int64
	return work(ctx, cfg, n, func() (int, Target, bool) {
		i := int(next.Add(1) - 1)
		if i >= n {
			return 0, Target{}, false
		}
		return i, targets.At(i), true
	}, each)
}

// Job is one request of a run fed while its input is read (Feed): the
// target, and the index of its URL among the URLs kept (0, 1, 2, … in the
// order they were read), which Summarizer.Add takes.
type Job struct {
	Target   Target
	URLIndex int
}

// StreamJobs is Stream over targets that arrive on jobs while they are
// being read, until jobs is closed or ctx is cancelled; each gets the job's
// URLIndex. Concurrency workers wait on the channel, so warming starts with
// the first URL read (issue 9, #16).
func StreamJobs(ctx context.Context, cfg Config, jobs <-chan Job, each func(urlIndex int, r Result)) Stats {
	return work(ctx, cfg, -1, func() (int, Target, bool) {
		select {
		case j, ok := <-jobs:
			return j.URLIndex, j.Target, ok
		case <-ctx.Done():
			return 0, Target{}, false
		}
	}, each)
}

// work runs the worker pool: at most Concurrency workers (n of them when n
// targets are known, n >= 0), each taking targets from next until it says
// there are no more.
func work(ctx context.Context, cfg Config, n int, next func() (int, Target, bool), each func(int, Result)) Stats {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	client := cfg.Client
	if client == nil {
		client = http.DefaultClient
	}
	if !cfg.FollowRedirects {
		c := *client
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		client = &c
	}
	start := cfg.Now()
	pace := newPacer(cfg.Rate)
	var mu sync.Mutex // serialises each and OnResult
	done := 0
	var wg sync.WaitGroup
	workers := cfg.Concurrency
	if n >= 0 {
		workers = min(workers, n)
	}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if ctx.Err() != nil {
					return
				}
				i, t, ok := next()
				if !ok || ctx.Err() != nil {
					return
				}
				if err := pace.wait(ctx); err != nil {
					return
				}
				r := fetch(ctx, client, cfg, t)
				if ctx.Err() != nil {
					return // abandoned: not a result
				}
				mu.Lock()
				done++
				if each != nil {
					each(i, r)
				}
				if cfg.OnResult != nil {
					cfg.OnResult(r)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return Stats{Done: done, Interrupted: ctx.Err() != nil, Duration: cfg.Now().Sub(start)}
}

// browserAccept is what Chrome sends for a page load; the Accept and
// Accept-Encoding a visitor sends can select the cached variant (images
// negotiated by Accept, compressed copies), so the warm request looks like
// theirs.
const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"

func fetch(ctx context.Context, client *http.Client, cfg Config, t Target) Result {
	r := Result{URL: t.URL, Device: t.Device}
	method := http.MethodGet
	if cfg.Head {
		method = http.MethodHead
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, t.URL, nil)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	for k, vs := range t.Header {
		req.Header[k] = vs
	}
	req.Header.Set("User-Agent", t.Device.UserAgent())
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", browserAccept)
	}
	if req.Header.Get("Accept-Encoding") == "" {
		// Set by hand, Go's transport leaves the body compressed, which is
		// fine: it is discarded.
		req.Header.Set("Accept-Encoding", "gzip, deflate, br, zstd")
	}
	begin := cfg.Now()
	resp, err := client.Do(req)
	if err != nil {
		r.MS = cfg.Now().Sub(begin).Milliseconds()
		r.Error = describe(err)
		return r
	}
	r.At = cfg.Now()
	r.Status = resp.StatusCode
	r.CacheStatus = CacheStatus(resp.Header)
	r.Age, _ = strconv.Atoi(strings.TrimSpace(resp.Header.Get("Age")))
	r.Colo = Colo(resp.Header.Get("CF-Ray"))
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		r.Location = resp.Header.Get("Location")
	}
	// Reading the body to the end lets the connection be reused and
	// counts the transfer in the time, as a visitor would feel it.
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	r.MS = cfg.Now().Sub(begin).Milliseconds()
	if err != nil && ctx.Err() == nil {
		r.Error = "reading the body: " + describe(err)
	} else if err != nil {
		r.Error = describe(err)
		r.Status = 0
	}
	return r
}

func describe(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	msg := err.Error()
	// url.Error repeats the method and URL, which the report already shows.
	if i := strings.LastIndex(msg, "\": "); i >= 0 {
		msg = msg[i+3:]
	}
	return msg
}

// CacheStatus normalises the CF-Cache-Status header: upper case, "NONE" when
// absent (the response did not come through Cloudflare's cache at all, or
// Cloudflare did not consider it; Cloudflare itself sends NONE/UNKNOWN for
// the latter).
func CacheStatus(h http.Header) string {
	s := strings.ToUpper(strings.TrimSpace(h.Get("CF-Cache-Status")))
	if s == "" || s == "UNKNOWN" || s == "NONE/UNKNOWN" {
		return "NONE"
	}
	return s
}

// Colo is the data centre in a CF-Ray header ("8c1a2b3c4d5e6f70-LHR" → LHR).
func Colo(ray string) string {
	if i := strings.LastIndexByte(ray, '-'); i >= 0 && i < len(ray)-1 {
		return strings.ToUpper(ray[i+1:])
	}
	return ""
}

// NotCacheable reports whether a cache status means Cloudflare will not
// cache the response as things stand: DYNAMIC (not eligible: usually no
// cache rule for HTML) or BYPASS (a rule, cookie or origin header said so).
func NotCacheable(cacheStatus string) bool {
	return cacheStatus == "DYNAMIC" || cacheStatus == "BYPASS"
}

// pacer is a token bucket of size one: requests start at most rate per
// second, evenly spaced, however many workers wait. One token, not a burst,
// because the point of --rate is to spare the origin behind the misses.
type pacer struct {
	mu       sync.Mutex
	interval time.Duration
	next     time.Time
}

func newPacer(rate float64) *pacer {
	if rate <= 0 {
		return &pacer{}
	}
	return &pacer{interval: time.Duration(float64(time.Second) / rate)}
}

// reserve returns the start time of the next request asked for at now:
// slots are one interval apart, and an idle pacer does not save up a burst.
func (p *pacer) reserve(now time.Time) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	slot := p.next
	if slot.Before(now) {
		slot = now
	}
	p.next = slot.Add(p.interval)
	return slot
}

func (p *pacer) wait(ctx context.Context) error {
	if p.interval == 0 {
		return ctx.Err()
	}
	d := time.Until(p.reserve(time.Now()))
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
