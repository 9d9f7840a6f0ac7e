package rollback

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	deployCmd "github.com/cfcache/cfcache/pkg/cmd/rules/deploy"
	"github.com/cfcache/cfcache/pkg/cmd/rules/internal/rulestest"
	"github.com/cfcache/cfcache/pkg/cmd/rules/shared"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/sandbox"
)

const v1 = `rules:
  - ref: images
    expression: http.request.uri.path.extension in {"jpg" "png"}
    action_parameters:
      cache: true
      edge_ttl: {mode: override_origin, default: 86400}
  - ref: api
    expression: starts_with(http.request.uri.path, "/api/")
    action_parameters: {cache: false}
`

const v2 = `rules:
  - ref: api
    expression: starts_with(http.request.uri.path, "/api/")
    action_parameters: {cache: false}
  - ref: html
    expression: http.request.uri.path.extension eq ""
    action_parameters: {cache: true}
`

// deployed returns a sandbox whose rules went through v1 then v2 via
// `rules deploy`.
func deployed(t *testing.T) *rulestest.Env {
	t.Helper()
	e := rulestest.New(t, limits.Enterprise)
	for _, content := range []string{v1, v2} {
		f, io := e.Factory(false, false)
		cmd := deployCmd.NewCmdDeploy(f, nil)
		if err := rulestest.Run(cmd, rulestest.WriteFile(t, "rules.yaml", content), "--yes", "--backup-dir", t.TempDir()); err != nil {
			t.Fatalf("deploy: %v\n%s", err, io.ErrOut)
		}
	}
	if e.Version() != "2" {
		t.Fatalf("setup: version %s", e.Version())
	}
	return e
}

func rollback(t *testing.T, e *rulestest.Env, tty, json bool, hook func(*RollbackOptions), args ...string) (*rulestest.IO, error) {
	t.Helper()
	f, io := e.Factory(tty, json)
	cmd := NewCmdRollback(f, func(o *RollbackOptions) error {
		if hook != nil {
			hook(o)
		}
		return rollbackRun(o)
	})
	return io, rulestest.Run(cmd, args...)
}

func TestRollbackFlags(t *testing.T) {
	e := rulestest.New(t, limits.Enterprise)
	for _, c := range []struct {
		args []string
		tty  bool
		want RollbackOptions
		code int
	}{
		{args: []string{"--to-version", "3", "--yes", "--expect-version", "4", "--backup-dir", "b"},
			want: RollbackOptions{ToVersion: "3", Guard: shared.Guard{Yes: true, ExpectVersion: "4", BackupDir: "b"}}},
		{args: []string{"--to-version", "3"}, tty: true,
			want: RollbackOptions{ToVersion: "3", Guard: shared.Guard{BackupDir: filepath.Join(e.StateDir, "cfcache", "backups")}}},
		{args: []string{"--to-version", "3"}, code: 2},
		{args: []string{"--yes"}, code: 2},
		{args: []string{"3", "--yes"}, code: 2},
	} {
		f, _ := e.Factory(c.tty, false)
		var got *RollbackOptions
		err := rulestest.Run(NewCmdRollback(f, func(o *RollbackOptions) error { got = o; return nil }), c.args...)
		if code := rulestest.ExitCode(err); code != c.code {
			t.Errorf("%v: exit %d (%v), want %d", c.args, code, err, c.code)
			continue
		}
		if c.code == 0 && (got.ToVersion != c.want.ToVersion || got.Yes != c.want.Yes || got.ExpectVersion != c.want.ExpectVersion || got.BackupDir != c.want.BackupDir) {
			t.Errorf("%v: options %+v", c.args, *got)
		}
	}
}

// deploy then rollback restores the earlier rules, as a new version, with
// a backup of the version it replaced.
func TestRollbackRestores(t *testing.T) {
	for _, tty := range []bool{false, true} {
		t.Run(map[bool]string{false: "piped", true: "tty"}[tty], func(t *testing.T) {
			e := deployed(t)
			backups := t.TempDir()
			io, err := rollback(t, e, tty, false, nil, "--to-version", "1", "--yes", "--backup-dir", backups)
			if err != nil {
				t.Fatalf("rollback: %v\n%s", err, io.ErrOut)
			}
			if e.Version() != "3" || strings.Join(e.Refs(), ",") != "images,api" {
				t.Fatalf("after rollback: version %s, %v", e.Version(), e.Refs())
			}
			out := io.Out.String()
			for _, want := range []string{`+ rule "images" (new, position 1)`, `- rule "html" (was position 2)`} {
				if !strings.Contains(out, want) {
					t.Errorf("stdout lacks %q:\n%s", want, out)
				}
			}
			// What was done is about the run: stderr (issue 13 §3).
			if done := "Rolled example.com back to the rules of version 1: now version 3 (was version 2; verified)."; !strings.Contains(io.ErrOut.String(), done) || strings.Contains(out, done) {
				t.Errorf("the result line is not on stderr only:\nstdout:\n%s\nstderr:\n%s", out, io.ErrOut)
			}
			if tty {
				rulestest.HasANSI(t, "stdout", out)
			} else {
				rulestest.NoANSI(t, "stdout", out)
				rulestest.NoANSI(t, "stderr", io.ErrOut.String())
			}
			entries, _ := os.ReadDir(backups)
			if len(entries) != 1 || !strings.HasPrefix(entries[0].Name(), "example.com-request-2-") {
				t.Errorf("backups: %v", entries)
			}
		})
	}
}

