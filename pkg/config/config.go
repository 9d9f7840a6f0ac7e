// Package config resolves the settings of one run: flag > environment >
// config file (selected profile, then top level) > default, implemented once
// here with a viper instance per run, plus the credentials and their rules.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/cfcache/cfcache/pkg/limits"
)

// DefaultAPIURL is Cloudflare's API base.
const DefaultAPIURL = "https://api.cloudflare.com/client/v4"

// Env looks up an environment variable; tests pass a map instead of the process's.
type Env func(key string) (string, bool)

// OSEnv is the process environment.
func OSEnv(key string) (string, bool) { return os.LookupEnv(key) }

// MapEnv makes an Env from a map (tests).
func MapEnv(m map[string]string) Env {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// setting ties a global flag to its config key and environment variables.
type setting struct {
	flag, key string
	env       []string
	// fromEnv reads the environment layer when it is not a plain variable.
	fromEnv  func(Env) (string, bool)
	envNames string // the variables fromEnv reads, for messages
	def      string
}

// Settings that flags, environment and the config file can all set.
var settings = []setting{
	{flag: "zone", key: "zone", env: []string{"CFCACHE_ZONE"}},
	{flag: "api-url", key: "api_url", env: []string{"CLOUDFLARE_BASE_URL"}, def: DefaultAPIURL},
	{flag: "output", key: "output", env: []string{"CFCACHE_OUTPUT"}, def: "text"},
	{flag: "color", key: "color", fromEnv: colorFromEnv, envNames: "NO_COLOR or CLICOLOR_FORCE", def: "auto"},
	{flag: "account-id", key: "account_id", env: []string{"CLOUDFLARE_ACCOUNT_ID"}},
}

// Keys a config file may hold at top level and inside a profile.
var fileKeys = []string{"zone", "api_url", "output", "color", "account_id", "api_token", "api_key", "email"}

// Settings is the outcome of Load: final values, whichever layer set them.
type Settings struct {
	Profile    string
	ConfigFile string // path read, or "" when no file exists
	Zone       string
	APIURL     string
	Output     string
	Color      string
	AccountID  string
	Limits     limits.Table

	profileKeys   map[string]any    // the selected profile's values (top level merged under it)
	keyFrom       map[string]string // for each of those, the key in the file that set it
	origins       map[string]string // for each global flag, where its final value came from
	fileMode      fs.FileMode
	fileHasSecret bool
}

// Load reads the config file named by --config / CFCACHE_CONFIG (or the
// default path), picks the profile, and fills every global flag the user did
// not set from environment, profile, top level or default, so flag values
// are final afterwards.
func Load(flags *pflag.FlagSet, env Env) (*Settings, error) {
	if env == nil {
		env = OSEnv
	}
	profile := firstOf(flagValue(flags, "profile"), envValue(env, "CFCACHE_PROFILE"), "default")
	path := firstOf(flagValue(flags, "config"), envValue(env, "CFCACHE_CONFIG"))
	explicit := path != ""
	if !explicit {
		path = DefaultConfigPath(env)
	}

	v := viper.New()
	v.SetConfigFile(path)
	v.SetConfigType("yaml")
	s := &Settings{Profile: profile, profileKeys: map[string]any{}}

	info, statErr := os.Stat(path)
	switch {
	case statErr == nil:
		if err := v.ReadInConfig(); err != nil {
			return nil, fmt.Errorf("config file %s is not valid YAML: %s (fix the file or point --config elsewhere)", path, oneLine(err))
		}
		s.ConfigFile = path
		s.fileMode = info.Mode().Perm()
		if err := s.absorbFile(v, path); err != nil {
			return nil, err
		}
	case errors.Is(statErr, fs.ErrNotExist) && !explicit:
		// A missing default file is normal on a fresh machine.
	default:
		// Name where the path came from, and say the error once (a
		// PathError repeats the path).
		why := statErr
		var pe *fs.PathError
		if errors.As(statErr, &pe) {
			why = pe.Err
		}
		from := "--config"
		if flagValue(flags, "config") == "" {
			from = "CFCACHE_CONFIG"
		}
		return nil, fmt.Errorf("config file %s (from %s): %s", path, from, oneLine(why))
	}
	if profile != "default" && s.ConfigFile != "" && !v.IsSet("profiles."+profile) {
		return nil, fmt.Errorf("profile %q (from %s) not found in %s (profiles: %s)", profile, profileOrigin(flags), path, strings.Join(profileNames(v), ", "))
	}
	if profile != "default" && s.ConfigFile == "" {
		return nil, fmt.Errorf("profile %q (from %s) requested but there is no config file at %s", profile, profileOrigin(flags), path)
	}

	// viper layers: environment over the config map (profile merged over top
	// level) over defaults.
	if err := v.MergeConfigMap(s.profileKeys); err != nil {
		return nil, err
	}
	s.origins = map[string]string{}
	for _, st := range settings {
		if st.def != "" {
			v.SetDefault(st.key, st.def)
		}
		origin := "default"
		if _, ok := s.profileKeys[st.key]; ok {
			origin = fmt.Sprintf("%s: %s", path, s.keyOrigin(st.key))
		}
		if val, from, ok := st.fromEnvironment(env); ok {
			v.Set(st.key, val)
			origin = from
		}
		f := flags.Lookup(st.flag)
		if f != nil && f.Changed {
			origin = "--" + st.flag
		}
		s.origins[st.flag] = origin
		if f != nil && !f.Changed && v.IsSet(st.key) {
			if err := flags.Set(st.flag, v.GetString(st.key)); err != nil {
				// A value the flag refuses (-o and --color take fixed
				// values) reads as any bad flag value does, `WHERE
				// "value": reason` (cmdutil.FlagValueMessage), naming the
				// variable or config key instead of pflag's flag wording.
				var inv *pflag.InvalidValueError
				if errors.As(err, &inv) {
					return nil, fmt.Errorf("%s %s: %w", origin, strconv.Quote(v.GetString(st.key)), errors.Unwrap(inv))
				}
				return nil, fmt.Errorf("%s (from %s): %w", st.key, origin, err)
			}
		}
	}

	s.Zone = flagValue(flags, "zone")
	s.APIURL = flagValue(flags, "api-url")
	s.Output = flagValue(flags, "output")
	s.Color = flagValue(flags, "color")
	s.AccountID = flagValue(flags, "account-id")
	if s.APIURL == "" {
		s.APIURL = DefaultAPIURL
	}
	if err := CheckAPIURL(s.APIURL); err != nil {
		return nil, fmt.Errorf("%w (from %s)", err, s.Origin("api-url"))
	}

	tbl := limits.Default()
	if raw := v.GetStringMap("limits"); len(raw) > 0 {
		over := map[string]map[string]any{}
		for plan, fields := range raw {
			m, ok := fields.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("config file %s: limits.%s must be a mapping of limit names to values", path, plan)
			}
			over[plan] = m
		}
		var err error
		if tbl, err = tbl.WithOverrides(over); err != nil {
			return nil, fmt.Errorf("config file %s: %w", path, err)
		}
	}
	s.Limits = tbl
	return s, nil
}

