package root

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cfcache/cfcache/pkg/cmdtest"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/sandbox"
)

// lockedBuffer is an ErrOut that a test may read while the command writes,
// and that says when a given text has appeared (the prompt was shown).
type lockedBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	watch string
	seen  chan struct{}
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.buf.Write(p)
	if b.seen != nil && strings.Contains(b.buf.String(), b.watch) {
		close(b.seen)
		b.seen = nil
	}
	return n, err
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// stallingSandbox is a sandbox whose answers on stallOn never come: the
// handler says the request arrived, then waits until the client gives up.
// The interrupt is sent only once the request is known to be in flight, so
// the test has no timing assumption.
func stallingSandbox(t *testing.T, stallOn string) (*cmdtest.Sandbox, <-chan struct{}) {
	t.Helper()
	arrived := make(chan struct{})
	var once sync.Once
	cfg := sandbox.DefaultConfig()
	cfg.Tokens[0].Value = cmdtest.Token
	sb := cmdtest.StartSandbox(t, cfg, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.URL.Path, stallOn) {
				once.Do(func() { close(arrived) })
				<-r.Context().Done()
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	return sb, arrived
}

func runRoot(ctx context.Context, t *testing.T, sb *cmdtest.Sandbox, tty bool, in io.Reader, errOut io.Writer, args ...string) (int, string) {
	t.Helper()
	f, st := cmdtest.NewFactory(t, sb, "", tty)
	if in != nil {
		f.IOStreams.In = in
	}
	if errOut != nil {
		f.IOStreams.ErrOut = errOut
	}
	code := Run(ctx, f, append(args, "--api-url", sb.BaseURL(), "--color", "never"))
	return code, st.Err.String()
}

// issue 9 #13: an interrupt during any API call outside the purge batch loop
// exits 130 at once with one "interrupted:" line that says nothing was
// done, never "error: context canceled".
func TestInterruptDuringAPICall(t *testing.T) {
	rulesFile := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(rulesFile, []byte("rules:\n  - ref: r1\n    expression: 'http.host eq \"example.com\"'\n    action_parameters: {cache: true}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		stallOn string
		args    []string
		want    string
	}{
		{"zones list", "/zones", []string{"zones", "list"}, "interrupted: zones list stopped before it finished; nothing was changed"},
		{"auth verify", "/tokens/verify", []string{"auth", "verify"}, "interrupted: auth verify stopped before it finished; nothing was changed"},
		{"rules list", "/entrypoint", []string{"rules", "list", "-z", sandbox.DefaultZoneID}, "interrupted: rules list stopped before it finished; nothing was written"},
		{"rules diff", "/entrypoint", []string{"rules", "diff", rulesFile, "-z", sandbox.DefaultZoneID}, "interrupted: rules diff stopped before it finished; nothing was written"},
		{"zone lookup", "/zones", []string{"purge", "url", "https://example.com/a", "-z", "example.com"}, "interrupted: purge url stopped before it finished; nothing was purged"},
		{"variants auto", "/entrypoint", []string{"purge", "url", "https://example.com/a", "-z", sandbox.DefaultZoneID, "--plan", "free", "--variants", "auto"}, "interrupted: purge url stopped before it finished; nothing was purged"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb, arrived := stallingSandbox(t, tc.stallOn)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() { <-arrived; cancel() }()
			code, errOut := runRoot(ctx, t, sb, false, nil, nil, tc.args...)
			if code != cmdutil.ExitInterrupted {
				t.Errorf("exit %d, want 130; stderr:\n%s", code, errOut)
			}
			if got := lastLine(errOut); got != tc.want || strings.Count(errOut, "interrupted:") != 1 || strings.Contains(errOut, "error:") {
				t.Errorf("stderr:\n%s\nwant one line %q", errOut, tc.want)
			}
			if strings.Contains(errOut, "context canceled") || strings.Contains(errOut, cmdtest.Token) {
				t.Errorf("raw error or token in stderr:\n%s", errOut)
			}
			if n := sb.Requests(sandbox.EndpointPurge); n != 0 {
				t.Errorf("%d purge requests", n)
			}
		})
	}
}

// issue 9 #13: Ctrl-C at the purge everything prompt stops at once (the
// prompt does not wait for Enter), exit 130, nothing purged.
func TestInterruptAtPurgeEverythingPrompt(t *testing.T) {
	sb := cmdtest.NewSandbox(t, limits.Free, nil)
	stdin, stdinW := io.Pipe() // never written: a user who types nothing
	defer stdinW.Close()
	errOut := &lockedBuffer{watch: "Type the zone name to confirm", seen: make(chan struct{})}
	seen := errOut.seen
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { <-seen; cancel() }()
	code, _ := runRoot(ctx, t, sb, true, stdin, errOut, "purge", "everything", "-z", "example.com")
	got := errOut.String()
	if code != cmdutil.ExitInterrupted {
		t.Errorf("exit %d, want 130; stderr:\n%s", code, got)
	}
	if !strings.Contains(got, "interrupted: purge everything stopped at the prompt; nothing was purged\n") {
		t.Errorf("stderr:\n%s", got)
	}
	if strings.Contains(got, "error:") || strings.Contains(got, "context canceled") {
		t.Errorf("raw error in stderr:\n%s", got)
	}
	if n := sb.Requests(sandbox.EndpointPurge); n != 0 {
		t.Errorf("%d purge requests after an interrupted prompt", n)
	}
}

// issue 9 #13: Ctrl-D (end of input) at the prompt is a refusal like
// answering no (exit 1), said in one line, never "error: EOF".
func TestEndOfInputAtPurgeEverythingPrompt(t *testing.T) {
	sb := cmdtest.NewSandbox(t, limits.Free, nil)
	code, errOut := runRoot(context.Background(), t, sb, true, strings.NewReader(""), nil, "purge", "everything", "-z", "example.com")
	if code != cmdutil.ExitError {
		t.Errorf("exit %d, want 1; stderr:\n%s", code, errOut)
	}
	if !strings.Contains(errOut, "error: no answer (end of input): nothing was purged\n") || strings.Contains(errOut, "EOF") {
		t.Errorf("stderr:\n%s", errOut)
	}
	if n := sb.Requests(sandbox.EndpointPurge); n != 0 {
		t.Errorf("%d purge requests after no answer", n)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}
