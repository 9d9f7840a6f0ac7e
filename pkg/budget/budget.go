// Package budget keeps the purge pacing of an account (purge.Budget) in a
// file that every cfcache process on the machine shares, so that several
// runs at once on one account neither burst into each other nor starve one
// another (interface.md "Pacing is per account", issue 10). The state lives
// under $XDG_STATE_HOME/cfcache/ (default ~/.local/state/cfcache/):
//
//	purge-<account id>-<plan>.json  the account's purge buckets, the 429
//	                                pause, the learned per-request caps and
//	                                the queue of waiting callers
//	api-<token key>.json            the token's whole-API window (1,200
//	                                calls / 5 min) and Ratelimit budget
//
// Every operation is lock → read → apply purge.Pace (the same pure pacing
// the in-memory budget applies) → write → unlock, with flock(2) through
// github.com/gofrs/flock. A state that cannot be read, parsed or written
// never fails a purge: the Registry warns once and falls back to memory.
package budget

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gofrs/flock"

	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/purge"
)

// Dir is the state directory: $XDG_STATE_HOME/cfcache, else
// $HOME/.local/state/cfcache, read through env so tests and the Factory
// choose it.
func Dir(env func(string) (string, bool)) (string, error) {
	if dir, ok := env("XDG_STATE_HOME"); ok && dir != "" {
		return filepath.Join(dir, "cfcache"), nil
	}
	if home, ok := env("HOME"); ok && home != "" {
		return filepath.Join(home, ".local", "state", "cfcache"), nil
	}
	return "", errors.New("neither XDG_STATE_HOME nor HOME is set")
}

// TokenKey names a credential's API window in file names: the first 16 hex
// digits (64 bits) of its SHA-256. This is safe to write down: SHA-256 is
// one-way, and an API token or key is a long random secret, so its hash
// cannot be turned back into it or guessed from it; the key only tells two
// credentials apart, which 64 bits do on one machine. The credential itself
// is never stored, logged or put in an error.
func TokenKey(credential string) string {
	sum := sha256.Sum256([]byte(credential))
	return hex.EncodeToString(sum[:8])
}

// Registry hands out the Budgets of one credential: one per (account,
// plan), backed by files in Dir, or by memory when Dir is "" or unusable.
type Registry struct {
	dir       string
	token     string // TokenKey of the credential
	tolerance time.Duration
	warnOut   io.Writer

	mu       sync.Mutex
	warned   bool
	fallback bool
	budgets  map[string]*Budget
	mem      map[string]*purge.MemoryBudget // in-memory fallbacks, by file name
	memRoot  *purge.MemoryBudget            // holds their shared API window
}

// Options configure a Registry.
type Options struct {
	// Dir holds the state files; "" keeps every budget in memory.
	Dir string
	// Credential is the API token (or key and email) whose window the
	// budgets count in; only its TokenKey is kept.
	Credential string
	// Tolerance is the network jitter the pacing absorbs; 0 means
	// purge.DefaultJitterTolerance.
	Tolerance time.Duration
	// Warnings receives the one warning about an unusable state (nil:
	// none).
	Warnings io.Writer
}

// NewRegistry returns a Registry. It touches no file until a budget is used.
func NewRegistry(o Options) *Registry {
	if o.Tolerance <= 0 {
		o.Tolerance = purge.DefaultJitterTolerance
	}
	return &Registry{dir: o.Dir, token: TokenKey(o.Credential), tolerance: o.Tolerance, warnOut: o.Warnings,
		budgets: map[string]*Budget{}, mem: map[string]*purge.MemoryBudget{}}
}

// For returns the budget of an account on a plan: the same one for every
// zone of the account, so their runs share it.
func (r *Registry) For(accountID string, plan limits.Plan, l limits.Limits) (purge.Budget, error) {
	return r.budget(accountID, plan, l)
}

func (r *Registry) budget(accountID string, plan limits.Plan, l limits.Limits) (*Budget, error) {
	if accountID == "" {
		return nil, errors.New("budget: no account id")
	}
	name := "purge-" + safeName(accountID) + "-" + safeName(string(plan)) + ".json"
	r.mu.Lock()
	defer r.mu.Unlock()
	if b := r.budgets[name]; b != nil {
		b.setLimits(l)
		return b, nil
	}
	b := &Budget{reg: r, name: name, limits: l}
	if r.dir != "" {
		b.purge = newStateFile(filepath.Join(r.dir, name))
	}
	b.api = r.apiFile()
	r.budgets[name] = b
	return b, nil
}

