package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cfcache/cfcache/pkg/cmd/rules/diff"
	"github.com/cfcache/cfcache/pkg/cmd/rules/internal/rulestest"
	"github.com/cfcache/cfcache/pkg/cmd/rules/shared"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/sandbox"
)

const v1 = `rules:
  - ref: images
    description: Cache images for a day
    expression: http.request.uri.path.extension in {"jpg" "png"}
    action_parameters:
      cache: true
      edge_ttl: {mode: override_origin, default: 86400}
  - ref: api
    description: Never cache the API
    expression: starts_with(http.request.uri.path, "/api/")
    action_parameters: {cache: false}
`

const v2 = `rules:
  - ref: api
    description: Never cache the API
    expression: starts_with(http.request.uri.path, "/api/")
    action_parameters: {cache: false}
  - ref: images
    description: Cache images for an hour
    expression: http.request.uri.path.extension in {"jpg" "png" "webp"}
    action_parameters:
      cache: true
      edge_ttl: {mode: override_origin, default: 3600}
  - ref: html
    expression: http.request.uri.path.extension eq ""
    action_parameters:
      cache: true
      cache_key: {cache_by_device_type: true}
`

func fixedNow() time.Time { return time.Date(2026, 10, 1, 12, 30, 0, 0, time.UTC) }

// deploy runs `rules deploy` through the command with a fixed clock.
func deploy(t *testing.T, e *rulestest.Env, tty, json bool, hook func(*DeployOptions), args ...string) (*rulestest.IO, error) {
	t.Helper()
	f, io := e.Factory(tty, json)
	cmd := NewCmdDeploy(f, func(o *DeployOptions) error {
		o.Now = fixedNow
		if hook != nil {
			hook(o)
		}
		return deployRun(o)
	})
	return io, rulestest.Run(cmd, args...)
}

func TestDeployFlags(t *testing.T) {
	e := rulestest.New(t, limits.Enterprise)
	cases := []struct {
		name string
		tty  bool
		args []string
		want DeployOptions
		code int
		msg  string
	}{
		{name: "all flags", args: []string{"r.yaml", "--yes", "--expect-version", "7", "--backup-dir", "/tmp/b"},
			want: DeployOptions{File: "r.yaml", Guard: shared.Guard{Yes: true, ExpectVersion: "7", BackupDir: "/tmp/b"}}},
		{name: "default backup dir", args: []string{"r.yaml", "-y"},
			want: DeployOptions{File: "r.yaml", Guard: shared.Guard{Yes: true, BackupDir: filepath.Join(e.StateDir, "cfcache", "backups")}}},
		{name: "tty may ask", tty: true, args: []string{"r.yaml"},
			want: DeployOptions{File: "r.yaml", Guard: shared.Guard{BackupDir: filepath.Join(e.StateDir, "cfcache", "backups")}}},
		{name: "no tty needs yes", args: []string{"r.yaml"}, code: 2, msg: "--yes required when not running interactively"},
		{name: "stdin needs yes", tty: true, args: []string{"-"}, code: 2, msg: "--yes required"},
		{name: "no file", args: []string{"--yes"}, code: 2, msg: "deploy needs the rules FILE"},
		{name: "two files", args: []string{"a.yaml", "b.yaml", "--yes"}, code: 2, msg: "unexpected argument"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, _ := e.Factory(c.tty, false)
			var got *DeployOptions
			cmd := NewCmdDeploy(f, func(o *DeployOptions) error { got = o; return nil })
			err := rulestest.Run(cmd, c.args...)
			if code := rulestest.ExitCode(err); code != c.code {
				t.Fatalf("exit %d (%v), want %d", code, err, c.code)
			}
			if c.code != 0 {
				if !strings.Contains(err.Error(), c.msg) {
					t.Errorf("error %q does not say %q", err, c.msg)
				}
				return
			}
			if got.File != c.want.File || got.Yes != c.want.Yes || got.ExpectVersion != c.want.ExpectVersion || got.BackupDir != c.want.BackupDir {
				t.Errorf("options = %+v, want %+v", *got, c.want)
			}
		})
	}
}

