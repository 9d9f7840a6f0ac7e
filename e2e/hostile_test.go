package e2e

// The hostile-input suite (issue 9, "A hostile-input suite in the project"):
// every command of the built binary fed bad arguments, flags, environment,
// config files, token files, item lists and rules files, each case asserting
// what the contract (docs/interface.md) promises for it:
//
//   - the exit code (2: usage or validation error, nothing was sent);
//   - a one-line message naming the item (SOURCE:LINE or FILE:LINE), the
//     flag, the environment variable or the config key, and the reason;
//   - that no credential appears on stderr or stdout;
//   - how many API requests the sandbox received: zero where the contract
//     says nothing is sent. Counted twice: the sandbox's own Stats().Total
//     (every answer it gave, whatever the route or status) and the TCP
//     connections its listener accepted, which also catches a request that
//     net/http refused before any handler saw it.
//
// Cases are written to the contract and issue 9's text, not to what the
// code did when they were written: `defect` names the issue-9 defect a case
// is the regression test of (printed with a failure).
//
// Run: go test ./e2e -run TestHostile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cfcache/cfcache/pkg/sandbox"
)

// hfile is a file a case creates in its work directory.
type hfile struct {
	body string        // $WORK and $TOKEN are expanded
	gen  func() []byte // raw content, not expanded (large or binary files)
	mode os.FileMode   // 0 means 0600
	dir  bool          // a directory instead of a file
}

type hcase struct {
	name  string
	args  []string // $WORK, $TOKEN and $BUSYADDR are expanded
	stdin string
	files map[string]hfile
	// env is set over the base environment (sandbox URL and token, empty
	// HOME/XDG dirs); an empty value unsets the variable.
	env map[string]string
	// code is the exit code the contract gives; codes, when set, lists every
	// acceptable one (the contract leaves the choice open).
	code   int
	codes  []int
	stderr []string // regexps stderr must match, each
	stdout []string // regexps stdout must match, each
	// never are regexps neither stdout nor stderr may match (besides the
	// credentials, which are always checked).
	never []string
	// maxStderrLines bounds stderr (a bad file must not print megabytes); 0: no bound.
	maxStderrLines int
	requests       int // API requests the sandbox must have received; -1: not checked
	defect         int // the issue-9 defect this case is a regression test of, 0 if none
}

const hostileTimeout = 10 * time.Second

// countingListener counts accepted connections: a request the sandbox never
// saw as a handler call (refused by net/http for a malformed header, say)
// still opened one.
type countingListener struct {
	net.Listener
	n atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

func TestHostile(t *testing.T) {
	cases := hostileCases()
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.name] {
			t.Fatalf("two cases named %q", c.name)
		}
		seen[c.name] = true
	}
	t.Logf("%d hostile-input cases", len(cases))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			runHostile(t, c)
		})
	}
}

func runHostile(t *testing.T, c hcase) {
	cfg := sandbox.DefaultConfig()
	srv := sandbox.New(cfg)
	hs := httptest.NewUnstartedServer(srv)
	cl := &countingListener{Listener: hs.Listener}
	hs.Listener = cl
	hs.Start()
	defer hs.Close()
	token, acct := cfg.Tokens[0].Value, cfg.Tokens[1].Value

	work := t.TempDir()
	busy := ""
	expand := func(s string) string {
		if strings.Contains(s, "$BUSYADDR") && busy == "" {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Close() })
			busy = l.Addr().String()
		}
		return strings.NewReplacer("$WORK", work, "$TOKEN", token, "$BUSYADDR", busy).Replace(s)
	}
	for name, f := range c.files {
		p := filepath.Join(work, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if f.dir {
			if err := os.Mkdir(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		data := []byte(expand(f.body))
		if f.gen != nil {
			data = f.gen()
		}
		mode := f.mode
		if mode == 0 {
			mode = 0o600
		}
		if err := os.WriteFile(p, data, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // the umask does not apply to the case's intent
			t.Fatal(err)
		}
	}

	env := map[string]string{
		"PATH":                 os.Getenv("PATH"),
		"HOME":                 work,
		"XDG_CONFIG_HOME":      filepath.Join(work, ".config"),
		"XDG_STATE_HOME":       filepath.Join(work, ".state"),
		"CLOUDFLARE_BASE_URL":  hs.URL + sandbox.BasePath,
		"CLOUDFLARE_API_TOKEN": token,
	}
	for k, v := range c.env {
		if v == "" {
			delete(env, k)
		} else {
			env[k] = expand(v)
		}
	}
	var envList []string
	for k, v := range env {
		envList = append(envList, k+"="+v)
	}
	args := make([]string, len(c.args))
	for i, a := range c.args {
		args[i] = expand(a)
	}

	ctx, cancel := context.WithTimeout(context.Background(), hostileTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "cfcache"), args...)
	cmd.Dir, cmd.Env = work, envList
	cmd.Stdin = strings.NewReader(expand(c.stdin))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("still running after %s (a bad input is refused at once); defect #%d\nstderr (first 2 KB):\n%.2048s", hostileTimeout, c.defect, stderr.String())
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	errOut, out := stderr.String(), stdout.String()
	fail := func(format string, a ...any) {
		t.Helper()
		note := ""
		if c.defect != 0 {
			note = fmt.Sprintf(" [regression: issue-9 defect #%d]", c.defect)
		}
		t.Errorf("%s%s\nargv: %q\nstderr (first 2 KB):\n%.2048s", fmt.Sprintf(format, a...), note, args, errOut)
	}

	wantCodes := c.codes
	if len(wantCodes) == 0 {
		wantCodes = []int{c.code}
	}
	okCode := false
	for _, w := range wantCodes {
		okCode = okCode || w == code
	}
	if !okCode {
		fail("exit %d, want %v", code, wantCodes)
	}
	for _, re := range c.stderr {
		if !regexp.MustCompile(re).MatchString(errOut) {
			fail("stderr does not match %q", re)
		}
	}
	for _, re := range c.stdout {
		if !regexp.MustCompile(re).MatchString(out) {
			fail("stdout does not match %q\nstdout:\n%.1024s", re, out)
		}
	}
	for _, re := range c.never {
		if rx := regexp.MustCompile(re); rx.MatchString(errOut) || rx.MatchString(out) {
			fail("output matches %q, which it must not", re)
		}
	}
	for _, secret := range []string{token, acct} {
		if strings.Contains(errOut, secret) || strings.Contains(out, secret) {
			fail("the output shows a credential")
		}
	}
	if c.maxStderrLines > 0 {
		if n := strings.Count(errOut, "\n"); n > c.maxStderrLines {
			fail("stderr has %d lines (%d bytes), want at most %d", n, len(errOut), c.maxStderrLines)
		}
	}
	if c.requests >= 0 {
		hs.Close() // waits for in-flight handlers, so the counts are final
		if got := srv.Stats().Total; got != c.requests {
			fail("the sandbox answered %d API requests, want %d (%v)", got, c.requests, srv.Stats().Requests)
		}
		if c.requests == 0 {
			if n := cl.n.Load(); n != 0 {
				fail("%d connections reached the sandbox, want none", n)
			}
		}
	}
}

// ---- case builders -------------------------------------------------------

const zoneFlag = "example.com" // sandbox.DefaultZoneName

// bad is a validation case: exit 2, nothing sent.
func bad(name string, args []string, stderr ...string) hcase {
	return hcase{name: name, args: args, code: 2, stderr: stderr, requests: 0}
}

func (c hcase) regression(defect int) hcase       { c.defect = defect; return c }
func (c hcase) with(files map[string]hfile) hcase { c.files = files; return c }
func (c hcase) envs(kv ...string) hcase {
	m := map[string]string{}
	for k, v := range c.env {
		m[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	c.env = m
	return c
}
func (c hcase) never_(re ...string) hcase { c.never = append(c.never, re...); return c }
func (c hcase) input(s string) hcase      { c.stdin = s; return c }
func (c hcase) lines(n int) hcase         { c.maxStderrLines = n; return c }

// sends sets the API requests a refusal may cost: only where the contract
// needs an answer from the API to judge the input (a zone's plan, say).
func (c hcase) sends(n int) hcase { c.requests = n; return c }

// purgeArg: purge KIND -z example.com ITEM is refused as arg:1 with reason.
func purgeArg(name, kind, item, shown, reason string) hcase {
	return bad("purge/"+kind+"/arg/"+name, []string{"purge", kind, "-z", zoneFlag, "--", item},
		"arg:1: "+shown+": .*"+reason).regression(9)
}

// purgeList: purge KIND -f list.txt with body is refused, stderr naming
// list.txt:LINE and the reason.
func purgeList(name, kind, body, want string) hcase {
	return bad("purge/"+kind+"/file/"+name, []string{"purge", kind, "-z", zoneFlag, "-f", "list.txt"}, want).
		with(map[string]hfile{"list.txt": {gen: func() []byte { return []byte(body) }}}).regression(9)
}

// purgeOK: a list the contract accepts; a dry run reports its item count.
func purgeOK(name, kind, body string, items int) hcase {
	return hcase{name: "purge/" + kind + "/ok/" + name, args: []string{"purge", kind, "-z", zoneFlag, "-f", "list.txt", "--dry-run", "--plan", "free", "-o", "json"},
		files:    map[string]hfile{"list.txt": {gen: func() []byte { return []byte(body) }}},
		code:     0,
		stdout:   []string{fmt.Sprintf(`"items": %d,`, items)},
		requests: -1}
}

// rulesFile: rules validate FILE (offline, no credentials) refuses it.
func rulesFile(name, body string, stderr ...string) hcase {
	return bad("rules/validate/"+name, []string{"rules", "validate", "rules.yaml", "--plan", "free"}, stderr...).
		with(map[string]hfile{"rules.yaml": {gen: func() []byte { return []byte(body) }}}).
		envs("CLOUDFLARE_API_TOKEN", "")
}

func rulesGen(name, file string, gen func() []byte, args []string, stderr ...string) hcase {
	return bad(name, args, stderr...).with(map[string]hfile{file: {gen: gen}})
}

func quote(s string) string { return regexp.QuoteMeta(s) }

// ---- generated hostile files --------------------------------------------

// aliasBomb is "billion laughs" in YAML: nine levels of nine aliases, 531
// bytes that expand to 9^9 strings.
func aliasBomb(prefix string) []byte {
	var b strings.Builder
	b.WriteString(prefix)
	b.WriteString("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n")
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		fmt.Fprintf(&b, "%s: &%s [*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s]\n", n, n, prev, prev, prev, prev, prev, prev, prev, prev, prev)
		prev = n
	}
	return []byte(b.String())
}

func rulesAliasBomb() []byte {
	return append(aliasBomb(""), []byte("rules:\n  - ref: r1\n    expression: \"true\"\n    description: *i\n    action_parameters: {cache: true}\n")...)
}

// bigRules is a syntactically valid rules file of about n bytes: one rule
// whose description is a long comment block.
func bigRules(n int) func() []byte {
	return func() []byte {
		var b bytes.Buffer
		b.Grow(n + 200)
		b.WriteString("rules:\n  - ref: r1\n    expression: \"true\"\n    action_parameters: {cache: true}\n")
		line := "# " + strings.Repeat("x", 97) + "\n"
		for b.Len() < n {
			b.WriteString(line)
		}
		return b.Bytes()
	}
}

func deepYAML(depth int) func() []byte {
	return func() []byte {
		return []byte("rules: " + strings.Repeat("[", depth) + strings.Repeat("]", depth) + "\n")
	}
}

func deepJSON(depth int) func() []byte {
	return func() []byte {
		return []byte(`{"rules": ` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + "}")
	}
}

// binary is a file that is not text: NULs and bytes of every value.
func binary(n int) func() []byte {
	return func() []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*131 + i/7)
		}
		return b
	}
}