// LearnedBatchSize is the per-request cap learned for an account's kind of
// purge (0 when none): what a dry run estimates with (purge.Estimate's
// batchSize).
func (r *Registry) LearnedBatchSize(accountID string, plan limits.Plan, l limits.Limits, kind purge.Kind) int {
	b, err := r.budget(accountID, plan, l)
	if err != nil {
		return 0
	}
	return b.BatchSize(kind).Size
}

func (r *Registry) apiFile() *stateFile {
	if r.dir == "" {
		return nil
	}
	return newStateFile(filepath.Join(r.dir, "api-"+r.token+".json"))
}

// memFor is the in-memory budget that stands in for a file; shared by every
// Budget of the name, so zones of one account still share one.
func (r *Registry) memFor(name string, l limits.Limits) *purge.MemoryBudget {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.mem[name]
	if m == nil {
		// One API window for every budget of the token, as in the file.
		if r.memRoot == nil {
			r.memRoot = purge.NewBudget(l, r.tolerance)
		}
		m = r.memRoot.Sibling(l)
		r.mem[name] = m
	}
	return m
}

// fail switches to memory after a state error, warning once per Registry.
func (r *Registry) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fallback = true
	if !r.warned && r.warnOut != nil {
		r.warned = true
		fmt.Fprintf(r.warnOut, "warning: the shared purge budget is unusable (%v); pacing this process alone\n", err)
	}
}

func (r *Registry) failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fallback
}

// safeName keeps a file-name component to letters, digits, '-' and '_'.
func safeName(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
			b.WriteRune(c)
		default:
			fmt.Fprintf(&b, "%%%02x", c)
		}
	}
	return b.String()
}

// stateFile is one JSON state under a flock(2). Its mutex serialises the
// goroutines of this process, which gofrs/flock does not: a second Lock on
// the same Flock returns at once.
type stateFile struct {
	mu   sync.Mutex
	path string
	lock *flock.Flock
	f    *os.File
}

func newStateFile(path string) *stateFile {
	return &stateFile{path: path, lock: flock.New(path+".lock", flock.SetFlag(os.O_CREATE|os.O_RDWR), flock.SetPermissions(0o600))}
}

// acquire locks the file (this process's goroutines, then other processes)
// and returns its content.
func (s *stateFile) acquire() ([]byte, error) {
	s.mu.Lock()
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if err := s.lock.Lock(); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if s.f == nil {
		f, err := os.OpenFile(s.path, os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			s.release()
			return nil, err
		}
		s.f = f
	}
	fi, err := s.f.Stat()
	if err != nil {
		s.release()
		return nil, err
	}
	buf := make([]byte, fi.Size())
	if _, err := s.f.ReadAt(buf, 0); err != nil && !errors.Is(err, io.EOF) {
		s.release()
		return nil, err
	}
	return buf, nil
}

// store writes data in place (the lock, not a rename, keeps readers
// consistent) and shortens the file to it. Not a rename of a temporary
// file: ext4 flushes the data of a file replaced by rename (auto_da_alloc),
// which measured 0.6–1.1 ms a take against 45 µs in place. The state is
// pacing, not the user's data: a process killed mid-write leaves a torn
// file that the next reader finds corrupt, warns about once, and paces in
// memory instead (the failed files, exports and manifests of "Files cfcache
// writes" are still replaced atomically).
func (s *stateFile) store(data []byte) error {
	if _, err := s.f.WriteAt(data, 0); err != nil {
		return err
	}
	return s.f.Truncate(int64(len(data)))
}

func (s *stateFile) release() {
	_ = s.lock.Unlock()
	s.mu.Unlock()
}

func decode(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil // a new file
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("corrupt state: %w", err)
	}
	return nil
}

// The API state file is its JSON, a newline, and the send log in binary
// (purge.SendLog), the one large part, kept out of JSON to stay fast.
func encodeAPI(a *purge.APIState) ([]byte, error) {
	out, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	return a.Sends.AppendBinary(append(out, '\n'))
}

func decodeAPI(data []byte, a *purge.APIState) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	head, log, ok := bytes.Cut(data, []byte{'\n'})
	if !ok {
		return errors.New("corrupt state: no send log")
	}
	if err := decode(head, a); err != nil {
		return err
	}
	if err := a.Sends.UnmarshalBinary(log); err != nil {
		return fmt.Errorf("corrupt state: %w", err)
	}
	return nil
}

// Budget is a purge.Budget whose state is shared through files with every
// process of the machine.
type Budget struct {
	reg   *Registry
	name  string
	purge *stateFile // nil: memory only
	api   *stateFile

	lmu    sync.Mutex
	limits limits.Limits
}

