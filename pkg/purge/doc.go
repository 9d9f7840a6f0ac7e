// Package purge is the engine under `cfcache purge`: it reads items, validates
// them, drops duplicates, expands variants, batches them to the plan's limits,
// paces requests to Cloudflare's buckets and the whole-API window, retries what
// can be retried and reports what was not confirmed purged.
//
// It does no I/O of its own: input arrives as io.Readers and argument slices,
// output goes to the io.Writer it is handed, the API is reached through the
// Sender interface the command implements, and time through a Clock so tests
// never sleep. It never prints; progress is a callback.
//
// The pipeline, in the order the command uses it:
//
//	vars, errs := ParseVariants(VariantFlags{...})         // flag values, one error each
//	prep, err  := Prepare(PrepareOptions{...}, inputs...)  // read + validate + dedupe (+ expand)
//	est        := Estimate(kind, prep.Units, limits, cap)  // dry-run plan (cap: learned, or 0)
//	res        := Run(ctx, RunConfig{Budget: b, ...}, prep.Entries) // send
//	WriteFailed(w, kind, res.Failed)                       // the remainder, re-readable with -f
//
// Pacing is per account (interface.md): a Budget holds an account's purge
// buckets and a token's API window, and every Run on that account shares it
// (NewBudget in memory; pkg/budget in a file shared by the processes of the
// machine). The rules themselves are Pace's, pure and clock-free.
package purge