func TestDeployCreatesEntrypoint(t *testing.T) {
	for _, tty := range []bool{false, true} {
		t.Run(map[bool]string{false: "piped", true: "tty"}[tty], func(t *testing.T) {
			e := rulestest.New(t, limits.Enterprise)
			file := rulestest.WriteFile(t, "rules.yaml", v1)
			io, err := deploy(t, e, tty, false, nil, file, "--yes")
			if err != nil {
				t.Fatalf("deploy: %v\n%s", err, io.ErrOut)
			}
			if got := e.Version(); got != "1" {
				t.Fatalf("version %q, want 1 (created)", got)
			}
			if refs := strings.Join(e.Refs(), ","); refs != "images,api" {
				t.Errorf("zone rules %s", refs)
			}
			out, errOut := io.Out.String(), io.ErrOut.String()
			for _, want := range []string{`+ rule "images" (new, position 1)`, "Plan: 2 to add, 0 to change, 0 to remove, 0 to move."} {
				if !strings.Contains(out, want) {
					t.Errorf("stdout lacks %q:\n%s", want, out)
				}
			}
			// What was done is about the run: stderr (issue 13 §3).
			if done := "Deployed version 1 to example.com (the ruleset was created; verified)."; !strings.Contains(errOut, done) || strings.Contains(out, done) {
				t.Errorf("the result line is not on stderr only:\nstdout:\n%s\nstderr:\n%s", out, errOut)
			}
			if !strings.Contains(errOut, "nothing to back up") {
				t.Errorf("stderr does not say there was nothing to back up:\n%s", errOut)
			}
			if tty {
				rulestest.HasANSI(t, "stdout", out)
			} else {
				rulestest.NoANSI(t, "stdout", out)
				rulestest.NoANSI(t, "stderr", errOut)
			}
		})
	}
}

func TestDeployUpdatesWithBackupAndVerify(t *testing.T) {
	e := rulestest.New(t, limits.Enterprise)
	if _, err := deploy(t, e, false, false, nil, rulestest.WriteFile(t, "v1.yaml", v1), "--yes"); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, r := range e.Rules() {
		ids[r.Ref] = r.ID
	}
	backups := filepath.Join(t.TempDir(), "nested", "backups")
	io, err := deploy(t, e, false, false, nil, rulestest.WriteFile(t, "v2.yaml", v2), "--yes", "--backup-dir", backups, "--expect-version", "1")
	if err != nil {
		t.Fatalf("deploy: %v\n%s", err, io.ErrOut)
	}
	if e.Version() != "2" || strings.Join(e.Refs(), ",") != "api,images,html" {
		t.Fatalf("zone at version %s with %v", e.Version(), e.Refs())
	}
	for _, r := range e.Rules() {
		if id, ok := ids[r.Ref]; ok && r.ID != id {
			t.Errorf("rule %s changed id %s → %s: refs should keep ids stable", r.Ref, id, r.ID)
		}
	}
	rulestest.Golden(t, "deploy-update", io.Out.String())

	name := filepath.Join(backups, "example.com-request-1-20261001T123000Z.json")
	st, err := os.Stat(name)
	if err != nil {
		t.Fatalf("backup: %v\nstderr:\n%s", err, io.ErrOut)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v, want 0600", st.Mode().Perm())
	}
	if dst, _ := os.Stat(backups); dst.Mode().Perm() != 0o700 {
		t.Errorf("backup dir mode %v, want 0700", dst.Mode().Perm())
	}
	data, _ := os.ReadFile(name)
	var backup struct {
		Version string
		Rules   []struct{ Ref, ID string }
	}
	if err := json.Unmarshal(data, &backup); err != nil || backup.Version != "1" || len(backup.Rules) != 2 || backup.Rules[0].ID == "" {
		t.Errorf("backup is not the full version-1 ruleset (%v):\n%s", err, data)
	}
	if !strings.Contains(io.ErrOut.String(), "Backed up version 1 to "+name) {
		t.Errorf("stderr does not name the backup:\n%s", io.ErrOut)
	}

	// The backup is a rules file: deploying it puts version 1's rules back.
	if io, err := deploy(t, e, false, false, nil, name, "--yes", "--backup-dir", backups); err != nil {
		t.Fatalf("deploy backup: %v\n%s", err, io.ErrOut)
	}
	if strings.Join(e.Refs(), ",") != "images,api" || e.Version() != "3" {
		t.Errorf("after restoring the backup: version %s, %v", e.Version(), e.Refs())
	}
}

func TestDeployNoChangesWritesNothing(t *testing.T) {
	e := rulestest.New(t, limits.Enterprise)
	file := rulestest.WriteFile(t, "rules.yaml", v1)
	if _, err := deploy(t, e, false, false, nil, file, "--yes"); err != nil {
		t.Fatal(err)
	}
	puts := e.Requests(sandbox.EndpointPutEntry)
	backups := t.TempDir()
	io, err := deploy(t, e, false, false, nil, file, "--yes", "--backup-dir", backups)
	if err != nil {
		t.Fatal(err)
	}
	if io.Out.String() != "" || !strings.HasPrefix(io.ErrOut.String(), "No changes.\n") {
		t.Errorf("stdout %q, stderr %q; want nothing and \"No changes.\"", io.Out, io.ErrOut)
	}
	if e.Requests(sandbox.EndpointPutEntry) != puts || e.Version() != "1" {
		t.Error("a deploy without changes wrote")
	}
	if entries, _ := os.ReadDir(backups); len(entries) != 0 {
		t.Errorf("a deploy without changes wrote a backup: %v", entries)
	}
}

