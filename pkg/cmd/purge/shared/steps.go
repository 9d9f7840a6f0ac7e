package shared

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cfcache/cfcache/pkg/cfapi"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/fileout"
	"github.com/cfcache/cfcache/pkg/input"
	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/purge"
	"github.com/cfcache/cfcache/pkg/zoneroute"
)

// The steps a purge verb's run is made of, in order:
//
//	in, err := job.Prepare()         // flags, --failed-file target, every item read and checked offline
//	zones, err := job.ResolveZones(in) // the zone (or, with none given, the zones items route to)
//	if job.DryRun { return job.ReportDryRun(in, zones) }
//	out := job.Execute(in, zones)      // every zone's batches, one progress, one failed file
//	return job.Report(in, zones, out)  // summary, post-purge, JSON, exit code
//
// Everything that can refuse the run (exit 2) happens before Execute, so a
// refusal sends no purge request.

// Input is what Prepare read: every item, validated as far as can be
// without the zone.
type Input struct {
	Prep         *purge.Prepared
	failedTarget *fileout.Target
	items        *input.ItemPrinter
	// offline: a dry run with --plan and no zone; nothing is looked up.
	offline bool
	// route: no zone given, items go to the zones the credentials list.
	route bool
	// lookup: the zone given is looked up (by name, or by id without --plan).
	lookup bool
	// recheck: the caps used offline were not final, or the zone's name
	// was not known offline: check again once the zone is known.
	recheck bool
}

// ZoneRun is one zone's share of a run.
type ZoneRun struct {
	Zone   cfapi.Zone
	Env    cfapi.Environment
	Plan   limits.Plan
	Limits limits.Limits
	// Entries are what is sent to this zone; Index[i] is the index of
	// Entries[i] in the run's Input.Prep.Entries.
	Entries  []purge.Entry
	Index    []int
	Items    int // input items routed here
	Estimate purge.PlanEstimate
	Result   purge.Result
}

// Outcome is what Execute did.
type Outcome struct {
	Result    purge.Result // every zone's together
	Start     time.Time
	failedOut *failedFile
	confirmed []bool // for Computed.Done
}

// Prepare checks the flags, the --failed-file target and every item before
// anything is sent, the zone lookup included (interface.md: exit 2, nothing
// sent).
func (j *Job) Prepare() (*Input, error) {
	if err := j.Check(); err != nil {
		return nil, err
	}
	in := &Input{items: &input.ItemPrinter{IO: j.IO, Verbose: j.Verbose}}
	// A --failed-file that is a directory or one of the inputs is refused
	// before anything is sent (contract, "Files cfcache writes").
	if j.FailedFile != "" {
		var err error
		if in.failedTarget, err = fileout.Check(j.FailedFile, fileout.Shared, j.Files...); err != nil {
			return nil, &cmdutil.ValidationError{Err: fmt.Errorf("--failed-file %w; nothing was sent", err)}
		}
	}
	variants, err := j.variants()
	if err != nil {
		return nil, err
	}
	urlForm := purge.URLForm("")
	if j.URLForm != "" {
		if urlForm, err = purge.ParseURLForm(j.URLForm); err != nil {
			return nil, &cmdutil.FlagError{Err: err}
		}
	}
	if len(j.Args) == 0 && len(j.Files) == 0 && j.Computed == nil {
		return nil, cmdutil.FlagErrorf("no items: give them as arguments or with -f FILE (-f - for stdin); nothing is ever read as \"purge everything\", which is `cfcache purge everything`")
	}
	if j.Environment != "" && j.Zone == "" {
		return nil, cmdutil.FlagErrorf("--environment %s names an environment of a zone: give --zone", j.Environment)
	}
	if j.Variants == "auto" && j.Zone == "" {
		return nil, cmdutil.FlagErrorf("--variants auto reads the zone's live Cache Rules: give --zone")
	}

	// A dry run with a plan and no zone needs nothing from the API: a CI
	// job can check its list offline. A zone given as an id with --plan is
	// not looked up either.
	in.offline = j.Plan != "" && j.Zone == "" && j.DryRun
	in.route = j.Zone == "" && !in.offline
	if in.route && j.Kind != purge.KindURL && j.Kind != purge.KindPrefix && j.Kind != purge.KindHost {
		return nil, cmdutil.FlagErrorf("purge %s needs exactly one zone: give --zone NAME|ID (CFCACHE_ZONE, or `zone:` in the config file)", j.Kind)
	}
	in.lookup = j.Zone != "" && !(j.Plan != "" && cfapi.IsZoneID(j.Zone))

	offZone := ""
	if j.Zone != "" && !cfapi.IsZoneID(j.Zone) {
		offZone = j.Zone
	}
	offLim, capsKnown := j.offlineLimits()
	in.recheck = (in.lookup && (cfapi.IsZoneID(j.Zone) || !capsKnown)) || (in.route && !capsKnown)
	// Counting is enough for a dry run that lists nothing and routes
	// nothing (a 1,000,000-URL estimate need not hold them all).
	countOK := !in.recheck && !in.route && !j.List
	if in.Prep, err = j.prepare(offLim, offZone, variants, urlForm, countOK, in.items); err != nil {
		return nil, err
	}
	return in, nil
}

