package cmdutil

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/cfcache/cfcache/pkg/limits"
)

// enumValue is a string flag that only takes one of a fixed list of values.
type enumValue struct {
	p      *string
	values []string
	hints  map[string]string // value refused → why, where it is taken
}

func (e *enumValue) Set(s string) error {
	v := strings.ToLower(strings.TrimSpace(s))
	if !slices.Contains(e.values, v) {
		if h := e.hints[v]; h != "" {
			return fmt.Errorf("%s; %s", WantOneOf(e.values), h)
		}
		return fmt.Errorf("%s", WantOneOf(e.values))
	}
	*e.p = v
	return nil
}

func (e *enumValue) String() string { return *e.p }
func (e *enumValue) Type() string   { return "string" }

// StringEnumFlag declares a flag whose values are fixed, once: the same
// list checks the value when it is parsed (a bad one is a usage error,
// exit 2) and completes it in the shell, so the two cannot drift apart
// (docs/style.md, "Fixed-value flags are declared once"; gh's
// cmdutil.StringEnumFlag). Values compare case-insensitively and are kept
// in lower case; def may be "" (not given).
func StringEnumFlag(cmd *cobra.Command, p *string, name, short, def string, values []string, usage string) {
	enumFlag(cmd, cmd.Flags(), p, name, short, def, values, usage)
}

func enumFlag(cmd *cobra.Command, fs *pflag.FlagSet, p *string, name, short, def string, values []string, usage string) {
	*p = def
	usage = fmt.Sprintf("%s: {%s}", usage, strings.Join(values, "|"))
	fs.VarP(&enumValue{p: p, values: values}, name, short, usage)
	_ = cmd.RegisterFlagCompletionFunc(name, FixedCompletion(values))
}

// FixedCompletion completes a flag with a fixed list of values, for a flag
// whose check lives in a domain package that reports every bad value at
// once (purge --device: purge.ParseVariants over purge.Devices).
func FixedCompletion(values []string) cobra.CompletionFunc {
	return func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	}
}

// outputFormatsAnnotation lists the -o values a command takes beyond the
// global text and json; the root's set-up checks -o against it.
const outputFormatsAnnotation = "cfcache/output-formats"

// GlobalOutputFormats are the -o values every command takes.
var GlobalOutputFormats = []string{"text", "json"}

// OutputFlag gives a command its own -o/--output with more formats than the
// global text|json (rules validate: sarif), declared once with
// StringEnumFlag so parsing, completion and help agree. It shadows the
// global flag on that command only; the value still reaches
// config.Settings.Output (flag > $CFCACHE_OUTPUT > config), and the root's
// set-up accepts the extra formats for this command alone.
func OutputFlag(cmd *cobra.Command, formats ...string) {
	all := append(slices.Clone(GlobalOutputFormats), formats...)
	var v string
	StringEnumFlag(cmd, &v, "output", "o", "", all, "output format [$CFCACHE_OUTPUT]")
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[outputFormatsAnnotation] = strings.Join(all, ",")
}

// OutputFormats are the -o values cmd takes.
func OutputFormats(cmd *cobra.Command) []string {
	if s := cmd.Annotations[outputFormatsAnnotation]; s != "" {
		return strings.Split(s, ",")
	}
	return GlobalOutputFormats
}

// PlanFlag declares --plan, the same on every command that has one: its
// values are limits.Plans, checked as the flag is parsed and completed in
// the shell.
func PlanFlag(cmd *cobra.Command, p *string, def, usage string) {
	names := make([]string, len(limits.Plans))
	for i, pl := range limits.Plans {
		names[i] = string(pl)
	}
	StringEnumFlag(cmd, p, "plan", "", def, names, usage)
}

// ListCompletion completes a flag that takes a comma-separated list of
// fixed values (--device mobile,desktop): the values not yet given, after
// what is already typed up to the last comma.
func ListCompletion(values []string) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		i := strings.LastIndex(toComplete, ",")
		prefix := toComplete[:i+1]
		given := strings.Split(strings.ToLower(prefix), ",")
		var out []string
		for _, v := range values {
			if !slices.Contains(given, v) {
				out = append(out, prefix+v)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// WantOneOf is the reason a fixed-value flag gives for a value not in its
// list, the same for every such flag.
func WantOneOf(values []string) string {
	return "want one of " + strings.Join(values, ", ")
}

// PersistentEnumFlag is StringEnumFlag for a flag every subcommand
// inherits (the root's -o and --color).
func PersistentEnumFlag(cmd *cobra.Command, p *string, name, short, def string, values []string, usage string) {
	enumFlag(cmd, cmd.PersistentFlags(), p, name, short, def, values, usage)
}

// EnumHint adds to the error of a fixed-value flag refusing value a hint
// saying where that value is taken (-o sarif: only rules validate).
func EnumHint(fl *pflag.Flag, value, hint string) {
	if e, ok := fl.Value.(*enumValue); ok {
		if e.hints == nil {
			e.hints = map[string]string{}
		}
		e.hints[value] = hint
	}
}