// A colleague edits the rules between the diff and the write: the re-read
// catches it, the deploy aborts with exit 1 and the zone keeps their edit.
func TestDeployAbortsOnConcurrentChange(t *testing.T) {
	e := rulestest.New(t, limits.Enterprise)
	if _, err := deploy(t, e, false, false, nil, rulestest.WriteFile(t, "v1.yaml", v1), "--yes"); err != nil {
		t.Fatal(err)
	}
	var theirs string
	race := func(o *DeployOptions) {
		o.BeforeWrite = func() {
			theirs = e.Edit(func(rs []sandbox.Rule) []sandbox.Rule {
				rs[0].Description = "edited in the dashboard"
				return rs
			})
		}
	}
	puts := e.Requests(sandbox.EndpointPutEntry)
	_, err := deploy(t, e, false, false, race, rulestest.WriteFile(t, "v2.yaml", v2), "--yes", "--backup-dir", t.TempDir())
	if code := rulestest.ExitCode(err); code != 1 {
		t.Fatalf("exit %d (%v), want 1", code, err)
	}
	var conflict *shared.ConflictError
	if !errors.As(err, &conflict) {
		t.Errorf("error %T, want a ConflictError", err)
	}
	for _, want := range []string{"changed since the diff", "version 1 (last updated", "version 2 (last updated", "1 changed", "Nothing was written"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q: %v", want, err)
		}
	}
	if e.Version() != theirs || e.Requests(sandbox.EndpointPutEntry) != puts {
		t.Errorf("the deploy wrote over the concurrent change (version %s, theirs %s)", e.Version(), theirs)
	}
	if e.Rules()[0].Description != "edited in the dashboard" {
		t.Error("the colleague's edit was lost")
	}
}

func TestDeployExpectVersionMismatch(t *testing.T) {
	e := rulestest.New(t, limits.Enterprise)
	if _, err := deploy(t, e, false, false, nil, rulestest.WriteFile(t, "v1.yaml", v1), "--yes"); err != nil {
		t.Fatal(err)
	}
	backups := t.TempDir()
	_, err := deploy(t, e, false, false, nil, rulestest.WriteFile(t, "v2.yaml", v2), "--yes", "--expect-version", "7", "--backup-dir", backups)
	if code := rulestest.ExitCode(err); code != 1 {
		t.Fatalf("exit %d (%v), want 1", code, err)
	}
	if !strings.Contains(err.Error(), "version 1 (last updated") || !strings.Contains(err.Error(), "not the expected version 7") {
		t.Errorf("error: %v", err)
	}
	if e.Version() != "1" {
		t.Errorf("version %s: something was written", e.Version())
	}
	if entries, _ := os.ReadDir(backups); len(entries) != 0 {
		t.Errorf("backup written although the deploy was refused at once: %v", entries)
	}
}

func TestDeployConfirmation(t *testing.T) {
	for _, c := range []struct {
		answer  string
		version string
		code    int
	}{{"y\n", "2", 0}, {"yes\n", "2", 0}, {"n\n", "1", 1}, {"\n", "1", 1}, {"", "1", 1}} {
		t.Run(strings.TrimSpace(c.answer)+"/", func(t *testing.T) {
			e := rulestest.New(t, limits.Enterprise)
			if _, err := deploy(t, e, false, false, nil, rulestest.WriteFile(t, "v1.yaml", v1), "--yes"); err != nil {
				t.Fatal(err)
			}
			f, io := e.Factory(true, false)
			io.In.WriteString(c.answer)
			cmd := NewCmdDeploy(f, func(o *DeployOptions) error { o.BackupDir = t.TempDir(); return deployRun(o) })
			err := rulestest.Run(cmd, rulestest.WriteFile(t, "v2.yaml", v2))
			if code := rulestest.ExitCode(err); code != c.code {
				t.Fatalf("exit %d (%v), want %d\n%s", code, err, c.code, io.ErrOut)
			}
			if !strings.Contains(io.ErrOut.String(), "Deploy these changes to example.com? It has version 1 (last updated") {
				t.Errorf("prompt missing:\n%s", io.ErrOut)
			}
			if e.Version() != c.version {
				t.Errorf("version %s, want %s", e.Version(), c.version)
			}
			if c.code != 0 && !errors.Is(err, shared.ErrDeclined) {
				t.Errorf("error %v, want ErrDeclined", err)
			}
		})
	}
}

func TestDeployJSON(t *testing.T) {
	e := rulestest.New(t, limits.Enterprise)
	if _, err := deploy(t, e, false, false, nil, rulestest.WriteFile(t, "v1.yaml", v1), "--yes"); err != nil {
		t.Fatal(err)
	}
	backups := t.TempDir()
	io, err := deploy(t, e, false, true, nil, rulestest.WriteFile(t, "v2.yaml", v2), "--yes", "--backup-dir", backups)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		ZoneID          string `json:"zone_id"`
		Changed         bool
		PreviousVersion string `json:"previous_version"`
		NewVersion      string `json:"new_version"`
		BackupFile      string `json:"backup_file"`
		Verified        bool
		Summary         struct{ Add, Change, Remove, Move int }
		Diff            struct {
			HasChanges bool `json:"has_changes"`
		}
	}
	dec := json.NewDecoder(bytes.NewReader(io.Out.Bytes()))
	if err := dec.Decode(&res); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, io.Out)
	}
	if dec.More() {
		t.Error("stdout holds more than one JSON document")
	}
	if res.ZoneID != sandbox.DefaultZoneID || !res.Changed || res.PreviousVersion != "1" || res.NewVersion != "2" ||
		res.BackupFile != filepath.Join(backups, "example.com-request-1-20261001T123000Z.json") || !res.Verified ||
		res.Summary.Add != 1 || res.Summary.Change != 1 || !res.Diff.HasChanges {
		t.Errorf("result: %+v\n%s", res, io.Out)
	}
}

