package shared

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cfcache/cfcache/pkg/cfapi"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/rules"
)

// Write is one guarded replacement of a phase's rules, the part deploy and
// rollback share. The protocol itself (re-read, compare, strip and
// re-attach ids, write, read back and verify) is rules.Deploy; Write adds
// what belongs to a command: the rendered diff, the confirmation, the
// backup file, and exit codes.
type Write struct {
	IO     *iostreams.IOStreams
	Client *cfapi.Client
	Zone   cfapi.Zone
	// Phase is the entrypoint written, rules.PhaseRequest when "".
	Phase string

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

// ConflictError is a write refused because the zone's rules are not the
// version the diff (or --expect-version) was about. Nothing was written.
type ConflictError = rules.ConflictError

// Result is what a guarded write did, the JSON answer of deploy and
// rollback: the zone and phase, then rules.Outcome's fields.
type Result struct {
	ZoneID   string `json:"zone_id"`
	ZoneName string `json:"zone_name"`
	Phase    string `json:"phase"`
	*rules.Outcome
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

// Run performs the write. It returns a Result also when there was nothing
// to do (Changed false); the error carries the exit code.
func (w *Write) Run(ctx context.Context) (*Result, error) {
	phase := rules.PhaseOrDefault(w.Phase)
	d := &rules.Deploy{
		API: API(w.Client, w.Zone.ID, phase), Phase: phase, Zone: w.Zone.Name,
		Target: w.Target, Source: w.Source, ExpectVersion: w.ExpectVersion, Retry: w.Retry,
		BeforeWrite: w.BeforeWrite, Prepare: w.prepare,
	}
	out, err := d.Run(ctx)
	var res *Result
	if out != nil {
		res = &Result{ZoneID: w.Zone.ID, ZoneName: w.Zone.Name, Phase: rules.PhaseShort(phase), Outcome: out}
		if err == nil && !out.Diff.HasChanges() && !w.JSON {
			// About the run, so stderr (pkg/iostreams' stream policy).
			w.IO.Status("No changes.")
			w.IO.Status("The %s of %s already match %s (%s); nothing was written.", noun(phase), w.Zone.Name, w.Source, out.Before.Describe())
		}
	}
	return res, commandError(err)
}

// prepare is rules.Deploy's Prepare: show the diff, ask, back up.
func (w *Write) prepare(ctx context.Context, before *Remote, d *rules.Diff) (string, error) {
	if !w.JSON {
		if err := d.Render(w.IO.Out, Styler(w.IO)); err != nil {
			return "", err
		}
	}
	question := fmt.Sprintf("%s these changes to %s? It has %s.", w.Action, w.Zone.Name, before.Describe())
	if err := Confirm(ctx, w.IO, w.Yes, question); err != nil {
		return "", err
	}
	if !before.Exists {
		w.IO.Status("The zone has no %s ruleset yet: nothing to back up; the write creates it.", rules.PhaseTitle(before.Phase))
		return "", nil
	}
	path, err := WriteBackup(ctx, w.BackupDir, w.Zone.Name, before.Phase, before.Version(), before.Raw, w.Now())
	if err != nil {
		return "", fmt.Errorf("%w; nothing was written to the zone (fix it or pick another --backup-dir)", err)
	}
	w.IO.Status("Backed up version %s to %s", before.Version(), path)
	return path, nil
}

// commandError gives the protocol's errors their exit codes: an interrupt
// 130, a conflict or failed verification 1, API errors theirs.
func commandError(err error) error {
	var intr *rules.InterruptedError
	var conflict *rules.ConflictError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &intr):
		return &cmdutil.CancelError{Err: errors.New(intr.Error())}
	case errors.As(err, &conflict):
		return err
	}
	return cmdutil.WrapAPIError(err)
}
