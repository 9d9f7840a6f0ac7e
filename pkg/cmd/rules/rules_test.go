package rules

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cmd/rules/internal/rulestest"
	"github.com/cfcache/cfcache/pkg/config"
	"github.com/cfcache/cfcache/pkg/limits"
)

// withGlobals puts the root command's global flags above cmd, so example
// command lines parse as they would in the real tree.
func withGlobals(cmd *cobra.Command) *cobra.Command {
	root := &cobra.Command{Use: "cfcache", SilenceErrors: true, SilenceUsage: true}
	pf := root.PersistentFlags()
	pf.StringP("zone", "z", "", "")
	pf.StringP("output", "o", "", "")
	root.AddCommand(cmd)
	return root
}

func TestVerbsAndHelp(t *testing.T) {
	e := rulestest.New(t, limits.Free)
	f, _ := e.Factory(false, false)
	cmd := NewCmdRules(f)
	var names []string
	for _, c := range cmd.Commands() {
		names = append(names, c.Name())
		if c.Short == "" || c.Long == "" || c.Example == "" {
			t.Errorf("%s: Short, Long and Example are all required", c.Name())
		}
		if !strings.Contains(c.Long, "refuse") && !strings.Contains(c.Long, "never writes") && !strings.Contains(c.Long, "only reads") &&
			!strings.Contains(c.Long, "without\nsending") {
			t.Errorf("%s: Long does not say what it refuses or that it does not write", c.Name())
		}
	}
	if got := strings.Join(names, " "); got != "deploy diff explain export list rollback validate" {
		t.Errorf("verbs: %s", got)
	}
	err := rulestest.Run(cmd, "deplyo")
	if code := rulestest.ExitCode(err); code != 2 || !strings.Contains(err.Error(), "deploy") {
		t.Errorf("unknown verb: exit %d (%v)", code, err)
	}
}

// Every Example line parses: known verb, known flags, right arguments.
// The validate examples are run for real against the repository's files.
func TestExamplesParse(t *testing.T) {
	e := rulestest.New(t, limits.Free)
	t.Chdir("../../..") // the repository root, where examples/ lives
	f, _ := e.Factory(false, false)
	for _, verb := range NewCmdRules(f).Commands() {
		for _, line := range strings.Split(verb.Example, "\n") {
			line = strings.TrimSpace(line)
			if !strings.HasPrefix(line, "cfcache rules ") {
				continue
			}
			// Only this command's part: before pipes, redirections and &&.
			for _, sep := range []string{" | ", " > ", " && ", " || "} {
				line, _, _ = strings.Cut(line, sep)
			}
			args := shellWords(strings.TrimPrefix(line, "cfcache "))
			f, io := e.Factory(true, false)
			f.Settings.Zone = ""
			f.Env = config.MapEnv(map[string]string{})
			root := withGlobals(NewCmdRules(f))
			sub, rest, err := root.Find(args)
			if err != nil || sub.Name() != args[1] {
				t.Errorf("%q: %v", line, err)
				continue
			}
			if err := sub.ParseFlags(rest); err != nil {
				t.Errorf("%q: flags: %v", line, err)
				continue
			}
			if err := sub.ValidateArgs(sub.Flags().Args()); err != nil {
				t.Errorf("%q: arguments: %v", line, err)
			}
			if args[1] == "validate" || args[1] == "explain" && len(sub.Flags().Args()) >= 1 {
				// Offline and runnable from the repository root.
				root := withGlobals(NewCmdRules(f))
				if err := rulestest.Run(root, args...); err != nil {
					t.Errorf("%q: %v\n%s", line, err, io.ErrOut)
				}
			}
		}
	}
}

// shellWords splits an example line as a shell would for the quoting the
// examples use: words separated by spaces, 'single-quoted' parts verbatim.
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	inWord, quoted := false, false
	for _, r := range s {
		switch {
		case quoted && r == '\'':
			quoted = false
		case quoted:
			cur.WriteRune(r)
		case r == '\'':
			quoted, inWord = true, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}