func TestDeployRefusesInvalidFileBeforeSending(t *testing.T) {
	e := rulestest.New(t, limits.Free)
	// Valid on Enterprise; on the zone's Free plan the regex and the
	// 1-hour edge TTL are refused.
	file := rulestest.WriteFile(t, "rules.yaml", `rules:
  - ref: shop
    expression: http.request.uri.path matches "^/p/[0-9]+$"
    action_parameters:
      cache: true
      edge_ttl: {mode: override_origin, default: 3600}
`)
	io, err := deploy(t, e, false, false, nil, file, "--yes")
	if code := rulestest.ExitCode(err); code != 2 {
		t.Fatalf("exit %d (%v), want 2", code, err)
	}
	errOut := io.ErrOut.String()
	for _, want := range []string{file + ":3:", "rules[0].expression", file + ":6: rules[0].action_parameters.edge_ttl.default"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if n := e.Requests(sandbox.EndpointEntrypoint) + e.Requests(sandbox.EndpointPutEntry); n != 0 {
		t.Errorf("%d ruleset requests sent for an invalid file", n)
	}

	// A file that does not even parse costs no request at all.
	broken := rulestest.WriteFile(t, "broken.yaml", "rules:\n  - ref: a\n    expresion: true\n")
	io, err = deploy(t, e, false, false, nil, broken, "--yes")
	if code := rulestest.ExitCode(err); code != 2 || !strings.Contains(io.ErrOut.String(), broken+":3: rules[0].expresion: unknown field") {
		t.Errorf("exit %d, stderr:\n%s", code, io.ErrOut)
	}
	if st := e.Server.Stats(); st.Total != 1 { // the zone lookup of the first run
		t.Errorf("%d requests in all, want 1", st.Total)
	}
}

func TestDeployWithoutEditPermissionIsAuthError(t *testing.T) {
	e := rulestest.NewWith(t, rulestest.Setup{Plan: limits.Enterprise, Permissions: []sandbox.Permission{sandbox.PermCacheRulesRead}})
	_, err := deploy(t, e, false, false, nil, rulestest.WriteFile(t, "v1.yaml", v1), "--yes")
	if code := rulestest.ExitCode(err); code != 4 {
		t.Fatalf("exit %d (%v), want 4", code, err)
	}
	if e.Version() != "" {
		t.Error("written without permission")
	}
}

func TestDeployUnknownZoneIsUsageError(t *testing.T) {
	e := rulestest.New(t, limits.Enterprise)
	f, _ := e.Factory(false, false)
	// By id: a name that is not found is retried by cfapi's read retries
	// (ZoneNotFoundError counts as a transport error there), which only
	// makes the test slow.
	f.Settings.Zone = "0123456789abcdef0123456789abcdef"
	cmd := NewCmdDeploy(f, nil)
	err := rulestest.Run(cmd, rulestest.WriteFile(t, "v1.yaml", v1), "--yes", "--backup-dir", t.TempDir())
	if code := rulestest.ExitCode(err); code != 2 {
		t.Fatalf("exit %d (%v), want 2", code, err)
	}
}

// Ctrl-C just before the write stops cleanly: exit 130, nothing written.
func TestDeployInterruptedBeforeWrite(t *testing.T) {
	e := rulestest.New(t, limits.Enterprise)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, io := e.Factory(false, false)
	cmd := NewCmdDeploy(f, func(o *DeployOptions) error {
		o.BackupDir = t.TempDir()
		o.BeforeWrite = cancel
		return deployRun(o)
	})
	err := rulestest.RunContext(ctx, cmd, rulestest.WriteFile(t, "v1.yaml", v1), "--yes")
	if code := rulestest.ExitCode(err); code != 130 {
		t.Fatalf("exit %d (%v), want 130\n%s", code, err, io.ErrOut)
	}
	if e.Version() != "" {
		t.Error("written after the interrupt")
	}
}

// A read-back that does not match what was sent fails the deploy (exit 1)
// and says what the zone holds now; nothing prints success. Before issue 9
// this was a warning and exit 0.
func TestDeployFailsWhenReadBackDiffers(t *testing.T) {
	normalise := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/entrypoint") {
				h.ServeHTTP(w, r)
				return
			}
			rec := &bufferedWriter{header: http.Header{}}
			h.ServeHTTP(rec, r)
			body := bytes.ReplaceAll(rec.body.Bytes(), []byte(`"default":86400`), []byte(`"default":86401`))
			for k, v := range rec.header {
				w.Header()[k] = v
			}
			w.Header().Del("Content-Length")
			w.WriteHeader(rec.status)
			_, _ = w.Write(body)
		})
	}
	for _, asJSON := range []bool{false, true} {
		e := rulestest.NewWith(t, rulestest.Setup{Plan: limits.Enterprise, Wrap: normalise})
		file := rulestest.WriteFile(t, "v1.yaml", v1)
		io, err := deploy(t, e, false, asJSON, nil, file, "--yes")
		if code := rulestest.ExitCode(err); code != 1 {
			t.Fatalf("json %v: exit %d (%v), want 1\n%s", asJSON, code, err, io.ErrOut)
		}
		for _, want := range []string{"wrote version 1, but reading it back does not match " + file,
			`rule "images" action_parameters.edge_ttl.default: sent 86400, stored 86401`,
			"example.com now has version 1 (last updated", "which differs from " + file + " (0 added, 1 changed, 0 removed, 0 moved)"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error does not say %q:\n%v", want, err)
			}
		}
		if strings.Contains(io.Out.String(), "Deployed") || strings.Contains(io.ErrOut.String(), "verified") {
			t.Errorf("success printed:\n%s%s", io.Out, io.ErrOut)
		}
		if e.Requests(sandbox.EndpointPutEntry) != 1 {
			t.Errorf("%d PUTs, want 1", e.Requests(sandbox.EndpointPutEntry))
		}
		if !asJSON {
			continue
		}
		var res struct {
			Verified    bool
			NewVersion  string `json:"new_version"`
			LiveVersion string `json:"live_version"`
			Normalized  []struct{ Ref, Path string }
		}
		if err := json.Unmarshal(io.Out.Bytes(), &res); err != nil || res.Verified || res.NewVersion != "1" || res.LiveVersion != "1" ||
			len(res.Normalized) != 1 || res.Normalized[0].Path != "action_parameters.edge_ttl.default" {
			t.Errorf("result %+v (%v)", res, err)
		}
	}
}

