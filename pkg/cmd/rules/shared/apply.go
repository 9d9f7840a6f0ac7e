package shared

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cfcache/cfcache/pkg/cfapi"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/rules"
)

// Write is one guarded replacement of the zone's cache rules, the part
// deploy and rollback share: diff, confirmation, backup, a version re-check
// right before the PUT, the PUT, and a read-back that verifies it.
//
// The Rulesets API has no optimistic concurrency (no If-Match, no expected
// version) and a PUT replaces every rule, so the re-check is what keeps a
// deploy from silently reverting a colleague's dashboard edit.
type Write struct {
	IO     *iostreams.IOStreams
	Client *cfapi.Client
	Zone   cfapi.Zone

	// Target is the rule list wanted, in order.
	Target []*rules.Rule
	// Source names where Target comes from in messages ("rules.yaml",
	// "version 3").
	Source string
	// Action is the verb of the prompt: "Deploy", "Roll back".
	Action string
	// Retry is the command that shows the zone's rules as they are now, for
	// the message of a conflict.
	Retry string

	// Guard holds --yes, --expect-version, --backup-dir and the test hook.
	Guard
	// JSON leaves stdout to the caller's result document.
	JSON bool
	Now  func() time.Time
}

// Normalized is a field Cloudflare stored differently from what was sent.
type Normalized struct {
	Ref    string       `json:"ref"`
	Path   string       `json:"path"`
	Sent   *rules.Value `json:"sent"`
	Stored *rules.Value `json:"stored"`
}

// Result is what a guarded write did, the JSON answer of deploy and
// rollback. PreviousVersion is "" when the zone had no ruleset; LiveVersion
// is the version the read-back found: NewVersion when the write verified,
// another writer's when the zone moved on.
type Result struct {
	ZoneID          string        `json:"zone_id"`
	ZoneName        string        `json:"zone_name"`
	Changed         bool          `json:"changed"`
	Created         bool          `json:"created"`
	PreviousVersion string        `json:"previous_version"`
	NewVersion      string        `json:"new_version"`
	LiveVersion     string        `json:"live_version"`
	BackupFile      string        `json:"backup_file"`
	Summary         rules.Summary `json:"summary"`
	Verified        bool          `json:"verified"`
	Normalized      []Normalized  `json:"normalized"`
	Diff            *rules.Diff   `json:"diff"`
}

// Done is the closing line of a write that changed the zone and verified:
// what, then where it came from.
func (r *Result) Done(what string) string {
	was := "was version " + r.PreviousVersion
	if r.Created {
		was = "the ruleset was created"
	}
	return fmt.Sprintf("%s (%s; verified).", what, was)
}

// ConflictError is a write refused because the zone's rules are not the
// version the diff (or --expect-version) was about. Nothing was written.
type ConflictError struct{ msg string }

func (e *ConflictError) Error() string { return e.msg }

