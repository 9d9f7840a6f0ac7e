// Package changed implements `cfcache purge changed`: purge the URLs of the
// files a deploy added, changed or removed, found by hashing the build
// output and comparing it with the manifest of the previous run.
package changed

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cmd/purge/shared"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/fileout"
	"github.com/cfcache/cfcache/pkg/input"
	"github.com/cfcache/cfcache/pkg/manifest"
	"github.com/cfcache/cfcache/pkg/purge"
)

// Options are the parsed inputs of `cfcache purge changed`; the purge
// itself takes the purge url options (but no -f: it computes its URLs).
type Options struct {
	shared.Common
	shared.Items
	shared.URLOptions
	URLForm  string
	Dir      string
	BaseURL  string
	Manifest string
	Index    []string
	All      bool
}

// NewCmdChanged builds the command; runF replaces the run in tests.
func NewCmdChanged(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Common: shared.NewCommon(f, purge.KindURL), Items: shared.NewItems(), URLOptions: shared.NewURLOptions(f)}
	cmd := &cobra.Command{
		Use:   "changed DIR --base-url URL [--manifest FILE] [--index NAME]... [--all]",
		Short: "Purge the URLs of the files a deploy added, changed or removed",
		Long: `Purge what a deploy changed. Every file under DIR (a site's build output) is
hashed (SHA-256) and compared with the manifest the previous run wrote
(--manifest, default ` + manifest.DefaultName + ` in the current directory);
the URLs of the files added, changed or removed are purged: the base URL plus
the file's path. A file named by --index (default index.html; repeatable) also
purges its directory's URL: /blog/ beside /blog/index.html, and / for the
root index. Case is kept; spaces and other characters a URL path cannot hold
are percent-encoded, and a non-ASCII path is sent raw and percent-encoded
(--url-form both) and counted once. The --base-url path is escaped the same
way, however it was written.

The new manifest is written (atomically, with the umask applied) only for
what was confirmed purged: a file whose URLs were not all purged keeps its
old state, so a run that failed half way, or was interrupted, is finished by
running the same command again. --dry-run writes nothing.

The manifest records DIR relative to the manifest's own directory, so a CI
workspace whose path changes from job to job keeps its manifest when the
two are cached together (a manifest kept outside the workspace is then
another site's).

With no manifest (a first run) it records every file and purges nothing,
unless --all. A manifest that cannot be read as one (corrupt) or that was
made for another directory or base URL is refused (exit 2, nothing sent):
delete it, give the right --manifest, or use --all to purge every file and
replace it. It never reads as "nothing changed".

Symlinks are not followed out of DIR: one to a file inside DIR counts as that
file's content; one pointing outside, broken, or to a directory is skipped
and said, as are FIFOs, sockets and devices. A file that cannot be read
stops the run before anything is sent (exit 2).

It takes the purge url flags: --device, --country, --lang and -H expand each
URL into variants, --variants auto reads them from the zone's Cache Rules and
its APO setting (HTML pages in every device copy when APO caches by device type),
--verify and --warm run after the purge. Exit 0 when all were purged, 3 when
some were not or --verify found them still served from cache (their files
keep their previous state in the manifest, so running again purges them
again), 1 when none were.

` + shared.FailedFileHelp,
		Example: `  cfcache purge changed public --base-url https://example.com/ -z example.com
  cfcache purge changed public --base-url https://example.com/ -z example.com --dry-run
  cfcache purge changed dist --base-url https://example.com/docs/ --index index.html --index index.htm -z example.com
  cfcache purge changed public --base-url https://example.com/ --manifest ci/manifest.json --device all -z example.com
  cfcache purge changed public --base-url https://example.com/ --all -z example.com`,
		Args: cmdutil.ExactArgs(1, "a directory (the build output to compare)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Finish(f, cmd)
			opts.Dir = args[0]
			if runF != nil {
				return runF(opts)
			}
			return changedRun(opts)
		},
	}
	shared.AddCommonFlags(cmd, &opts.Common)
	shared.AddItemFlags(cmd, &opts.Items, false)
	shared.AddURLFormFlag(cmd, &opts.URLForm)
	shared.AddURLFlags(cmd, &opts.URLOptions)
	fl := cmd.Flags()
	fl.StringVar(&opts.BaseURL, "base-url", "", "`URL` that DIR is served at, e.g. https://example.com/ (required)")
	fl.StringVar(&opts.Manifest, "manifest", manifest.DefaultName, "the manifest `FILE` of the previous run, replaced by this run's")
	fl.StringArrayVar(&opts.Index, "index", []string{manifest.DefaultIndex}, "index file `NAME` that also purges its directory URL (repeatable)")
	fl.BoolVar(&opts.All, "all", false, "purge every file, and replace a missing, corrupt or foreign manifest")
	return cmd
}

