package shared

import (
	"context"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/cfcache/cfcache/pkg/fileout"
	"github.com/cfcache/cfcache/pkg/purge"
)

// ReasonPending heads the items of a failed file written while the run was
// still going: what a killed run leaves behind.
const ReasonPending = "not confirmed yet: the run was still going when this was written (resume with -f)"

// Rewrites of the failed file during a run are paced so they cost at most
// about 1/failedFileBudget of the run's time: after a rewrite that took d,
// the next one waits max(failedFileMinEvery, failedFileBudget×d). Writing
// 100,000 URLs takes a few tens of milliseconds, so the file is at most a
// few seconds behind the confirmations, and a kill loses no item: the file
// only ever lists too many (see docs/performance.md for the figures).
const (
	failedFileMinEvery = time.Second
	failedFileBudget   = 50 // ⇒ ≤ 2 % of the time
)

// failedFile keeps --failed-file a superset of the entries not yet confirmed
// at every moment (contract, "Files cfcache writes"): it is written with
// every entry before the first request, rewritten atomically (temp file and
// rename, through fileout) as confirmations come in, and at the end holds
// exactly the failures.
//
// A FIFO or device has no atomic rewrite (a reader would see every version
// one after the other), so it is written once, at the end.
type failedFile struct {
	target  *fileout.Target
	header  purge.FailedHeader // kind, and how to retry (mode, environment)
	entries []purge.Entry
	// minEvery is the shortest time between rewrites: failedFileMinEvery,
	// which a test shortens so that a short run rewrites while it goes.
	minEvery time.Duration

	mu    sync.Mutex
	done  []bool // per entry: confirmed purged
	dirty bool   // confirmations since the last write

	quit     chan struct{}
	finished chan struct{}
	stopOnce sync.Once
}

// startFailedFile writes every entry to the target (regular files only) and
// starts the background rewrites, at most one every minEvery (0 means
// failedFileMinEvery). The first write failing means nothing may be sent.
func startFailedFile(t *fileout.Target, header purge.FailedHeader, entries []purge.Entry, minEvery time.Duration) (*failedFile, error) {
	if minEvery <= 0 {
		minEvery = failedFileMinEvery
	}
	f := &failedFile{target: t, header: header, entries: entries, done: make([]bool, len(entries)),
		minEvery: minEvery, quit: make(chan struct{}), finished: make(chan struct{})}
	if !t.Atomic() {
		close(f.finished)
		return f, nil
	}
	if err := f.writePending(true); err != nil {
		return nil, err
	}
	go f.loop()
	return f, nil
}

// confirmed is purge.RunConfig.OnConfirmed: it only marks, the writes
// happen on loop's goroutine, so sending is never held up by the disk.
func (f *failedFile) confirmed(idx []int) {
	f.mu.Lock()
	for _, i := range idx {
		f.done[i] = true
	}
	f.dirty = true
	f.mu.Unlock()
}

func (f *failedFile) loop() {
	defer close(f.finished)
	wait := f.minEvery
	for {
		t := time.NewTimer(wait)
		select {
		case <-f.quit:
			t.Stop()
			return
		case <-t.C:
		}
		start := time.Now()
		// A failed rewrite keeps the previous file, still a superset: the
		// final write reports any error that matters.
		_ = f.writePending(false)
		wait = max(f.minEvery, failedFileBudget*time.Since(start))
	}
}

// writePending writes the entries not yet confirmed, when any were
// confirmed since the last write (or always, with force).
func (f *failedFile) writePending(force bool) error {
	f.mu.Lock()
	if !f.dirty && !force {
		f.mu.Unlock()
		return nil
	}
	f.dirty = false
	// A copy of the marks, not of the entries: the file is written from it
	// outside the lock, and a run of 100,000 URLs copies 100 KB a rewrite
	// instead of building 100,000 failures.
	done := slices.Clone(f.done)
	f.mu.Unlock()
	n := 0
	for _, d := range done {
		if !d {
			n++
		}
	}
	pending := func(yield func(purge.Failure) bool) {
		for i, d := range done {
			if !d && !yield(purge.Failure{Entry: f.entries[i], Reason: ReasonPending}) {
				return
			}
		}
	}
	// Regular files only (see failedFile): nothing to wait for, so no
	// context to honour.
	return f.target.Write(context.Background(), func(w io.Writer) error { return f.header.WriteSeq(w, n, pending) })
}

// stop ends the background rewrites and waits for one in progress, so none
// lands after the final write.
func (f *failedFile) stop() {
	f.stopOnce.Do(func() { close(f.quit) })
	<-f.finished
}

// commit writes the final failures: exactly the entries not purged. A FIFO
// nobody reads is waited for until ctx is done (Ctrl-C): the failures are
// then listed on stderr instead, and the command exits 130.
func (f *failedFile) commit(ctx context.Context, failed []purge.Failure) error {
	f.stop()
	return f.target.Write(ctx, func(w io.Writer) error { return f.header.WriteSeq(w, len(failed), slices.Values(failed)) })
}