// Run is the steps in order, for a verb whose run is only them (url,
// prefix, tag, host, changed); a verb that needs more composes the steps
// itself, as purge everything does.
func (j *Job) Run() error {
	in, err := j.Prepare()
	if err != nil {
		return err
	}
	zones, err := j.ResolveZones(in)
	if err != nil {
		return err
	}
	if j.DryRun {
		return j.ReportDryRun(in, zones)
	}
	out, err := j.Execute(in, zones)
	if err != nil {
		return err
	}
	return j.Report(in, zones, out)
}

// ResolveZones finds the zone the items go to: the one given (looked up
// unless given by id with --plan), or, with none given, the zones the
// credentials list, each item going to the one whose name is the longest
// suffix of its host (interface.md, purge: "Zones"). An item in no zone is
// invalid: exit 2, nothing sent. Each zone gets its plan's limits and an
// estimate.
func (j *Job) ResolveZones(in *Input) ([]*ZoneRun, error) {
	var zones []*ZoneRun
	all := in.Prep.Entries
	switch {
	case in.route:
		var err error
		if zones, err = j.route(in); err != nil {
			return nil, err
		}
	case in.lookup:
		// --max-wait bounds the lookup's waits too.
		if c, cerr := j.Client(); cerr == nil {
			c.SetMaxWait(j.engineMaxWait())
		}
		zone, err := j.ResolveZone(j.Ctx)
		if err != nil {
			return nil, err
		}
		zones = []*ZoneRun{{Zone: zone, Entries: all}}
	case j.Zone == "":
		if j.Kind == purge.KindTag {
			j.IO.Status("no zone given: the estimate is for one account")
		} else {
			j.IO.Status("no zone given: hosts are not checked against a zone name, and the estimate is for one account")
		}
		zones = []*ZoneRun{{Entries: all}}
	default:
		j.IO.Status("zone given by id with --plan: not looked up, so hosts are not checked against the zone name")
		zones = []*ZoneRun{{Zone: cfapi.Zone{ID: j.Zone}, Entries: all}}
	}
	for _, z := range zones {
		if err := j.resolveZone(in, z, len(zones) == 1); err != nil {
			return nil, err
		}
	}
	in.items.Finish()
	if len(zones) == 1 {
		in.Prep.Entries = zones[0].Entries // --variants auto may have expanded them
		zones[0].Index = nil
		zones[0].Items = in.Prep.Items
	}
	return zones, nil
}

// ResolveOneZone is the zone of a verb that needs exactly one (purge
// everything): the one given, looked up unless given by id with --plan,
// with its plan's limits and environment. A dry run with --plan and no zone
// stays offline: the zone is then empty.
func (c *Common) ResolveOneZone() (*ZoneRun, error) {
	z := &ZoneRun{}
	switch {
	case c.Zone == "" && !(c.DryRun && c.Plan != ""):
		return nil, cmdutil.FlagErrorf("purge %s needs exactly one zone: give --zone NAME|ID (CFCACHE_ZONE, or `zone:` in the config file)", c.Kind)
	case c.Zone == "":
	case c.Plan != "" && cfapi.IsZoneID(c.Zone):
		z.Zone.ID = c.Zone
	default:
		if cl, err := c.Client(); err == nil {
			cl.SetMaxWait(c.engineMaxWait())
		}
		var err error
		if z.Zone, err = c.ResolveZone(c.Ctx); err != nil {
			return nil, err
		}
	}
	if err := c.zoneLimits(z); err != nil {
		return nil, err
	}
	z.Estimate = purge.Estimate(c.Kind, 0, z.Limits, c.learnedCap(z))
	return z, nil
}

