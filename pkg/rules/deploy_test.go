package rules

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// fakeAPI is an in-memory entrypoint of one phase, as the Rulesets API
// keeps it (cloudflare.md): every PUT replaces all rules and makes the next
// version; a rule keeps its id when the PUT names that id or its ref. Hooks
// let a test race another writer in at each step of the protocol.
type fakeAPI struct {
	phase    string
	versions []json.RawMessage
	bodies   [][]byte
	nextID   int
	refuse   error
	// beforePut runs inside Put before the write lands; afterPut after it
	// (before Put answers).
	beforePut, afterPut func(f *fakeAPI)
	// store changes a rule as the API stores it (a normalized field).
	store func(rule *Value)
}

func (f *fakeAPI) Entrypoint(context.Context) (json.RawMessage, error) {
	if len(f.versions) == 0 {
		return nil, nil
	}
	return f.versions[len(f.versions)-1], nil
}

func (f *fakeAPI) Version(_ context.Context, v string) (json.RawMessage, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > len(f.versions) {
		return nil, fmt.Errorf("404: no version %s", v)
	}
	return f.versions[n-1], nil
}

func (f *fakeAPI) Put(_ context.Context, body []byte) (json.RawMessage, error) {
	f.bodies = append(f.bodies, body)
	if f.refuse != nil {
		return nil, &RefusedError{Err: f.refuse}
	}
	if f.beforePut != nil {
		hook := f.beforePut
		f.beforePut = nil
		hook(f)
	}
	res := f.write(body)
	if f.afterPut != nil {
		hook := f.afterPut
		f.afterPut = nil
		hook(f)
	}
	return res, nil
}

// write stores body as the next version and returns it.
func (f *fakeAPI) write(body []byte) json.RawMessage {
	in, err := parseJSONValue(body)
	if err != nil {
		panic(err)
	}
	byRef := map[string]string{}
	if cur, _ := f.Entrypoint(context.Background()); cur != nil {
		rs, _ := ParseRuleset(cur)
		for _, r := range rs.Rules {
			byRef[r.Ref] = r.ID
		}
	}
	list := &Value{Kind: Array}
	for _, it := range in.Get("rules").Items() {
		r := it.Clone()
		if r.Get("id") == nil {
			id := byRef[r.Get("ref").Str]
			if id == "" {
				f.nextID++
				id = fmt.Sprintf("id%d", f.nextID)
			}
			r.Set("id", NewString(id))
		}
		if f.store != nil {
			f.store(r)
		}
		list.AddItem(r)
	}
	rs := NewObject()
	rs.Set("id", NewString("rs1"))
	rs.Set("phase", NewString(f.phase))
	rs.Set("version", NewString(strconv.Itoa(len(f.versions)+1)))
	rs.Set("rules", list)
	var b bytes.Buffer
	rs.writeJSON(&b, "", "")
	f.versions = append(f.versions, b.Bytes())
	return b.Bytes()
}

// colleague writes rules the way the dashboard would: ids kept by ref.
func (f *fakeAPI) colleague(t *testing.T, rules ...*Rule) {
	t.Helper()
	f.write(PutBody(rules))
}

func rulesOf(t *testing.T, phase, src string) []*Rule {
	t.Helper()
	f, probs := Parse("r.yaml", []byte(src))
	if probs.HasErrors() || f.Phase != PhaseOrDefault(phase) {
		t.Fatalf("parse: %v (phase %s)", probs, f.Phase)
	}
	return f.Rules
}

const respV1 = `phase: response
rules:
  - ref: strip
    expression: http.response.code eq 200
    action_parameters: {strip_set_cookie: true}
  - ref: tags
    expression: "true"
    action: set_cache_tags
    action_parameters: {operation: add, values: [blog]}
`

const respV2 = `phase: response
rules:
  - ref: tags
    expression: "true"
    action: set_cache_tags
    action_parameters: {operation: add, values: [blog, news]}
  - ref: cc
    expression: "true"
    action: set_cache_control
    action_parameters:
      max-age: {operation: set, value: 60}
`

func newDeploy(api *fakeAPI, target []*Rule) *Deploy {
	return &Deploy{API: api, Phase: api.phase, Zone: "example.com", Target: target, Source: "r.yaml",
		Retry: "cfcache rules diff r.yaml"}
}