// onPut wraps the sandbox so that another writer (a colleague, another
// deploy) changes the zone's rules just before (early) or just after our
// PUT is applied: a race the re-check before the PUT cannot see.
func onPut(e **rulestest.Env, early bool) func(http.Handler) http.Handler {
	theirs := func() {
		(*e).Edit(func(rs []sandbox.Rule) []sandbox.Rule {
			return append(rs, sandbox.Rule{Ref: "theirs", Expression: `http.host eq "other.example.com"`,
				Action: "set_cache_settings", ActionParameters: json.RawMessage(`{"cache":false}`), Enabled: true})
		})
	}
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPut {
				h.ServeHTTP(w, r)
				return
			}
			if early {
				theirs()
			}
			h.ServeHTTP(w, r)
			if !early {
				theirs()
			}
		})
	}
}

// Another writer lands between our PUT and our read-back: the zone holds
// their version, not ours. Exit 1, saying so; no success line.
func TestDeployFailsWhenZoneMovesOnAfterWrite(t *testing.T) {
	var e *rulestest.Env
	e = rulestest.NewWith(t, rulestest.Setup{Plan: limits.Enterprise, Wrap: onPut(&e, false)})
	e.SeedFile(v1)
	file := rulestest.WriteFile(t, "v2.yaml", v2)
	io, err := deploy(t, e, false, false, nil, file, "--yes", "--expect-version", "1", "--backup-dir", t.TempDir())
	if code := rulestest.ExitCode(err); code != 1 {
		t.Fatalf("exit %d (%v), want 1\n%s", code, err, io.ErrOut)
	}
	for _, want := range []string{"wrote version 2, but another write replaced it at once: example.com now has version 3 (last updated",
		"which differs from " + file + " (1 added, 0 changed, 0 removed, 0 moved)", "Run `cfcache rules diff " + file + "`", "backup: "} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	if strings.Contains(io.Out.String(), "Deployed") {
		t.Errorf("success printed:\n%s", io.Out)
	}
	if e.Version() != "3" || e.Requests(sandbox.EndpointPutEntry) != 1 {
		t.Errorf("version %s after %d PUTs", e.Version(), e.Requests(sandbox.EndpointPutEntry))
	}
}

