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
//	est        := Estimate(kind, prep.Units, limits, 0)    // dry-run plan
//	res        := Run(ctx, RunConfig{...}, prep.Entries)   // send
//	WriteFailed(w, kind, res.Failed)                       // the remainder, re-readable with -f
package purge
