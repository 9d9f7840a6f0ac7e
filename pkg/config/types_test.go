package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// issue 9 #10: a known key of the wrong type is refused naming the file, the
// key and the type wanted, at top level, in any profile, and in limits.
func TestWrongTypedKeysAreRefused(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{"zone: [1, 2]\n", "zone: want a string, got a list"},
		{"output: [a]\n", "output: want a string, got a list"},
		{"api_token: [T]\n", "api_token: want a string, got a list"},
		{"api_key: {a: b}\n", "api_key: want a string, got a mapping"},
		{"email: true\n", "email: want a string, got a boolean"},
		{"color: 1\n", "color: want a string, got an integer"},
		{"account_id: 1.5\n", "account_id: want a string, got a number"},
		{"api_url: [x]\n", "api_url: want a string, got a list"},
		{"profiles:\n  default:\n    zone: [a]\n", "profiles.default.zone: want a string, got a list"},
		{"profiles:\n  ci:\n    output: {x: 1}\n", "profiles.ci.output: want a string, got a mapping"},
		{"profiles: [a]\n", "profiles: want a mapping of profile names to settings, got a list"},
		{"profiles:\n  ci: 3\n", "profiles.ci: want a mapping of settings, got an integer"},
		{"limits: [1]\n", "limits: want a mapping of plan names to limits, got a list"},
		{"limits: 5\n", "limits: want a mapping of plan names to limits, got an integer"},
		{"limits:\n  free: [1]\n", "limits.free: want a mapping of limit names to values, got a list"},
		{"limits:\n  free:\n    urls_per_request: x\n", "limits.free.urls_per_request: want an integer, got a string"},
		{"limits:\n  pro:\n    urls_per_request: [1]\n", "limits.pro.urls_per_request: want an integer, got a list"},
	} {
		p := writeConfig(t, c.body, 0o600)
		_, err := Load(newFlags("--config", p, "--zone", "flag.example"), MapEnv(nil))
		if err == nil || !strings.Contains(err.Error(), "config file "+p+": ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q naming the file", c.body, err, c.want)
		}
	}
	// null is no value, like an absent key.
	p := writeConfig(t, "zone:\nprofiles:\n  default:\n    output:\n", 0o600)
	if s, err := Load(newFlags("--config", p), MapEnv(nil)); err != nil || s.Zone != "" || s.Output != "text" {
		t.Fatalf("null values: %v %+v", err, s)
	}
}

// issue 9 #10: Origin says which flag, variable or key set a value, so an
// error about a bad value can name it.
func TestOrigins(t *testing.T) {
	p := writeConfig(t, "output: yaml\nprofiles:\n  ci:\n    color: pink\n    zone: ci.example\n", 0o600)
	s, err := Load(newFlags("--config", p, "--profile", "ci", "--account-id", "a"), MapEnv(map[string]string{"CLOUDFLARE_BASE_URL": DefaultAPIURL}))
	if err != nil {
		t.Fatal(err)
	}
	for flag, want := range map[string]string{
		"output":     p + ": output",
		"color":      p + ": profiles.ci.color",
		"zone":       p + ": profiles.ci.zone",
		"api-url":    "CLOUDFLARE_BASE_URL",
		"account-id": "--account-id",
	} {
		if got := s.Origin(flag); got != want {
			t.Errorf("origin of %s: %q, want %q", flag, got, want)
		}
	}
	s, err = Load(newFlags("--config", p), MapEnv(map[string]string{"CFCACHE_OUTPUT": "xml", "NO_COLOR": "1"}))
	if err != nil {
		t.Fatal(err)
	}
	if s.Origin("output") != "CFCACHE_OUTPUT" || s.Origin("color") != "NO_COLOR or CLICOLOR_FORCE" || s.OriginIsFlag("output") {
		t.Errorf("env origins: %q %q", s.Origin("output"), s.Origin("color"))
	}
	_, err = Load(newFlags("--config", p), MapEnv(map[string]string{"CLOUDFLARE_BASE_URL": "http://api.example.com/"}))
	if err == nil || !strings.Contains(err.Error(), "(from CLOUDFLARE_BASE_URL)") {
		t.Errorf("api url error without its origin: %v", err)
	}
	fs := FlagsAndEnv(newFlags("-o", "x"), MapEnv(map[string]string{"CFCACHE_OUTPUT": "json"}))
	if fs.Output != "x" || fs.Origin("output") != "--output" || fs.Color != "auto" || fs.Origin("color") != "default" {
		t.Errorf("FlagsAndEnv: %+v %q", fs, fs.Origin("output"))
	}
}

const secretValue = "tok-SECRET-0123456789abcdef"