// Another writer lands between our re-check and our PUT: our PUT replaced
// their write (the API has no If-Match to stop it), which the version the
// PUT answers with (3, not 2) gives away. Exit 1, naming their version.
func TestDeployFailsWhenItReplacedAnotherWrite(t *testing.T) {
	var e *rulestest.Env
	e = rulestest.NewWith(t, rulestest.Setup{Plan: limits.Enterprise, Wrap: onPut(&e, true)})
	e.SeedFile(v1)
	file := rulestest.WriteFile(t, "v2.yaml", v2)
	io, err := deploy(t, e, false, true, nil, file, "--yes", "--backup-dir", t.TempDir())
	if code := rulestest.ExitCode(err); code != 1 {
		t.Fatalf("exit %d (%v), want 1\n%s", code, err, io.ErrOut)
	}
	for _, want := range []string{"wrote version 3, not 2: another write (version 2) landed between the re-check of version 1 and this write, and this write replaced it",
		"example.com now has version 3 (last updated", "with the rules of " + file, "`cfcache rules rollback --to-version 2`"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	var res struct {
		Verified    bool
		LiveVersion string `json:"live_version"`
	}
	if err := json.Unmarshal(io.Out.Bytes(), &res); err != nil || res.Verified || res.LiveVersion != "3" {
		t.Errorf("result %+v (%v):\n%s", res, err, io.Out)
	}
}

// Two deploys started together, both against version 1 (issue 9: both
// exited 0 and the zone silently ended with the second file). Both pass the
// re-check before either writes; then neither may claim success: the one
// whose PUT landed first finds the zone moved on, the other finds that it
// replaced a write. The PUTs are ordered by the test, not by timing.
func TestRacingDeploysNeitherClaimsSuccess(t *testing.T) {
	var mu sync.Mutex
	var held chan struct{} // the first PUT waits on it
	firstDone := make(chan struct{})
	order := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPut {
				h.ServeHTTP(w, r)
				return
			}
			mu.Lock()
			first := held == nil
			if first {
				held = make(chan struct{})
			}
			wait := held
			mu.Unlock()
			if first {
				<-wait // until the second PUT has been applied
				h.ServeHTTP(w, r)
				close(firstDone)
				return
			}
			// The second PUT is applied, then the first, and only then does
			// the second writer get its answer (and read back).
			rec := &bufferedWriter{header: http.Header{}}
			h.ServeHTTP(rec, r)
			close(wait)
			<-firstDone
			for k, v := range rec.header {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.status)
			_, _ = w.Write(rec.body.Bytes())
		})
	}
	e := rulestest.NewWith(t, rulestest.Setup{Plan: limits.Enterprise, Wrap: order})
	e.SeedFile(v1)
	files := []string{rulestest.WriteFile(t, "a.yaml", v2), rulestest.WriteFile(t, "b.yaml", strings.Replace(v2, "for an hour", "for two hours", 1))}
	type outcome struct {
		io  *rulestest.IO
		err error
	}
	out := make([]outcome, 2)
	var wg sync.WaitGroup
	for i := range files {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			f, io := e.Factory(false, false)
			cmd := NewCmdDeploy(f, func(o *DeployOptions) error { o.Now = fixedNow; return deployRun(o) })
			out[i] = outcome{io, rulestest.Run(cmd, files[i], "--yes", "--expect-version", "1", "--backup-dir", t.TempDir())}
		}(i)
	}
	wg.Wait()
	moved, replaced := 0, 0
	for i, o := range out {
		if code := rulestest.ExitCode(o.err); code != 1 {
			t.Errorf("deploy %d: exit %d (%v), want 1", i, code, o.err)
			continue
		}
		if strings.Contains(o.io.Out.String(), "Deployed") {
			t.Errorf("deploy %d printed success:\n%s", i, o.io.Out)
		}
		switch msg := o.err.Error(); {
		case strings.Contains(msg, "wrote version 2, but another write replaced it at once: example.com now has version 3"):
			moved++
		case strings.Contains(msg, "wrote version 3, not 2: another write (version 2) landed between"):
			replaced++
		default:
			t.Errorf("deploy %d: %v", i, msg)
		}
	}
	if moved != 1 || replaced != 1 {
		t.Errorf("%d moved-on and %d replaced errors, want one each", moved, replaced)
	}
	if e.Version() != "3" || e.Requests(sandbox.EndpointPutEntry) != 2 {
		t.Errorf("version %s after %d PUTs", e.Version(), e.Requests(sandbox.EndpointPutEntry))
	}
}

type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header { return b.header }
func (b *bufferedWriter) WriteHeader(s int)   { b.status = s }
func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// cancelOnRead is a terminal's stdin that nobody types into: reading it
// presses Ctrl-C (cancels the context) and then waits forever.
type cancelOnRead struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func (r *cancelOnRead) Read([]byte) (int, error) {
	r.cancel()
	<-r.done
	return 0, context.Canceled
}

// Ctrl-C while the confirmation waits for an answer stops at once: exit
// 130, no backup, nothing written.
func TestDeployInterruptedAtPrompt(t *testing.T) {
	e := rulestest.New(t, limits.Enterprise)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in := &cancelOnRead{cancel: cancel, done: make(chan struct{})}
	defer close(in.done)
	f, io := e.Factory(true, false)
	f.IOStreams.In = in
	backups := t.TempDir()
	err := rulestest.RunContext(ctx, NewCmdDeploy(f, nil), rulestest.WriteFile(t, "v1.yaml", v1), "--backup-dir", backups)
	if code := rulestest.ExitCode(err); code != 130 {
		t.Fatalf("exit %d (%v), want 130\n%s", code, err, io.ErrOut)
	}
	if e.Version() != "" {
		t.Error("written after the interrupt")
	}
	if entries, _ := os.ReadDir(backups); len(entries) != 0 {
		t.Errorf("backup written: %v", entries)
	}
}

