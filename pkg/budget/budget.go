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
// the in-memory budget applies) → write → unlock, with flock(2) on a lock
// file beside the state (LockFileEx through github.com/gofrs/flock on
// Windows). A state that cannot be read or written never
// fails a command: the Registry warns once and falls back to memory. A file
// that does not parse (a process killed mid-write) is renamed aside and
// started afresh, so the processes keep sharing the state. The directory
// must be the user's and not writable by others, and no state or lock file
// is opened through a symbolic link (review of issue 10, findings 1 and 7).
package budget

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

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
	warn      func(format string, args ...any)

	dirOnce sync.Once
	dirErr  error

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
	// Warn prints the one warning about an unusable state, and those
	// about a state started afresh (nil: none); the Factory passes
	// iostreams' Warn, which -q silences.
	Warn func(format string, args ...any)
}

// NewRegistry returns a Registry. It touches no file until a budget is used.
func NewRegistry(o Options) *Registry {
	if o.Tolerance <= 0 {
		o.Tolerance = purge.DefaultJitterTolerance
	}
	return &Registry{dir: o.Dir, token: TokenKey(o.Credential), tolerance: o.Tolerance, warn: o.Warn,
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

// SmallestLearnedBatchSize is the smallest per-request cap learned for
// kind on plan by any account (or zone) whose state this machine keeps, 0
// when none: what a dry run that knows no account estimates with (review
// of issue 10, finding 13), since the cap is the server's and the same
// plan's accounts have met the same one. It creates no file or directory.
func (r *Registry) SmallestLearnedBatchSize(plan limits.Plan, l limits.Limits, kind purge.Kind) int {
	if r.dir == "" {
		return 0
	}
	if _, err := os.Stat(r.dir); err != nil {
		return 0
	}
	suffix := "-" + safeName(string(plan)) + ".json"
	names, _ := filepath.Glob(filepath.Join(r.dir, "purge-*"+suffix))
	smallest := 0
	for _, path := range names {
		account := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(path), "purge-"), suffix)
		if account == "" || safeName(account) != account {
			continue // not a name this package writes
		}
		if n := r.LearnedBatchSize(account, plan, l, kind); n > 0 && (smallest == 0 || n < smallest) {
			smallest = n
		}
	}
	return smallest
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
// The warning says what is lost, in the words of the command: a purge's
// pacing, or for any other command the count of its API calls.
func (r *Registry) fail(err error, purging bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fallback = true
	if !r.warned && r.warn != nil {
		r.warned = true
		alone := "counting this process's API calls alone"
		if purging {
			alone = "pacing this process's purges alone"
		}
		r.warn("the rate-limit state shared with other cfcache processes is unusable (%v); %s", err, alone)
	}
}

// checkDir makes the state directory and checks, once, that it is safe to
// keep state in: a directory (links to one are followed), this user's,
// not writable by group or others. A directory already there is one stat,
// not MkdirAll's and then this one.
func (r *Registry) checkDir() error {
	r.dirOnce.Do(func() {
		fi, err := os.Stat(r.dir)
		if err != nil || !fi.IsDir() {
			if err := os.MkdirAll(r.dir, 0o700); err != nil {
				r.dirErr = err // its words, as when it ran first
				return
			}
			fi, err = os.Stat(r.dir)
		}
		switch {
		case err != nil:
			r.dirErr = err
		case !fi.IsDir():
			r.dirErr = fmt.Errorf("%s is not a directory", r.dir)
		default:
			r.dirErr = checkDirOwner(r.dir, fi)
		}
	})
	return r.dirErr
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

// stateFile is one state under a file lock. Its mutex serialises the
// goroutines of this process, which the lock does not: flock(2) is held
// by the open file, which they share.
type stateFile struct {
	mu   sync.Mutex
	path string
	lock locker
	f    *os.File
	fi   os.FileInfo // f's when opened, to tell whether path still names it
	size int64       // f's length when last read or written, under the lock
}

// locker is the lock of one state file (newFileLock, lock_*.go).
type locker interface {
	Lock() error
	Unlock() error
}

func newStateFile(path string) *stateFile {
	return &stateFile{path: path, lock: newFileLock(path + ".lock")}
}

// acquire locks the file (this process's goroutines, then other processes)
// and returns its content. The file is reopened when the one at path is no
// longer the one open (another process renamed a bad one aside).
func (s *stateFile) acquire() ([]byte, error) {
	s.mu.Lock()
	if err := s.lock.Lock(); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	fi := s.fi
	if s.f != nil {
		// Still the file at path, its size is the one lstat gives (every
		// writer holds the lock): no fstat of the open file.
		cur, err := os.Lstat(s.path)
		if err != nil || !os.SameFile(s.fi, cur) {
			s.f.Close()
			s.f = nil
		} else {
			fi = cur
		}
	}
	if s.f == nil {
		if err := s.open(); err != nil {
			s.release()
			return nil, err
		}
		fi = s.fi
	}
	buf := make([]byte, fi.Size())
	if _, err := s.f.ReadAt(buf, 0); err != nil && !errors.Is(err, io.EOF) {
		s.release()
		return nil, err
	}
	s.size = fi.Size()
	return buf, nil
}

// open opens the state file, never through a symbolic link, and only if it
// is a regular file (not a FIFO or a device planted there).
func (s *stateFile) open() error {
	f, err := os.OpenFile(s.path, os.O_CREATE|os.O_RDWR|noFollow, 0o600)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		f.Close()
		if err == nil {
			err = fmt.Errorf("%s is not a regular file", s.path)
		}
		return err
	}
	s.f, s.fi = f, fi
	return nil
}

// setAside renames a state that does not parse to PATH.corrupt (for a look
// later; never truncated, so no byte of it is lost) and starts a new file at
// PATH, which the processes go on sharing. Called with the lock held.
func (s *stateFile) setAside() (string, error) {
	aside := s.path + ".corrupt"
	if err := os.Rename(s.path, aside); err != nil {
		return "", err
	}
	s.f.Close()
	s.f = nil
	s.size = math.MaxInt64 // unknown: the next store truncates
	return aside, s.open()
}

// store writes data in place (the lock, not a rename, keeps readers
// consistent) and then shortens the file to it. Not a rename of a temporary
// file: ext4 flushes the data of a file replaced by rename (auto_da_alloc),
// which measured 0.6–1.1 ms a take against 45 µs in place. A process killed
// between the write and the truncation leaves the old state's tail after
// the new one: the decoders read one JSON value and the send log's stated
// length, and ignore what follows. One killed mid-write leaves a torn file
// that setAside moves away (the failed files, exports and manifests of
// "Files cfcache writes" are still replaced atomically).
//
// A state no shorter than the one read leaves no tail, and is not
// truncated: one system call fewer in each of the two takes of every API
// call (docs/performance.md, "Against start-up").
func (s *stateFile) store(data []byte) error {
	if _, err := s.f.WriteAt(data, 0); err != nil {
		return err
	}
	if int64(len(data)) >= s.size {
		s.size = int64(len(data))
		return nil
	}
	if err := s.f.Truncate(int64(len(data))); err != nil {
		return err
	}
	s.size = int64(len(data))
	return nil
}

func (s *stateFile) release() {
	_ = s.lock.Unlock()
	s.mu.Unlock()
}

// decode reads the JSON value data starts with; bytes after it (the tail
// of a longer state a killed process did not truncate) are ignored.
func decode(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil // a new file
	}
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(v); err != nil {
		return fmt.Errorf("corrupt state: %w", err)
	}
	return nil
}