func TestDeployCreatesThenUpdates(t *testing.T) {
	api := &fakeAPI{phase: PhaseResponse}
	prepared := 0
	d := newDeploy(api, rulesOf(t, PhaseResponse, respV1))
	d.Prepare = func(_ context.Context, before *Remote, diff *Diff) (string, error) {
		prepared++
		if before.Exists || before.Describe() != "no Cache Response Rules ruleset" || diff.Summary.Add != 2 {
			t.Errorf("prepare: %s, %+v", before.Describe(), diff.Summary)
		}
		return "", nil
	}
	out, err := d.Run(context.Background())
	if err != nil || !out.Changed || !out.Created || out.NewVersion != "1" || !out.Verified || prepared != 1 {
		t.Fatalf("create: %+v, %v", out, err)
	}

	// Update: the body carries the live ids by ref, never stale ones.
	target := rulesOf(t, PhaseResponse, respV2)
	target[0].ID = "stale-id-from-a-backup"
	d = newDeploy(api, target)
	d.Prepare = func(context.Context, *Remote, *Diff) (string, error) { return "backup.json", nil }
	out, err = d.Run(context.Background())
	if err != nil || out.PreviousVersion != "1" || out.NewVersion != "2" || out.LiveVersion != "2" || out.BackupFile != "backup.json" || !out.Verified {
		t.Fatalf("update: %+v, %v", out, err)
	}
	body := string(api.bodies[len(api.bodies)-1])
	if strings.Contains(body, "stale-id") || !strings.Contains(body, `"id":"id2","ref":"tags"`) || strings.Contains(body, `"ref":"cc","id"`) {
		t.Errorf("PUT body ids: %s", body)
	}
	if target[0].ID != "stale-id-from-a-backup" {
		t.Error("the caller's rules were modified")
	}

	// No changes: nothing prepared, nothing written.
	puts := len(api.bodies)
	d = newDeploy(api, rulesOf(t, PhaseResponse, respV2))
	d.Prepare = func(context.Context, *Remote, *Diff) (string, error) {
		t.Error("prepare without changes")
		return "", nil
	}
	out, err = d.Run(context.Background())
	if err != nil || out.Changed || !out.Verified || len(api.bodies) != puts {
		t.Errorf("no changes: %+v, %v, puts %d→%d", out, err, puts, len(api.bodies))
	}
}

func TestDeployExpectVersion(t *testing.T) {
	api := &fakeAPI{phase: PhaseRequest}
	api.colleague(t, &Rule{Ref: "a", Expression: "true", Action: ActionSetCacheSettings, Enabled: true, Params: mustObj(t, `{"cache": true}`)})
	d := newDeploy(api, []*Rule{{Ref: "a", Expression: "true", Action: ActionSetCacheSettings, Enabled: true, Params: mustObj(t, `{"cache": false}`)}})
	d.ExpectVersion = "7"
	_, err := d.Run(context.Background())
	var conflict *ConflictError
	if !errors.As(err, &conflict) || !strings.Contains(err.Error(), "not the expected version 7") || len(api.bodies) != 0 {
		t.Errorf("err %v, puts %d", err, len(api.bodies))
	}
}

// A colleague writes between the diff (and confirmation) and the PUT: the
// re-read catches it and nothing is written.
func TestDeployConcurrentChangeBeforeWrite(t *testing.T) {
	api := &fakeAPI{phase: PhaseResponse}
	api.write(PutBody(rulesOf(t, PhaseResponse, respV1)))
	d := newDeploy(api, rulesOf(t, PhaseResponse, respV2))
	d.BeforeWrite = func() {
		theirs := rulesOf(t, PhaseResponse, respV1)
		theirs[0].Description = "edited in the dashboard"
		api.colleague(t, theirs...)
	}
	_, err := d.Run(context.Background())
	var conflict *ConflictError
	if !errors.As(err, &conflict) || len(api.bodies) != 0 {
		t.Fatalf("err %v, puts %d", err, len(api.bodies))
	}
	for _, want := range []string{"cache response rules of example.com changed since the diff", "version 1", "version 2", "1 changed", "Nothing was written"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q: %v", want, err)
		}
	}
}

// Another write lands between the re-check and ours: ours gets version 3,
// not 2, and replaced theirs; the error says so and how to restore theirs.
func TestDeployReplacedAnotherWrite(t *testing.T) {
	api := &fakeAPI{phase: PhaseResponse}
	api.write(PutBody(rulesOf(t, PhaseResponse, respV1)))
	api.beforePut = func(f *fakeAPI) {
		theirs := rulesOf(t, PhaseResponse, respV1)
		theirs[1].Description = "theirs"
		f.colleague(t, theirs...)
	}
	out, err := newDeploy(api, rulesOf(t, PhaseResponse, respV2)).Run(context.Background())
	if err == nil || out == nil || out.Verified || out.NewVersion != "3" {
		t.Fatalf("out %+v, err %v", out, err)
	}
	for _, want := range []string{"wrote version 3, not 2", "another write (version 2)", "rollback --to-version 2 --phase response"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q: %v", want, err)
		}
	}
}