// zoneLimits sets a zone's plan, limits and environment.
func (c *Common) zoneLimits(z *ZoneRun) error {
	z.Plan = z.Zone.Plan
	if c.Plan != "" {
		z.Plan, _ = limits.ParsePlan(c.Plan)
	} else if z.Plan == "" {
		z.Plan = limits.Free
		c.IO.Warn("the API did not say the plan of %s; using the free plan's limits (override with --plan)", zoneLabel(z.Zone))
	}
	z.Limits = c.Limits().For(z.Plan)
	if c.Environment != "" {
		var err error
		if z.Env, err = c.resolveEnvironment(z.Zone); err != nil {
			return err
		}
	}
	return nil
}

// resolveZone sets one zone's plan, limits, environment and estimate, and
// rechecks its items where the offline check could not be final.
func (j *Job) resolveZone(in *Input, z *ZoneRun, only bool) error {
	if err := j.zoneLimits(z); err != nil {
		return err
	}
	if in.recheck {
		rules := purge.Rules{Zone: purge.Zone{Name: z.Zone.Name, Warn: j.AllowOtherHosts}, TagMaxLength: z.Limits.TagMaxLength, PrefixMaxSeparators: z.Limits.PrefixMaxSeparators}
		if n := purge.Recheck(j.Kind, z.Entries, rules, in.items.Invalid, in.items.Note); n > 0 {
			in.items.Finish()
			return &cmdutil.ValidationError{Err: fmt.Errorf("%d of %d items are invalid in zone %s (listed above); nothing was sent", n, in.Prep.Items, zoneLabel(z.Zone))}
		}
	}
	if j.Variants == "auto" && only {
		if err := j.expandAutoVariants(z.Zone, in.Prep); err != nil {
			return err
		}
		z.Entries = in.Prep.Entries
	}
	// One zone has every entry (prep counts them, even when a dry run kept
	// none); of several, each counts its own.
	units := in.Prep.Units
	if !only {
		units = 0
		for i := range z.Entries {
			units += z.Entries[i].NumForms()
		}
	}
	z.Estimate = purge.Estimate(j.Kind, units, z.Limits, j.learnedCap(z))
	return nil
}

// route lists the zones (every page; --account-id narrows) and gives each
// entry the zone whose name is the longest suffix of its host.
func (j *Job) route(in *Input) ([]*ZoneRun, error) {
	c, err := j.Client()
	if err != nil {
		return nil, err
	}
	c.SetMaxWait(j.engineMaxWait())
	listed, err := c.ListAccountZones(j.Ctx, j.AccountID)
	if err != nil {
		return nil, cmdutil.WrapAPIError(err)
	}
	rz := make([]zoneroute.Zone, len(listed))
	for i, z := range listed {
		rz[i] = zoneroute.Zone{Name: z.Name, Status: z.Status}
	}
	r := zoneroute.New(rz)
	byZone := map[int]*ZoneRun{}
	type pos struct {
		source string
		line   int
	}
	bad, ambiguous := map[pos]bool{}, 0
	itemsOf := map[int]map[pos]bool{}
	where := "the zones these credentials list"
	if j.AccountID != "" {
		where += " in account " + j.AccountID
	}
	for gi, e := range in.Prep.Entries {
		host := zoneroute.Host(j.Kind, e.Value)
		match := r.Match(host)
		p := pos{e.Source, e.Line}
		if len(match) != 1 {
			if !bad[p] {
				bad[p] = true
				reason := fmt.Sprintf("host %s is in none of %s (%d; give --zone to check against one)", orDash(host), where, len(listed))
				if len(match) > 1 {
					// Guessing would purge a copy nobody serves (issue 10
					// review, #8): the user names the account.
					ambiguous++
					reason = ambiguousReason(host, listed, match)
				}
				in.items.Invalid(&purge.ItemError{Source: e.Source, Line: e.Line, Item: e.Value, Reason: reason})
			}
			continue
		}
		zi := match[0]
		z := byZone[zi]
		if z == nil {
			z = &ZoneRun{Zone: listed[zi]}
			byZone[zi] = z
			itemsOf[zi] = map[pos]bool{}
		}
		z.Entries = append(z.Entries, e)
		z.Index = append(z.Index, gi)
		itemsOf[zi][p] = true
	}
	if len(bad) > 0 {
		in.items.Finish()
		what := "are in no zone"
		switch {
		case ambiguous == len(bad):
			what = "are in a zone listed in several accounts"
		case ambiguous > 0:
			what = "are in no zone, or in one listed in several accounts"
		}
		return nil, &cmdutil.ValidationError{Err: fmt.Errorf("%d of %d items %s (listed above); nothing was sent", len(bad), in.Prep.Items, what)}
	}
	out := make([]*ZoneRun, 0, len(byZone))
	for zi, z := range byZone {
		z.Items = len(itemsOf[zi])
		out = append(out, z)
	}
	// By name, so output and the JSON's "zones" are stable.
	sort.Slice(out, func(a, b int) bool { return out[a].Zone.Name < out[b].Zone.Name })
	return out, nil
}

