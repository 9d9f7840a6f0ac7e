package shared

import (
	"fmt"
	"strings"

	"github.com/cfcache/cfcache/pkg/config"
	"github.com/cfcache/cfcache/pkg/ghactions"
	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/rules"
)

// JobSummary is what `rules diff`, `deploy` and `rollback` append to
// $GITHUB_STEP_SUMMARY in a GitHub Actions job (interface.md, "In CI"): the
// zone, the phase, the versions, the outcome and a table of the changes.
type JobSummary struct {
	Command string // diff, deploy, rollback
	Zone    string
	Phase   string
	Source  string // the file, or "version N" for a rollback
	// FromVersion is the zone's version the diff was made against ("" when
	// the zone had no ruleset); ToVersion the version written, if any.
	FromVersion string
	ToVersion   string
	Outcome     string
	Diff        *rules.Diff
}

// Markdown renders the summary.
func (s JobSummary) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "### cfcache rules %s: %s\n\n", s.Command, s.Outcome)
	rows := [][]string{{"zone", ghactions.Code(s.Zone)}, {"phase", ghactions.Code(s.Phase)}}
	if s.Source != "" {
		rows = append(rows, []string{"rules from", ghactions.Code(s.Source)})
	}
	from := s.FromVersion
	if from == "" {
		from = "(no ruleset yet)"
	}
	rows = append(rows, []string{"zone version", from})
	if s.ToVersion != "" {
		rows = append(rows, []string{"new version", s.ToVersion})
	}
	b.WriteString(ghactions.Table([]string{"", ""}, rows))
	if s.Diff == nil {
		return b.String()
	}
	sum := s.Diff.Summary
	fmt.Fprintf(&b, "\n%d to add, %d to change, %d to remove, %d to move.\n", sum.Add, sum.Change, sum.Remove, sum.Move)
	if len(s.Diff.Rules) == 0 {
		return b.String()
	}
	b.WriteString("\n")
	changes := make([][]string, 0, len(s.Diff.Rules))
	for _, rd := range s.Diff.Rules {
		kind := string(rd.Action)
		if rd.Action == rules.Change && rd.Moved {
			kind = "change, move"
		}
		pos := ""
		switch {
		case rd.OldPosition > 0 && rd.NewPosition > 0 && rd.OldPosition != rd.NewPosition:
			pos = fmt.Sprintf("%d → %d", rd.OldPosition, rd.NewPosition)
		case rd.NewPosition > 0:
			pos = fmt.Sprint(rd.NewPosition)
		default:
			pos = fmt.Sprint(rd.OldPosition)
		}
		var fields []string
		for _, fd := range rd.Fields {
			if rd.Action != rules.Change {
				break // an added or removed rule is whole: its fields say nothing new
			}
			fields = append(fields, ghactions.Code(fd.Path+": "+rules.JSONText(fd.Old)+" → "+rules.JSONText(fd.New)))
		}
		changes = append(changes, []string{kind, ghactions.Code(rd.Ref), pos, Shorten(OneLine(rd.Description), 80), strings.Join(fields, "<br>")})
	}
	b.WriteString(ghactions.Table([]string{"change", "ref", "position", "description", "fields"}, changes))
	return b.String()
}

// AppendJobSummary appends s to the job summary in a GitHub Actions job and
// does nothing elsewhere. A summary file that cannot be written is a
// warning: the command's own work is done.
func AppendJobSummary(env config.Env, ios *iostreams.IOStreams, s JobSummary) {
	if ghactions.SummaryPath(ghactions.Env(env)) == "" {
		// No job summary to append to: the Markdown (a table of every
		// changed rule) is not built for nothing, 0.7% of a 300-rule
		// `rules diff` (docs/performance.md, "Against start-up").
		return
	}
	if err := ghactions.AppendSummary(ghactions.Env(env), s.Markdown()); err != nil {
		ios.Warn("%v", err)
	}
}

// WriteSummary is the job summary of a guarded write (deploy, rollback)
// from what it did; err is the write's error, if it failed after the diff.
func WriteSummary(command, source string, res *Result, err error) JobSummary {
	// res.Phase is the short name the JSON carries; the summary names the
	// API's phase, as diff's does.
	phase, perr := rules.ParsePhase(res.Phase)
	if perr != nil {
		phase = rules.PhaseRequest
	}
	s := JobSummary{Command: command, Zone: res.ZoneName, Phase: phase, Source: source,
		FromVersion: res.PreviousVersion, Diff: res.Diff}
	switch {
	case err != nil:
		s.Outcome = "❌ failed: " + Shorten(OneLine(err.Error()), 300)
	case !res.Changed:
		s.Outcome = "no changes, nothing written"
	case res.Verified:
		s.Outcome = "✅ written and verified"
		s.ToVersion = res.NewVersion
	default:
		s.Outcome = "⚠️ written, not verified"
		s.ToVersion = res.NewVersion
	}
	return s
}
