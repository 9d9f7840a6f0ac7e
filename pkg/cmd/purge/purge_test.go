package purge

import (
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/cmdtest"
)

// A flag is offered only where it does something, and says only what is
// true of its verb (review of issue 10, #12): --allow-other-hosts is for
// the verbs whose items have a host; what purging production touches is
// purge everything's alone.
func TestFlagsWhereTheyWork(t *testing.T) {
	f, _ := cmdtest.NewFactory(t, nil, "", false)
	cmd := NewCmdPurge(f)
	for _, c := range cmd.Commands() {
		name := c.Name()
		hosts := c.Flags().Lookup("allow-other-hosts") != nil
		if want := name == "url" || name == "prefix" || name == "host"; hosts != want {
			t.Errorf("purge %s: --allow-other-hosts offered %v, want %v", name, hosts, want)
		}
		env := c.Flags().Lookup("environment")
		if env == nil {
			t.Errorf("purge %s: no --environment", name)
			continue
		}
		help := strings.ToLower(env.Usage + c.Long)
		if says := strings.Contains(help, "purge everything touches every environment") ||
			strings.Contains(help, "purge everything on production touches every environment"); says != (name == "everything") {
			t.Errorf("purge %s: --environment help speaks of purge everything: %v\n%s", name, says, env.Usage)
		}
	}
}

// `cfcache purge --help` says where the shared state is and how to forget
// a learned cap without losing the rules backups kept next to it.
func TestHelpDescribesTheStateDirectory(t *testing.T) {
	f, _ := cmdtest.NewFactory(t, nil, "", false)
	long := NewCmdPurge(f).Long
	for _, want := range []string{"$XDG_STATE_HOME/cfcache/", "~/.local/state/cfcache/", "purge-ACCOUNT-PLAN.json", "purge-zone-ID-PLAN.json", "delete the purge-*.json files", "backups/"} {
		if !strings.Contains(long, want) {
			t.Errorf("purge --help lacks %q", want)
		}
	}
}
