package root

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cmdutil"
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
	rootCmd := NewCmdRoot(f)
	rootCmd.SetArgs(args)
	rootCmd.SetOut(f.IOStreams.Out)
	rootCmd.SetErr(f.IOStreams.ErrOut)
	cmd, err := rootCmd.ExecuteContextC(ctx)
	if err == nil {
		return cmdutil.ExitOK
	}
	if isCobraUsageError(err) {
		err = &cmdutil.FlagError{Err: err}
	}
	if ctx.Err() != nil && !errors.As(err, new(*cmdutil.CancelError)) && cmdutil.ExitCode(err) == cmdutil.ExitError {
		err = &cmdutil.CancelError{Err: err}
	}
	printError(f, cmd, err)
	return cmdutil.ExitCode(err)
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
