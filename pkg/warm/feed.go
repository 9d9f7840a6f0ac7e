package warm

import (
	"context"
	"sync/atomic"
	"unicode/utf8"
)

// Feed hands the URLs of a warm to the workers (StreamJobs) while its input
// is still being read: a URL read from a file or a sitemap becomes one Job
// per device on a bounded channel, so at any time only a few URLs are held,
// whatever the size of the input (issue 9, #16; docs/performance.md, Warm).
// The reader of the input calls Add for each URL and Close at its end, from
// one goroutine; the workers read Jobs.
type Feed struct {
	ctx     context.Context
	col     *Collector
	devices []Device
	jobs    chan Job
	queued  atomic.Int64
	reading atomic.Bool
	width   atomic.Int64
}

// NewFeed returns a Feed applying col to every URL and crossing the URLs
// kept with devices, URL-major so the devices of one page are warmed
// together. buffer bounds the jobs waiting for a worker (the concurrency is
// a good value: enough that a worker rarely waits on the reader).
func NewFeed(ctx context.Context, col *Collector, devices []Device, buffer int) *Feed {
	f := &Feed{ctx: ctx, col: col, devices: devices, jobs: make(chan Job, max(buffer, 1))}
	f.reading.Store(true)
	return f
}

// Add offers one URL; a URL kept is queued once per device, waiting while
// the workers are busy. It returns false once ctx is cancelled: reading
// should stop.
func (f *Feed) Add(raw string) bool {
	if f.ctx.Err() != nil {
		return false
	}
	i, kept := f.col.Add(raw)
	if !kept {
		return true
	}
	if w := int64(utf8.RuneCountInString(raw)); w > f.width.Load() {
		f.width.Store(w)
	}
	for _, d := range f.devices {
		select {
		case f.jobs <- Job{Target: Target{URL: raw, Device: d}, URLIndex: i}:
			f.queued.Add(1)
		case <-f.ctx.Done():
			return false
		}
	}
	return true
}

// Invalid counts an input item that is not a URL to warm.
func (f *Feed) Invalid() { f.col.Excluded.Invalid++ }

// Close says the input has been read whole; the workers stop once the
// queued jobs are done. Call it once, after the last Add.
func (f *Feed) Close() {
	f.reading.Store(false)
	close(f.jobs)
}

// Jobs is what the workers read.
func (f *Feed) Jobs() <-chan Job { return f.jobs }

// Queued is how many requests have been queued so far, and whether the
// input is still being read (then more may come): the progress line's total.
func (f *Feed) Queued() (n int, reading bool) {
	return int(f.queued.Load()), f.reading.Load()
}

// Width is the length in characters of the longest URL kept so far (the
// terminal table's URL column).
func (f *Feed) Width() int { return int(f.width.Load()) }