// A write the API refuses (4xx) leaves the zone as it was, and says so.
func TestDeployRefusedByAPI(t *testing.T) {
	refuse := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPut {
				h.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"success":false,"errors":[{"code":20021,"message":"rule is invalid","source":{"pointer":"/rules/0"}}],"messages":[],"result":null}`))
		})
	}
	e := rulestest.NewWith(t, rulestest.Setup{Plan: limits.Enterprise, Wrap: refuse})
	e.SeedFile(v1)
	_, err := deploy(t, e, false, false, nil, rulestest.WriteFile(t, "v2.yaml", v2), "--yes", "--backup-dir", t.TempDir())
	if code := rulestest.ExitCode(err); code != 1 {
		t.Fatalf("exit %d (%v), want 1", code, err)
	}
	if !strings.Contains(err.Error(), "Cloudflare refused the write, so example.com keeps version 1") || !strings.Contains(err.Error(), "rule is invalid") {
		t.Errorf("error: %v", err)
	}
}

// `rules:` with no value (an empty template variable) was read as "no
// rules" and deleted every rule of the zone (issue 9). It is invalid; an
// explicit `rules: []` deploys only with --allow-empty. Both refusals
// happen before anything is sent: not even the zone lookup.
func TestDeployEmptyRules(t *testing.T) {
	for _, c := range []struct {
		name, content string
		args          []string
		code          int
		msg           string // in the error, or on stderr
	}{
		{"no value", "# generated\nrules:\n", nil, 2, "rules.yaml:2: rules: no value: give a list of rules"},
		{"null", "rules: null\n", []string{"--allow-empty"}, 2, "rules.yaml:1: rules: no value"},
		{"empty list", "phase: http_request_cache_settings\nrules: []\n", nil, 2,
			"rules.yaml:2: rules: the list is empty, and deploying it deletes every cache rule of the zone: pass --allow-empty if that is what you want (nothing was sent)"},
		{"empty list allowed", "rules: []\n", []string{"--allow-empty"}, 0, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := rulestest.New(t, limits.Enterprise)
			e.SeedFile(v1)
			before := e.Server.Stats().Total
			file := filepath.Join(t.TempDir(), "rules.yaml")
			if err := os.WriteFile(file, []byte(c.content), 0o600); err != nil {
				t.Fatal(err)
			}
			io, err := deploy(t, e, false, false, nil, append([]string{file, "--yes", "--backup-dir", t.TempDir()}, c.args...)...)
			if code := rulestest.ExitCode(err); code != c.code {
				t.Fatalf("exit %d (%v), want %d\n%s", code, err, c.code, io.ErrOut)
			}
			if c.code == 0 {
				if len(e.Rules()) != 0 || e.Version() != "2" {
					t.Errorf("not emptied: version %s, %v", e.Version(), e.Refs())
				}
				return
			}
			if got := err.Error() + "\n" + io.ErrOut.String(); !strings.Contains(got, filepath.Dir(file)+"/"+c.msg) {
				t.Errorf("does not say %q:\n%s", c.msg, got)
			}
			if n := e.Server.Stats().Total - before; n != 0 {
				t.Errorf("%d requests sent, want 0", n)
			}
			if len(e.Rules()) != 2 {
				t.Errorf("rules changed: %v", e.Refs())
			}
		})
	}
}

// Everything that can be judged offline is, before any request of any
// kind (issue 9: --expect-version abc cost two GETs and exit 1, and an
// empty one silently dropped the check).
func TestDeployOfflineErrorsSendNothing(t *testing.T) {
	notDir := rulestest.WriteFile(t, "file", "x")
	good := rulestest.WriteFile(t, "v1.yaml", v1)
	for _, c := range []struct {
		name string
		args []string
		msg  string
	}{
		{"letters", []string{good, "--expect-version", "abc"}, `--expect-version "abc" is not a ruleset version: want a whole number from 1`},
		{"negative", []string{good, "--expect-version", "-1"}, `--expect-version "-1" is not a ruleset version`},
		{"zero", []string{good, "--expect-version", "0"}, `--expect-version "0" is not a ruleset version`},
		{"leading zero", []string{good, "--expect-version", "012"}, `--expect-version "012" is not a ruleset version`},
		{"spaces", []string{good, "--expect-version", " 12"}, `--expect-version " 12" is not a ruleset version`},
		{"empty", []string{good, "--expect-version", ""}, "--expect-version is empty: give a ruleset version"},
		{"empty with =", []string{good, "--expect-version="}, "--expect-version is empty"},
		{"empty backup dir", []string{good, "--backup-dir", ""}, "--backup-dir is empty"},
		{"backup dir is a file", []string{good, "--backup-dir", notDir}, "--backup-dir " + notDir + " is not a directory"},
		{"missing file", []string{filepath.Join(t.TempDir(), "nope.yaml")}, "nope.yaml does not exist"},
		{"bad YAML", []string{rulestest.WriteFile(t, "bad.yaml", "rules: [\n")}, "bad.yaml is not valid"},
		{"second document", []string{rulestest.WriteFile(t, "two.yaml", v1+"---\n"+v2)}, "two.yaml is not valid"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := rulestest.New(t, limits.Enterprise)
			io, err := deploy(t, e, false, false, nil, append(c.args, "--yes")...)
			if code := rulestest.ExitCode(err); code != 2 {
				t.Fatalf("exit %d (%v), want 2\n%s", code, err, io.ErrOut)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %q does not say %q", err, c.msg)
			}
			if n := e.Server.Stats().Total; n != 0 {
				t.Errorf("%d requests sent, want 0", n)
			}
		})
	}
}

// issue 13 §3: `cfcache rules deploy f.yaml 2>log` in a terminal asks, as
// stdin is the terminal: the question goes to the terminal, not the log,
// and the answer deploys. Before, stderr not being a terminal refused with
// "--yes required".
func TestDeployAsksWithStderrRedirected(t *testing.T) {
	e := rulestest.New(t, limits.Enterprise)
	file := rulestest.WriteFile(t, "rules.yaml", v1)
	term := &bytes.Buffer{} // the terminal, /dev/tty
	f, io := e.Factory(false, false)
	f.IOStreams.SetTTYs(true, true, false)
	f.IOStreams.SetPromptOut(term)
	io.In.WriteString("y\n")
	cmd := NewCmdDeploy(f, func(o *DeployOptions) error { o.Now = fixedNow; return deployRun(o) })
	if err := rulestest.Run(cmd, file); err != nil {
		t.Fatalf("deploy: %v\nstderr:\n%s", err, io.ErrOut)
	}
	if e.Version() != "1" {
		t.Fatalf("version %q: not deployed", e.Version())
	}
	if !strings.Contains(term.String(), "Deploy these changes to example.com?") || strings.Contains(io.ErrOut.String(), "these changes to") {
		t.Errorf("question on the terminal %q; stderr (the log):\n%s", term, io.ErrOut)
	}
}

// A first deploy is guarded too (review of issue 12, finding 7): the diff of
// a zone with no ruleset says remote_version "none", and `--expect-version
// none` deploys then, but exits 1 writing nothing once a ruleset exists.
func TestDeployExpectVersionNone(t *testing.T) {
	e := rulestest.New(t, limits.Enterprise)
	file := rulestest.WriteFile(t, "v1.yaml", v1)
	f, io := e.Factory(false, true)
	if err := rulestest.Run(diff.NewCmdDiff(f, nil), file); err != nil {
		t.Fatal(err)
	}
	var head struct {
		RemoteVersion *string `json:"remote_version"`
	}
	if err := json.Unmarshal(io.Out.Bytes(), &head); err != nil || head.RemoteVersion == nil || *head.RemoteVersion != "none" {
		t.Fatalf("diff remote_version: %s (%v)", io.Out, err)
	}
	if _, err := deploy(t, e, false, false, nil, file, "--yes", "--expect-version", *head.RemoteVersion); err != nil {
		t.Fatalf("first deploy: %v", err)
	}
	if e.Version() != "1" {
		t.Fatalf("version %q after the first deploy", e.Version())
	}
	_, err := deploy(t, e, false, false, nil, rulestest.WriteFile(t, "v2.yaml", v2), "--yes", "--expect-version", "none", "--backup-dir", t.TempDir())
	if code := rulestest.ExitCode(err); code != 1 || !strings.Contains(fmt.Sprint(err), "expected to have no Cache Rules ruleset") {
		t.Fatalf("exit %d (%v), want 1", code, err)
	}
	if e.Version() != "1" {
		t.Errorf("version %s: something was written", e.Version())
	}
}

// issue 13 #3: a --backup-dir where no backup can be written is bad input,
// refused with exit 2 before any request, not "cannot reach the API".
func TestDeployUnwritableBackupDir(t *testing.T) {
	file := rulestest.WriteFile(t, "v1.yaml", v1)
	for name, dir := range map[string]string{
		"under a file": filepath.Join(file, "backups"),
		"under /proc":  "/proc/nope",
	} {
		t.Run(name, func(t *testing.T) {
			if dir == "/proc/nope" && runtime.GOOS != "linux" {
				t.Skip("needs /proc")
			}
			e := rulestest.New(t, limits.Enterprise)
			_, err := deploy(t, e, false, false, nil, file, "--yes", "--backup-dir", dir)
			if code := rulestest.ExitCode(err); code != 2 {
				t.Fatalf("exit %d (%v), want 2", code, err)
			}
			if !strings.Contains(err.Error(), "--backup-dir "+dir) || strings.Contains(err.Error(), "cannot reach") {
				t.Errorf("error: %v", err)
			}
			if n := e.Server.Stats().Total; n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}
