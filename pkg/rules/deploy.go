package rules

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// RulesetAPI is what the deploy protocol needs of the Rulesets API, bound to
// one zone and one phase's entrypoint (docs/cloudflare.md, "Cache
// Rules": GET / PUT .../phases/{phase}/entrypoint and .../versions/{v}).
// Implementations return the API's `result` exactly as received.
type RulesetAPI interface {
	// Entrypoint reads the entrypoint ruleset; nil, nil when the zone has
	// none yet (404, code 10003).
	Entrypoint(ctx context.Context) (json.RawMessage, error)
	// Put replaces every rule of the entrypoint (creating it when missing)
	// with body {"rules": [...]}. An error that is a refusal (the API
	// answered 4xx, so nothing was written) is wrapped in *RefusedError.
	Put(ctx context.Context, body []byte) (json.RawMessage, error)
	// Version reads one stored version of the entrypoint.
	Version(ctx context.Context, version string) (json.RawMessage, error)
}

// RefusedError is a write the API refused outright: the ruleset was not
// replaced.
type RefusedError struct{ Err error }

func (e *RefusedError) Error() string { return e.Err.Error() }
func (e *RefusedError) Unwrap() error { return e.Err }

// Remote is a zone's entrypoint ruleset of one phase as last read.
type Remote struct {
	// Phase is the ruleset's phase, for messages.
	Phase string
	// Exists is false when the zone has no entrypoint yet (404 / 10003):
	// that reads as an empty rule list, and a PUT creates it.
	Exists  bool
	Ruleset *Ruleset
	// Raw is the API's `result` exactly as received, for backups.
	Raw json.RawMessage
}

// ReadRemote reads the entrypoint through api.
func ReadRemote(ctx context.Context, api RulesetAPI, phase string) (*Remote, error) {
	raw, err := api.Entrypoint(ctx)
	if err != nil {
		return nil, err
	}
	if raw == nil {
		return &Remote{Phase: PhaseOrDefault(phase)}, nil
	}
	return ParseRemote(phase, raw)
}

// ReadVersion reads one stored version of the entrypoint through api.
func ReadVersion(ctx context.Context, api RulesetAPI, phase, version string) (*Remote, error) {
	raw, err := api.Version(ctx, version)
	if err != nil {
		return nil, err
	}
	return ParseRemote(phase, raw)
}

// ParseRemote reads an entrypoint ruleset the API returned.
func ParseRemote(phase string, raw json.RawMessage) (*Remote, error) {
	rs, err := ParseRuleset(raw)
	if err != nil {
		return nil, fmt.Errorf("the API's ruleset could not be read: %w", err)
	}
	return &Remote{Phase: PhaseOrDefault(phase), Exists: true, Ruleset: rs, Raw: raw}, nil
}

// Rules returns the remote rules, none when there is no ruleset.
func (r *Remote) Rules() []*Rule {
	if r == nil || r.Ruleset == nil {
		return nil
	}
	return r.Ruleset.Rules
}

// NoRuleset is the version a diff reports, and deploy --expect-version
// takes, for a zone with no ruleset of the phase yet: a first deploy's
// reviewed diff is then guarded like any other (interface.md, rules: diff's
// remote_version is what --expect-version takes).
const NoRuleset = "none"

// VersionOrNone is Version, or NoRuleset when the zone has no ruleset.
func (r *Remote) VersionOrNone() string {
	if r == nil || !r.Exists {
		return NoRuleset
	}
	return r.Version()
}

// Version is the ruleset's version, "" when there is none.
func (r *Remote) Version() string {
	if r == nil || r.Ruleset == nil {
		return ""
	}
	return r.Ruleset.Version
}

// LastUpdated is when the ruleset last changed, "" when there is none.
func (r *Remote) LastUpdated() string {
	if r == nil || r.Ruleset == nil {
		return ""
	}
	return r.Ruleset.LastUpdated
}

// Describe names the version for messages: "version 7 (last updated ...)",
// or "no Cache Rules ruleset" when the zone has none.
func (r *Remote) Describe() string {
	if !r.Exists {
		return "no " + PhaseTitle(r.Phase) + " ruleset"
	}
	s := "version " + r.Version()
	if lu := r.LastUpdated(); lu != "" {
		// Cloudflare gives microseconds; people and logs want seconds.
		if t, err := time.Parse(time.RFC3339Nano, lu); err == nil {
			lu = t.UTC().Format(time.RFC3339)
		}
		s += " (last updated " + lu + ")"
	}
	return s
}

