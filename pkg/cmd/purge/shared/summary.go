package shared

import (
	"fmt"
	"strings"
	"time"

	"github.com/cfcache/cfcache/pkg/ghactions"
)

// The job summary: in a GitHub Actions job (GITHUB_ACTIONS=true) whose
// GITHUB_STEP_SUMMARY names a file, a purge appends a Markdown table of what
// it did to that file, and nothing of this happens outside Actions
// (interface.md "In CI"). The file and its escaping are pkg/ghactions', as
// for the rules commands.

// SummaryZone is one zone's row of the summary table.
type SummaryZone struct {
	Zone                            string
	Items, Purged, Failed, Requests int
	DurationMS                      int64
}

// Summary is what a purge's job summary says.
type Summary struct {
	Kind       string // url, prefix, tag, host, everything, changed
	Done       string // "Purged" or "Invalidated"
	Noun       string // "URLs", "tags", ... (plural, as the text says)
	Items      int
	Purged     int
	Failed     int
	Zones      []SummaryZone
	FailedFile string // written --failed-file, "" if none
	Rerun      string // the command that re-runs the failed file
	Stopped    string // why the run stopped early, "" if it did not
	// DryRun: nothing was sent; Zones' Requests and DurationMS are the
	// estimate at the plan's limits, Purged and Failed are not used.
	DryRun bool
	Mode   string // "purge" or "invalidate", for the dry run's "would"
}

// RenderSummary is the Markdown of a purge's job summary: a heading, one
// line of totals, a table with a row per zone (items, purged, failed,
// requests, duration), and the command that re-runs the failed file.
func RenderSummary(s Summary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### cfcache purge %s\n\n", s.Kind)
	if s.DryRun {
		return renderDryRunSummary(s)
	}
	mark := "✅"
	if s.Failed > 0 || s.Stopped != "" {
		mark = "❌"
	}
	switch {
	case s.Kind == "everything" && mark == "✅":
		fmt.Fprintf(&b, "%s %s everything", mark, s.Done)
	case s.Kind == "everything":
		fmt.Fprintf(&b, "%s Nothing was %s", mark, strings.ToLower(s.Done))
	default:
		fmt.Fprintf(&b, "%s %s %d of %d %s", mark, s.Done, s.Purged, s.Items, s.Noun)
	}
	if s.Failed > 0 && s.Kind != "everything" {
		fmt.Fprintf(&b, "; %d not %s", s.Failed, strings.ToLower(s.Done))
	}
	b.WriteString(".\n\n")
	b.WriteString("| Zone | Items | " + s.Done + " | Failed | Requests | Duration |\n")
	b.WriteString("|:---|---:|---:|---:|---:|---:|\n")
	for _, z := range s.Zones {
		items, purged := fmt.Sprint(z.Items), fmt.Sprint(z.Purged)
		if s.Kind == "everything" {
			// One request and no items: a count would read as "1 of 0".
			items, purged = "—", map[bool]string{true: "everything", false: "—"}[z.Purged > 0]
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %d | %s |\n", ghactions.Cell(z.Zone), items, purged, z.Failed, z.Requests, ghactions.Cell(fmtMS(z.DurationMS)))
	}
	if s.Stopped != "" {
		fmt.Fprintf(&b, "\nStopped: %s\n", ghactions.Cell(s.Stopped))
	}
	if s.Failed > 0 {
		if s.FailedFile != "" {
			fmt.Fprintf(&b, "\nThe %d not %s are in `%s`; re-run them with:\n\n```sh\n%s -f %s\n```\n",
				s.Failed, strings.ToLower(s.Done), s.FailedFile, s.Rerun, shellQuote(s.FailedFile))
		} else {
			fmt.Fprintf(&b, "\nGive `--failed-file FILE` to keep the %d not %s for a re-run.\n", s.Failed, strings.ToLower(s.Done))
		}
	}
	b.WriteString("\n")
	return b.String()
}

// renderDryRunSummary is what a dry run would do: a table of items, the
// requests it would send and the time estimated at the plan's limits.
func renderDryRunSummary(s Summary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### cfcache purge %s (dry run)\n\n", s.Kind)
	if s.Kind == "everything" {
		fmt.Fprintf(&b, "Would %s everything; nothing was sent.\n\n", s.Mode)
	} else {
		fmt.Fprintf(&b, "Would %s %d %s; nothing was sent.\n\n", s.Mode, s.Items, s.Noun)
	}
	b.WriteString("| Zone | Items | Requests | Estimated time |\n")
	b.WriteString("|:---|---:|---:|---:|\n")
	for _, z := range s.Zones {
		items := fmt.Sprint(z.Items)
		if s.Kind == "everything" {
			items = "—"
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %s |\n", ghactions.Cell(z.Zone), items, z.Requests, ghactions.Cell(fmtMS(z.DurationMS)))
	}
	b.WriteString("\n")
	return b.String()
}

// WriteJobSummary appends the run's summary when in GitHub Actions;
// durations are each zone's (r.Zones order; for a dry run, its estimate).
// A summary that cannot be
// written is a warning: the purge itself is done.
func (c *Common) WriteJobSummary(r Report, durations []time.Duration) {
	env := ghactions.Env(c.Env)
	if ghactions.SummaryPath(env) == "" {
		return
	}
	s := Summary{Kind: r.Kind, Done: c.Done(), Noun: nounFor(c.Kind, r.Items), Items: r.Items, Purged: r.Purged, Failed: r.Failed,
		FailedFile: r.FailedFile, Rerun: c.rerunCommand(), Stopped: r.Error, DryRun: r.DryRun, Mode: c.Mode()}
	if r.Interrupted {
		s.Stopped = "interrupted"
	}
	for i, z := range r.Zones {
		name := z.ZoneName
		if name == "" {
			name = z.ZoneID
		}
		if name == "" {
			name = "—"
		}
		var ms int64
		if i < len(durations) {
			ms = durations[i].Milliseconds()
		}
		s.Zones = append(s.Zones, SummaryZone{Zone: name, Items: z.Items, Purged: z.Purged, Failed: z.Failed, Requests: z.Requests, DurationMS: ms})
	}
	if err := ghactions.AppendSummary(env, RenderSummary(s)); err != nil {
		c.IO.Warn("%v", err)
	}
}

// WriteJobNote appends a summary that is one sentence (Markdown), for a
// run that had nothing to send (purge changed: a first run, or nothing
// changed), so the job's summary still says what happened.
func (j *Job) WriteJobNote(md string) {
	env := ghactions.Env(j.Env)
	if ghactions.SummaryPath(env) == "" {
		return
	}
	kind := string(j.Kind)
	if j.Computed != nil {
		kind = j.Computed.Kind
	}
	if err := ghactions.AppendSummary(env, fmt.Sprintf("### cfcache purge %s\n\n%s\n\n", kind, md)); err != nil {
		j.IO.Warn("%v", err)
	}
}

func fmtMS(ms int64) string {
	return roundDuration(time.Duration(ms) * time.Millisecond)
}

// shellQuote quotes a file name for the re-run command when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