func TestRollbackJSON(t *testing.T) {
	e := deployed(t)
	io, err := rollback(t, e, false, true, nil, "--to-version", "1", "--yes", "--backup-dir", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		ToVersion       string `json:"to_version"`
		PreviousVersion string `json:"previous_version"`
		NewVersion      string `json:"new_version"`
		BackupFile      string `json:"backup_file"`
		Verified        bool
		Summary         struct{ Add, Remove int }
	}
	if err := json.Unmarshal(io.Out.Bytes(), &res); err != nil {
		t.Fatalf("%v\n%s", err, io.Out)
	}
	if res.ToVersion != "1" || res.PreviousVersion != "2" || res.NewVersion != "3" || res.BackupFile == "" || !res.Verified || res.Summary.Add != 1 || res.Summary.Remove != 1 {
		t.Errorf("result %+v", res)
	}
}

func TestRollbackToCurrentWritesNothing(t *testing.T) {
	e := deployed(t)
	io, err := rollback(t, e, false, false, nil, "--to-version", "2", "--yes", "--backup-dir", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if io.Out.String() != "" || !strings.Contains(io.ErrOut.String(), "\nNo changes.\n") || e.Version() != "2" {
		t.Errorf("stdout %q, stderr %q, version %s", io.Out, io.ErrOut, e.Version())
	}
}

func TestRollbackUnknownVersion(t *testing.T) {
	e := deployed(t)
	_, err := rollback(t, e, false, false, nil, "--to-version", "9", "--yes")
	if code := rulestest.ExitCode(err); code != 2 {
		t.Fatalf("exit %d (%v), want 2", code, err)
	}
	if !strings.Contains(err.Error(), "version 9") || !strings.Contains(err.Error(), "newest first: 2, 1") {
		t.Errorf("error: %v", err)
	}

	empty := rulestest.New(t, limits.Enterprise)
	_, err = rollback(t, empty, false, false, nil, "--to-version", "1", "--yes")
	if code := rulestest.ExitCode(err); code != 2 || !strings.Contains(err.Error(), "has no Cache Rules ruleset") {
		t.Errorf("no ruleset: exit %d (%v)", code, err)
	}
}

func TestRollbackAbortsOnConcurrentChange(t *testing.T) {
	e := deployed(t)
	var theirs string
	race := func(o *RollbackOptions) {
		o.BeforeWrite = func() {
			theirs = e.Edit(func(rs []sandbox.Rule) []sandbox.Rule { return rs[:1] })
		}
	}
	_, err := rollback(t, e, false, false, race, "--to-version", "1", "--yes", "--backup-dir", t.TempDir())
	if code := rulestest.ExitCode(err); code != 1 {
		t.Fatalf("exit %d (%v), want 1", code, err)
	}
	if !strings.Contains(err.Error(), "version 2 (last updated") || !strings.Contains(err.Error(), "version 3 (last updated") {
		t.Errorf("error: %v", err)
	}
	if e.Version() != theirs || strings.Join(e.Refs(), ",") != "api" {
		t.Errorf("the rollback wrote over the concurrent change: version %s, %v", e.Version(), e.Refs())
	}
}

func TestRollbackExpectVersion(t *testing.T) {
	e := deployed(t)
	_, err := rollback(t, e, false, false, nil, "--to-version", "1", "--yes", "--expect-version", "1")
	if code := rulestest.ExitCode(err); code != 1 || e.Version() != "2" {
		t.Errorf("exit %d (%v), version %s", code, err, e.Version())
	}
}

// A version whose rules do not validate (here: a field cfcache does not
// know, which the sandbox stores without looking) is refused before
// anything is written, with the problems on stderr.
func TestRollbackRefusesInvalidVersion(t *testing.T) {
	e := deployed(t)
	bad := e.Seed(`[{"ref": "typo", "expression": "http.request.uri.pth eq \"/x\"", "action_parameters": {"cache": true}, "enabled": true}]`)
	e.Seed(`[{"ref": "ok", "expression": "true", "action_parameters": {"cache": true}, "enabled": true}]`)
	current := e.Version()
	io, err := rollback(t, e, false, false, nil, "--to-version", bad, "--yes", "--backup-dir", t.TempDir())
	if code := rulestest.ExitCode(err); code != 2 {
		t.Fatalf("exit %d (%v), want 2", code, err)
	}
	if !strings.Contains(io.ErrOut.String(), "version "+bad+": rules[0].expression:") {
		t.Errorf("stderr:\n%s", io.ErrOut)
	}
	if e.Version() != current || e.Requests(sandbox.EndpointPutEntry) != 2 {
		t.Errorf("written: version %s", e.Version())
	}
}

// A version that cannot exist is refused offline: exit 2, no request of
// any kind (issue 9: --to-version x made three GETs first).
func TestRollbackOfflineErrorsSendNothing(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		msg  string
	}{
		{"letters", []string{"--to-version", "x"}, `--to-version "x" is not a ruleset version: want a whole number from 1`},
		{"negative", []string{"--to-version", "-1"}, `--to-version "-1" is not a ruleset version`},
		{"empty", []string{"--to-version", ""}, "--to-version is empty: give a ruleset version"},
		{"missing", nil, "--to-version is required"},
		{"bad expect", []string{"--to-version", "1", "--expect-version", "abc"}, `--expect-version "abc" is not a ruleset version`},
		{"empty expect", []string{"--to-version", "1", "--expect-version", ""}, "--expect-version is empty"},
		{"empty backup dir", []string{"--to-version", "1", "--backup-dir", ""}, "--backup-dir is empty"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := rulestest.New(t, limits.Enterprise)
			io, err := rollback(t, e, false, false, nil, append(c.args, "--yes")...)
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