// ambiguousReason says why a host cannot be routed: its zone's name is
// listed more than once, with the same status, and which accounts hold it.
func ambiguousReason(host string, listed []cfapi.Zone, match []int) string {
	accounts := make([]string, len(match))
	for k, i := range match {
		z := listed[i]
		accounts[k] = z.AccountID
		if z.AccountName != "" {
			accounts[k] += " (" + z.AccountName + ")"
		}
		if z.Status != "" {
			accounts[k] += ", " + z.Status
		}
	}
	return fmt.Sprintf("host %s is in zone %s, which is listed in %d accounts: %s; give --account-id to choose one",
		orDash(host), listed[match[0]].Name, len(match), strings.Join(accounts, "; "))
}

// RunConfigFor is the engine's configuration for one zone: every zone's
// batches are configured here and nowhere else (a shared per-account budget
// is to be set here).
// concurrency is --concurrency (0 for purge everything, which has none);
// onConfirmed and onProgress may be nil.
func (j *Common) RunConfigFor(client *cfapi.Client, z *ZoneRun, concurrency int, onConfirmed func([]int), onProgress func(purge.Progress)) purge.RunConfig {
	cfg := purge.RunConfig{
		Kind:        j.Kind,
		Limits:      z.Limits,
		Sender:      apiSender{client: client, target: cfapi.PurgeTarget{ZoneID: z.Zone.ID, Environment: z.Env.Ref, Invalidate: j.Invalidate}},
		Concurrency: concurrency,
		MaxRetries:  j.MaxRetries,
		MaxWait:     j.engineMaxWait(),
		OnConfirmed: onConfirmed,
		OnProgress:  onProgress,
		Budget:      j.budgetFor(z),
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = purge.DefaultConcurrency // purge everything has no --concurrency
	}
	if j.MaxRetries == 0 {
		cfg.MaxRetries = -1 // the engine reads 0 as "default"; the user asked for none
	}
	if j.Engine != nil {
		j.Engine(&cfg)
	}
	return cfg
}

// budgetFor is the zone's account budget: one for every zone of the
// account and every cfcache process of the machine using it (interface.md
// "Pacing is per account"). Nil, a budget of this run alone, only when the
// zone is not known either (an offline dry run, which sends nothing) or the
// credentials give no key for one.
func (c *Common) budgetFor(z *ZoneRun) purge.Budget {
	key := BudgetKey(z.Zone)
	if c.Budgets == nil || key == "" {
		return nil
	}
	reg, err := c.Budgets()
	if err != nil || reg == nil {
		return nil
	}
	b, err := reg.For(key, z.Plan, z.Limits)
	if err != nil {
		return nil
	}
	return b
}

// BudgetKey names the budget a zone's purges are paced by: its account's
// id, or, when the account is not known (a zone given by id with --plan is
// not looked up: the usual CI setup), "zone-" and the zone's id. Without
// it such a run would pace alone, and its purges, which the engine counts
// itself, would be missing from the token's shared API count (review of
// issue 10, #4). The processes purging that zone share its budget; the
// token's API window is shared by every budget of the token anyway. It
// cannot clash with an account id, which is 32 hex digits.
func BudgetKey(z cfapi.Zone) string {
	switch {
	case z.AccountID != "":
		return z.AccountID
	case z.ID != "":
		return "zone-" + z.ID
	}
	return ""
}

