// Package related implements `cfcache wp related`.
package related

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/warm/warmrender"
	"github.com/cfcache/cfcache/pkg/wordpress"
)

// RelatedOptions are the parsed inputs of `cfcache wp related`.
type RelatedOptions struct {
	IO   *iostreams.IOStreams
	JSON bool
	Ctx  context.Context

	Args        []string
	Exclude     []string
	Pages       int
	Hostnames   []string
	Concurrency int
	Timeout     time.Duration
	OriginURL   string

	// SiteClient makes the requests (Factory.SiteClient), as for warm.
	SiteClient func() (*http.Client, error)
}

// NewCmdRelated builds the command; runF replaces the run in tests.
func NewCmdRelated(f *cmdutil.Factory, runF func(*RelatedOptions) error) *cobra.Command {
	opts := &RelatedOptions{IO: f.IOStreams, SiteClient: f.SiteClient}
	cmd := &cobra.Command{
		Use:   "related URL...",
		Short: "List the URLs WordPress considers related to posts or pages (to purge them)",
		Long: `Print, one per line, the URLs a WordPress site considers related to each post
or page URL: the pages a cache must drop when the post changes. Pipe them into
"cfcache purge url -f -". Nothing is purged by this command.

Groups: post (the post or page, and its own pages when split with
<!--nextpage-->), home (the home page), category and tag (its term
archives), author (its author archive), feed (/feed/ of the site, of each
term and of the author), date (year, month and day archives of the post),
pagination (/page/2/ … /page/N/ of the home, term and author archives, N
from --pages). --exclude GROUP,... leaves groups out; "term" stands for
category and tag. WP Rocket, when it mirrors a post's clearing to Cloudflare
APO, leaves out date and term archives: --exclude date,term does the same.

Everything comes from the site's public REST API (no credentials): the site
is found at /wp-json/ (or ?rest_route=/ with plain permalinks) from the URL's
root down, so a WordPress installed in /blog is found; the post by its slug
(posts, then pages) or by ?p= / ?page_id=; categories, tags and the author
by id for their "link", so custom permalinks and category bases are the
site's own. Redirects are followed within the site (http to https, www or
not; at most 5). A site whose REST API is off or refuses anonymous reads is
an error naming the site and what to change. An author hidden by a security
plugin is left out with a warning.

URLs are deduplicated and listed in argument order, each post's in group
order. --hostname H (repeatable; APO's hostnames) lists each URL on H as
well. --origin-url sends every request to another origin under the same
Host (a staging server, a local test). At most --concurrency requests at
once, each bounded by --timeout.

Exit 0 when every post was resolved, 3 when some were not (their URLs are
missing; each is named on stderr), 1 when none were, 2 on bad input (before
any request).`,
		Example: `  cfcache wp related https://example.com/hello-world/
  cfcache wp related https://example.com/hello-world/ --exclude date,term | cfcache purge url -f - --variants auto -z example.com
  cfcache wp related https://example.com/blog/2024/05/news/ -o json | jq -r '.urls[] | select(.group=="category") | .url'`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmdutil.FlagErrorf("no URLs: give one or more post or page URLs")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			opts.Args = args
			opts.JSON = f.OutputJSON()
			if runF != nil {
				return runF(opts)
			}
			return relatedRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&opts.Exclude, "exclude", nil, "leave out `GROUPS`: post, home, category, tag, term, author, feed, date, pagination")
	fl.IntVar(&opts.Pages, "pages", wordpress.DefaultPages, "archive pages to list: `N` adds /page/2/ … /page/N/ (1: the first only)")
	fl.StringArrayVar(&opts.Hostnames, "hostname", nil, "also list every URL on `HOST` (APO's hostnames; repeatable)")
	fl.IntVar(&opts.Concurrency, "concurrency", wordpress.DefaultConcurrency, "requests in flight at once")
	fl.DurationVar(&opts.Timeout, "timeout", wordpress.DefaultTimeout, "time allowed for one request, body included")
	fl.StringVar(&opts.OriginURL, "origin-url", "", "send every request to `URL` (scheme://host:port), keeping each URL's Host header")
	_ = cmd.RegisterFlagCompletionFunc("exclude", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return wordpress.Groups, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

// check validates every input before any request.
func (o *RelatedOptions) check() (wordpress.Config, error) {
	cfg := wordpress.Config{Concurrency: o.Concurrency, Timeout: o.Timeout, Pages: o.Pages, Hostnames: o.Hostnames}
	var err error
	switch {
	case cmdutil.AtLeast("concurrency", o.Concurrency, 1) != nil:
		return cfg, cmdutil.AtLeast("concurrency", o.Concurrency, 1)
	case cmdutil.DurationPositive("timeout", o.Timeout) != nil:
		return cfg, cmdutil.DurationPositive("timeout", o.Timeout)
	case cmdutil.AtLeast("pages", o.Pages, 1) != nil:
		return cfg, cmdutil.AtLeast("pages", o.Pages, 1)
	}
	if cfg.Exclude, err = wordpress.ParseExclude(o.Exclude); err != nil {
		return cfg, &cmdutil.FlagError{Err: err}
	}
	for _, h := range o.Hostnames {
		if reason := wordpress.CheckHostname(h); reason != "" {
			return cfg, cmdutil.FlagErrorf("--hostname %q: %s", h, reason)
		}
	}
	for i, a := range o.Args {
		if reason := wordpress.CheckURL(a); reason != "" {
			return cfg, cmdutil.ValidationErrorf("arg:%d: %s: %s", i+1, a, reason)
		}
	}
	if cfg.Client, err = warmrender.Client(o.SiteClient, o.OriginURL); err != nil {
		return cfg, err
	}
	return cfg, nil
}

type jsonDoc struct {
	URLs     []wordpress.Related `json:"urls"`
	Posts    int                 `json:"posts"`
	Resolved int                 `json:"resolved"`
	Errors   []string            `json:"errors"`
	Warnings []string            `json:"warnings"`
	Requests int                 `json:"requests"`
}

func relatedRun(o *RelatedOptions) error {
	cfg, err := o.check()
	if err != nil {
		return err
	}
	ctx := o.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	res := wordpress.Find(ctx, cfg, o.Args)
	if ctx.Err() != nil {
		return &cmdutil.CancelError{Err: ctx.Err()}
	}
	errs := make([]string, len(res.Errors))
	for i, e := range res.Errors {
		errs[i] = e.Error()
	}
	if o.JSON {
		doc := jsonDoc{URLs: res.URLs, Posts: len(o.Args), Resolved: len(o.Args) - len(res.Errors), Errors: errs, Warnings: res.Warnings, Requests: res.Requests}
		if doc.URLs == nil {
			doc.URLs = []wordpress.Related{}
		}
		if doc.Errors == nil {
			doc.Errors = []string{}
		}
		if doc.Warnings == nil {
			doc.Warnings = []string{}
		}
		if err := cmdutil.WriteJSON(o.IO.Out, doc); err != nil {
			return err
		}
	} else {
		var b strings.Builder
		for _, u := range res.URLs {
			b.WriteString(u.URL)
			b.WriteByte('\n')
		}
		if _, err := fmt.Fprint(o.IO.Out, b.String()); err != nil {
			return err
		}
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(o.IO.ErrOut, "warning: "+w)
	}
	if len(res.Errors) == 0 {
		return nil
	}
	// Every failed post is named; the last line sums up.
	for _, e := range errs[:len(errs)-1] {
		fmt.Fprintln(o.IO.ErrOut, "error: "+e)
	}
	last := errors.New(errs[len(errs)-1])
	if len(res.Errors) < len(o.Args) {
		return &cmdutil.PartialError{Err: fmt.Errorf("%w (%d of %d posts not resolved; their related URLs are missing)", last, len(res.Errors), len(o.Args))}
	}
	return last
}
