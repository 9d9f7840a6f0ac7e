package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"strings"
)

// Secret is a credential value. It formats as [redacted] so that printing a
// struct that holds one by mistake leaks nothing; Reveal is the only way out.
type Secret struct{ v string }

// NewSecret wraps a credential value.
func NewSecret(v string) Secret { return Secret{v: v} }

func (s Secret) Reveal() string   { return s.v }
func (s Secret) String() string   { return "[redacted]" }
func (s Secret) GoString() string { return "[redacted]" }
func (s Secret) IsZero() bool     { return s.v == "" }

// MarshalText keeps secrets out of JSON and YAML encodings.
func (s Secret) MarshalText() ([]byte, error) { return []byte("[redacted]"), nil }

// Credentials are what authenticates API calls: a token, or a legacy key with an email.
type Credentials struct {
	Token  Secret
	Key    Secret
	Email  string
	Source string // where they came from, for messages: never the value
}

// ErrNoCredentials means no source provided any.
var ErrNoCredentials = errors.New("no Cloudflare credentials: set CLOUDFLARE_API_TOKEN, use --api-token-file FILE, or put api_token in the config file (chmod 600)")

// Credentials finds credentials, first found wins: CLOUDFLARE_API_TOKEN (or
// CF_API_TOKEN); CLOUDFLARE_API_KEY with CLOUDFLARE_EMAIL; the token file;
// api_token (or api_key with email) in the selected profile.
func (s *Settings) Credentials(env Env, tokenFile string) (Credentials, error) {
	if env == nil {
		env = OSEnv
	}
	for _, name := range []string{"CLOUDFLARE_API_TOKEN", "CF_API_TOKEN"} {
		if v, ok := env(name); ok && strings.TrimSpace(v) != "" {
			return Credentials{Token: NewSecret(strings.TrimSpace(v)), Source: name}, nil
		}
	}
	key, _ := env("CLOUDFLARE_API_KEY")
	email, _ := env("CLOUDFLARE_EMAIL")
	if key != "" || email != "" {
		if key == "" || email == "" {
			return Credentials{}, errors.New("CLOUDFLARE_API_KEY and CLOUDFLARE_EMAIL must be set together")
		}
		return Credentials{Key: NewSecret(key), Email: email, Source: "CLOUDFLARE_API_KEY"}, nil
	}
	if tokenFile != "" {
		tok, err := ReadTokenFile(tokenFile)
		if err != nil {
			return Credentials{}, err
		}
		return Credentials{Token: NewSecret(tok), Source: "token file " + tokenFile}, nil
	}
	if s != nil {
		if tok, _ := s.profileKeys["api_token"].(string); tok != "" {
			return Credentials{Token: NewSecret(tok), Source: "config file " + s.ConfigFile}, nil
		}
		if key, _ := s.profileKeys["api_key"].(string); key != "" {
			email, _ := s.profileKeys["email"].(string)
			if email == "" {
				return Credentials{}, fmt.Errorf("config file %s: api_key needs email", s.ConfigFile)
			}
			return Credentials{Key: NewSecret(key), Email: email, Source: "config file " + s.ConfigFile}, nil
		}
	}
	return Credentials{}, ErrNoCredentials
}

// ReadTokenFile reads a token from a file that only its owner can read.
func ReadTokenFile(path string) (string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("token file: %s", oneLine(err))
	}
	if insecureMode(info.Mode().Perm()) {
		return "", fmt.Errorf("token file %s is readable by group or others (mode %04o): run `chmod 600 %s`", path, info.Mode().Perm(), path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("token file: %s", oneLine(err))
	}
	tok := strings.TrimSpace(string(data))
	if tok == "" {
		return "", fmt.Errorf("token file %s is empty", path)
	}
	if strings.ContainsAny(tok, " \t\r\n") {
		return "", fmt.Errorf("token file %s must hold only the token (one line)", path)
	}
	return tok, nil
}

// insecureMode: group or others may read. Windows has no such bits.
func insecureMode(m fs.FileMode) bool {
	return runtime.GOOS != "windows" && m&0o077 != 0
}