var _ purge.Budget = (*Budget)(nil)

func (b *Budget) setLimits(l limits.Limits) {
	b.lmu.Lock()
	b.limits = l
	b.lmu.Unlock()
}

func (b *Budget) lim() limits.Limits {
	b.lmu.Lock()
	defer b.lmu.Unlock()
	return b.limits
}

// with runs fn on the shared states: lock the purge file, then the API file
// (always in that order, so processes cannot deadlock), read, apply, write,
// unlock. needAPI false skips the API file. It reports false when the
// files are unusable; the caller then uses memory.
func (b *Budget) with(needAPI bool, fn func(p purge.Pace)) bool {
	needPurge := b.name != apiOnly
	if b.api == nil || b.reg.failed() {
		return false
	}
	p := purge.Pace{Purge: &purge.PurgeState{}, API: &purge.APIState{}, Limits: b.lim(), Tolerance: b.reg.tolerance}
	if needPurge {
		data, err := b.purge.acquire()
		if err != nil {
			b.reg.fail(err)
			return false
		}
		defer b.purge.release()
		if err := decode(data, p.Purge); err != nil {
			b.reg.fail(err)
			// Start the file afresh so that later processes share it
			// again; this one paces in memory (it warned once).
			_ = b.purge.store(nil)
			return false
		}
	}
	if needAPI {
		adata, err := b.api.acquire()
		if err != nil {
			b.reg.fail(err)
			return false
		}
		defer b.api.release()
		if err := decodeAPI(adata, p.API); err != nil {
			b.reg.fail(err)
			_ = b.api.store(nil)
			return false
		}
	}
	fn(p)
	var err error
	var out []byte
	if needPurge {
		if out, err = json.Marshal(p.Purge); err == nil {
			err = b.purge.store(out)
		}
	}
	if err == nil && needAPI {
		if out, err = encodeAPI(p.API); err == nil {
			err = b.api.store(out)
		}
	}
	if err != nil {
		b.reg.fail(err)
		return false
	}
	return true
}

// apiOnly names the Budget that only counts calls in the token's window.
const apiOnly = "api"

// counter is the token's window alone, for Transport.
func (r *Registry) counter(l limits.Limits) *Budget {
	r.mu.Lock()
	defer r.mu.Unlock()
	if b := r.budgets[apiOnly]; b != nil {
		return b
	}
	b := &Budget{reg: r, name: apiOnly, limits: l, api: r.apiFile()}
	r.budgets[apiOnly] = b
	return b
}

func (b *Budget) mem() *purge.MemoryBudget { return b.reg.memFor(b.name, b.lim()) }

func (b *Budget) TryTake(now time.Time, t purge.Take) (ok bool, w purge.Wait) {
	if b.with(true, func(p purge.Pace) { ok, w = p.TryTake(now, t) }) {
		return ok, w
	}
	return b.mem().TryTake(now, t)
}

func (b *Budget) Answered(now time.Time, a purge.Answer) {
	if !b.with(true, func(p purge.Pace) { p.Apply(now, a) }) {
		b.mem().Answered(now, a)
	}
}

// CapTTL is how long a learned per-request cap is kept without being
// confirmed by a run: after it, the next run probes the documented size
// again (one refused request at most), so a cap Cloudflare has raised, or
// one lowered by a misread answer, does not stay forever.
const CapTTL = 7 * 24 * time.Hour

// now is the wall clock of the state files (tests replace it).
var now = time.Now

func (b *Budget) BatchSize(kind purge.Kind) (c purge.Cap) {
	if b.with(false, func(p purge.Pace) {
		if c = p.BatchSize(kind); !c.Learned.IsZero() && now().Sub(c.Learned) > CapTTL {
			p.ForgetBatchSize(kind)
			c = purge.Cap{}
		}
	}) {
		return c
	}
	return b.mem().BatchSize(kind)
}

func (b *Budget) LearnBatchSize(kind purge.Kind, c purge.Cap) {
	c.Learned = now()
	if !b.with(false, func(p purge.Pace) { p.LearnBatchSize(kind, c) }) {
		b.mem().LearnBatchSize(kind, c)
	}
}

func (b *Budget) Leave(caller string) {
	if !b.with(false, func(p purge.Pace) { p.Leave(caller) }) {
		b.mem().Leave(caller)
	}
}

// TryCount counts an API call that is not a purge in the token's window.
func (b *Budget) TryCount(now time.Time) (ok bool, at time.Time) {
	if b.with(true, func(p purge.Pace) { ok, at = p.TryCount(now) }) {
		return ok, at
	}
	return b.mem().TryCount(now)
}
