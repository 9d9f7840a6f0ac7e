package related

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cfcache/cfcache/pkg/cmdtest"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/warm"
	"github.com/cfcache/cfcache/pkg/wordpress/wptest"
)

func TestArgvToOptions(t *testing.T) {
	f, _ := cmdtest.NewFactory(t, nil, "", false)
	var got *RelatedOptions
	cmd := NewCmdRelated(f, func(o *RelatedOptions) error { got = o; return nil })
	err := cmdtest.Run(context.Background(), cmd, "https://example.com/hello/", "--exclude", "date,term", "--pages", "3",
		"--hostname", "www.example.com", "--concurrency", "2", "--timeout", "5s", "--origin-url", "http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	if got.SiteClient == nil {
		t.Fatal("no site client from the Factory")
	}
	g := *got
	g.IO, g.Ctx, g.SiteClient = nil, nil, nil
	want := RelatedOptions{Args: []string{"https://example.com/hello/"}, Exclude: []string{"date", "term"}, Pages: 3,
		Hostnames: []string{"www.example.com"}, Concurrency: 2, Timeout: 5 * time.Second, OriginURL: "http://127.0.0.1:1"}
	if fmt.Sprintf("%+v", g) != fmt.Sprintf("%+v", want) {
		t.Fatalf("got  %+v\nwant %+v", g, want)
	}
}

// The requests go through the Factory's site client: the tests' transport
// carries them, and -v logs each one.
func TestRequestsUseTheFactorysSiteClient(t *testing.T) {
	site := wptest.New(3)
	srv := wptest.Start(t, site)
	origin, err := warm.ParseOrigin(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	f, st := cmdtest.NewFactory(t, nil, "", false)
	f.Verbose = true
	f.SiteTransport = &warm.OriginTransport{Origin: origin, Base: http.DefaultTransport}
	err = cmdtest.Run(context.Background(), NewCmdRelated(f, nil), "http://example.com/post-1/", "--exclude", "pagination,feed,date,term,author")
	if code := cmdutil.ExitCode(err); code != 0 {
		t.Fatalf("exit %d\n%s", code, st.Err.String())
	}
	if got := st.Out.String(); got != "http://example.com/post-1/\nhttp://example.com/\n" {
		t.Fatalf("stdout:\n%s", got)
	}
	total, _, _ := site.Requests()
	if n := strings.Count(st.Err.String(), "* GET "); total == 0 || n != total {
		t.Fatalf("%d requests answered, %d logged:\n%s", total, n, st.Err.String())
	}
	if !strings.Contains(st.Err.String(), "* GET http://example.com/wp-json/ → 200 (") {
		t.Fatalf("stderr:\n%s", st.Err.String())
	}
}