// profileOrigin says whether the profile was named by --profile or
// CFCACHE_PROFILE (the only two ways to name one).
func profileOrigin(flags *pflag.FlagSet) string {
	if flagValue(flags, "profile") != "" {
		return "--profile"
	}
	return "CFCACHE_PROFILE"
}

// fromEnvironment is the setting's environment layer, as Load and
// FlagsAndEnv both read it: the first non-empty variable of st.env, then
// st.fromEnv (which outranks it, e.g. NO_COLOR), with the name to report as
// its origin.
func (st setting) fromEnvironment(env Env) (val, origin string, ok bool) {
	for _, name := range st.env {
		if v, set := env(name); set && v != "" {
			val, origin, ok = v, name, true
			break
		}
	}
	if st.fromEnv != nil {
		if v, set := st.fromEnv(env); set {
			val, origin, ok = v, st.envNames, true
		}
	}
	return val, origin, ok
}

// FlagsAndEnv resolves output and color from flags and environment only, for
// commands that must run whatever the config file holds (version,
// completion), recording where each value came from as Load does.
func FlagsAndEnv(flags *pflag.FlagSet, env Env) *Settings {
	if env == nil {
		env = OSEnv
	}
	s := &Settings{origins: map[string]string{}}
	for _, st := range settings {
		if st.flag != "output" && st.flag != "color" {
			continue
		}
		val, origin := st.def, "default"
		if v, from, ok := st.fromEnvironment(env); ok {
			val, origin = v, from
		}
		if f := flags.Lookup(st.flag); f != nil && f.Changed {
			val, origin = f.Value.String(), "--"+st.flag
		}
		s.origins[st.flag] = origin
		if st.flag == "output" {
			s.Output = val
		} else {
			s.Color = val
		}
	}
	return s
}