// issue 9 #11: a --api-token-file argument that is not a readable file may
// be the token itself: its value is never printed.
func TestTokenFileErrorsDoNotEchoTheArgument(t *testing.T) {
	dir := t.TempDir()
	unreadable := filepath.Join(dir, secretValue+"-unreadable")
	if err := os.WriteFile(unreadable, []byte("x"), 0o200); err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		secretValue:                             "--api-token-file: no such file (the path is not shown, in case it is a token",
		filepath.Join(dir, secretValue, "sub"):  "--api-token-file: no such file",
		secretValue + strings.Repeat("x", 5000): "--api-token-file: cannot read the file: file name too long",
	}
	if os.Geteuid() != 0 { // root reads anything
		cases[unreadable] = "--api-token-file: permission denied"
	}
	for arg, want := range cases {
		_, err := (&Settings{}).Credentials(MapEnv(nil), arg)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), secretValue) {
			t.Errorf("got %v, want %q and never the argument", err, want)
		}
		var pe *fs.PathError
		if errors.As(err, &pe) {
			t.Errorf("the error keeps a *PathError holding the argument: %v", err)
		}
	}
}

// issue 9 #14: a trailing newline (LF or CRLF) in a token file is trimmed;
// any other control character in a token, from any source, is refused
// naming the source and never the value.
func TestTokenControlCharacters(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, body := range []string{secretValue + "\n", secretValue + "\r\n", " " + secretValue + "\r\n\r\n"} {
		c, err := (&Settings{}).Credentials(MapEnv(nil), write("ok", body))
		if err != nil || c.Token.Reveal() != secretValue {
			t.Errorf("token file %q: %v", body, err)
		}
	}
	cfg := func(body string) *Settings {
		s, err := Load(newFlags("--config", writeConfig(t, body, 0o600)), MapEnv(nil))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	bad := []struct {
		name string
		s    *Settings
		env  map[string]string
		file string
		want string
	}{
		{"env CRLF inside", nil, map[string]string{"CLOUDFLARE_API_TOKEN": "tok\r\n" + secretValue}, "", "the environment variable CLOUDFLARE_API_TOKEN holds a line break (CR or LF)"},
		{"env escape", nil, map[string]string{"CF_API_TOKEN": secretValue + "\x1b[0m"}, "", "the environment variable CF_API_TOKEN holds a control character (U+001B)"},
		{"env NUL", nil, map[string]string{"CLOUDFLARE_API_TOKEN": secretValue + "\x00x"}, "", "holds a control character (U+0000)"},
		{"env space", nil, map[string]string{"CLOUDFLARE_API_TOKEN": "Bearer " + secretValue}, "", "CLOUDFLARE_API_TOKEN holds a space"},
		{"env key", nil, map[string]string{"CLOUDFLARE_API_KEY": secretValue + "\t1", "CLOUDFLARE_EMAIL": "a@example.com"}, "", "CLOUDFLARE_API_KEY holds a control character (U+0009)"},
		{"env email", nil, map[string]string{"CLOUDFLARE_API_KEY": secretValue, "CLOUDFLARE_EMAIL": "a@example.com\nX: y"}, "", "CLOUDFLARE_EMAIL holds a line break"},
		{"file tab", nil, nil, write("tab", "a\t"+secretValue+"\n"), "token file " + filepath.Join(dir, "tab") + " holds a control character (U+0009)"},
		{"file bell", nil, nil, write("bell", secretValue+"\a\n"), "token file " + filepath.Join(dir, "bell") + " holds a control character (U+0007)"},
		{"file two lines", nil, nil, write("two", secretValue+"\r\nmore\r\n"), "must hold only the token (one line)"},
		{"config top", cfg("api_token: \"" + secretValue + "\\u001b\"\n"), nil, "", ": api_token holds a control character (U+001B)"},
		{"config profile", cfg("profiles:\n  default:\n    api_token: \"a\\r\\n" + secretValue + "\"\n"), nil, "", ": profiles.default.api_token holds a line break"},
	}
	for _, c := range bad {
		_, err := c.s.Credentials(MapEnv(c.env), c.file)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), secretValue) {
			t.Errorf("%s: got %v, want %q and never the value", c.name, err, c.want)
		}
	}
}

func TestProfileErrorsNameTheirOrigin(t *testing.T) {
	p := writeConfig(t, "zone: x\n", 0o600)
	_, err := Load(newFlags("--config", p), MapEnv(map[string]string{"CFCACHE_PROFILE": "ci"}))
	if err == nil || !strings.Contains(err.Error(), `profile "ci" (from CFCACHE_PROFILE) not found in `+p) {
		t.Errorf("got %v", err)
	}
	_, err = Load(newFlags("--profile", "ci"), MapEnv(map[string]string{"XDG_CONFIG_HOME": t.TempDir()}))
	if err == nil || !strings.Contains(err.Error(), `profile "ci" (from --profile) requested but there is no config file`) {
		t.Errorf("got %v", err)
	}
}
