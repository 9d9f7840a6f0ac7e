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
// api_token (or api_key with email) in the selected profile. A value that
// could not be a credential (a line break or other control character, a
// space inside) is refused here, before anything is sent, naming where it
// came from and never the value: sent as a header it would fail as "cannot
// reach the API", and echoed it would leak the token.
func (s *Settings) Credentials(env Env, tokenFile string) (Credentials, error) {
	if env == nil {
		env = OSEnv
	}
	for _, name := range []string{"CLOUDFLARE_API_TOKEN", "CF_API_TOKEN"} {
		if v, ok := env(name); ok && strings.TrimSpace(v) != "" {
			tok := strings.TrimSpace(v)
			if err := checkSecret(tok, "the environment variable "+name); err != nil {
				return Credentials{}, err
			}
			return Credentials{Token: NewSecret(tok), Source: name}, nil
		}
	}
	key, _ := env("CLOUDFLARE_API_KEY")
	email, _ := env("CLOUDFLARE_EMAIL")
	key, email = strings.TrimSpace(key), strings.TrimSpace(email)
	if key != "" || email != "" {
		if key == "" || email == "" {
			return Credentials{}, errors.New("CLOUDFLARE_API_KEY and CLOUDFLARE_EMAIL must be set together")
		}
		if err := checkSecret(key, "the environment variable CLOUDFLARE_API_KEY"); err != nil {
			return Credentials{}, err
		}
		if err := checkSecret(email, "the environment variable CLOUDFLARE_EMAIL"); err != nil {
			return Credentials{}, err
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
		src := func(key string) string {
			return fmt.Sprintf("config file %s: %s", s.ConfigFile, s.keyOrigin(key))
		}
		if tok, _ := s.profileKeys["api_token"].(string); strings.TrimSpace(tok) != "" {
			tok = strings.TrimSpace(tok)
			if err := checkSecret(tok, src("api_token")); err != nil {
				return Credentials{}, err
			}
			return Credentials{Token: NewSecret(tok), Source: "config file " + s.ConfigFile}, nil
		}
		if key, _ := s.profileKeys["api_key"].(string); strings.TrimSpace(key) != "" {
			key = strings.TrimSpace(key)
			email, _ := s.profileKeys["email"].(string)
			email = strings.TrimSpace(email)
			if email == "" {
				return Credentials{}, fmt.Errorf("config file %s: api_key needs email", s.ConfigFile)
			}
			if err := checkSecret(key, src("api_key")); err != nil {
				return Credentials{}, err
			}
			if err := checkSecret(email, src("email")); err != nil {
				return Credentials{}, err
			}
			return Credentials{Key: NewSecret(key), Email: email, Source: "config file " + s.ConfigFile}, nil
		}
	}
	return Credentials{}, ErrNoCredentials
}

// checkSecret refuses a credential that cannot be sent as an HTTP header
// value or that holds more than the credential, naming where it came from
// (source) and what is wrong, never the value.
func checkSecret(v, source string) error {
	for _, r := range v {
		var what string
		switch {
		case r == '\r' || r == '\n':
			what = "a line break (CR or LF)"
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			what = fmt.Sprintf("a control character (U+%04X)", r)
		case r == ' ' || r == '\u00a0':
			what = "a space"
		default:
			continue
		}
		return fmt.Errorf("%s holds %s: it must hold only the credential, on one line (the value is not shown)", source, what)
	}
	return nil
}

// tokenFileArg names the --api-token-file argument in messages when the file
// cannot be found or read: then the argument may well be the token itself
// (`--api-token-file "$CLOUDFLARE_API_TOKEN"`), so it is never printed.
const tokenFileArg = "--api-token-file"

// ReadTokenFile reads a token from a file that only its owner can read. A
// trailing newline (LF or CRLF, as editors and `echo` leave) is trimmed; any
// other control character is refused.
func ReadTokenFile(path string) (string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return "", tokenFileError(err)
	}
	if info.IsDir() {
		return "", fmt.Errorf("%s: the path is a directory, not a file holding the token", tokenFileArg)
	}
	if insecureMode(info.Mode().Perm()) {
		return "", fmt.Errorf("token file %s is readable by group or others (mode %04o): run `chmod 600 %s`", path, info.Mode().Perm(), path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", tokenFileError(err)
	}
	tok := strings.TrimSpace(string(data))
	if tok == "" {
		return "", fmt.Errorf("token file %s is empty", path)
	}
	if strings.ContainsAny(tok, "\r\n") {
		return "", fmt.Errorf("token file %s must hold only the token (one line)", path)
	}
	if err := checkSecret(tok, "token file "+path); err != nil {
		return "", err
	}
	return tok, nil
}

// tokenFileError says why the token file could not be read without the
// path (see tokenFileArg) and without the *PathError that holds it.
func tokenFileError(err error) error {
	var reason string
	switch {
	case errors.Is(err, fs.ErrNotExist):
		reason = "no such file"
	case errors.Is(err, fs.ErrPermission):
		reason = "permission denied"
	default:
		reason = "cannot read the file"
		var pe *fs.PathError
		if errors.As(err, &pe) {
			reason += ": " + pe.Err.Error()
		}
	}
	return fmt.Errorf("%s: %s (the path is not shown, in case it is a token; give the path of a file holding the token)", tokenFileArg, reason)
}

// insecureMode: group or others may read. Windows has no such bits.
func insecureMode(m fs.FileMode) bool {
	return runtime.GOOS != "windows" && m&0o077 != 0
}