func (r *Remote) describeShort() string {
	if !r.Exists {
		return "no ruleset"
	}
	return "version " + r.Version()
}

// phaseNoun is how messages name a phase's rules in running text.
func phaseNoun(phase string) string {
	if phase == PhaseResponse {
		return "cache response rules"
	}
	return "cache rules"
}

// Deploy is one guarded replacement of a phase's rules, the protocol deploy
// and rollback share: read the entrypoint, compare, let the caller confirm
// and back up, re-read the version right before the PUT, strip the
// target's ids and re-attach the live ones by ref, write, read back and
// verify (interface.md, rules: deploy).
//
// The Rulesets API has no optimistic concurrency (no If-Match, no expected
// version) and a PUT replaces every rule (cloudflare.md), so the re-check is
// what keeps a deploy from silently reverting a colleague's dashboard edit,
// and the verification is what catches a race that slipped through.
type Deploy struct {
	API   RulesetAPI
	Phase string
	// Zone names the zone in messages.
	Zone string
	// Target is the rule list wanted, in order.
	Target []*Rule
	// Source names where Target comes from in messages ("rules.yaml",
	// "version 3").
	Source string
	// ExpectVersion, when set, is the only version the write may replace;
	// NoRuleset ("none") means the zone must have no ruleset of the phase,
	// so a first deploy is guarded too (review of issue 12, finding 7).
	ExpectVersion string
	// Retry is the command that shows the zone's rules as they are now, for
	// the messages of a conflict or an uncertain write.
	Retry string

	// Prepare runs once the diff shows changes, before the re-check: the
	// caller shows the diff, asks, and writes a backup of before, returning
	// its path ("" for none). An error stops the deploy; nothing is written.
	Prepare func(ctx context.Context, before *Remote, d *Diff) (backup string, err error)
	// BeforeWrite runs just before the final re-check; tests race a change
	// in there.
	BeforeWrite func()
}

// Normalized is a field Cloudflare stored differently from what was sent.
type Normalized struct {
	Ref    string `json:"ref"`
	Path   string `json:"path"`
	Sent   *Value `json:"sent"`
	Stored *Value `json:"stored"`
}

// Outcome is what a deploy did. PreviousVersion is "" when the zone had no
// ruleset; LiveVersion is the version the read-back found: NewVersion when
// the write verified, another writer's when the zone moved on.
type Outcome struct {
	Changed         bool         `json:"changed"`
	Created         bool         `json:"created"`
	PreviousVersion string       `json:"previous_version"`
	NewVersion      string       `json:"new_version"`
	LiveVersion     string       `json:"live_version"`
	BackupFile      string       `json:"backup_file"`
	Summary         Summary      `json:"summary"`
	Verified        bool         `json:"verified"`
	Normalized      []Normalized `json:"normalized"`
	Diff            *Diff        `json:"diff"`
	// Before is the ruleset the deploy was compared with.
	Before *Remote `json:"-"`
}

// ConflictError is a write refused because the zone's rules are not the
// version the diff (or --expect-version) was about. Nothing was written.
type ConflictError struct{ msg string }

func (e *ConflictError) Error() string { return e.msg }

// InterruptedError is a deploy stopped by its context; the message says
// what state the zone is in.
type InterruptedError struct{ msg string }

func (e *InterruptedError) Error() string { return e.msg }
func (e *InterruptedError) Unwrap() error { return context.Canceled }