// learnedCap is the per-request cap an earlier run learned for the budget
// the zone's purges are paced by ("too many items"), so a dry run
// estimates with what Cloudflare accepts rather than the documented size
// (interface.md "Pacing is per account"). The budget is BudgetKey's, the
// one the run learns in (budgetFor): a zone given by id with --plan has its
// own ("zone-" and its id), not the smallest cap of the machine. With no
// zone known (an offline dry run), the smallest cap learned on this machine
// for the plan, said on stderr; 0 when none was learned.
func (c *Common) learnedCap(z *ZoneRun) int {
	if c.Budgets == nil || c.Kind == purge.KindEverything {
		return 0
	}
	reg, err := c.Budgets()
	if reg == nil {
		return 0
	}
	if key := BudgetKey(z.Zone); key != "" && err == nil {
		return reg.LearnedBatchSize(key, z.Plan, z.Limits, c.Kind)
	}
	n := reg.SmallestLearnedBatchSize(z.Plan, z.Limits, c.Kind)
	if n > 0 && n < purge.Estimate(c.Kind, 1, z.Limits, 0).BatchSize {
		c.IO.Status("no account known: estimating with %d per request, the smallest cap Cloudflare applied to a %s-plan account on this machine", n, z.Plan)
	}
	return n
}

// Execute sends every zone's entries: zones of different accounts side by
// side, zones of one account one after another (they share its buckets).
// One progress display and one --failed-file cover them all.
func (j *Job) Execute(in *Input, zones []*ZoneRun) (*Outcome, error) {
	client, err := j.Client()
	if err != nil {
		return nil, err
	}
	entries := in.Prep.Entries
	out := &Outcome{}
	// The failed file lists every item before anything is sent (a run must
	// not end with failures it cannot write down, and a killed run leaves
	// what to resume from), then shrinks as batches are confirmed. It names
	// no zone: re-running it without -z routes it again.
	if in.failedTarget != nil {
		header := purge.FailedHeader{Kind: j.Kind, Done: j.done(), Command: j.rerunCommand()}
		if out.failedOut, err = startFailedFile(in.failedTarget, header, entries, j.failedFileEvery); err != nil {
			return nil, &cmdutil.ValidationError{Err: fmt.Errorf("cannot write --failed-file: %w; nothing was sent", err)}
		}
	}
	if j.Computed != nil && j.Computed.Done != nil {
		out.confirmed = make([]bool, len(entries))
	}
	var mu sync.Mutex
	snaps := make([]zoneProgress, len(zones))
	for i, z := range zones {
		snaps[i].p.Total = len(z.Entries)
	}
	waits := waitAnnouncer{every: iostreams.PlainProgressInterval}
	noun := nounFor(j.Kind, len(entries))
	out.Start = j.Now()
	bar := j.IO.StartProgress(func() string {
		now := j.Now()
		mu.Lock()
		p := sumProgress(zones, snaps, now)
		mu.Unlock()
		return progressLine(j.IO, j.Mode(), p, noun, now, now.Sub(out.Start))
	})
	runZone := func(zi int) {
		z := zones[zi]
		global := func(i int) int {
			if z.Index == nil {
				return i
			}
			return z.Index[i]
		}
		var onConfirmed func([]int)
		if out.failedOut != nil || out.confirmed != nil {
			var cmu sync.Mutex
			onConfirmed = func(idx []int) {
				g := make([]int, len(idx))
				for k, i := range idx {
					g[k] = global(i)
				}
				if out.failedOut != nil {
					out.failedOut.confirmed(g)
				}
				if out.confirmed != nil {
					cmu.Lock()
					for _, i := range g {
						out.confirmed[i] = true
					}
					cmu.Unlock()
				}
			}
		}
		onProgress := func(p purge.Progress) {
			mu.Lock()
			defer mu.Unlock()
			snaps[zi] = zoneProgress{p: p, at: j.Now(), started: true}
			// A log (no live bar) gets one line when a wait starts, as its
			// progress lines come only every 10 s (interface.md "Waiting and
			// giving up": progress says so, why, and when it resumes).
			now := j.Now()
			if p.Paused > 0 && !j.IO.IsStderrTTY() && !j.IO.IsQuiet() && waits.announce(now, p.ResumeAt) {
				j.IO.Status("%s", waitNote(p, now))
			}
		}
		z.Result = purge.Run(j.Ctx, j.RunConfigFor(client, z, j.Concurrency, onConfirmed, onProgress), z.Entries)
	}
	// Zones of one account share its purge buckets: one after another;
	// accounts side by side (interface.md, "Pacing is per account").
	byAccount := map[string][]int{}
	var accounts []string
	for i, z := range zones {
		if _, ok := byAccount[z.Zone.AccountID]; !ok {
			accounts = append(accounts, z.Zone.AccountID)
		}
		byAccount[z.Zone.AccountID] = append(byAccount[z.Zone.AccountID], i)
	}
	var wg sync.WaitGroup
	for _, a := range accounts {
		wg.Add(1)
		go func(idx []int) {
			defer wg.Done()
			for _, zi := range idx {
				runZone(zi)
			}
		}(byAccount[a])
	}
	wg.Wait()
	bar.Stop()
	out.Result = combine(zones, j.Now().Sub(out.Start))
	return out, nil
}

