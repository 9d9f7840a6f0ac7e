package root

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/iostreams"
)

// Main runs cfcache with the process's arguments and returns the exit code.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// After the first signal, restore default handling: a second Ctrl-C kills at once.
		<-ctx.Done()
		stop()
	}()
	return Run(ctx, cmdutil.New(), os.Args[1:])
}

// Run executes one command line with the given factory (end-to-end tests use it too).
func Run(ctx context.Context, f *cmdutil.Factory, args []string) int {
	f.IOStreams.BindContext(ctx)
	rootCmd := NewCmdRoot(f)
	rootCmd.SetArgs(args)
	rootCmd.SetOut(f.IOStreams.Out)
	rootCmd.SetErr(f.IOStreams.ErrOut)
	cmd, err := rootCmd.ExecuteContextC(ctx)
	if err == nil {
		return cmdutil.ExitOK
	}
	if isCobraUsageError(err) {
		err = &cmdutil.FlagError{Err: flagGroupMessage(cmd, err)}
	}
	err = stoppedEarly(ctx, cmd, err)
	printError(f, cmd, err)
	return cmdutil.ExitCode(err)
}

// stoppedEarly turns the ways a command stops before its own reporting into
// one line that says what was not done: an interrupt anywhere outside the
// steps that report their own (zone lookups, lists, diffs, the prompt) is a
// CancelError (exit 130, "interrupted: ..."), never a raw "context canceled";
// end of input at a prompt is a refusal (exit 1, like answering no).
func stoppedEarly(ctx context.Context, cmd *cobra.Command, err error) error {
	if cmdutil.IsSilent(err) || errors.As(err, new(*cmdutil.CancelError)) {
		return err
	}
	notDone := cmdutil.NotDone(cmd)
	if errors.Is(err, iostreams.ErrNoAnswer) {
		return fmt.Errorf("%w: %s", err, notDone)
	}
	if ctx.Err() == nil && !errors.Is(err, context.Canceled) {
		return err
	}
	name := strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ")
	return &cmdutil.CancelError{Err: fmt.Errorf("%s stopped %s; %s", name, stoppedWhere(err), notDone)}
}

// stoppedWhere says what the command was doing when interrupted, from the
// error the interrupt produced: the prompt, or the request in flight (method
// and URL without its query; the URL never holds a credential).
func stoppedWhere(err error) string {
	var promptErr *iostreams.PromptInterruptedError
	var urlErr *url.Error
	switch {
	case errors.As(err, &promptErr):
		return "at the prompt"
	case errors.As(err, &urlErr):
		where := urlErr.URL
		if u, perr := url.Parse(urlErr.URL); perr == nil {
			where = u.Host + u.Path
		}
		return fmt.Sprintf("while waiting for an answer to %s %s", strings.ToUpper(urlErr.Op), where)
	}
	return "before it finished"
}

// exclusiveGroup matches cobra's message for mutually exclusive flags used
// together, whose wording ("if any flags in the group [quiet verbose] are
// set none of the others can be; ...") names neither the flags as typed nor
// the fix.
var exclusiveGroup = regexp.MustCompile(`^if any flags in the group \[[^\]]*\] are set none of the others can be; \[([^\]]*)\] were all set$`)

// flagGroupMessage rewrites cobra's flag-group message as one line naming
// the flags the way they are typed: "-q/--quiet and -v/--verbose cannot be
// used together: give one of them".
func flagGroupMessage(cmd *cobra.Command, err error) error {
	m := exclusiveGroup.FindStringSubmatch(err.Error())
	if m == nil || cmd == nil {
		return err
	}
	var names []string
	for _, name := range strings.Fields(m[1]) {
		n := "--" + name
		if f := cmd.Flags().Lookup(name); f != nil && f.Shorthand != "" {
			n = "-" + f.Shorthand + "/" + n
		}
		names = append(names, n)
	}
	return fmt.Errorf("%s cannot be used together: give one of them", strings.Join(names, " and "))
}

// cobra reports unknown commands and argument-count mistakes as plain errors.
func isCobraUsageError(err error) bool {
	msg := err.Error()
	return strings.HasPrefix(msg, "unknown command") || strings.HasPrefix(msg, "unknown flag") ||
		strings.HasPrefix(msg, "unknown shorthand flag") || strings.Contains(msg, "arg(s)") ||
		strings.HasPrefix(msg, "invalid argument") ||
		strings.HasPrefix(msg, "if any flags in the group") || strings.HasPrefix(msg, "required flag")
}

func printError(f *cmdutil.Factory, cmd *cobra.Command, err error) {
	if cmdutil.IsSilent(err) {
		return
	}
	w := f.IOStreams.ErrOut
	t := f.IOStreams.ErrTheme()
	var cancel *cmdutil.CancelError
	if errors.As(err, &cancel) {
		fmt.Fprintln(w, t.Warning.Render("interrupted:"), err.Error())
		return
	}
	fmt.Fprintln(w, t.Error.Render("error:"), err.Error())
	var flagErr *cmdutil.FlagError
	if errors.As(err, &flagErr) && cmd != nil {
		fmt.Fprintln(w, usageHint(cmd))
	}
}