// Run performs the write. It returns a Result also when there was nothing
// to do (Changed false); the error carries the exit code.
func (w *Write) Run(ctx context.Context) (*Result, error) {
	res := &Result{ZoneID: w.Zone.ID, ZoneName: w.Zone.Name, Normalized: []Normalized{}}
	before, err := FetchRemote(ctx, w.Client, w.Zone.ID)
	if err != nil {
		return nil, err
	}
	res.PreviousVersion, res.NewVersion = before.Version(), before.Version()
	if w.ExpectVersion != "" && before.Version() != w.ExpectVersion {
		return nil, &ConflictError{fmt.Sprintf("the zone's ruleset is not the expected version %s: %s has %s; nothing was written",
			w.ExpectVersion, w.Zone.Name, before.Describe())}
	}

	d := rules.Compute(before.Rules(), w.Target)
	res.Diff, res.Summary = d, d.Summary
	if !d.HasChanges() {
		res.Verified = true
		if !w.JSON {
			fmt.Fprintln(w.IO.Out, "No changes.")
			w.IO.Status("The cache rules of %s already match %s (%s); nothing was written.", w.Zone.Name, w.Source, before.Describe())
		}
		return res, nil
	}
	if !w.JSON {
		if err := d.Render(w.IO.Out, Styler(w.IO)); err != nil {
			return nil, err
		}
	}
	question := fmt.Sprintf("%s these changes to %s? It has %s.", w.Action, w.Zone.Name, before.Describe())
	if err := Confirm(ctx, w.IO, w.Yes, question); err != nil {
		return nil, err
	}

	if before.Exists {
		path, err := WriteBackup(ctx, w.BackupDir, w.Zone.Name, before.Version(), before.Raw, w.Now())
		if err != nil {
			return nil, fmt.Errorf("%w; nothing was written to the zone (fix it or pick another --backup-dir)", err)
		}
		res.BackupFile = path
		w.IO.Status("Backed up version %s to %s", before.Version(), path)
	} else {
		w.IO.Status("The zone has no Cache Rules ruleset yet: nothing to back up; the write creates it.")
	}

	if w.BeforeWrite != nil {
		w.BeforeWrite()
	}
	now, err := FetchRemote(ctx, w.Client, w.Zone.ID)
	if err != nil {
		return nil, fmt.Errorf("%w (re-reading the version before writing; nothing was written)", err)
	}
	if now.Exists != before.Exists || now.Version() != before.Version() {
		return nil, w.conflict(before, now)
	}
	if err := ctx.Err(); err != nil {
		return nil, &cmdutil.CancelError{Err: errors.New("interrupted before writing: nothing was written")}
	}

	// Ids come from the ruleset just re-read, never from the source: a
	// rollback's old ids or a backup's may name rules deleted since, which
	// the API refuses. Refs alone keep the others stable.
	body := make([]*rules.Rule, len(w.Target))
	for i, r := range w.Target {
		c := *r
		c.ID = ""
		body[i] = &c
	}
	rules.AttachIDs(body, now.Rules())
	raw, err := w.Client.PutEntrypoint(ctx, w.Zone.ID, rules.PutBody(body))
	if err != nil {
		if ctx.Err() != nil {
			return nil, &cmdutil.CancelError{Err: fmt.Errorf("interrupted while writing: the zone may or may not have the new rules; run `%s` to see (backup: %s)", w.Retry, orNone(res.BackupFile))}
		}
		var apiErr *cfapi.APIError
		if errors.As(err, &apiErr) && apiErr.Status < 500 {
			// A 4xx is a refusal: the ruleset was not replaced.
			//lint:ignore ST1005 the message starts with a proper noun
			return nil, cmdutil.WrapAPIError(fmt.Errorf("Cloudflare refused the write, so %s keeps %s: %w", w.Zone.Name, before.Describe(), err))
		}
		return nil, cmdutil.WrapAPIError(fmt.Errorf("writing the cache rules failed and may or may not have taken effect; run `%s` to see (backup: %s): %w",
			w.Retry, orNone(res.BackupFile), err))
	}
	written, err := parseRemote(raw)
	if err != nil {
		return nil, err
	}
	res.Changed, res.Created = true, !before.Exists
	res.NewVersion = written.Version()

	if err := w.verify(ctx, res, before, written); err != nil {
		return res, err
	}
	return res, nil
}

// nextVersion is the version a write on top of before creates: versions
// count up by one on every change, and a new ruleset starts at 1
// (docs/cloudflare.md, and the sandbox does the same). "" when before's
// version is not a number, so nothing can be predicted.
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
func (w *Write) conflict(before, now *Remote) error {
	var b strings.Builder
	fmt.Fprintf(&b, "the cache rules of %s changed since the diff: it was made against %s, the zone now has %s",
		w.Zone.Name, before.Describe(), now.Describe())
	theirs := rules.Compute(before.Rules(), now.Rules())
	fmt.Fprintf(&b, "; someone else (the dashboard, the API or another deploy) wrote them in between")
	if theirs.HasChanges() {
		s := theirs.Summary
		fmt.Fprintf(&b, " (%d added, %d changed, %d removed, %d moved)", s.Add, s.Change, s.Remove, s.Move)
	}
	fmt.Fprintf(&b, ". Nothing was written: run `%s` to see the zone's rules as they are now, then try again", w.Retry)
	return &ConflictError{b.String()}
}