// waitAnnouncer decides which waits get a line of their own in a log: one
// line per distinct wait across every zone of the run, and no more than one
// per every (the plain progress lines' interval), so a CI log is not
// flooded (review of issue 10, #10: the same wait printed twice as each
// batch or zone met it, then 5 lines in 23 s). A wait reported again, or
// extended, before the announced one is over is the same wait. A distinct
// wait within every of the last line gets none: the next progress line,
// which shows any wait under way, says it. Not safe for concurrent use
// (Execute calls it under its lock).
type waitAnnouncer struct {
	every    time.Duration
	lastLine time.Time // when the last wait line was printed
	until    time.Time // the latest resume time seen
}

// announce reports whether a wait until resumeAt, seen at now, gets a line.
func (a *waitAnnouncer) announce(now, resumeAt time.Time) bool {
	if !resumeAt.After(now) {
		return false
	}
	same := now.Before(a.until)
	throttled := !a.lastLine.IsZero() && now.Sub(a.lastLine) < a.every
	if resumeAt.After(a.until) {
		a.until = resumeAt
	}
	if same || throttled {
		return false
	}
	a.lastLine = now
	return true
}

// combine is every zone's result as one: one summary, one exit code.
func combine(zones []*ZoneRun, wall time.Duration) purge.Result {
	if len(zones) == 1 {
		return zones[0].Result
	}
	var r purge.Result
	r.Duration = wall
	for _, z := range zones {
		zr := z.Result
		r.Total += zr.Total
		r.Purged += zr.Purged
		r.Failed = append(r.Failed, zr.Failed...)
		r.Requests += zr.Requests
		r.Retries += zr.Retries
		r.RateLimited += zr.RateLimited
		r.Splits += zr.Splits
		if r.BatchSize == 0 || zr.BatchSize > 0 && zr.BatchSize < r.BatchSize {
			r.BatchSize = zr.BatchSize
		}
		r.Interrupted = r.Interrupted || zr.Interrupted
		if r.Err == nil {
			r.Err = zr.Err
		}
	}
	return r
}

// zoneProgress is one zone's last snapshot and when it was taken.
type zoneProgress struct {
	p       purge.Progress
	at      time.Time
	started bool
}

// sumProgress is every zone's progress as one. The ETA is the engine's
// (the plan's rate on what is left, plus known waits: not the last seconds'
// speed), aged by the time since each snapshot; zones of one account run one
// after another on its budget, so their ETAs add up, while accounts run side
// by side, so the slowest account's is the run's. A zone not started yet
// counts its estimate.
func sumProgress(zones []*ZoneRun, snaps []zoneProgress, now time.Time) purge.Progress {
	var s purge.Progress
	byAccount := map[string]time.Duration{}
	for i, zp := range snaps {
		p := zp.p
		s.Total += p.Total
		s.Done += p.Done
		s.Failed += p.Failed
		s.Requests += p.Requests
		s.Retries += p.Retries
		s.RateLimited += p.RateLimited
		s.InFlight += p.InFlight
		s.Rate += p.Rate
		if p.ResumeAt.After(s.ResumeAt) {
			s.ResumeAt, s.Paused, s.WaitReason = p.ResumeAt, p.Paused, p.WaitReason
		}
		s.Elapsed = max(s.Elapsed, p.Elapsed)
		eta := p.ETA - now.Sub(zp.at)
		if !zp.started && i < len(zones) {
			eta = zones[i].Estimate.Ideal
		}
		acct := ""
		if i < len(zones) {
			acct = zones[i].Zone.AccountID
		}
		byAccount[acct] += max(eta, 0)
	}
	for _, eta := range byAccount {
		s.ETA = max(s.ETA, eta)
	}
	return s
}