// Run performs the deploy. It returns an Outcome also when there was
// nothing to do (Changed false), and with the errors of verification.
func (d *Deploy) Run(ctx context.Context) (*Outcome, error) {
	phase := PhaseOrDefault(d.Phase)
	res := &Outcome{Normalized: []Normalized{}}
	before, err := ReadRemote(ctx, d.API, phase)
	if err != nil {
		return nil, err
	}
	res.Before = before
	res.PreviousVersion, res.NewVersion = before.Version(), before.Version()
	if d.ExpectVersion == NoRuleset && before.Exists {
		return nil, &ConflictError{fmt.Sprintf("the zone was expected to have no %s ruleset: %s has %s; nothing was written",
			PhaseTitle(phase), d.Zone, before.Describe())}
	}
	if d.ExpectVersion != "" && d.ExpectVersion != NoRuleset && before.Version() != d.ExpectVersion {
		return nil, &ConflictError{fmt.Sprintf("the zone's ruleset is not the expected version %s: %s has %s; nothing was written",
			d.ExpectVersion, d.Zone, before.Describe())}
	}
	diff := Compute(before.Rules(), d.Target)
	res.Diff, res.Summary = diff, diff.Summary
	if !diff.HasChanges() {
		res.Verified = true
		return res, nil
	}
	if d.Prepare != nil {
		if res.BackupFile, err = d.Prepare(ctx, before, diff); err != nil {
			return nil, err
		}
	}
	if d.BeforeWrite != nil {
		d.BeforeWrite()
	}
	now, err := ReadRemote(ctx, d.API, phase)
	if err != nil {
		return nil, fmt.Errorf("%w (re-reading the version before writing; nothing was written)", err)
	}
	if now.Exists != before.Exists || now.Version() != before.Version() {
		return nil, d.conflict(before, now)
	}
	if ctx.Err() != nil {
		return nil, &InterruptedError{"interrupted before writing: nothing was written"}
	}

	// Ids come from the ruleset just re-read, never from the source: a
	// rollback's old ids or a backup's may name rules deleted since, which
	// the API refuses. Refs alone keep the others stable.
	body := make([]*Rule, len(d.Target))
	for i, r := range d.Target {
		c := *r
		c.ID = ""
		body[i] = &c
	}
	AttachIDs(body, now.Rules())
	raw, err := d.API.Put(ctx, PutBody(body))
	if err != nil {
		if ctx.Err() != nil {
			return nil, &InterruptedError{fmt.Sprintf("interrupted while writing: the zone may or may not have the new rules; run `%s` to see (backup: %s)", d.Retry, orNone(res.BackupFile))}
		}
		var refused *RefusedError
		if errors.As(err, &refused) {
			//lint:ignore ST1005 the message starts with a proper noun
			return nil, fmt.Errorf("Cloudflare refused the write, so %s keeps %s: %w", d.Zone, before.Describe(), refused.Err)
		}
		return nil, fmt.Errorf("writing the %s failed and may or may not have taken effect; run `%s` to see (backup: %s): %w",
			phaseNoun(phase), d.Retry, orNone(res.BackupFile), err)
	}
	written, err := ParseRemote(phase, raw)
	if err != nil {
		return nil, err
	}
	res.Changed, res.Created = true, !before.Exists
	res.NewVersion = written.Version()
	return res, d.verify(ctx, res, before, written)
}

// nextVersion is the version a write on top of before creates: versions
// count up by one on every change, and a new ruleset starts at 1
// (cloudflare.md). "" when before's version is not a number.
func nextVersion(before *Remote) string {
	if !before.Exists {
		return "1"
	}
	n, err := strconv.ParseUint(before.Version(), 10, 63)
	if err != nil {
		return ""
	}
	return strconv.FormatUint(n+1, 10)
}

// conflict explains a change between the diff and the write: both
// versions with their times, and what the other writer changed.
func (d *Deploy) conflict(before, now *Remote) error {
	var b strings.Builder
	fmt.Fprintf(&b, "the %s of %s changed since the diff: it was made against %s, the zone now has %s",
		phaseNoun(before.Phase), d.Zone, before.Describe(), now.Describe())
	theirs := Compute(before.Rules(), now.Rules())
	fmt.Fprintf(&b, "; someone else (the dashboard, the API or another deploy) wrote them in between")
	if theirs.HasChanges() {
		s := theirs.Summary
		fmt.Fprintf(&b, " (%d added, %d changed, %d removed, %d moved)", s.Add, s.Change, s.Remove, s.Move)
	}
	fmt.Fprintf(&b, ". Nothing was written: run `%s` to see the zone's rules as they are now, then try again", d.Retry)
	return &ConflictError{b.String()}
}