func nLines(n int, f func(i int) string) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(f(i))
		b.WriteByte('\n')
	}
	return b.String()
}

const validRules = `rules:
  - ref: static
    description: static assets
    expression: 'http.request.uri.path.extension in {"css" "js"}'
    action_parameters:
      cache: true
`

func tooManyRules(n int) string {
	return "rules:\n" + nLines(n, func(i int) string {
		return fmt.Sprintf("  - ref: r%d\n    expression: 'http.host eq \"h%d.example.com\"'\n    action_parameters: {cache: true}", i, i)
	})
}

// ---- the table -----------------------------------------------------------

func hostileCases() []hcase {
	var cs []hcase
	add := func(c ...hcase) { cs = append(cs, c...) }
	z := []string{"-z", zoneFlag}
	purgeURL := func(extra ...string) []string {
		return append([]string{"purge", "url", "https://example.com/a", "-z", zoneFlag}, extra...)
	}

	// -- purge url: items given as arguments --
	add(
		purgeArg("no-scheme-colon", "url", "https//example.com/a", quote("https//example.com/a"), "not an absolute URL"),
		purgeArg("relative", "url", "/a/b", "/a/b", "not an absolute URL"),
		purgeArg("ftp", "url", "ftp://example.com/a", quote("ftp://example.com/a"), "scheme ftp not allowed"),
		purgeArg("javascript", "url", "javascript:alert(1)", quote("javascript:alert(1)"), "not an absolute URL"),
		purgeArg("no-host", "url", "https:///a", quote("https:///a"), "no host"),
		purgeArg("space", "url", "https://example.com/a b", quote("https://example.com/a b"), "whitespace"),
		purgeArg("tab", "url", "https://example.com/a\tb", quote(`"https://example.com/a\tb"`), "whitespace or a control character"),
		purgeArg("control-char", "url", "https://example.com/\x01", quote(`"https://example.com/\x01"`), "control character"),
		purgeArg("escape-sequence", "url", "https://example.com/\x1b[31mred", quote(`"https://example.com/\x1b[31mred"`), "control character").never_(`\x1b\[31m`),
		purgeArg("del", "url", "https://example.com/\x7f", quote(`"https://example.com/\x7f"`), "control character"),
		purgeArg("invalid-utf8", "url", "https://example.com/\xff\xfe", quote(`"https://example.com/\xff\xfe"`), "not valid UTF-8"),
		purgeArg("nbsp", "url", "https://example.com/a\u00a0b", "https://example.com/a.b", "whitespace"),
		purgeArg("fragment", "url", "https://example.com/a#top", quote("https://example.com/a#top"), "fragment"),
		purgeArg("wildcard", "url", "https://example.com/*.css", quote("https://example.com/*.css"), "wildcards"),
		purgeArg("percent", "url", "https://example.com/%zz", quote("https://example.com/%zz"), "percent-encoding"),
		purgeArg("userinfo", "url", "https://user:pw@example.com/", quote("https://user:pw@example.com/"), "user info"),
		purgeArg("port-range", "url", "https://example.com:99999/", quote("https://example.com:99999/"), "invalid port"),
		purgeArg("idn-host", "url", "https://bücher.example.com/", quote("https://bücher.example.com/"), "punycode"),
		purgeArg("other-zone", "url", "https://example.org/a", quote("https://example.org/a"), "not in zone example.com"),
		purgeArg("suffix-trick", "url", "https://example.com.evil.net/", quote("https://example.com.evil.net/"), "not in zone"),
		purgeArg("long-label", "url", "https://"+strings.Repeat("a", 64)+".example.com/", `https://a+\.example\.com/`, "longer than 63"),
		purgeArg("long-host", "url", "https://"+strings.Repeat("a.", 130)+"example.com/", `https://[a.]+…`, "longer than 253"),
		purgeArg("bad-ipv6", "url", "https://[zz]/x", quote("https://[zz]/x"), "IPv6"),
		purgeArg("underscore-host", "url", "https://exa_mple.com/", quote("https://exa_mple.com/"), "invalid character"),
		purgeArg("empty", "url", "", "", "empty item"),
		purgeArg("blank", "url", "   ", "", "empty item"),
	)
	// -- purge url: items from files --
	add(
		purgeList("nul", "url", "https://example.com/a\x00b\n", `list\.txt: not a text file \(NUL byte on line 1,`),
		purgeList("nul-only-line", "url", "https://example.com/ok\n\x00\n", `list\.txt: not a text file \(NUL byte on line 2,`),
		purgeList("invalid-utf8", "url", "https://example.com/ok\nhttps://example.com/\xc3\x28\n", `list\.txt:2: .*not valid UTF-8`),
		purgeList("bom-line-2", "url", "https://example.com/a\n\ufeffhttps://example.com/b\n", `list\.txt:2: .*(not an absolute URL|scheme)`),
		purgeList("overlong-line", "url", "https://example.com/ok\nhttps://example.com/"+strings.Repeat("x", 70_000)+"\n", `list\.txt:2: https://example\.com/x+…: line longer than 65536 bytes`),
		purgeList("cr-only-endings", "url", "https://example.com/a\rhttps://example.com/b\r", `list\.txt:1: "https://example\.com/a\\rhttps://example\.com/b": .*control character`),
		purgeList("third-line", "url", "# comment\n\nhttps://example.com/ok\nftp://example.com/x\n", `list\.txt:4: ftp://example\.com/x: scheme ftp not allowed`),
		purgeList("json-no-url", "url", `{"headers": {"CF-Device-Type": "mobile"}}`+"\n", `list\.txt:1: .*JSON line has no "url"`),
		purgeList("json-unknown-field", "url", `{"url": "https://example.com/", "extra": 1}`+"\n", `list\.txt:1: .*invalid JSON line: unknown field "extra"`),
		purgeList("json-trailing", "url", `{"url": "https://example.com/"} x`+"\n", `list\.txt:1: .*invalid JSON line`),
		purgeList("json-bad-header", "url", `{"url": "https://example.com/", "headers": {"Bad Name": "x"}}`+"\n", `list\.txt:1: .*invalid header name "Bad Name"`),
		purgeList("json-url-type", "url", `{"url": 5}`+"\n", `list\.txt:1: .*invalid JSON line`),
		purgeList("json-bad-device", "url", `{"url": "https://example.com/", "headers": {"CF-Device-Type": "phone"}}`+"\n", `list\.txt:1: .*not a device type`),
		bad("purge/url/file/stdin", []string{"purge", "url", "-z", zoneFlag, "-f", "-"}, `(?m)^-:2: not-a-url: not an absolute URL`).
			input("https://example.com/ok\nnot-a-url\n").regression(9),
		bad("purge/url/file/missing", []string{"purge", "url", "-z", zoneFlag, "-f", "nosuch.txt"}, `nosuch\.txt`, `(no such file|does not exist)`).regression(9),
		bad("purge/url/file/directory", []string{"purge", "url", "-z", zoneFlag, "-f", "adir"}, `adir`, `directory`).
			with(map[string]hfile{"adir": {dir: true}}).regression(9),
		bad("purge/url/file/binary", []string{"purge", "url", "-z", zoneFlag, "-f", "blob.bin"}, `blob\.bin`, `(not a text file|binary|not text)`).
			with(map[string]hfile{"blob.bin": {gen: binary(1 << 20)}}).lines(3).regression(15),
		bad("purge/url/file/many-invalid", []string{"purge", "url", "-z", zoneFlag, "-f", "list.txt"}, `list\.txt:1: `, `\b100\b`).
			with(map[string]hfile{"list.txt": {body: nLines(100, func(i int) string { return fmt.Sprintf("bad item %d", i) })}}).lines(25).regression(15),
		bad("purge/url/max-items", []string{"purge", "url", "-z", zoneFlag, "-f", "list.txt", "--max-items", "2"}, `more than 2 items`).
			with(map[string]hfile{"list.txt": {body: "https://example.com/1\nhttps://example.com/2\nhttps://example.com/3\n"}}).regression(9),
		purgeOK("bom-at-start", "url", "\ufeffhttps://example.com/a\nhttps://example.com/b\n", 2),
		purgeOK("crlf", "url", "https://example.com/a\r\nhttps://example.com/b\r\n# note\r\n\r\n", 2),
		purgeOK("bom-and-crlf", "url", "\ufeffhttps://example.com/a\r\nhttps://example.com/b\r\n", 2),
		purgeOK("non-ascii-path", "url", "https://example.com/café\n", 1),
	)
	// -- purge prefix --
	sep := func(n int) string { return "example.com" + strings.Repeat("/a", n) }
	add(
		purgeArg("32-separators", "prefix", sep(32), quote(sep(32)), "32 path separators \\(/\\); at most 31 allowed"),
		purgeArg("query", "prefix", "example.com/a?b=1", quote("example.com/a?b=1"), "query string"),
		purgeArg("fragment", "prefix", "example.com/x#y", quote("example.com/x#y"), "fragment"),
		purgeArg("ftp", "prefix", "ftp://example.com/a", quote("ftp://example.com/a"), "scheme ftp:// not allowed"),
		purgeArg("port", "prefix", "example.com:8080/a", quote("example.com:8080/a"), "port not allowed"),
		purgeArg("wildcard", "prefix", "*.example.com/a", quote("*.example.com/a"), "wildcards"),
		purgeArg("idn", "prefix", "bücher.example.com/a", quote("bücher.example.com/a"), "punycode"),
		purgeArg("other-zone", "prefix", "example.org/a", quote("example.org/a"), "not in zone"),
		purgeArg("control", "prefix", "example.com/\x07", quote(`"example.com/\a"`), "control character"),
		purgeArg("invalid-utf8", "prefix", "example.com/\xff", quote(`"example.com/\xff"`), "not valid UTF-8"),
		purgeArg("empty", "prefix", "", "", "empty item"),
		purgeArg("scheme-only", "prefix", "https://", quote("https://"), "empty prefix"),
		purgeList("nul", "prefix", "example.com/a\x00\n", `list\.txt: not a text file \(NUL byte on line 1,`),
		purgeOK("31-separators", "prefix", sep(31)+"\n", 1),
		purgeOK("scheme-removed", "prefix", "https://example.com/a\r\n", 1),
	)
	// -- purge tag --
	add(
		purgeArg("1025-chars", "tag", strings.Repeat("t", 1025), "t+…?", "1025 characters long; at most 1024 allowed"),
		purgeArg("space", "tag", "has space", "has space", "space"),
		purgeArg("comma", "tag", "a,b", "a,b", "comma"),
		purgeArg("non-ascii", "tag", "café", "café", "not printable ASCII"),
		purgeArg("bell", "tag", "a\x07", quote(`"a\a"`), "not printable ASCII"),
		purgeArg("invalid-utf8", "tag", "a\xff", quote(`"a\xff"`), "not printable ASCII"),
		purgeArg("empty", "tag", "", "", "empty item"),
		purgeList("nul", "tag", "ok\nbad\x00tag\n", `list\.txt: not a text file \(NUL byte on line 2,`),
		purgeList("1025-in-file", "tag", "ok\n"+strings.Repeat("t", 1025)+"\n", `list\.txt:2: t+…?: tag is 1025 characters long`),
		purgeOK("1024-chars", "tag", strings.Repeat("t", 1024)+"\n", 1),
		purgeOK("crlf", "tag", "a\r\nb\r\n", 2),
		hcase{name: "purge/tag/ok/hash-arg", args: []string{"purge", "tag", "#release", "-z", zoneFlag, "--dry-run", "--plan", "free", "-o", "json"},
			code: 0, stdout: []string{`"items": 1,`}, requests: -1},
	)
	// -- purge host --
	add(
		purgeArg("scheme", "host", "https://example.com", quote("https://example.com"), "scheme not allowed"),
		purgeArg("path", "host", "example.com/a", quote("example.com/a"), "path not allowed"),
		purgeArg("port", "host", "example.com:8443", quote("example.com:8443"), "port not allowed"),
		purgeArg("idn", "host", "bücher.example.com", quote("bücher.example.com"), "punycode"),
		purgeArg("underscore", "host", "a_b.example.com", quote("a_b.example.com"), "invalid character"),
		purgeArg("leading-hyphen", "host", "-a.example.com", quote("-a.example.com"), "starts with '-'"),
		purgeArg("empty-label", "host", "a..example.com", quote("a..example.com"), "empty label"),
		purgeArg("wildcard", "host", "*.example.com", quote("*.example.com"), "invalid character"),
		purgeArg("other-zone", "host", "example.org", quote("example.org"), "not in zone"),
		purgeArg("long-label", "host", strings.Repeat("a", 64)+".example.com", `a+\.example\.com`, "longer than 63"),
		purgeArg("space", "host", "a b.example.com", quote("a b.example.com"), "invalid character"),
		purgeList("nul", "host", "a\x00.example.com\n", `list\.txt: not a text file \(NUL byte on line 1,`),
		purgeOK("punycode", "host", "xn--bcher-kva.example.com\r\n", 1),
	)
	// -- purge everything --
	add(
		bad("purge/everything/no-yes-off-tty", []string{"purge", "everything", "-z", zoneFlag}, `--yes required when not running interactively`).regression(9),
		bad("purge/everything/with-items", []string{"purge", "everything", "-z", zoneFlag, "--yes", "https://example.com/"}, `unexpected argument "https://example\.com/"`),
		bad("purge/everything/no-zone", []string{"purge", "everything", "--yes"}, `(no zone|--zone)`),
		// Flags that do nothing without items are not offered (issue 10's
		// redesign note, interface.md: "A flag is offered only by the verbs
		// where it does something").
		bad("purge/everything/failed-file", []string{"purge", "everything", "-z", zoneFlag, "--yes", "--failed-file", "f.txt"}, `unknown flag: --failed-file`),
		bad("purge/everything/max-items", []string{"purge", "everything", "-z", zoneFlag, "--yes", "--max-items", "3"}, `unknown flag: --max-items`),
		bad("purge/everything/concurrency", []string{"purge", "everything", "-z", zoneFlag, "--yes", "--concurrency", "2"}, `unknown flag: --concurrency`),
		bad("purge/everything/bad-plan", []string{"purge", "everything", "-z", zoneFlag, "--yes", "--plan", "gold"}, `"gold"`, `free, pro, business`),
	)
	// -- purge: flags and flag combinations --
	add(
		bad("purge/flags/device", purgeURL("--device", "phone"), `--device "phone": not a device type: want mobile, desktop, tablet or all`),
		bad("purge/flags/country", purgeURL("--country", "ZZ,US"), `--country "ZZ": not an ISO 3166-1 alpha-2`),
		bad("purge/flags/country-alpha3", purgeURL("--country", "USA"), `--country "USA": not an ISO 3166-1 alpha-2`),
		bad("purge/flags/lang", purgeURL("--lang", "!!"), `--lang "!!": not a BCP 47 language tag`),
		bad("purge/flags/header-no-colon", purgeURL("-H", "X-Foo"), `-H "X-Foo": want 'Name: value'`),
		bad("purge/flags/header-bad-name", purgeURL("-H", "X Foo: v"), `-H "X Foo: v": invalid header name`),
		bad("purge/flags/header-control", purgeURL("-H", "X-Foo: a\x01b"), `-H "X-Foo: a.x01b": control character in header value`),
		bad("purge/flags/concurrency-0", purgeURL("--concurrency", "0"), `--concurrency "0": must be at least 1`),
		bad("purge/flags/concurrency-neg", purgeURL("--concurrency", "-1"), `--concurrency "-1": must be at least 1`),
		bad("purge/flags/concurrency-word", purgeURL("--concurrency", "many"), `--concurrency`, `many`),
		bad("purge/flags/max-items-neg", purgeURL("--max-items", "-1"), `--max-items`),
		bad("purge/flags/max-retries-neg", purgeURL("--max-retries", "-1"), `--max-retries`),
		bad("purge/flags/url-form", purgeURL("--url-form", "x"), `--url-form "x": want one of raw, encoded, both`),
		bad("purge/flags/plan", purgeURL("--plan", "x"), `--plan "x": want one of free, pro, business, enterprise`),
		bad("purge/flags/output", purgeURL("--output", "x"), `--output "x": want one of text, json`),
		bad("purge/flags/color", purgeURL("--color", "x"), `--color "x": want one of auto, always, never`),
		bad("purge/flags/verbose-quiet", purgeURL("-v", "-q"), `-q.*-v|-v.*-q|--quiet.*--verbose|--verbose.*--quiet`).
			never_(`if any flags in the group`).regression(14),
		bad("purge/flags/variants", purgeURL("--variants", "x"), `--variants`, `auto`),
		bad("purge/flags/verify-sample-neg", purgeURL("--verify-sample", "-1"), `--verify-sample`),
		bad("purge/flags/origin-url-no-scheme", purgeURL("--warm", "--origin-url", "127.0.0.1:18080"), `--origin-url`, `127\.0\.0\.1:18080`).
			never_(`first path segment in URL cannot contain colon`).regression(14),
		bad("purge/flags/origin-url-path", purgeURL("--warm", "--origin-url", "http://127.0.0.1:18080/x"), `--origin-url`),
		bad("purge/flags/max-wait-neg", purgeURL("--max-wait", "-1s"), `--max-wait`).regression(7),
		bad("purge/flags/max-wait-word", purgeURL("--max-wait", "forever"), `--max-wait`).regression(7),
		bad("purge/flags/zone-space", []string{"purge", "url", "https://example.com/a", "-z", "exa mple.com"}, `exa mple\.com`).regression(9),
		bad("purge/flags/zone-url", []string{"purge", "url", "https://example.com/a", "-z", "https://example.com"}, `https://example\.com`, `(zone|--zone)`).regression(9),
		bad("purge/flags/zone-no-dot", []string{"purge", "url", "https://example.com/a", "-z", "0123456789abcdef0123456789abcdeX"}, `0123456789abcdef0123456789abcdeX`).regression(9),
		bad("purge/flags/api-url-plain-http", purgeURL("--api-url", "http://api.example.com/client/v4"), `refusing plain http`),
		bad("purge/flags/api-url-private-ip", purgeURL("--api-url", "http://10.0.0.1/client/v4"), `refusing plain http`),
		bad("purge/flags/api-url-ftp", purgeURL("--api-url", "ftp://api.example.com/"), `--api-url|API URL`, `ftp`),
		bad("purge/flags/api-url-env", []string{"purge", "url", "https://example.com/a", "-z", zoneFlag}, `CLOUDFLARE_BASE_URL`, `refusing plain http`).
			envs("CLOUDFLARE_BASE_URL", "http://api.example.com/client/v4").regression(10),
		bad("purge/flags/output-env", []string{"purge", "url", "https://example.com/a", "-z", zoneFlag}, `CFCACHE_OUTPUT`, `"yaml"`).
			envs("CFCACHE_OUTPUT", "yaml").regression(10),
		bad("purge/flags/failed-file-is-input", []string{"purge", "url", "-z", zoneFlag, "-f", "urls.txt", "--failed-file", "urls.txt"}, `urls\.txt`, `input`).
			with(map[string]hfile{"urls.txt": {body: "https://example.com/a\n"}}).regression(4),
		bad("purge/flags/failed-file-is-input-other-path", []string{"purge", "url", "-z", zoneFlag, "-f", "urls.txt", "--failed-file", "./sub/../urls.txt"}, `urls\.txt`, `input`).
			with(map[string]hfile{"urls.txt": {body: "https://example.com/a\n"}, "sub": {dir: true}}).regression(4),
		bad("purge/flags/failed-file-directory", purgeURL("--failed-file", "outdir"), `outdir`, `directory`).
			with(map[string]hfile{"outdir": {dir: true}}).regression(4),
		bad("purge/flags/failed-file-no-parent", purgeURL("--failed-file", "nodir/failed.txt"), `--failed-file nodir/failed\.txt: cannot create it: nodir: no such file or directory; nothing was sent`).regression(9),
		bad("purge/flags/no-items", []string{"purge", "url", "-z", zoneFlag}, `no items`),
		bad("purge/flags/unknown-profile", purgeURL("--profile", "nosuch"), `profile "nosuch"`),
		bad("purge/flags/unknown-flag", purgeURL("--frobnicate"), `unknown flag: --frobnicate`),
		bad("purge/flags/unknown-kind", []string{"purge", "urls", "https://example.com/"}, `unknown command "urls"`),
	)
	// items are checked before the zone is looked up: no GET /zones (#9)
	add(
		bad("purge/url/zone-id-syntax-error", []string{"purge", "url", "not a url", "-z", sandbox.DefaultZoneID}, `arg:1: not a url: not an absolute URL`).regression(9),
		bad("purge/tag/zone-id-syntax-error", []string{"purge", "tag", "a,b", "-z", sandbox.DefaultZoneID}, `arg:1: a,b: .*comma`).regression(9),
		bad("purge/url/no-zone-syntax-error", []string{"purge", "url", "ftp://example.com/"}, `arg:1: ftp://example\.com/: scheme ftp`).regression(9),
	)

	// -- credentials: token files and the environment --
	noEnvToken := []string{"CLOUDFLARE_API_TOKEN", ""}
	zl := []string{"zones", "list"}
	add(
		bad("auth/token-file/missing", append(zl, "--api-token-file", "missing-token.txt"), `--api-token-file: no such file \(the path is not shown`).never_(`missing-token`).envs(noEnvToken...),
		bad("auth/token-file/path-is-the-token", append(zl, "--api-token-file", "$TOKEN"), `--api-token-file: no such file \(the path is not shown`).envs(noEnvToken...).regression(11),
		bad("auth/token-file/path-is-the-token-purge", []string{"purge", "url", "https://example.com/a", "-z", zoneFlag, "--api-token-file", "$TOKEN"}, `--api-token-file: no such file \(the path is not shown`).envs(noEnvToken...).regression(11),
		bad("auth/token-file/0644", append(zl, "--api-token-file", "tok"), `tok`, `chmod 600`).envs(noEnvToken...).
			with(map[string]hfile{"tok": {body: "$TOKEN\n", mode: 0o644}}),
		bad("auth/token-file/0640", append(zl, "--api-token-file", "tok"), `chmod 600`).envs(noEnvToken...).
			with(map[string]hfile{"tok": {body: "$TOKEN\n", mode: 0o640}}),
		bad("auth/token-file/empty", append(zl, "--api-token-file", "tok"), `tok`, `empty`).envs(noEnvToken...).
			with(map[string]hfile{"tok": {body: ""}}),
		bad("auth/token-file/blank-lines", append(zl, "--api-token-file", "tok"), `tok`, `empty`).envs(noEnvToken...).
			with(map[string]hfile{"tok": {body: "\r\n\n  \n"}}),
		bad("auth/token-file/two-lines", append(zl, "--api-token-file", "tok"), `tok`, `one line`).envs(noEnvToken...).
			with(map[string]hfile{"tok": {body: "$TOKEN\nsecond\n"}}),
		bad("auth/token-file/inner-cr", append(zl, "--api-token-file", "tok"), `tok`, `one line`).envs(noEnvToken...).
			with(map[string]hfile{"tok": {body: "$TOKEN\rmore\n"}}),
		bad("auth/token-file/directory", append(zl, "--api-token-file", "tokdir"), `--api-token-file: the path is a directory`).envs(noEnvToken...).
			with(map[string]hfile{"tokdir": {dir: true}}),
		hcase{name: "auth/token-file/crlf-accepted", args: append(zl, "--api-token-file", "tok"), env: map[string]string{"CLOUDFLARE_API_TOKEN": ""},
			files: map[string]hfile{"tok": {body: "$TOKEN\r\n"}}, code: 0, stdout: []string{zoneFlag}, requests: 1},
		hcase{name: "auth/env-token-crlf", args: zl, env: map[string]string{"CLOUDFLARE_API_TOKEN": "abc\r\ndef"}, codes: []int{2, 4},
			stderr: []string{`CLOUDFLARE_API_TOKEN`}, never: []string{`cannot reach`, `abc`, `def`}, requests: 0, defect: 14},
		hcase{name: "auth/api-key-without-email", args: zl, env: map[string]string{"CLOUDFLARE_API_TOKEN": "", "CLOUDFLARE_API_KEY": "k3y-s3cr3t-value"}, code: 2,
			stderr: []string{`CLOUDFLARE_EMAIL`}, never: []string{`k3y-s3cr3t-value`}, requests: 0},
		hcase{name: "auth/verify-extra-arg", args: []string{"auth", "verify", "extra"}, code: 2, stderr: []string{`extra|accepts 0 arg|unknown command`}, requests: 0},
		bad("auth/verify-output", []string{"auth", "verify", "-o", "yaml"}, `--output "yaml": want one of text, json`),
	)

	// -- config files --
	cfg := func(name, body string, mode os.FileMode, stderr ...string) hcase {
		return bad("config/"+name, []string{"purge", "url", "https://example.com/a", "-z", zoneFlag, "--config", "cfg.yaml"}, stderr...).
			with(map[string]hfile{"cfg.yaml": {body: body, mode: mode}})
	}
	add(
		cfg("zone-list", "zone: [1, 2]\n", 0, `cfg\.yaml`, `zone`, `string`).regression(10),
		cfg("output-list", "output: [a]\n", 0, `cfg\.yaml`, `output`, `string`).never_(`invalid output ""`).regression(10),
		cfg("api-token-list", "api_token: [T]\n", 0, `cfg\.yaml`, `api_token`, `string`).never_(`no credentials`).envs(noEnvToken...).regression(10),
		cfg("color-map", "color: {a: 1}\n", 0, `cfg\.yaml`, `color`, `string`).regression(10),
		cfg("api-url-number", "api_url: 5\n", 0, `cfg\.yaml`, `api_url`).regression(10),
		cfg("account-id-list", "account_id: [x]\n", 0, `cfg\.yaml`, `account_id`, `string`).regression(10),
		cfg("profile-zone-list", "profiles:\n  default:\n    zone: [1]\n", 0, `cfg\.yaml`, `profiles\.default\.zone`, `string`).regression(10),
		cfg("output-value", "output: yaml\n", 0, `cfg\.yaml`, `output`, `"yaml"`).regression(10),
		cfg("api-url-plain-http", "api_url: http://api.example.com/client/v4\n", 0, `cfg\.yaml`, `api_url`, `refusing plain http`).envs("CLOUDFLARE_BASE_URL", "").regression(10), // the sandbox's env would outrank it
		cfg("profiles-list", "profiles: [a, b]\n", 0, `cfg\.yaml: profiles: want a mapping`),
		cfg("profile-not-mapping", "profiles:\n  staging: 5\n", 0, `cfg\.yaml: profiles\.staging: want a mapping`),
		cfg("limits-not-mapping", "limits:\n  free: 5\n", 0, `cfg\.yaml`, `limits\.free`),
		cfg("limits-unknown-key", "limits:\n  free:\n    bogus_limit: 5\n", 0, `cfg\.yaml`, `bogus_limit`),
		cfg("unknown-key", "zonee: example.com\n", 0, `cfg\.yaml`, `unknown key zonee \(did you mean zone\?\)`),
		cfg("unknown-profile-key", "profiles:\n  default:\n    tokn: x\n", 0, `cfg\.yaml`, `profiles\.default\.tokn`),
		cfg("secret-0644", "api_token: $TOKEN\n", 0o644, `cfg\.yaml`, `chmod 600`),
		cfg("secret-0604", "profiles:\n  default:\n    api_key: $TOKEN\n    email: a@example.com\n", 0o604, `cfg\.yaml`, `chmod 600`),
		cfg("invalid-yaml", "zone: [unclosed\n", 0, `cfg\.yaml is not valid YAML`),
		cfg("tab-indent", "profiles:\n\tdefault:\n\t\tzone: x\n", 0, `cfg\.yaml`, `YAML`),
		cfg("alias-bomb", string(aliasBomb("")), 0, `cfg\.yaml`),
		cfg("not-a-mapping", "- a\n- b\n", 0, `cfg\.yaml`),
		bad("config/unknown-profile", []string{"purge", "url", "https://example.com/a", "-z", zoneFlag, "--config", "cfg.yaml", "--profile", "prod"}, `profile "prod" \(from --profile\) not found in .*cfg\.yaml`).
			with(map[string]hfile{"cfg.yaml": {body: "profiles:\n  staging:\n    zone: example.com\n"}}),
		bad("config/unknown-profile-env", []string{"purge", "url", "https://example.com/a", "-z", zoneFlag, "--config", "cfg.yaml"}, `profile "prod"`).
			with(map[string]hfile{"cfg.yaml": {body: "zone: example.com\n"}}).envs("CFCACHE_PROFILE", "prod"),
		bad("config/missing-explicit", []string{"zones", "list", "--config", "nosuch.yaml"}, `nosuch\.yaml`),
		bad("config/missing-from-env", []string{"zones", "list"}, `CFCACHE_CONFIG`, `nosuch\.yaml`).envs("CFCACHE_CONFIG", "$WORK/nosuch.yaml").regression(10),
		bad("config/directory", []string{"zones", "list", "--config", "cfgdir"}, `cfgdir`).with(map[string]hfile{"cfgdir": {dir: true}}),
		bad("config/unreadable-parent", []string{"zones", "list", "--config", "afile/cfg.yaml"}, `afile/cfg\.yaml`).with(map[string]hfile{"afile": {body: "x"}}),
		bad("config/binary", []string{"zones", "list", "--config", "cfg.yaml"}, `cfg\.yaml`).with(map[string]hfile{"cfg.yaml": {gen: binary(4096)}}).lines(3),
	)

	// -- rules files (validate: offline, no credentials) --
	add(
		rulesFile("rules-null", "rules:\n", `rules\.yaml:1: rules: `).regression(3),
		rulesFile("rules-tilde", "rules: ~\n", `rules\.yaml:1: rules: `).regression(3),
		rulesFile("rules-missing", "phase: http_request_cache_settings\n", `rules\.yaml:1: rules: missing rules`),
		rulesFile("rules-mapping", "rules: {ref: a}\n", `rules\.yaml:1: rules: want a list of rules, got a`),
		rulesFile("rules-string", "rules: all\n", `rules\.yaml:1: rules: want a list of rules`),
		rulesFile("top-level-list", "- ref: a\n", `rules\.yaml:1: .*want a mapping with a rules list`),
		rulesFile("empty-file", "", `rules\.yaml.*empty`),
		rulesFile("comments-only", "# nothing\n", `rules\.yaml.*empty`),
		rulesFile("rule-not-mapping", "rules:\n  - just a string\n", `rules\.yaml:2: rules\[0\]: want a rule \(a mapping\)`),
		rulesFile("ref-number", "rules:\n  - ref: 5\n    expression: \"true\"\n    action_parameters: {cache: true}\n", `rules\.yaml:2: rules\[0\]\.ref: want a string, got a number`),
		rulesFile("expression-list", "rules:\n  - ref: a\n    expression: [x]\n    action_parameters: {cache: true}\n", `rules\.yaml:3: rules\[0\]\.expression: want a string`),
		rulesFile("enabled-string", "rules:\n  - ref: a\n    expression: \"true\"\n    enabled: \"yes\"\n    action_parameters: {cache: true}\n", `rules\.yaml:4: rules\[0\]\.enabled: want true or false`),
		rulesFile("params-list", "rules:\n  - ref: a\n    expression: \"true\"\n    action_parameters: [1]\n", `rules\.yaml:4: rules\[0\]\.action_parameters: want a mapping`),
		rulesFile("cache-string", "rules:\n  - ref: a\n    expression: \"true\"\n    action_parameters:\n      cache: \"yes\"\n", `rules\.yaml:5: rules\[0\]\.action_parameters\.cache: `),
		rulesFile("ttl-huge-number", "rules:\n  - ref: a\n    expression: \"true\"\n    action_parameters:\n      cache: true\n      edge_ttl: {mode: override_origin, default: 1e400}\n", `rules\.yaml:6: .*(number|default)`),
		rulesFile("unknown-top-key", "rulez: []\nrules:\n  - ref: a\n    expression: \"true\"\n    action_parameters: {cache: true}\n", `rules\.yaml:1: rulez: unknown field`),
		rulesFile("unknown-rule-key", "rules:\n  - ref: a\n    expresion: \"true\"\n    action_parameters: {cache: true}\n", `rules\.yaml:3: rules\[0\]\.expresion: unknown field.*expression`),
		rulesFile("unknown-param", "rules:\n  - ref: a\n    expression: \"true\"\n    action_parameters:\n      cache: true\n      cache_forever: true\n", `rules\.yaml:6: rules\[0\]\.action_parameters\.cache_forever: `),
		rulesFile("duplicate-ref", validRules+"  - ref: static\n    expression: \"true\"\n    action_parameters: {cache: true}\n", `rules\.yaml:7: rules\[1\]\.ref: duplicate ref "static"`),
		rulesFile("duplicate-key", "rules:\n  - ref: a\n    ref: b\n    expression: \"true\"\n    action_parameters: {cache: true}\n", `rules\.yaml:3: rules\[0\]\.ref: duplicate key \(first given on line 2\)`),
		rulesFile("missing-ref", "rules:\n  - expression: \"true\"\n    action_parameters: {cache: true}\n", `rules\.yaml:2: rules\[0\]\.ref: missing ref`),
		rulesFile("nul-in-ref", "rules:\n  - ref: \"a\\0b\"\n    expression: \"true\"\n    action_parameters: {cache: true}\n", `rules\.yaml:2: rules\[0\]\.ref: `).regression(17),
		rulesFile("nul-in-ref-json", `{"rules": [{"ref": "a\u0000b", "expression": "true", "action_parameters": {"cache": true}}]}`, `rules\.yaml:1: rules\[0\]\.ref: `).regression(17),
		rulesFile("raw-nul-byte", "rules:\n  - ref: a\x00b\n    expression: \"true\"\n    action_parameters: {cache: true}\n", `rules\.yaml:2`).regression(17),
		rulesFile("two-documents", validRules+"---\n"+validRules, `rules\.yaml:7: .*(document|---)`).regression(17),
		rulesFile("second-document-empty-rules", validRules+"---\nrules: []\n", `rules\.yaml:7: .*(document|---)`).regression(17),
		rulesFile("expression-incomplete", "rules:\n  - ref: a\n    expression: \"http.host eq\"\n    action_parameters: {cache: true}\n", `rules\.yaml:3:\d+: rules\[0\]\.expression: expected a value after .eq.`),
		rulesFile("expression-unknown-field", "rules:\n  - ref: a\n    expression: 'http.hots eq \"x\"'\n    action_parameters: {cache: true}\n", `rules\.yaml:3:\d+: rules\[0\]\.expression: .*http\.hots`),
		rulesFile("expression-unbalanced", "rules:\n  - ref: a\n    expression: '(http.host eq \"x\"'\n    action_parameters: {cache: true}\n", `rules\.yaml:3:\d+: rules\[0\]\.expression: `),
		rulesFile("expression-too-long", "rules:\n  - ref: a\n    expression: 'http.host in {"+strings.Repeat(`"aaaaaaaaaa.example.com" `, 200)+"}'\n    action_parameters: {cache: true}\n", `rules\.yaml:3.*rules\[0\]\.expression: .*4096`),
		rulesFile("regex-on-free", "rules:\n  - ref: a\n    expression: 'http.request.uri.path matches \"^/a\"'\n    action_parameters: {cache: true}\n", `rules\.yaml:3:\d+: rules\[0\]\.expression: .*(regex|matches)`),
		rulesFile("over-plan-rules", tooManyRules(11), `rules\.yaml:32: rules: 11 rules exceed the free plan's limit of 10 per zone: rules\[10\] is the first one over it`),
		rulesFile("edge-ttl-below-plan", "rules:\n  - ref: a\n    expression: \"true\"\n    action_parameters:\n      cache: true\n      edge_ttl: {mode: override_origin, default: 60}\n", `rules\.yaml:6: rules\[0\]\.action_parameters\.edge_ttl\.default: `),
		rulesFile("bad-action", "rules:\n  - ref: a\n    expression: \"true\"\n    action: block\n    action_parameters: {cache: true}\n", `rules\.yaml:4: rules\[0\]\.action: action "block" is not valid`),
		rulesFile("invalid-yaml", "rules:\n  - ref: a\n   expression: x\n", `rules\.yaml:3: `),
		rulesFile("invalid-json", `{"rules": [}`, `rules\.yaml:1: `),
		rulesFile("invalid-utf8", "rules:\n  - ref: \"\xff\xfe\"\n", `rules\.yaml`),
		rulesFile("alias-bomb", string(rulesAliasBomb()), `rules\.yaml`, `(alias|too (large|deep|many))`).regression(1),
		rulesGen("rules/validate/50MB", "big.yaml", bigRules(50<<20), []string{"rules", "validate", "big.yaml", "--plan", "free"}, `big\.yaml`, `(too large|larger than|MB|bytes)`).envs(noEnvToken...).regression(1),
		rulesGen("rules/validate/deep-yaml", "deep.yaml", deepYAML(20000), []string{"rules", "validate", "deep.yaml", "--plan", "free"}, `deep\.yaml`, `(deep|nesting|depth)`).envs(noEnvToken...),
		rulesGen("rules/validate/deep-json", "deep.json", deepJSON(200000), []string{"rules", "validate", "deep.json", "--plan", "free"}, `deep\.json`, `(deep|nesting|depth)`).envs(noEnvToken...),
		rulesGen("rules/validate/binary", "blob.yaml", binary(1<<20), []string{"rules", "validate", "blob.yaml", "--plan", "free"}, `blob\.yaml`).envs(noEnvToken...).lines(5),
		bad("rules/validate/missing-file", []string{"rules", "validate", "nosuch.yaml"}, `nosuch\.yaml`).envs(noEnvToken...),
		bad("rules/validate/directory", []string{"rules", "validate", "rdir"}, `rdir`).with(map[string]hfile{"rdir": {dir: true}}).envs(noEnvToken...),
		bad("rules/validate/no-file", []string{"rules", "validate"}, `(FILE|requires at least 1 arg)`).envs(noEnvToken...),
		bad("rules/validate/bad-plan", []string{"rules", "validate", "rules.yaml", "--plan", "gold"}, `"gold"`).
			with(map[string]hfile{"rules.yaml": {body: validRules}}).envs(noEnvToken...),
		bad("rules/validate/bad-output", []string{"rules", "validate", "rules.yaml", "-o", "xml"}, `"xml"`).
			with(map[string]hfile{"rules.yaml": {body: validRules}}).envs(noEnvToken...),
		hcase{name: "rules/validate/ok/bom-crlf", args: []string{"rules", "validate", "rules.yaml", "--plan", "free"}, code: 0, requests: 0,
			env:   map[string]string{"CLOUDFLARE_API_TOKEN": ""},
			files: map[string]hfile{"rules.yaml": {body: "\ufeff" + strings.ReplaceAll(validRules, "\n", "\r\n")}}},
	)

	// -- rules diff / deploy / rollback / export / list / explain --
	rf := map[string]hfile{"rules.yaml": {body: validRules}}
	deploy := func(extra ...string) []string {
		return append([]string{"rules", "deploy", "rules.yaml", "-z", zoneFlag, "--yes"}, extra...)
	}
	add(
		bad("rules/deploy/expect-version-word", deploy("--expect-version", "abc"), `--expect-version`, `"abc"`).with(rf).regression(9),
		bad("rules/deploy/expect-version-negative", deploy("--expect-version", "-1"), `--expect-version`, `-1`).with(rf).regression(9),
		bad("rules/deploy/expect-version-empty", deploy("--expect-version", ""), `--expect-version`).with(rf).regression(9),
		bad("rules/deploy/expect-version-float", deploy("--expect-version", "1.5"), `--expect-version`).with(rf).regression(9),
		rulesGen("rules/deploy/alias-bomb", "rules.yaml", rulesAliasBomb, deploy(), `rules\.yaml`).regression(1),
		rulesGen("rules/deploy/two-documents", "rules.yaml", func() []byte { return []byte(validRules + "---\nrules: []\n") }, deploy(), `rules\.yaml:7`).regression(17),
		rulesGen("rules/deploy/rules-null", "rules.yaml", func() []byte { return []byte("rules:\n") }, deploy(), `rules\.yaml:1: rules`).regression(3),
		rulesGen("rules/deploy/rules-empty-list", "rules.yaml", func() []byte { return []byte("rules: []\n") }, deploy(), `--allow-empty`).regression(3),
		rulesGen("rules/deploy/invalid-rule", "rules.yaml", func() []byte {
			return []byte("rules:\n  - ref: a\n    expression: \"http.host eq\"\n    action_parameters: {cache: true}\n")
		}, deploy(), `rules\.yaml:3:\d+: rules\[0\]\.expression`).regression(9),
		rulesGen("rules/deploy/nul-in-ref", "rules.yaml", func() []byte {
			return []byte("rules:\n  - ref: \"a\\0b\"\n    expression: \"true\"\n    action_parameters: {cache: true}\n")
		}, deploy(), `rules\.yaml:2: rules\[0\]\.ref`).regression(17),
		// 11 rules fit every plan but Free, and the zone's plan is only known
		// from GET /zones: that one lookup is the least the refusal can cost.
		// Nothing else (no ruleset read, no write) may follow it.
		rulesGen("rules/deploy/over-plan", "rules.yaml", func() []byte { return []byte(tooManyRules(11)) }, deploy(), `rules\.yaml:32: rules: 11 rules exceed the free plan's limit of 10 per zone: rules\[10\] is the first one over it`).sends(1).regression(9),
		// 301 rules exceed the largest plan's limit: refused offline.
		rulesGen("rules/deploy/over-every-plan", "rules.yaml", func() []byte { return []byte(tooManyRules(301)) }, deploy(), `rules\.yaml:902: rules: 301 rules exceed the enterprise plan's limit of 300 per zone: rules\[300\] is the first one over it`).lines(5),
		bad("rules/deploy/missing-file", deploy(), `rules\.yaml`, `(does not exist|no such file)`),
		bad("rules/deploy/backup-dir-is-file", deploy("--backup-dir", "rules.yaml"), `--backup-dir|backup`, `rules\.yaml`).with(rf).regression(4),
		bad("rules/deploy/no-yes-off-tty", []string{"rules", "deploy", "rules.yaml", "-z", zoneFlag}, `--yes required when not running interactively`).with(rf).regression(9),
		bad("rules/deploy/no-zone", []string{"rules", "deploy", "rules.yaml", "--yes"}, `(no zone|--zone)`).with(rf),
		bad("rules/deploy/two-files", []string{"rules", "deploy", "rules.yaml", "rules.yaml", "-z", zoneFlag, "--yes"}, `unexpected argument "rules\.yaml"`).with(rf),
		bad("rules/rollback/to-version-word", []string{"rules", "rollback", "--to-version", "x", "-z", zoneFlag, "--yes"}, `--to-version`, `"x"`).regression(9),
		bad("rules/rollback/to-version-negative", []string{"rules", "rollback", "--to-version", "-1", "-z", zoneFlag, "--yes"}, `--to-version`).regression(9),
		bad("rules/rollback/to-version-zero", []string{"rules", "rollback", "--to-version", "0", "-z", zoneFlag, "--yes"}, `--to-version`).regression(9),
		bad("rules/rollback/to-version-empty", []string{"rules", "rollback", "--to-version", "", "-z", zoneFlag, "--yes"}, `--to-version`).regression(9),
		bad("rules/rollback/to-version-missing", []string{"rules", "rollback", "-z", zoneFlag, "--yes"}, `--to-version`),
		bad("rules/rollback/expect-version-word", []string{"rules", "rollback", "--to-version", "1", "--expect-version", "abc", "-z", zoneFlag, "--yes"}, `--expect-version`).regression(9),
		rulesGen("rules/diff/alias-bomb", "rules.yaml", rulesAliasBomb, []string{"rules", "diff", "rules.yaml", "-z", zoneFlag}, `rules\.yaml`).regression(1),
		rulesGen("rules/diff/two-documents", "rules.yaml", func() []byte { return []byte(validRules + "---\n" + validRules) }, []string{"rules", "diff", "rules.yaml", "-z", zoneFlag}, `rules\.yaml:7`).regression(17),
		rulesGen("rules/diff/unknown-key", "rules.yaml", func() []byte { return []byte("rules:\n  - ref: a\n    expresion: \"true\"\n") }, []string{"rules", "diff", "rules.yaml", "-z", zoneFlag}, `rules\.yaml:3: rules\[0\]\.expresion: unknown field`),
		rulesGen("rules/diff/deep-json", "deep.json", deepJSON(200000), []string{"rules", "diff", "deep.json", "-z", zoneFlag}, `deep\.json`),
		bad("rules/diff/missing-file", []string{"rules", "diff", "nosuch.yaml", "-z", zoneFlag}, `nosuch\.yaml`),
		bad("rules/diff/bad-output", []string{"rules", "diff", "rules.yaml", "-z", zoneFlag, "-o", "yaml"}, `--output "yaml": want one of text, json`).with(rf),
		bad("rules/export/file-is-directory", []string{"rules", "export", "-z", zoneFlag, "--file", "outdir"}, `outdir`, `directory`).
			with(map[string]hfile{"outdir": {dir: true}}).never_(`rename `, `\.tmp`).regression(4),
		bad("rules/export/file-no-parent", []string{"rules", "export", "-z", zoneFlag, "--file", "nodir/out.yaml"}, `nodir/out\.yaml`).regression(4),
		bad("rules/export/format", []string{"rules", "export", "-z", zoneFlag, "--format", "toml"}, `"toml"`),
		bad("rules/list/output", []string{"rules", "list", "-z", zoneFlag, "-o", "csv"}, `--output "csv": want one of text, json`),
		bad("rules/list/extra-arg", []string{"rules", "list", "-z", zoneFlag, "extra"}, `extra|accepts 0 arg|unknown command`),
		bad("rules/unknown-verb", []string{"rules", "apply", "rules.yaml"}, `unknown command "apply"`),
	)
	explain := func(extra ...string) []string {
		return append([]string{"rules", "explain", "rules.yaml", "--plan", "free"}, extra...)
	}
	add(
		// purge's URL rules and wording (issue 9): explain prints a purge command for the URL.
		bad("rules/explain/url-relative", explain("--url", "/a"), `--url /a: not an absolute URL`).with(rf),
		bad("rules/explain/url-ftp", explain("--url", "ftp://example.com/a"), `--url ftp://example\.com/a`).with(rf),
		bad("rules/explain/url-control", explain("--url", "https://example.com/\x01"), `--url`).with(rf).never_("\x01"),
		bad("rules/explain/url-missing", explain(), `--url`).with(rf),
		bad("rules/explain/status", explain("--url", "https://example.com/", "--status", "999"), `--status`).with(rf),
		bad("rules/explain/method", explain("--url", "https://example.com/", "-X", "G T"), `(-X|--method)`).with(rf),
		bad("rules/explain/ip", explain("--url", "https://example.com/", "--ip", "999.1.1.1"), `--ip`, `999\.1\.1\.1`).with(rf),
		bad("rules/explain/country", explain("--url", "https://example.com/", "--country", "ZZ"), `--country`, `ZZ`).with(rf),
		bad("rules/explain/device", explain("--url", "https://example.com/", "--device", "phone"), `--device`, `phone`).with(rf),
		bad("rules/explain/cookie", explain("--url", "https://example.com/", "--cookie", "novalue"), `--cookie`, `novalue`).with(rf),
		bad("rules/explain/header", explain("--url", "https://example.com/", "-H", "NoColon"), `(-H|--header)`, `NoColon`).with(rf),
		bad("rules/explain/plan", explain("--url", "https://example.com/", "--plan", "gold"), `"gold"`).with(rf),
		rulesGen("rules/explain/bad-file", "rules.yaml", func() []byte { return []byte("rules:\n  - ref: a\n    expresion: \"true\"\n") }, explain("--url", "https://example.com/"), `rules\.yaml:3: rules\[0\]\.expresion: unknown field`),
		rulesGen("rules/explain/alias-bomb", "rules.yaml", rulesAliasBomb, explain("--url", "https://example.com/"), `rules\.yaml`).regression(1),
	)

	// -- warm --
	// A loopback URL no one listens on: a flag wrongly accepted costs a refused connection, not a DNS lookup.
	warm := func(extra ...string) []string { return append([]string{"warm", "http://127.0.0.1:9/a"}, extra...) }
	add(
		bad("warm/rate-negative", warm("--rate", "-1"), `--rate "-1": must not be negative`),
		bad("warm/rate-nan", warm("--rate", "NaN"), `--rate`),
		bad("warm/concurrency-0", warm("--concurrency", "0"), `--concurrency "0": must be at least 1`),
		bad("warm/concurrency-negative", warm("--concurrency", "-1"), `--concurrency "-1": must be at least 1`),
		bad("warm/exclude-regex", warm("--exclude", "("), `--exclude "\(": .*missing closing \)`),
		bad("warm/device", warm("--device", "phone"), `device "phone"`),
		bad("warm/keep", warm("--keep", "everything"), `--keep`, `everything`),
		bad("warm/max-urls-negative", warm("--max-urls", "-1"), `--max-urls`),
		bad("warm/timeout-zero", warm("--timeout", "0s"), `--timeout`),
		bad("warm/timeout-negative", warm("--timeout", "-1s"), `--timeout`),
		bad("warm/origin-url-no-scheme", warm("--origin-url", "127.0.0.1:18080"), `--origin-url`, `127\.0\.0\.1:18080`).never_(`first path segment`).regression(14),
		bad("warm/sitemap-relative", []string{"warm", "--sitemap", "sitemap.xml"}, `--sitemap`, `sitemap\.xml`),
		bad("warm/no-urls", []string{"warm"}, `(no URLs|nothing to warm|give)`),
		bad("warm/item-ftp", []string{"warm", "ftp://example.com/a"}, `arg:1: ftp://example\.com/a: `),
		bad("warm/item-control", []string{"warm", "https://example.com/\x1b[2J"}, `arg:1: .*control`).never_(`\x1b\[2J`),
		bad("warm/file-line", []string{"warm", "-f", "urls.txt"}, `urls\.txt:2: `).with(map[string]hfile{"urls.txt": {body: "https://example.com/a\nnot a url\n"}}),
		bad("warm/file-nul", []string{"warm", "-f", "urls.txt"}, `^error: urls\.txt: not a text file \(NUL byte on line 1,`).with(map[string]hfile{"urls.txt": {gen: func() []byte { return []byte("https://example.com/\x00\n") }}}),
		bad("warm/file-binary", []string{"warm", "-f", "blob.bin"}, `blob\.bin`).with(map[string]hfile{"blob.bin": {gen: binary(1 << 20)}}).lines(3).regression(15),
		bad("warm/verbose-quiet", warm("-v", "-q"), `(quiet|verbose)`).never_(`if any flags in the group`).regression(14),
	)

	// -- sandbox (the command; it must not start on a bad flag) --
	sb := func(extra ...string) []string { return append([]string{"sandbox", "--addr", "127.0.0.1:0"}, extra...) }
	add(
		bad("sandbox/latency-negative", sb("--latency", "-5s"), `--latency`, `-5s`).regression(14),
		bad("sandbox/fail-rate-2", sb("--fail-rate", "2"), `--fail-rate "2": must be between 0 and 1`),
		bad("sandbox/fail-rate-negative", sb("--fail-rate", "-0.1"), `--fail-rate`),
		bad("sandbox/reset-rate", sb("--reset-rate", "1.5"), `--reset-rate`),
		bad("sandbox/throttle-rate-nan", sb("--throttle-rate", "NaN"), `--throttle-rate`).never_(`panic`, `goroutine`),
		bad("sandbox/fail-rate-nan", sb("--fail-rate", "NaN"), `--fail-rate`).never_(`panic`, `goroutine`),
		bad("sandbox/plan", sb("--plan", "gold"), `"gold"`),
		bad("sandbox/limit-unknown", sb("--limit", "bogus=1"), `bogus`),
		bad("sandbox/limit-no-value", sb("--limit", "tag_max_length"), `--limit`),
		bad("sandbox/addr-not-loopback", []string{"sandbox", "--addr", "0.0.0.0:0"}, `loopback`),
		bad("sandbox/addr-garbage", []string{"sandbox", "--addr", "not-an-addr"}, `--addr|not-an-addr`),
		hcase{name: "sandbox/addr-busy", args: []string{"sandbox", "--addr", "$BUSYADDR"}, code: 1, stderr: []string{`127\.0\.0\.1:\d+`, `(in use|busy)`},
			never: []string{`--help`, `for usage`}, requests: 0, defect: 14},
	)

	// -- the other commands --
	add(
		bad("zones/list/extra-arg", []string{"zones", "list", "extra"}, `extra|accepts 0 arg|unknown command`),
		bad("zones/list/output", []string{"zones", "list", "-o", "yaml"}, `--output "yaml": want one of text, json`),
		bad("zones/list/color", []string{"zones", "list", "--color", "sometimes"}, `--color "sometimes": want one of auto, always, never`),
		bad("zones/list/verbose-quiet", []string{"zones", "list", "-v", "-q"}, `(quiet|verbose)`).never_(`if any flags in the group`).regression(14),
		bad("zones/unknown-verb", []string{"zones", "frob"}, `unknown command "frob" for "cfcache zones"`),
		bad("limits/plan", []string{"limits", "--plan", "gold"}, `"gold"`),
		bad("limits/output", []string{"limits", "-o", "xml"}, `--output "xml": want one of text, json`),
		bad("version/extra-arg", []string{"version", "extra"}, `extra|accepts 0 arg|unknown command`),
		bad("completion/shell", []string{"completion", "tcsh"}, `tcsh`),
		bad("completion/none", []string{"completion"}, `(bash|requires|accepts)`),
		bad("root/unknown-command", []string{"frobnicate"}, `unknown command "frobnicate"`),
		bad("root/unknown-flag", []string{"--frobnicate"}, `unknown flag: --frobnicate`),
	)
	_ = z
	return cs
}