// apiHead is the JSON part of the API state file, with the length of the
// send log that follows it.
type apiHead struct {
	*purge.APIState
	LogBytes *int `json:"log_bytes,omitempty"`
}

// The API state file is its JSON, a newline, and the send log in binary
// (purge.SendLog), the one large part, kept out of JSON to stay fast.
func encodeAPI(a *purge.APIState) ([]byte, error) {
	log, err := a.Sends.AppendBinary(nil)
	if err != nil {
		return nil, err
	}
	n := len(log)
	out, ok := appendAPIHead(make([]byte, 0, 256+n), a, n)
	if !ok {
		if out, err = json.Marshal(apiHead{APIState: a, LogBytes: &n}); err != nil {
			return nil, err
		}
	}
	return append(append(out, '\n'), log...), nil
}

func decodeAPI(data []byte, a *purge.APIState) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	end, logBytes, ok := readAPIHead(data, a) // apihead.go
	if !ok {
		*a = purge.APIState{}
		head := apiHead{APIState: a}
		dec := json.NewDecoder(bytes.NewReader(data))
		if err := dec.Decode(&head); err != nil {
			return fmt.Errorf("corrupt state: %w", err)
		}
		end, logBytes = int(dec.InputOffset()), head.LogBytes
	}
	rest := data[end:]
	if len(rest) == 0 || rest[0] != '\n' {
		return errors.New("corrupt state: no send log")
	}
	log := rest[1:]
	if n := logBytes; n != nil {
		if *n < 0 || *n > len(log) {
			return errors.New("corrupt state: short send log")
		}
		log = log[:*n]
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
// files are unusable (an I/O error, an unsafe directory); the caller then
// uses memory. A file that does not parse is set aside and started afresh.
func (b *Budget) with(needAPI bool, fn func(p purge.Pace)) bool {
	needPurge := b.name != apiOnly
	if b.api == nil || b.reg.failed() {
		return false
	}
	if err := b.reg.checkDir(); err != nil {
		b.reg.fail(err, needPurge)
		return false
	}
	p := purge.Pace{Purge: &purge.PurgeState{}, API: &purge.APIState{}, Limits: b.lim(), Tolerance: b.reg.tolerance}
	load := func(s *stateFile, dec func([]byte) error) bool {
		data, err := s.acquire()
		if err != nil {
			b.reg.fail(err, needPurge)
			return false
		}
		if err := dec(data); err != nil {
			aside, rerr := s.setAside()
			if rerr != nil {
				s.release()
				b.reg.fail(rerr, needPurge)
				return false
			}
			if b.reg.warn != nil {
				b.reg.warn("the rate-limit state %s could not be read (%v): moved to %s, starting afresh", s.path, err, aside)
			}
		}
		return true
	}
	if needPurge {
		if !load(b.purge, func(d []byte) error { *p.Purge = purge.PurgeState{}; return decode(d, p.Purge) }) {
			return false
		}
		defer b.purge.release()
	}
	if needAPI {
		if !load(b.api, func(d []byte) error { *p.API = purge.APIState{}; return decodeAPI(d, p.API) }) {
			return false
		}
		defer b.api.release()
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
		b.reg.fail(err, needPurge)
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