func changedRun(o *Options) error {
	po := o.Job()
	if err := po.Check(); err != nil {
		return err
	}
	if o.BaseURL == "" {
		return cmdutil.FlagErrorf("--base-url is required: the URL %s is served at, e.g. https://example.com/", o.Dir)
	}
	mapper, err := manifest.NewMapper(o.BaseURL, o.Index)
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		why := "not a directory"
		if err != nil {
			why = fileout.WithoutPath(err).Error()
		}
		return cmdutil.FlagErrorf("%s: %s; nothing was sent", o.Dir, why)
	}
	if o.Manifest == "" {
		return cmdutil.FlagErrorf("--manifest needs a file name")
	}
	target, err := fileout.Check(o.Manifest, fileout.Shared, po.FailedFile)
	var same *fileout.PathError
	if errors.As(err, &same) && same.SameAs != "" {
		return cmdutil.FlagErrorf("--failed-file and --manifest are both %s: give them different names", o.Manifest)
	}
	if err != nil {
		return &cmdutil.ValidationError{Err: fmt.Errorf("--manifest %w; nothing was sent", err)}
	}
	manPath, err := filepath.Abs(o.Manifest)
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	recDir := manifest.RecordedDir(manPath, dir)

	// The previous manifest: missing, corrupt and foreign are each said,
	// and only --all goes on past the last two.
	var old manifest.Files
	first, replaced := false, false
	m, err := manifest.Load(o.Manifest)
	var corrupt *manifest.CorruptError
	switch {
	case errors.Is(err, manifest.ErrNotExist):
		first = true
	case errors.As(err, &corrupt):
		if !o.All {
			return &cmdutil.ValidationError{Err: fmt.Errorf("%w; delete it (the next run then records the files and purges nothing) or run with --all to purge every file and replace it; nothing was sent", err)}
		}
		po.IO.Warn("%v; --all: purging every file and replacing it", err)
		replaced = true
	case err != nil:
		return &cmdutil.ValidationError{Err: fmt.Errorf("reading --manifest %s: %w; nothing was sent", o.Manifest, err)}
	default:
		if why := m.Foreign(manPath, dir, mapper.Base()); why != "" {
			if !o.All {
				return &cmdutil.ValidationError{Err: fmt.Errorf("manifest %s was made for another site (%s); give this site's --manifest, or run with --all to purge every file and replace it; nothing was sent", o.Manifest, why)}
			}
			po.IO.Warn("manifest %s was made for another site (%s); --all: purging every file and replacing it", o.Manifest, why)
			replaced = true
		} else {
			old = m.Files
		}
	}

	exclude := []manifest.Exclude{{Path: o.Manifest, Reason: "the manifest itself"}}
	if po.FailedFile != "" {
		exclude = append(exclude, manifest.Exclude{Path: po.FailedFile, Reason: "the --failed-file itself"})
	}
	// This command owns the process (a library must not set this). While
	// hashing, the live heap is the records (the previous
	// manifest's and this scan's, about 30 MB for 200,000 files) and the
	// garbage is the walk's (a path and a directory entry per file): at
	// the default GOGC=100 the heap grows to twice the records before a
	// collection. 50 keeps peak RSS at 57 MB instead of 72 MB for 200,000
	// files with no measurable cost in time (docs/performance.md). A
	// lower GOGC the user set (or off) is kept.
	prevGC := debug.SetGCPercent(50)
	if prevGC < 50 {
		debug.SetGCPercent(prevGC)
	}
	scan, err := manifest.Scan(po.Ctx, manifest.ScanOptions{Dir: dir, Exclude: exclude, Known: old})
	if prevGC >= 50 {
		debug.SetGCPercent(prevGC) // the purge's garbage is its own
	}
	if err != nil {
		if po.Ctx.Err() != nil {
			return &cmdutil.CancelError{Err: errors.New("interrupted while hashing; nothing was sent")}
		}
		return &cmdutil.ValidationError{Err: fmt.Errorf("reading %s: %w; nothing was sent", o.Dir, err)}
	}
	o.sayList(len(scan.Skipped), func(i int) string {
		return fmt.Sprintf("skipped %s: %s", filepath.Join(o.Dir, scan.Skipped[i].Path), scan.Skipped[i].Reason)
	}, po.IO.Warn)
	if n := len(scan.Errors); n > 0 {
		for _, e := range scan.Errors {
			fmt.Fprintf(po.IO.ErrOut, "%s: %v\n", filepath.Join(o.Dir, e.Path), e.Err)
		}
		return &cmdutil.ValidationError{Err: fmt.Errorf("%d file(s) under %s could not be read (listed above); nothing was sent", n, o.Dir)}
	}

	var diff manifest.Diff
	if o.All {
		diff = manifest.All(old, scan.Files)
	} else {
		diff = manifest.Compare(old, scan.Files)
	}
	counts := &shared.ChangeCounts{Added: diff.Added, Changed: diff.Changed, Removed: diff.Removed}
	po.Computed = &shared.Computed{Kind: "changed", Changes: counts}

	if first && !o.All {
		// A first run has nothing to compare with: purging every file
		// would be --all, and purging nothing silently would hide that
		// nothing was compared.
		counts.Added = 0
		report, err := o.nothingReport(po)
		if err != nil {
			return err
		}
		if !po.DryRun {
			if err := writeManifest(po, target, recDir, mapper.Base(), scan.Files); err != nil {
				return err
			}
			po.IO.Status("no manifest at %s: a first run; recorded %d files in it and purged nothing (--all purges every file)", o.Manifest, len(scan.Files))
			po.WriteJobNote(fmt.Sprintf("No manifest at `%s`: a first run; recorded %d files in it and purged nothing.", o.Manifest, len(scan.Files)))
		} else {
			po.IO.Status("no manifest at %s: a first run would record %d files and purge nothing (--all purges every file); dry run: nothing written", o.Manifest, len(scan.Files))
		}
		return writeReport(po, report)
	}

	plan, err := mapper.PlanFor(diff)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("%d added, %d changed, %d removed of %d files", diff.Added, diff.Changed, diff.Removed, len(scan.Files))
	if diff.Removed > 0 {
		what = fmt.Sprintf("%d added, %d changed, %d removed (%d files now)", diff.Added, diff.Changed, diff.Removed, len(scan.Files))
	}
	if len(plan.URLs) == 0 {
		report, err := o.nothingReport(po)
		if err != nil {
			return err
		}
		if replaced && !po.DryRun {
			if err := writeManifest(po, target, recDir, mapper.Base(), scan.Files); err != nil {
				return err
			}
		}
		po.IO.Status("nothing changed under %s since the manifest (%s); nothing to purge", o.Dir, what)
		po.WriteJobNote(fmt.Sprintf("Nothing changed under `%s` since the manifest (%s); nothing to purge.", o.Dir, what))
		return writeReport(po, report)
	}
	po.IO.Status("%s: %s → %d URLs", o.Dir, what, len(plan.URLs))
	symbol := map[manifest.Op]string{manifest.Added: "+", manifest.Changed: "~", manifest.Removed: "-"}
	o.sayList(len(diff.Changes), func(i int) string {
		c := diff.Changes[i]
		return fmt.Sprintf("  %s %s", symbol[c.Op], c.Path)
	}, po.IO.Status)

	// The URLs go through the purge url steps as arguments: item i is at
	// position i+1, which is how the confirmations map back to files.
	po.Computed.Input = purge.Input{Source: o.Dir, Args: plan.URLs}
	var urlOK []bool
	po.Computed.Done = func(entries []purge.Entry, confirmed []bool) {
		urlOK = make([]bool, len(plan.URLs))
		seen := make([]bool, len(plan.URLs))
		for i, e := range entries {
			u := e.Line - 1
			if u < 0 || u >= len(urlOK) {
				continue
			}
			if !seen[u] {
				seen[u], urlOK[u] = true, confirmed[i]
			} else {
				urlOK[u] = urlOK[u] && confirmed[i]
			}
		}
	}
	runErr := purgeURLs(po)
	if po.DryRun {
		if runErr == nil {
			po.IO.Status("dry run: %s was not written", o.Manifest)
		}
		return runErr
	}
	if urlOK == nil {
		// Stopped before sending (zone lookup, validation): the manifest
		// stays as it was, so the next run finds the same changes.
		return runErr
	}
	done := plan.Confirmed(func(i int) bool { return urlOK[i] })
	notDone := 0
	for _, c := range diff.Changes {
		if !done(c.Path) {
			notDone++
		}
	}
	next := manifest.Next(scan.Files, diff, done)
	if err := writeManifest(po, target, recDir, mapper.Base(), next); err != nil {
		if runErr != nil {
			fmt.Fprintf(po.IO.ErrOut, "error: %v\n", err)
			return runErr
		}
		return err
	}
	if notDone > 0 {
		po.IO.Status("manifest %s: %d of %d changed files were not purged and keep their previous state: run the same command again to purge them", o.Manifest, notDone, len(diff.Changes))
	} else {
		po.IO.Status("manifest %s updated (%d files)", o.Manifest, len(next))
	}
	return runErr
}

