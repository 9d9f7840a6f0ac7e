package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The config-file half of issue 9's hostile-input suite (the binary is
// driven by e2e/hostile_test.go). Each case is one file through Load and
// asserts the refusal names the file, the key and the reason. Cases marked
// with an issue-9 defect wait for its fix.
func TestHostileConfigFiles(t *testing.T) {
	cases := []struct {
		name, body string
		mode       os.FileMode
		want       []string // substrings of the error
		defect     int
	}{
		{"zone-list", "zone: [1, 2]\n", 0o600, []string{"zone", "string"}, 10},
		{"output-list", "output: [a]\n", 0o600, []string{"output", "string"}, 10},
		{"api-token-list", "api_token: [T]\n", 0o600, []string{"api_token", "string"}, 10},
		{"color-map", "color: {a: 1}\n", 0o600, []string{"color", "string"}, 10},
		{"account-id-list", "account_id: [x]\n", 0o600, []string{"account_id", "string"}, 10},
		{"profile-zone-list", "profiles:\n  default:\n    zone: [1]\n", 0o600, []string{"profiles.default.zone", "string"}, 10},
		{"api-url-plain-http", "api_url: http://api.example.com/client/v4\n", 0o600, []string{"api_url", "refusing plain http"}, 10},
		{"profiles-list", "profiles: [a]\n", 0o600, []string{"profiles: want a mapping"}, 0},
		{"unknown-key", "zonee: x\n", 0o600, []string{"unknown key zonee (did you mean zone?)"}, 0},
		{"secret-0644", "api_token: s3cr3t-t0ken-value\n", 0o644, []string{"chmod 600"}, 0},
		{"secret-in-profile-0640", "profiles:\n  default:\n    api_token: s3cr3t-t0ken-value\n", 0o640, []string{"chmod 600"}, 0},
		{"invalid-yaml", "zone: [unclosed\n", 0o600, []string{"not valid YAML"}, 0},
		{"alias-bomb", "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n", 0o600, nil, 0},
		{"limits-not-mapping", "limits:\n  free: 5\n", 0o600, []string{"limits.free"}, 0},
		{"not-a-mapping", "- a\n", 0o600, nil, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "cfg.yaml")
			if err := os.WriteFile(p, []byte(c.body), c.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(p, c.mode); err != nil {
				t.Fatal(err)
			}
			_, err := Load(newFlags("--config", p), MapEnv(map[string]string{"XDG_CONFIG_HOME": t.TempDir()}))
			note := ""
			if c.defect != 0 {
				note = fmt.Sprintf(" [regression: issue-9 defect #%d]", c.defect)
			}
			if err == nil {
				t.Fatalf("accepted%s", note)
			}
			msg := err.Error()
			if !strings.Contains(msg, p) {
				t.Errorf("%q does not name the file%s", msg, note)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("%q does not contain %q%s", msg, w, note)
				}
			}
			if strings.Contains(msg, "s3cr3t-t0ken-value") || strings.Contains(msg, "\n") {
				t.Errorf("message shows the secret or spans lines: %q", msg)
			}
		})
	}
}

// Token files: missing, wide open, empty, two lines are refused naming the
// file; a file written on Windows (CRLF) is still one token.
func TestHostileTokenFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const tok = "s3cr3t-t0ken-value"
	for _, c := range []struct {
		name, path, want string
	}{
		{"0644", write("open", tok+"\n", 0o644), "chmod 600"},
		{"empty", write("empty", "\r\n", 0o600), "empty"},
		{"two-lines", write("two", tok+"\nx\n", 0o600), "one line"},
		{"inner-cr", write("cr", tok+"\rx", 0o600), "one line"},
		{"missing", filepath.Join(dir, "nosuch"), "no such file"}, // and never the path: it may be a token
	} {
		_, err := ReadTokenFile(c.path)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), tok) || c.name == "missing" && strings.Contains(err.Error(), "nosuch") {
			t.Errorf("%s: err = %v, want one naming %q and not the token", c.name, err, c.want)
		}
	}
	got, err := ReadTokenFile(write("crlf", tok+"\r\n", 0o600))
	if err != nil || got != tok {
		t.Errorf("CRLF token file: %q, %v", got, err)
	}
	// A token given where a path was expected must not be echoed (issue 9 defect #11).
	if _, err := ReadTokenFile(tok); err == nil || strings.Contains(err.Error(), tok) {
		t.Errorf("missing token file named by its token: %v [regression: issue-9 defect #11]", err)
	}
}