// Another write lands right after ours: the read-back finds their version.
func TestDeployZoneMovesOnAfterWrite(t *testing.T) {
	api := &fakeAPI{phase: PhaseRequest}
	api.afterPut = func(f *fakeAPI) {
		f.colleague(t, &Rule{Ref: "x", Expression: "true", Action: ActionSetCacheSettings, Enabled: true, Params: mustObj(t, `{"cache": true}`)})
	}
	target := []*Rule{{Ref: "a", Expression: "true", Action: ActionSetCacheSettings, Enabled: true, Params: mustObj(t, `{"cache": false}`)}}
	out, err := newDeploy(api, target).Run(context.Background())
	if err == nil || out.Verified || out.LiveVersion != "2" || !strings.Contains(err.Error(), "wrote version 1, but another write replaced it at once") {
		t.Errorf("out %+v, err %v", out, err)
	}
}

// The API stores a field differently from what was sent: the read-back
// lists it in Normalized and fails.
func TestDeployReadBackDiffers(t *testing.T) {
	api := &fakeAPI{phase: PhaseResponse, store: func(r *Value) {
		if p := r.Get("action_parameters"); p != nil && p.Get("values") != nil {
			p.Set("values", NewArray(NewString("BLOG")))
		}
	}}
	out, err := newDeploy(api, rulesOf(t, PhaseResponse, respV1)).Run(context.Background())
	if err == nil || out.Verified || len(out.Normalized) != 1 || out.Normalized[0].Path != "action_parameters.values" {
		t.Fatalf("out %+v, err %v", out, err)
	}
	if !strings.Contains(err.Error(), `rule "tags" action_parameters.values: sent ["blog"], stored ["BLOG"]`) {
		t.Errorf("error: %v", err)
	}
}

func TestDeployRefusedAndInterrupted(t *testing.T) {
	api := &fakeAPI{phase: PhaseRequest, refuse: errors.New("400: bad rule")}
	target := []*Rule{{Ref: "a", Expression: "true", Action: ActionSetCacheSettings, Enabled: true, Params: mustObj(t, `{"cache": true}`)}}
	_, err := newDeploy(api, target).Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "Cloudflare refused the write, so example.com keeps no Cache Rules ruleset: 400: bad rule") {
		t.Errorf("refused: %v", err)
	}

	api = &fakeAPI{phase: PhaseRequest}
	ctx, cancel := context.WithCancel(context.Background())
	d := newDeploy(api, target)
	d.BeforeWrite = cancel
	_, err = d.Run(ctx)
	var intr *InterruptedError
	if !errors.As(err, &intr) || !errors.Is(err, context.Canceled) || len(api.bodies) != 0 {
		t.Errorf("interrupted: %v, puts %d", err, len(api.bodies))
	}

	// Prepare's error (a refused confirmation, a failed backup) stops it too.
	api = &fakeAPI{phase: PhaseRequest}
	d = newDeploy(api, target)
	d.Prepare = func(context.Context, *Remote, *Diff) (string, error) { return "", errors.New("no backup") }
	if _, err := d.Run(context.Background()); err == nil || err.Error() != "no backup" || len(api.bodies) != 0 {
		t.Errorf("prepare: %v, puts %d", err, len(api.bodies))
	}
}

func TestReadVersion(t *testing.T) {
	api := &fakeAPI{phase: PhaseResponse}
	api.write(PutBody(rulesOf(t, PhaseResponse, respV1)))
	api.write(PutBody(rulesOf(t, PhaseResponse, respV2)))
	r, err := ReadVersion(context.Background(), api, PhaseResponse, "1")
	if err != nil || r.Version() != "1" || len(r.Rules()) != 2 || r.Rules()[0].Ref != "strip" || r.Phase != PhaseResponse {
		t.Errorf("version 1: %+v, %v", r, err)
	}
}

// --expect-version none guards a first deploy: it writes when the zone has
// no ruleset and aborts, writing nothing, when one exists (review of issue
// 12, finding 7).
func TestDeployExpectNoRuleset(t *testing.T) {
	api := &fakeAPI{phase: PhaseResponse}
	d := newDeploy(api, rulesOf(t, PhaseResponse, respV1))
	d.ExpectVersion = NoRuleset
	if out, err := d.Run(context.Background()); err != nil || !out.Created {
		t.Fatalf("first deploy: %+v, %v", out, err)
	}
	puts := len(api.bodies)
	d = newDeploy(api, rulesOf(t, PhaseResponse, respV2))
	d.ExpectVersion = NoRuleset
	_, err := d.Run(context.Background())
	var conflict *ConflictError
	if !errors.As(err, &conflict) || !strings.Contains(err.Error(), "expected to have no Cache Response Rules ruleset") || len(api.bodies) != puts {
		t.Errorf("err %v, puts %d→%d", err, puts, len(api.bodies))
	}
}