// verify reads the ruleset back and fails (exit 1) unless the zone holds
// exactly what was sent, at exactly the version this write created. The API
// has no optimistic concurrency, so the re-check before the PUT narrows the
// window for a concurrent writer but cannot close it; these checks are how
// a race that slipped through is caught and reported instead of being
// printed as a success (issue 9: two racing deploys both exited 0):
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
func (w *Write) verify(ctx context.Context, res *Result, before, written *Remote) error {
	after, err := FetchRemote(ctx, w.Client, w.Zone.ID)
	if err != nil {
		if ctx.Err() != nil {
			return &cmdutil.CancelError{Err: fmt.Errorf("wrote version %s, then was interrupted before verifying it; run `%s` to see the zone's rules (backup: %s)",
				written.Version(), w.Retry, orNone(res.BackupFile))}
		}
		return fmt.Errorf("wrote version %s but could not read it back to verify (run `%s` to see the zone's rules; backup: %s): %w",
			written.Version(), w.Retry, orNone(res.BackupFile), err)
	}
	res.LiveVersion = after.Version()
	vd := rules.Compute(w.Target, after.Rules())
	live := fmt.Sprintf("%s now has %s, %s", w.Zone.Name, after.Describe(), relation(vd, w.Source))
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
		return fmt.Errorf("wrote version %s, not %s: another write (version %s) landed between the re-check of %s and this write, and this write replaced it. %s. Run `%s` to compare, and `cfcache rules rollback --to-version %s` if the other write should stay (%s)",
			written.Version(), want, theirs, describeShort(before), live, w.Retry, last, backup)
	}
	if after.Version() != written.Version() {
		return fmt.Errorf("wrote version %s, but another write replaced it at once: %s. Run `%s` to see the rules as they are now (%s)",
			written.Version(), live, w.Retry, backup)
	}

	var problems []string
	for _, rd := range vd.Rules {
		switch {
		case rd.Action == rules.Change:
			for _, f := range rd.Fields {
				res.Normalized = append(res.Normalized, Normalized{Ref: rd.Ref, Path: f.Path, Sent: f.Old, Stored: f.New})
				problems = append(problems, fmt.Sprintf("rule %q %s: sent %s, stored %s", rd.Ref, f.Path, jsonText(f.Old), jsonText(f.New)))
			}
			if rd.Moved {
				problems = append(problems, fmt.Sprintf("rule %q is at position %d, not %d", rd.Ref, rd.NewPosition, rd.OldPosition))
			}
		case rd.Action == rules.Add:
			problems = append(problems, fmt.Sprintf("rule %q is there but was not sent", rd.Ref))
		case rd.Action == rules.Remove:
			problems = append(problems, fmt.Sprintf("rule %q is missing", rd.Ref))
		case rd.Action == rules.Move:
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
			written.Version(), w.Source, strings.Join(problems, "; "), more, live, backup)
	}
	res.Verified = true
	return nil
}

// relation says how the live rules compare with what was sent.
func relation(d *rules.Diff, source string) string {
	if !d.HasChanges() {
		return "with the rules of " + source
	}
	s := d.Summary
	return fmt.Sprintf("which differs from %s (%d added, %d changed, %d removed, %d moved)", source, s.Add, s.Change, s.Remove, s.Move)
}

func describeShort(r *Remote) string {
	if !r.Exists {
		return "no ruleset"
	}
	return "version " + r.Version()
}

// jsonText shows a value as JSON, "(none)" when absent.
func jsonText(v *rules.Value) string {
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
