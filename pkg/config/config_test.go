package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/cfcache/cfcache/pkg/limits"
)

func newFlags(args ...string) *pflag.FlagSet {
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	fs.StringP("zone", "z", "", "")
	fs.String("profile", "", "")
	fs.String("config", "", "")
	fs.String("api-url", "", "")
	fs.StringP("output", "o", "", "")
	fs.String("color", "", "")
	fs.String("account-id", "", "")
	if err := fs.Parse(args); err != nil {
		panic(err)
	}
	return fs
}

func writeConfig(t *testing.T, body string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

const layered = `
zone: top.example
output: text
profiles:
  default:
    zone: profile.example
  staging:
    zone: staging.example
    output: json
`

// One test per precedence layer: default < config top level < profile < env < flag.
func TestPrecedenceDefault(t *testing.T) {
	s, err := Load(newFlags(), MapEnv(map[string]string{"XDG_CONFIG_HOME": t.TempDir()}))
	if err != nil {
		t.Fatal(err)
	}
	if s.Zone != "" || s.Output != "text" || s.APIURL != DefaultAPIURL || s.Color != "auto" || s.ConfigFile != "" {
		t.Fatalf("defaults wrong: %+v", s)
	}
}

func TestPrecedenceConfigTopLevel(t *testing.T) {
	p := writeConfig(t, "zone: top.example\n", 0o600)
	s, err := Load(newFlags("--config", p), MapEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if s.Zone != "top.example" {
		t.Fatalf("zone = %q", s.Zone)
	}
}

func TestPrecedenceProfile(t *testing.T) {
	p := writeConfig(t, layered, 0o600)
	s, err := Load(newFlags("--config", p), MapEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if s.Zone != "profile.example" || s.Output != "text" {
		t.Fatalf("default profile: %+v", s)
	}
	s, err = Load(newFlags("--config", p), MapEnv(map[string]string{"CFCACHE_PROFILE": "staging"}))
	if err != nil {
		t.Fatal(err)
	}
	if s.Zone != "staging.example" || s.Output != "json" || s.Profile != "staging" {
		t.Fatalf("staging profile: %+v", s)
	}
}

func TestPrecedenceEnv(t *testing.T) {
	p := writeConfig(t, layered, 0o600)
	s, err := Load(newFlags("--config", p), MapEnv(map[string]string{"CFCACHE_ZONE": "env.example", "CFCACHE_OUTPUT": "json"}))
	if err != nil {
		t.Fatal(err)
	}
	if s.Zone != "env.example" || s.Output != "json" {
		t.Fatalf("env layer: %+v", s)
	}
}

func TestPrecedenceFlag(t *testing.T) {
	p := writeConfig(t, layered, 0o600)
	s, err := Load(newFlags("--config", p, "-z", "flag.example", "-o", "text"), MapEnv(map[string]string{"CFCACHE_ZONE": "env.example", "CFCACHE_OUTPUT": "json"}))
	if err != nil {
		t.Fatal(err)
	}
	if s.Zone != "flag.example" || s.Output != "text" {
		t.Fatalf("flag layer: %+v", s)
	}
}

// NO_COLOR and CLICOLOR_FORCE are the environment layer of color: above the
// config file, below --color.
func TestPrecedenceColor(t *testing.T) {
	p := writeConfig(t, "color: always\n", 0o600)
	cases := []struct {
		flags []string
		env   map[string]string
		want  string
	}{
		{nil, nil, "always"},
		{nil, map[string]string{"NO_COLOR": "1"}, "never"},
		{nil, map[string]string{"NO_COLOR": ""}, "always"},
		{nil, map[string]string{"NO_COLOR": "1", "CLICOLOR_FORCE": "1"}, "never"},
		{[]string{"--color", "auto"}, map[string]string{"CLICOLOR_FORCE": "1"}, "auto"},
	}
	for _, c := range cases {
		s, err := Load(newFlags(append([]string{"--config", p}, c.flags...)...), MapEnv(c.env))
		if err != nil {
			t.Fatal(err)
		}
		if s.Color != c.want {
			t.Errorf("flags %v env %v: color %q, want %q", c.flags, c.env, s.Color, c.want)
		}
	}
	s, err := Load(newFlags(), MapEnv(map[string]string{"XDG_CONFIG_HOME": t.TempDir(), "CLICOLOR_FORCE": "1"}))
	if err != nil || s.Color != "always" {
		t.Fatalf("CLICOLOR_FORCE without a file: %q %v", s.Color, err)
	}
}

func TestConfigFileViaEnv(t *testing.T) {
	p := writeConfig(t, "zone: fromenvfile.example\n", 0o600)
	s, err := Load(newFlags(), MapEnv(map[string]string{"CFCACHE_CONFIG": p}))
	if err != nil || s.Zone != "fromenvfile.example" {
		t.Fatalf("got %+v, %v", s, err)
	}
}

func TestConfigErrors(t *testing.T) {
	cases := []struct {
		name, body string
		mode       os.FileMode
		flags      []string
		want       string
	}{
		{"malformed", "zone: [unclosed\n", 0o600, nil, "is not valid YAML"},
		{"unknown key", "zonee: x\n", 0o600, nil, "unknown key zonee (did you mean zone?)"},
		{"unknown profile key", "profiles:\n  default:\n    outptu: json\n", 0o600, nil, "profiles.default.outptu (did you mean output?)"},
		{"secret readable", "api_token: abc\n", 0o644, nil, "chmod 600"},
		{"secret in profile readable", "profiles:\n  p:\n    api_token: abc\n", 0o640, nil, "chmod 600"},
		{"missing profile", "zone: x\n", 0o600, []string{"--profile", "nope"}, `profile "nope" (from --profile) not found`},
		{"bad limits", "limits:\n  free:\n    urls_per_request: 0\n", 0o600, nil, "limits.free"},
		{"http api url", "api_url: http://api.example.com/client/v4\n", 0o600, nil, "refusing plain http"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writeConfig(t, c.body, c.mode)
			_, err := Load(newFlags(append([]string{"--config", p}, c.flags...)...), MapEnv(nil))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
	if _, err := Load(newFlags("--config", filepath.Join(t.TempDir(), "absent.yaml")), MapEnv(nil)); err == nil {
		t.Fatal("an explicitly named missing config file must be an error")
	}
}

func TestReadableConfigWithoutSecretIsFine(t *testing.T) {
	p := writeConfig(t, "zone: x\n", 0o644)
	if _, err := Load(newFlags("--config", p), MapEnv(nil)); err != nil {
		t.Fatal(err)
	}
}

func TestLimitsOverride(t *testing.T) {
	p := writeConfig(t, "limits:\n  free:\n    urls_per_request: 30\n", 0o600)
	s, err := Load(newFlags("--config", p), MapEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Limits.For(limits.Free).URLsPerRequest; got != 30 {
		t.Fatalf("urls_per_request = %d", got)
	}
}

func TestCheckAPIURL(t *testing.T) {
	ok := []string{DefaultAPIURL, "http://127.0.0.1:8787/client/v4", "http://localhost:1/x", "http://[::1]:80/"}
	for _, u := range ok {
		if err := CheckAPIURL(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	bad := []string{"http://api.cloudflare.com/client/v4", "http://10.0.0.1/", "ftp://x/", "not a url", "http://127.0.0.1.example.com/"}
	for _, u := range bad {
		if err := CheckAPIURL(u); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
}

func TestCredentialsOrder(t *testing.T) {
	dir := t.TempDir()
	tokFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokFile, []byte("file-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, "api_token: config-token\n", 0o600)
	s, err := Load(newFlags("--config", cfg), MapEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		env       map[string]string
		tokenFile string
		want      string
	}{
		{map[string]string{"CLOUDFLARE_API_TOKEN": "env-token", "CF_API_TOKEN": "cf-token"}, tokFile, "env-token"},
		{map[string]string{"CF_API_TOKEN": "cf-token"}, tokFile, "cf-token"},
		{map[string]string{"CLOUDFLARE_API_KEY": "k", "CLOUDFLARE_EMAIL": "a@b.c"}, tokFile, "key:k"},
		{nil, tokFile, "file-token"},
		{nil, "", "config-token"},
	}
	for _, c := range cases {
		cr, err := s.Credentials(MapEnv(c.env), c.tokenFile)
		if err != nil {
			t.Fatal(err)
		}
		got := cr.Token.Reveal()
		if !cr.Key.IsZero() {
			got = "key:" + cr.Key.Reveal()
		}
		if got != c.want {
			t.Errorf("env %v file %q: got %q, want %q", c.env, c.tokenFile, got, c.want)
		}
		if strings.Contains(cr.Source, got) {
			t.Errorf("source %q reveals the secret", cr.Source)
		}
	}
	if _, err := (&Settings{}).Credentials(MapEnv(nil), ""); err != ErrNoCredentials {
		t.Errorf("no credentials: got %v", err)
	}
	loose := filepath.Join(dir, "loose")
	if err := os.WriteFile(loose, []byte("t"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := (&Settings{}).Credentials(MapEnv(nil), loose); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("readable token file: %v", err)
	}
}

func TestSecretNeverFormats(t *testing.T) {
	c := Credentials{Token: NewSecret("s3cr3t-value"), Source: "x"}
	for _, out := range []string{
		c.Token.String(), strings.TrimSpace(sprintAll(c)),
	} {
		if strings.Contains(out, "s3cr3t-value") {
			t.Fatalf("secret leaked in %q", out)
		}
	}
}