// Job is the options as the shared purge steps take them.
func (o *Options) Job() *shared.Job {
	return shared.NewJob(&o.Common, &o.Items, &o.URLOptions, o.URLForm)
}

// purgeURLs is purge url's steps over the computed URLs.
func purgeURLs(j *shared.Job) error { return j.Run() }

// writeManifest writes records as the manifest, atomically (fileout).
func writeManifest(po *shared.Job, t *fileout.Target, dir, base string, records []manifest.Record) error {
	err := t.Write(po.Ctx, func(w io.Writer) error { return manifest.Write(w, dir, base, records) })
	if err != nil {
		return fmt.Errorf("writing manifest %s: %w (the next run compares with the previous one, and purges these changes again)", t.Path, err)
	}
	return nil
}

// nothingReport is the -o json report of a run with nothing to purge (a
// first run, no changes), made before the manifest is written so that a
// zone that cannot be found leaves it as it was. A zone given is looked up
// (one GET) so that zone_id and zone_name are both filled, as in every
// other report (interface.md: "Every command that acts on a zone has
// zone_id and zone_name"); with none given they stay empty, as zones are
// only routed when there are URLs.
func (o *Options) nothingReport(po *shared.Job) (*shared.Report, error) {
	if !po.JSON {
		return nil, nil
	}
	r := po.NewReport()
	if po.Zone != "" {
		zone, err := po.ResolveZone(po.Ctx)
		if err != nil {
			return nil, err
		}
		r.ZoneID, r.ZoneName, r.Zone = zone.ID, zone.Name, zone.Name
	}
	return &r, nil
}

// writeReport prints a nothingReport: with no -o json there is none.
func writeReport(po *shared.Job, r *shared.Report) error {
	if r == nil {
		return nil
	}
	return cmdutil.WriteJSON(po.IO.Out, r)
}

// sayList says n lines, the first input.MaxShown of them unless -v.
func (o *Options) sayList(n int, line func(int) string, say func(string, ...any)) {
	shown := n
	if !o.Verbose {
		shown = min(n, input.MaxShown)
	}
	for i := range shown {
		say("%s", line(i))
	}
	if shown < n {
		say("  … and %d more (-v lists them all)", n-shown)
	}
}