// Origin says where the final value of a global flag (output, color, zone,
// api-url, account-id) came from, for messages about a bad value: "--output",
// "CFCACHE_OUTPUT", "FILE: profiles.ci.output", or "default".
func (s *Settings) Origin(flag string) string {
	if o := s.origins[flag]; o != "" {
		return o
	}
	return "--" + flag
}

// OriginIsFlag reports whether the value came from the command line, so a
// bad one is a usage mistake (with the usage hint) rather than a setup one.
func (s *Settings) OriginIsFlag(flag string) bool {
	return strings.HasPrefix(s.Origin(flag), "--")
}

// absorbFile checks the file's keys and the type of every value, and
// collects the selected profile's values over the top-level ones. A value of
// the wrong type is refused naming the file, the key and the type wanted:
// dropped silently, `zone: [a, b]` would leave the zone to whatever flag or
// default applies.
func (s *Settings) absorbFile(v *viper.Viper, path string) error {
	all := v.AllSettings()
	var unknown, wrong []string
	checkValue := func(key string, val any) {
		if problem := wrongType(val); problem != "" {
			wrong = append(wrong, key+": "+problem)
		}
	}
	for k, val := range all {
		switch k {
		case "profiles":
			if val == nil {
				continue
			}
			profiles, ok := val.(map[string]any)
			if !ok {
				return fmt.Errorf("config file %s: profiles: want a mapping of profile names to settings, got %s", path, typeName(val))
			}
			for name, p := range profiles {
				if p == nil {
					continue
				}
				pm, ok := p.(map[string]any)
				if !ok {
					return fmt.Errorf("config file %s: profiles.%s: want a mapping of settings, got %s", path, name, typeName(p))
				}
				for pk, pv := range pm {
					if !contains(fileKeys, pk) {
						unknown = append(unknown, "profiles."+name+"."+pk+suggest(pk))
						continue
					}
					checkValue("profiles."+name+"."+pk, pv)
					if isSecretKey(pk) && !isEmpty(pv) {
						s.fileHasSecret = true
					}
				}
			}
		case "limits":
			if val == nil {
				continue
			}
			plans, ok := val.(map[string]any)
			if !ok {
				return fmt.Errorf("config file %s: limits: want a mapping of plan names to limits, got %s", path, typeName(val))
			}
			for plan, fields := range plans {
				if _, ok := fields.(map[string]any); !ok {
					return fmt.Errorf("config file %s: limits.%s: want a mapping of limit names to values, got %s", path, plan, typeName(fields))
				}
			}
		default:
			if !contains(fileKeys, k) {
				unknown = append(unknown, k+suggest(k))
				continue
			}
			checkValue(k, val)
			if isSecretKey(k) && !isEmpty(val) {
				s.fileHasSecret = true
			}
			s.setFileKey(k, k, val)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("config file %s: unknown key %s (known: %s, profiles, limits)", path, strings.Join(unknown, ", "), strings.Join(fileKeys, ", "))
	}
	if len(wrong) > 0 {
		sort.Strings(wrong)
		return fmt.Errorf("config file %s: %s", path, strings.Join(wrong, "; "))
	}
	if s.fileHasSecret && insecureMode(s.fileMode) {
		return fmt.Errorf("config file %s holds a secret and is readable by group or others (mode %04o): run `chmod 600 %s`", path, s.fileMode, path)
	}
	if pm, ok := v.Get("profiles." + s.Profile).(map[string]any); ok {
		for k, val := range pm {
			s.setFileKey(k, "profiles."+s.Profile+"."+k, val)
		}
	}
	return nil
}

// setFileKey records a file value and the key it was read from; a null
// (`zone:` with nothing after it) is no value, like an absent key.
func (s *Settings) setFileKey(k, from string, val any) {
	if val == nil {
		return
	}
	if str, ok := val.(string); ok {
		val = str
	}
	s.profileKeys[k] = val
	if s.keyFrom == nil {
		s.keyFrom = map[string]string{}
	}
	s.keyFrom[k] = from
}

// keyOrigin is the key in the file that set k, e.g. profiles.ci.zone.
func (s *Settings) keyOrigin(k string) string {
	if from := s.keyFrom[k]; from != "" {
		return from
	}
	return k
}

// wrongType says what is wrong with a value of a known key (every known key
// holds a string), or "" when it is a string or null.
func wrongType(val any) string {
	switch val.(type) {
	case nil, string:
		return ""
	}
	return "want a string, got " + typeName(val)
}

// typeName names a YAML value's type for messages.
func typeName(val any) string {
	switch val.(type) {
	case nil:
		return "nothing (null)"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return "an integer"
	case float32, float64:
		return "a number"
	case []any:
		return "a list"
	case map[string]any, map[any]any:
		return "a mapping"
	}
	return fmt.Sprintf("a %T", val)
}

func isEmpty(val any) bool { return val == nil || val == "" }

func isSecretKey(k string) bool { return k == "api_token" || k == "api_key" }

// colorFromEnv is the environment layer of --color: NO_COLOR (set and not
// empty, per no-color.org) means never and wins over CLICOLOR_FORCE, which
// means always unless it is 0.
func colorFromEnv(env Env) (string, bool) {
	if v, _ := env("NO_COLOR"); v != "" {
		return "never", true
	}
	if v, _ := env("CLICOLOR_FORCE"); v != "" && v != "0" {
		return "always", true
	}
	return "", false
}

// DefaultConfigPath is $XDG_CONFIG_HOME/cfcache/config.yaml, or
// ~/.config/cfcache/config.yaml when XDG_CONFIG_HOME is unset.
func DefaultConfigPath(env Env) string {
	if dir, ok := env("XDG_CONFIG_HOME"); ok && dir != "" {
		return filepath.Join(dir, "cfcache", "config.yaml")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".config", "cfcache", "config.yaml")
}

// DefaultStateDir is $XDG_STATE_HOME/cfcache or ~/.local/state/cfcache.
func DefaultStateDir(env Env) string {
	if env == nil {
		env = OSEnv
	}
	if dir, ok := env("XDG_STATE_HOME"); ok && dir != "" {
		return filepath.Join(dir, "cfcache")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".local", "state", "cfcache")
}

// CheckAPIURL refuses anything but https, except plain http to a loopback
// host (the sandbox), so a token is never sent in the clear.
func CheckAPIURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("invalid API URL %q: want an absolute URL such as %s", raw, DefaultAPIURL)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if IsLoopbackHost(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("refusing plain http API URL %q: credentials would travel unencrypted; use https (plain http is allowed only to loopback hosts)", raw)
	}
	return fmt.Errorf("invalid API URL %q: scheme must be https", raw)
}

// IsLoopbackHost reports whether host is localhost or a loopback IP.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func flagValue(flags *pflag.FlagSet, name string) string {
	if f := flags.Lookup(name); f != nil {
		return f.Value.String()
	}
	return ""
}

func envValue(env Env, name string) string {
	v, _ := env(name)
	return v
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func profileNames(v *viper.Viper) []string {
	var names []string
	for name := range v.GetStringMap("profiles") {
		names = append(names, name)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return []string{"none defined"}
	}
	return names
}

func suggest(key string) string {
	best, bestD := "", 3
	for _, k := range fileKeys {
		if d := levenshtein(key, k); d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s?)", best)
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