// RunEstimate is the plan of a whole run over zones: the requests every
// zone's estimate counts, and the shortest time the limits allow. Zones of
// one account run one after another on its buckets (Execute), so an
// account's time is purge.Estimate over all its values (per plan, as
// budgets are per account and plan), not any one zone's; accounts run side
// by side, so the run takes its slowest account's time, but every request
// of the run counts in the token's one API window (interface.md "Pacing is
// per account"), which bounds it from below: 3,000 requests at 1,200 per 5
// minutes take at least two full windows whatever the accounts (review of
// issue 10, #5).
func RunEstimate(kind purge.Kind, zones []*ZoneRun) (requests int, ideal time.Duration) {
	if len(zones) == 1 {
		return zones[0].Estimate.Requests, zones[0].Estimate.Ideal
	}
	type group struct {
		account string
		plan    limits.Plan
	}
	type values struct {
		units, batch int
		lim          limits.Limits
	}
	var order []group
	groups := map[group]*values{}
	var window limits.Limits
	for _, z := range zones {
		requests += z.Estimate.Requests
		g := group{BudgetKey(z.Zone), z.Plan}
		v := groups[g]
		if v == nil {
			v = &values{lim: z.Limits, batch: z.Estimate.BatchSize}
			groups[g] = v
			order = append(order, g)
		}
		v.units += z.Estimate.Units
		v.batch = min(v.batch, z.Estimate.BatchSize)
		if window.APIRequestsPerWindow == 0 || z.Limits.APIRequestsPerWindow < window.APIRequestsPerWindow {
			window = z.Limits
		}
	}
	byAccount := map[string]time.Duration{}
	for _, g := range order {
		v := groups[g]
		byAccount[g.account] += purge.Estimate(kind, v.units, v.lim, v.batch).Ideal
	}
	for _, t := range byAccount {
		ideal = max(ideal, t)
	}
	if n := window.APIRequestsPerWindow; n > 0 && requests > 0 {
		ideal = max(ideal, time.Duration((requests-1)/n)*window.APIWindow())
	}
	return requests, ideal
}

// NewZoneReport is one zone's part of the JSON.
func NewZoneReport(z *ZoneRun, items int, res purge.Result, failedItems int, dryRun bool) ZoneReport {
	zr := ZoneReport{ZoneID: z.Zone.ID, ZoneName: z.Zone.Name, AccountID: z.Zone.AccountID, Items: items}
	if dryRun {
		zr.Requests = z.Estimate.Requests
		return zr
	}
	zr.Failed = failedItems
	zr.Purged = items - failedItems
	zr.Requests = res.Requests
	return zr
}

// newReport fills what the zones tell: the top-level zone when there is
// one, and "zones".
func (j *Job) newReport(in *Input, zones []*ZoneRun) Report {
	r := j.NewReport()
	r.Items, r.DuplicatesDropped, r.Entries = in.Prep.Items, in.Prep.Duplicates, in.Prep.EntryCount
	if len(zones) == 1 {
		z := zones[0]
		r.ZoneID, r.ZoneName, r.Zone, r.Plan = z.Zone.ID, z.Zone.Name, z.Zone.Name, string(z.Plan)
		r.Environment, r.EnvironmentName = z.Env.Ref, z.Env.Name
		r.BatchSize, r.EstimatedMS = z.Estimate.BatchSize, z.Estimate.Ideal.Milliseconds()
	} else {
		plans := map[limits.Plan]bool{}
		_, ideal := RunEstimate(j.Kind, zones)
		r.EstimatedMS = ideal.Milliseconds()
		for _, z := range zones {
			plans[z.Plan] = true
			if r.BatchSize == 0 || z.Estimate.BatchSize < r.BatchSize {
				r.BatchSize = z.Estimate.BatchSize
			}
		}
		if len(plans) == 1 {
			r.Plan = string(zones[0].Plan)
		}
	}
	for _, z := range zones {
		r.Requests += z.Estimate.Requests
		r.Zones = append(r.Zones, NewZoneReport(z, z.Items, z.Result, 0, true))
	}
	return r
}

// ReportDryRun prints the plan (and, with --list, every entry on stdout).
func (j *Job) ReportDryRun(in *Input, zones []*ZoneRun) error {
	r := j.newReport(in, zones)
	// In a GitHub Actions job, what would be done (interface.md "In CI").
	estimates := make([]time.Duration, len(zones))
	for i, z := range zones {
		estimates[i] = z.Estimate.Ideal
	}
	j.WriteJobSummary(r, estimates)
	if j.List {
		// The entries go to stdout in the failed-file format, so `> f`
		// then `-f f` sends exactly them; the plan goes to stderr.
		if err := writeList(j.IO.Out, j.Kind, zones); err != nil {
			return err
		}
		return j.printDryRun(j.IO.ErrOut, r, in.Prep, zones)
	}
	if j.JSON {
		return cmdutil.WriteJSON(j.IO.Out, r)
	}
	// The plan says what would be done: about the run, so stderr, as the
	// result of a real run (pkg/iostreams' stream policy); stdout carries
	// data only (-o json, --list's entries).
	return j.printDryRun(j.IO.ErrOut, r, in.Prep, zones)
}

