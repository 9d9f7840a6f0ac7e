package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad (issue 9): whatever a config file holds, Load never panics, and
// every error it returns is a config error: one line that names the file.
func FuzzLoad(f *testing.F) {
	for _, seed := range []string{
		layered,
		"zone: [1, 2]\n",
		"output: [a]\n",
		"api_token: [T]\n",
		"profiles:\n  default:\n    zone: {a: b}\n",
		"profiles: [1]\n",
		"limits:\n  free:\n    urls_per_request: x\n",
		"limits:\n  gold: {}\n",
		"limits: [1]\n",
		"a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n",
		"zone: !!binary AAAA\n",
		"? [a]\n: b\n",
		"1: 2\n",
		"profiles:\n  1: {zone: x}\n",
		"zone: x\n---\nzone: y\n",
		"api_url: ftp://x\n",
		"\xef\xbb\xbfzone: x\n",
		"",
		"~\n",
		"[]\n",
		"api_token: [s3cr3t]\n",
		"limits:\n  free:\n    tag_max_length: 5\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "config.yaml")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Load(newFlags("--config", p), MapEnv(nil))
		if err == nil {
			return
		}
		if msg := err.Error(); !strings.Contains(msg, p) || strings.Contains(msg, "\n") {
			t.Fatalf("not a one-line config error naming the file: %q", msg)
		}
	})
}