// verify reads the ruleset back and fails unless the zone holds exactly
// what was sent, at exactly the version this write created. The re-check
// before the PUT narrows the window for a concurrent writer but cannot
// close it; these checks are how a race that slipped through is caught and
// reported instead of being printed as a success (issue 9: two racing
// deploys both exited 0):
//   - the PUT's answer carries a version other than the one after the
//     re-checked one: another write landed just before ours, and ours
//     replaced it;
//   - the read-back has another version: another write landed just after
//     ours, and the zone holds theirs;
//   - the read-back differs from what was sent: the write did not take as
//     sent (a field stored differently is listed in Normalized).
//
// Each error says which version is live now and how it differs from what
// was sent.
func (d *Deploy) verify(ctx context.Context, res *Outcome, before, written *Remote) error {
	after, err := ReadRemote(ctx, d.API, before.Phase)
	if err != nil {
		if ctx.Err() != nil {
			return &InterruptedError{fmt.Sprintf("wrote version %s, then was interrupted before verifying it; run `%s` to see the zone's rules (backup: %s)",
				written.Version(), d.Retry, orNone(res.BackupFile))}
		}
		return fmt.Errorf("wrote version %s but could not read it back to verify (run `%s` to see the zone's rules; backup: %s): %w",
			written.Version(), d.Retry, orNone(res.BackupFile), err)
	}
	res.LiveVersion = after.Version()
	vd := Compute(d.Target, after.Rules())
	live := fmt.Sprintf("%s now has %s, %s", d.Zone, after.Describe(), relation(vd, d.Source))
	backup := "backup: " + orNone(res.BackupFile)

	if want := nextVersion(before); want != "" && written.Version() != want {
		// Versions want .. written-1 are the other writer's; the last of
		// them is what rollback would restore.
		theirs, last := want, want
		if n, err := strconv.ParseUint(written.Version(), 10, 63); err == nil && n > 1 {
			last = strconv.FormatUint(n-1, 10)
			if last != want {
				theirs = want + " to " + last
			}
		}
		return fmt.Errorf("wrote version %s, not %s: another write (version %s) landed between the re-check of %s and this write, and this write replaced it. %s. Run `%s` to compare, and `cfcache rules rollback --to-version %s%s` if the other write should stay (%s)",
			written.Version(), want, theirs, before.describeShort(), live, d.Retry, last, phaseFlag(before.Phase), backup)
	}
	if after.Version() != written.Version() {
		return fmt.Errorf("wrote version %s, but another write replaced it at once: %s. Run `%s` to see the rules as they are now (%s)",
			written.Version(), live, d.Retry, backup)
	}

	var problems []string
	for _, rd := range vd.Rules {
		switch {
		case rd.Action == Change:
			for _, f := range rd.Fields {
				res.Normalized = append(res.Normalized, Normalized{Ref: rd.Ref, Path: f.Path, Sent: f.Old, Stored: f.New})
				problems = append(problems, fmt.Sprintf("rule %q %s: sent %s, stored %s", rd.Ref, f.Path, JSONText(f.Old), JSONText(f.New)))
			}
			if rd.Moved {
				problems = append(problems, fmt.Sprintf("rule %q is at position %d, not %d", rd.Ref, rd.NewPosition, rd.OldPosition))
			}
		case rd.Action == Add:
			problems = append(problems, fmt.Sprintf("rule %q is there but was not sent", rd.Ref))
		case rd.Action == Remove:
			problems = append(problems, fmt.Sprintf("rule %q is missing", rd.Ref))
		case rd.Action == Move:
			problems = append(problems, fmt.Sprintf("rule %q is at position %d, not %d", rd.Ref, rd.NewPosition, rd.OldPosition))
		}
	}
	if len(problems) > 0 {
		const show = 5
		more := ""
		if len(problems) > show {
			more = fmt.Sprintf("; and %d more", len(problems)-show)
			problems = problems[:show]
		}
		return fmt.Errorf("wrote version %s, but reading it back does not match %s: %s%s. %s (%s)",
			written.Version(), d.Source, strings.Join(problems, "; "), more, live, backup)
	}
	res.Verified = true
	return nil
}

// phaseFlag is the --phase a command needs to address phase: none for the
// request phase, the default.
func phaseFlag(phase string) string {
	if phase == PhaseResponse {
		return " --phase response"
	}
	return ""
}

// relation says how the live rules compare with what was sent.
func relation(d *Diff, source string) string {
	if !d.HasChanges() {
		return "with the rules of " + source
	}
	s := d.Summary
	return fmt.Sprintf("which differs from %s (%d added, %d changed, %d removed, %d moved)", source, s.Add, s.Change, s.Remove, s.Move)
}

// JSONText shows a value as compact JSON, "(none)" when absent (deploy's
// read-back problems, the job summary's changed fields).
func JSONText(v *Value) string {
	if v == nil {
		return "(none)"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	return string(b)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
