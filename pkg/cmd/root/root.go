// Package root assembles the cfcache command tree and runs it.
package root

import (
	"errors"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cmd/version"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/config"
	"github.com/cfcache/cfcache/pkg/iostreams"
)

// skipConfig marks commands that must work without a (valid) config file.
const skipConfig = "cfcache/skip-config"

// Subcommand builders are registered by the packages' own constructors in
// commands.go, kept apart so this file only wires global behaviour.

// NewCmdRoot builds the tree.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cfcache <command> <subcommand> [flags]",
		Short: "Manage Cloudflare's cache: purge, Cache Rules as code, warm",
		Long: `cfcache manages Cloudflare's cache from a terminal or a CI job.

It purges by URL, prefix, tag or host with every item validated before the
first request, batched and paced to the zone plan's limits, retried on 429
and 5xx, and every item either confirmed or reported. It keeps Cache Rules
as a YAML/JSON file you can validate offline, diff and deploy safely.

Configuration precedence: flag > environment > config file profile > default.`,
		Example: `  # try it locally against the built-in emulator: it prints the lines to paste
  cfcache sandbox --addr 127.0.0.1:8787 > sandbox.env &
  sleep 1; . ./sandbox.env
  cfcache purge url https://example.com/ --zone example.com`,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return setUp(f, cmd)
		},
	}
	cmdutil.GroupCommand(cmd)
	// --version does what `cfcache version` does, -o json included (issue
	// 13), and like `version` needs no config file (skipsConfig). It is
	// answered here rather than by cobra's own --version (cmd.Version),
	// which prints its template before PersistentPreRunE has read -o.
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if v, _ := c.Flags().GetBool("version"); v {
			vc := version.NewCmdVersion(f, nil)
			return vc.RunE(vc, nil)
		}
		return c.Help()
	}
	// `cfcache --help` ends with the exit-code table (README's "Exit codes",
	// from cmdutil.ExitCodes); subcommands' help is cobra's default.
	defaultHelp := cmd.HelpFunc()
	cmd.SetHelpFunc(func(c *cobra.Command, args []string) {
		defaultHelp(c, args)
		if !c.HasParent() {
			fmt.Fprint(c.OutOrStdout(), "\nExit codes:\n"+cmdutil.ExitCodesText("  "))
		}
	})
	cmd.SetFlagErrorFunc(cmdutil.FlagErrorFunc)

	pf := cmd.PersistentFlags()
	pf.StringP("zone", "z", "", "zone by name (example.com) or 32-hex id [$CFCACHE_ZONE]")
	pf.String("profile", "", "profile in the config file (default \"default\") [$CFCACHE_PROFILE]")
	pf.String("config", "", "config file (default $XDG_CONFIG_HOME/cfcache/config.yaml) [$CFCACHE_CONFIG]")
	pf.String("api-url", "", "API base URL (default "+config.DefaultAPIURL+") [$CLOUDFLARE_BASE_URL]")
	pf.String("api-token-file", "", "read the API token from `FILE` (must be chmod 600)")
	pf.String("account-id", "", "account id: for account-owned (cfat_) tokens; narrows purge routing and chooses among zones of one name [$CLOUDFLARE_ACCOUNT_ID]")
	// -o and --color are declared with their values, which give the check
	// as the flag is parsed and shell completion (cmdutil.StringEnumFlag);
	// setUp checks the same lists for values from the environment or the
	// config file, with the same words.
	var output, color string
	cmdutil.PersistentEnumFlag(cmd, &output, "output", "o", "", cmdutil.GlobalOutputFormats, "output format [$CFCACHE_OUTPUT]")
	// interface.md: SARIF is a report of validation problems.
	cmdutil.EnumHint(pf.Lookup("output"), "sarif", sarifNote)
	cmdutil.PersistentEnumFlag(cmd, &color, "color", "", "", colorModes, "colour [$NO_COLOR, $CLICOLOR_FORCE]")
	pf.BoolP("quiet", "q", false, "print errors only")
	pf.BoolP("verbose", "v", false, "log each HTTP request (method, path, status, timing; never credentials) to stderr")
	// cobra would add --version as "version for cfcache"; said here what it prints.
	cmd.Flags().Bool("version", false, "print the version, commit and commit date, as the version command does")
	cmd.MarkFlagsMutuallyExclusive("quiet", "verbose")
	_ = cmd.RegisterFlagCompletionFunc("zone", cmdutil.ZoneCompletion(f))

	addCommands(f, cmd)
	return cmd
}

