package rules

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/cmd/rules/deploy"
	"github.com/cfcache/cfcache/pkg/cmd/rules/diff"
	"github.com/cfcache/cfcache/pkg/cmd/rules/export"
	"github.com/cfcache/cfcache/pkg/cmd/rules/internal/rulestest"
	"github.com/cfcache/cfcache/pkg/cmd/rules/list"
	"github.com/cfcache/cfcache/pkg/cmd/rules/rollback"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/sandbox"
)

// TestPhaseFlag: argv → Options for --phase on list, export and rollback:
// request by default, response when asked, anything else exit 2 naming the
// values.
func TestPhaseFlag(t *testing.T) {
	e := rulestest.New(t, limits.Free)
	run := func(args ...string) (string, error) {
		f, _ := e.Factory(false, false)
		var got string
		var err error
		switch args[0] {
		case "list":
			err = rulestest.Run(list.NewCmdList(f, func(o *list.ListOptions) error { got = o.Phase; return nil }), args[1:]...)
		case "export":
			err = rulestest.Run(export.NewCmdExport(f, func(o *export.ExportOptions) error { got = o.Phase; return nil }), args[1:]...)
		case "rollback":
			err = rulestest.Run(rollback.NewCmdRollback(f, func(o *rollback.RollbackOptions) error { got = o.Phase; return nil }),
				append([]string{"--to-version", "1", "--yes"}, args[1:]...)...)
		}
		return got, err
	}
	for _, verb := range []string{"list", "export", "rollback"} {
		for _, c := range []struct {
			args []string
			want string
		}{{nil, "request"}, {[]string{"--phase", "response"}, "response"}, {[]string{"--phase=request"}, "request"}} {
			got, err := run(append([]string{verb}, c.args...)...)
			if err != nil || got != c.want {
				t.Errorf("%s %v: phase %q, %v; want %q", verb, c.args, got, err, c.want)
			}
		}
		_, err := run(verb, "--phase", "responses")
		if code := rulestest.ExitCode(err); code != 2 || !strings.Contains(err.Error(), "request") || !strings.Contains(err.Error(), "response") {
			t.Errorf("%s --phase responses: exit %d, %v", verb, code, err)
		}
	}
}

const respSeed = `[
  {"ref": "strip", "expression": "http.response.code eq 200", "action": "set_cache_settings",
   "action_parameters": {"strip_set_cookie": true}},
  {"ref": "tags", "expression": "true", "action": "set_cache_tags",
   "action_parameters": {"operation": "add", "values": ["blog"]}}
]`

// TestResponsePhaseAgainstSandbox runs list, export, diff, deploy and
// rollback on the response phase's entrypoint in process; the Cache Rules
// entrypoint is never written.
func TestResponsePhaseAgainstSandbox(t *testing.T) {
	e := rulestest.New(t, limits.Free)
	e.Seed(`[{"ref": "req", "expression": "true", "action_parameters": {"cache": true}}]`)
	e.SeedPhase(sandbox.ResponseCachePhase, respSeed)
	reqPuts := e.Requests(sandbox.EndpointPutEntry)

	// list --phase response -o json
	f, io := e.Factory(false, true)
	if err := rulestest.Run(list.NewCmdList(f, nil), "--phase", "response"); err != nil {
		t.Fatal(err)
	}
	var listed struct {
		Phase   string
		Version string
		Rules   []struct{ Ref, Action string }
	}
	if err := json.Unmarshal(io.Out.Bytes(), &listed); err != nil || listed.Phase != "response" || len(listed.Rules) != 2 || listed.Rules[1].Action != "set_cache_tags" {
		t.Fatalf("list: %+v, %v\n%s", listed, err, io.Out)
	}

	// export --phase response writes the phase; diff of the export is clean
	dir := t.TempDir()
	exported := filepath.Join(dir, "resp.yaml")
	f, _ = e.Factory(false, false)
	if err := rulestest.Run(export.NewCmdExport(f, nil), "--phase", "response", "--file", exported); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(exported)
	if !strings.HasPrefix(string(data), "phase: response\n") || !strings.Contains(string(data), "action: set_cache_tags") {
		t.Fatalf("export:\n%s", data)
	}
	f, io = e.Factory(false, true)
	if err := rulestest.Run(diff.NewCmdDiff(f, nil), exported, "--exit-code"); err != nil {
		t.Fatalf("diff of the export: %v\n%s", err, io.Out)
	}
	var head map[string]any
	if err := json.Unmarshal(io.Out.Bytes(), &head); err != nil {
		t.Fatal(err)
	}
	if head["phase"] != "response" || head["remote_version"] != "1" || head["zone_name"] != rulestest.Zone || head["zone_id"] == "" {
		t.Errorf("diff JSON head: %v", head)
	}

	// edit → deploy with the reviewed version
	edited := rulestest.WriteFile(t, "edited.yaml", strings.Replace(string(data), "values: [blog]", "values: [blog, news]", 1))
	f, io = e.Factory(false, false)
	if err := rulestest.Run(deploy.NewCmdDeploy(f, nil), edited, "--yes", "--expect-version", "1", "--backup-dir", dir); err != nil {
		t.Fatalf("deploy: %v\n%s", err, io.ErrOut)
	}
	rs, _ := e.PhaseRules(sandbox.ResponseCachePhase)
	if rs.Version != "2" || !strings.Contains(string(rs.Rules[1].ActionParameters), "news") {
		t.Errorf("after deploy: %+v", rs)
	}
	backups, _ := filepath.Glob(filepath.Join(dir, "example.com-response-1-*.json"))
	if len(backups) != 1 {
		t.Errorf("backups: %v", backups)
	}

	// rollback --phase response to version 1
	f, io = e.Factory(false, false)
	if err := rulestest.Run(rollback.NewCmdRollback(f, nil), "--phase", "response", "--to-version", "1", "--yes", "--backup-dir", dir); err != nil {
		t.Fatalf("rollback: %v\n%s", err, io.ErrOut)
	}
	rs, _ = e.PhaseRules(sandbox.ResponseCachePhase)
	if rs.Version != "3" || strings.Contains(string(rs.Rules[1].ActionParameters), "news") {
		t.Errorf("after rollback: %+v", rs)
	}
	if e.Requests(sandbox.EndpointPutEntry) != reqPuts || e.Version() != "1" {
		t.Errorf("the Cache Rules entrypoint was written (puts %d → %d, version %s)", reqPuts, e.Requests(sandbox.EndpointPutEntry), e.Version())
	}

	// a request-phase action in a response file is refused before anything is sent
	bad := rulestest.WriteFile(t, "bad.yaml", "phase: response\nrules:\n  - ref: a\n    expression: \"true\"\n    action_parameters: {cache: true}\n")
	before := e.Requests(sandbox.EndpointRespPutEntry)
	f, io = e.Factory(false, false)
	err := rulestest.Run(deploy.NewCmdDeploy(f, nil), bad, "--yes")
	if code := rulestest.ExitCode(err); code != 2 || !strings.Contains(io.ErrOut.String(), "bad.yaml:5: rules[0].action_parameters.cache: unknown setting") || e.Requests(sandbox.EndpointRespPutEntry) != before {
		t.Errorf("bad file: exit %d, %v\n%s", code, err, io.ErrOut)
	}
}