// Report ends a run: --failed-file, the summary, --verify and --warm, the
// JSON, and the exit code (one for all zones).
func (j *Job) Report(in *Input, zones []*ZoneRun, out *Outcome) error {
	ctx := j.Ctx
	entries := in.Prep.Entries
	res := out.Result
	report := j.newReport(in, zones)
	j.MapResult(&report, res)
	report.Failed = failedItems(res.Failed)
	report.Purged = in.Prep.Items - report.Failed
	for i, z := range zones {
		report.Zones[i] = NewZoneReport(z, z.Items, z.Result, failedItems(z.Result.Failed), false)
	}
	for _, f := range res.Failed {
		report.Failures = append(report.Failures, NewFailureReport(f))
	}
	var writeErr error
	failedName := j.FailedFile
	if out.failedOut != nil {
		defer out.failedOut.stop()
		if writeErr = out.failedOut.commit(ctx, res.Failed); writeErr == nil {
			report.FailedFile = j.FailedFile
		} else {
			j.FailedFile = "" // so the summary lists every failure instead
		}
	}
	j.printSummary(report, res)
	if len(zones) > 1 && (!j.IO.IsQuiet() || len(res.Failed) > 0) {
		for _, z := range report.Zones {
			fmt.Fprintf(j.IO.ErrOut, "  %s: %d of %d %s in %d request(s)\n", z.ZoneName, z.Purged, z.Items, nounFor(j.Kind, z.Items), z.Requests)
		}
	}
	report.BatchSize = res.BatchSize
	postErr := j.postPurge(ctx, entries, res, out.Start, &report)
	if out.confirmed != nil {
		// After --verify: an entry it found still served from cache is
		// not done, so the verb keeps it for the next run.
		for i, e := range entries {
			if out.confirmed[i] && report.stillCached[entryLabel(e)] {
				out.confirmed[i] = false
			}
		}
		j.Computed.Done(entries, out.confirmed)
	}
	// In a GitHub Actions job, the job summary (interface.md "In CI").
	durations := make([]time.Duration, len(zones))
	for i, z := range zones {
		durations[i] = z.Result.Duration
	}
	j.WriteJobSummary(report, durations)
	if j.JSON {
		if err := cmdutil.WriteJSON(j.IO.Out, report); err != nil {
			return err
		}
	}
	if writeErr != nil && ctx.Err() != nil && errors.Is(writeErr, ctx.Err()) {
		// Ctrl-C while a FIFO --failed-file had no reader (fileout waits
		// for one until then): exit 130 at once (issue 9 #13), and the
		// summary above listed every failure instead.
		done := fmt.Sprintf("%d of %d %s", res.Purged, res.Total, j.done())
		if res.Interrupted {
			done = "stopped after " + done
		}
		msg := fmt.Sprintf("%s; --failed-file %s was not written: nothing opened it for reading", done, failedName)
		if len(res.Failed) > 0 {
			msg += fmt.Sprintf(" (the %d not %s are listed above)", len(res.Failed), j.done())
		}
		return &cmdutil.CancelError{Err: errors.New(msg)}
	}
	if err := outcome(res, j.done()); err != nil {
		if writeErr != nil {
			fmt.Fprintf(j.IO.ErrOut, "error: writing --failed-file: %v\n", writeErr)
		}
		return err
	}
	if writeErr != nil {
		return fmt.Errorf("writing --failed-file: %w", writeErr)
	}
	return postErr
}

// MapResult is THE place where the engine's Result becomes the report's
// figures, purge everything's too (its rate_limited was 0 whatever the 429s
// while it copied the figures by hand).
func (c *Common) MapResult(r *Report, res purge.Result) {
	r.Requests, r.Retries, r.DurationMS = res.Requests, res.Retries, res.Duration.Milliseconds()
	r.RateLimited = res.RateLimited
	r.Interrupted = res.Interrupted
	r.EntriesPurged, r.EntriesFailed = res.Purged, len(res.Failed)
	r.Purged, r.Failed = res.Purged, len(res.Failed)
	if res.Err != nil {
		r.Error = res.Err.Error()
	}
}