const sarifNote = "sarif is only for rules validate"

var colorModes = []string{string(iostreams.ColorAuto), string(iostreams.ColorAlways), string(iostreams.ColorNever)}

// setUp resolves configuration once per run and applies the output settings.
func setUp(f *cmdutil.Factory, cmd *cobra.Command) error {
	flags := cmd.Flags()
	quiet, _ := flags.GetBool("quiet")
	verbose, _ := flags.GetBool("verbose")
	f.IOStreams.SetQuiet(quiet)
	f.Verbose = verbose
	f.TokenFile, _ = flags.GetString("api-token-file")

	var s *config.Settings
	if skipsConfig(cmd) {
		// Flag and environment still apply; only the file is not read, so a
		// broken config file cannot stop `version` or `completion`.
		s = config.FlagsAndEnv(flags, f.Env)
	} else {
		var err error
		if s, err = config.Load(flags, f.Env); err != nil {
			// Exit 2 like a usage error, but the problem is the file or
			// environment, so no usage hint.
			return &cmdutil.ValidationError{Err: err}
		}
	}
	f.Settings = s
	if formats := cmdutil.OutputFormats(cmd); !slices.Contains(formats, s.Output) {
		note := ""
		if s.Output == "sarif" {
			note = "; " + sarifNote
		}
		return badSetting(s, "output", settingValueError(s, "output", s.Output, cmdutil.WantOneOf(formats)+note))
	}
	value := s.Color
	if value == "" {
		value = "auto"
	}
	m, err := iostreams.ParseColorMode(value)
	if err != nil {
		return badSetting(s, "color", settingValueError(s, "color", value, cmdutil.WantOneOf(colorModes)))
	}
	f.IOStreams.SetColorMode(m)
	return nil
}

// settingValueError words a bad global setting as any bad flag value
// (cmdutil.FlagValueMessage), naming where it came from: the flag itself,
// or the environment variable or config key before the value.
func settingValueError(s *config.Settings, key, value, reason string) error {
	return errors.New(cmdutil.FlagValueMessage(s.Origin(key), value, reason))
}

// badSetting types the error of a bad global setting by where it came from:
// a flag is a usage mistake (usage hint), an environment variable or config
// key a setup problem (exit 2 as well, without the hint).
func badSetting(s *config.Settings, flag string, err error) error {
	if s.OriginIsFlag(flag) {
		return &cmdutil.FlagError{Err: err}
	}
	return &cmdutil.ValidationError{Err: err}
}

func skipsConfig(cmd *cobra.Command) bool {
	// Shell completion (cobra's hidden __complete) must never fail at a
	// Tab: what needs the config file (--zone's names) reads it itself,
	// silent on any problem.
	if cmd.Name() == cobra.ShellCompRequestCmd || cmd.Name() == cobra.ShellCompNoDescRequestCmd {
		return true
	}
	if !cmd.HasParent() {
		if v, _ := cmd.Flags().GetBool("version"); v {
			return true
		}
	}
	for c := cmd; c != nil; c = c.Parent() {
		if c.Annotations[skipConfig] == "true" {
			return true
		}
	}
	return false
}

// SkipConfig marks a command as runnable without reading the config file.
func SkipConfig(cmd *cobra.Command) *cobra.Command {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[skipConfig] = "true"
	return cmd
}

func usageHint(cmd *cobra.Command) string {
	return fmt.Sprintf("Run '%s --help' for usage.", cmd.CommandPath())
}
