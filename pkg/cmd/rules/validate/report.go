package validate

import (
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/cfcache/cfcache/pkg/build"
	"github.com/cfcache/cfcache/pkg/cmd/rules/shared"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/ghactions"
	"github.com/cfcache/cfcache/pkg/rules"
)

// The SARIF 2.1.0 subset `rules validate -o sarif` writes: one run, the
// tool's driver with a descriptor per problem code seen, one result per
// problem (OASIS SARIF 2.1.0, §3.13 sarifLog, §3.27 result; GitHub code
// scanning reads ruleId, level, message and physicalLocation:
// docs.github.com "SARIF support for code scanning").
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
	// Invocations records whether the run could check every file (§3.20):
	// a file that cannot be read makes it unsuccessful, with a
	// notification naming it, so an upload step still gets a log.
	Invocations []sarifInvocation `json:"invocations"`
	// Columns count code points: the validator counts runes (exprpos.go).
	ColumnKind string `json:"columnKind"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifMessage    `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

// unreadFile is a FILE that could not be read, and why.
type unreadFile struct {
	name string
	err  error
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               string       `json:"id"`
	ShortDescription sarifMessage `json:"shortDescription"`
	DefaultConfig    sarifConfig  `json:"defaultConfiguration"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifMessage    `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

type sarifLocation struct {
	Physical sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	Artifact sarifArtifact `json:"artifactLocation"`
	Region   *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

const (
	sarifSchema = "https://json.schemastore.org/sarif-2.1.0.json"
	projectURL  = "https://github.com/cfcache/cfcache"
)

// sarifLevel maps a severity to SARIF's level (§3.27.10: error, warning,
// note, none).
func sarifLevel(s rules.Severity) string {
	if s == rules.SeverityWarning {
		return "warning"
	}
	return "error"
}

// buildSARIF turns the problems of every file into one SARIF log with one
// run. root (the checkout) makes paths relative, as code scanning wants
// URIs relative to it; unread are the files that could not be read.
func buildSARIF(probs rules.Problems, unread []unreadFile, root string) sarifLog {
	version, _, _ := build.Info()
	drv := sarifDriver{Name: "cfcache", Version: version, InformationURI: projectURL, Rules: []sarifRule{}}
	index := map[string]int{}
	results := make([]sarifResult, 0, len(probs))
	for _, p := range probs {
		code := p.RuleID()
		i, ok := index[code]
		if !ok {
			i = len(drv.Rules)
			index[code] = i
			drv.Rules = append(drv.Rules, sarifRule{ID: code,
				ShortDescription: sarifMessage{Text: rules.CodeDescription(code)},
				DefaultConfig:    sarifConfig{Level: sarifLevel(p.Severity)}})
		}
		msg := p.Message
		if p.Path != "" {
			msg = p.Path + ": " + msg
		}
		r := sarifResult{RuleID: code, RuleIndex: i, Level: sarifLevel(p.Severity), Message: sarifMessage{Text: msg}}
		if p.File != "" {
			loc := sarifLocation{Physical: sarifPhysical{Artifact: sarifArtifact{URI: fileURI(p.File, root)}}}
			if p.Line > 0 {
				loc.Physical.Region = &sarifRegion{StartLine: p.Line, StartColumn: p.Col}
			}
			r.Locations = []sarifLocation{loc}
		}
		results = append(results, r)
	}
	inv := sarifInvocation{ExecutionSuccessful: len(unread) == 0}
	for _, u := range unread {
		n := sarifNotification{Level: "error", Message: sarifMessage{Text: u.err.Error()}}
		n.Locations = []sarifLocation{{Physical: sarifPhysical{Artifact: sarifArtifact{URI: fileURI(u.name, root)}}}}
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, n)
	}
	return sarifLog{Schema: sarifSchema, Version: "2.1.0",
		Runs: []sarifRun{{Tool: sarifTool{Driver: drv}, Results: results, Invocations: []sarifInvocation{inv}, ColumnKind: "unicodeCodePoints"}}}
}

// stdinURI names standard input in a SARIF log: a result with no location
// cannot be shown at all (review finding 12).
const stdinURI = "stdin"

// fileURI is FILE as a URI reference relative to root (forward slashes,
// each segment percent-encoded), or an absolute file:// URI when it lies
// outside root: "../u2.yaml" means nothing to code scanning.
func fileURI(name, root string) string {
	if name == shared.StdinName {
		return stdinURI
	}
	if rel, ok := repoPath(name, root); ok {
		return (&url.URL{Path: rel}).String()
	}
	abs, err := filepath.Abs(name)
	if err != nil {
		abs = name
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
}

// repoPath is FILE relative to root with forward slashes, and whether it
// lies inside root. A relative FILE is taken from the working directory,
// where the user named it.
func repoPath(name, root string) (string, bool) {
	if root == "" {
		return "", false
	}
	abs, err := filepath.Abs(name)
	if err != nil {
		return "", false
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return "", false
	}
	return filepath.ToSlash(rel), true
}

func writeSARIF(w io.Writer, probs rules.Problems, unread []unreadFile, root string) error {
	return cmdutil.WriteJSON(w, buildSARIF(probs, unread, root))
}

// annotations turns problems into workflow commands for the pull request,
// each file named relative to root (the checkout): GitHub places an
// annotation by the repository path, so a file outside the checkout (or
// stdin) gets none, and its problem is shown on the run instead.
func annotations(probs rules.Problems, root string) []ghactions.Annotation {
	out := make([]ghactions.Annotation, 0, len(probs))
	for _, p := range probs {
		lvl := ghactions.Error
		if p.Severity == rules.SeverityWarning {
			lvl = ghactions.Warning
		}
		msg := p.Message
		if p.Path != "" {
			msg = p.Path + ": " + msg
		}
		ann := ghactions.Annotation{Level: lvl, Title: p.RuleID(), Message: msg}
		if rel, ok := repoPath(p.File, root); ok && p.File != shared.StdinName {
			ann.File, ann.Line, ann.Col = rel, p.Line, p.Col
		} else if p.File != "" {
			// Without a file a line means nothing: say where in the text.
			ann.Message = p.String()
		}
		out = append(out, ann)
	}
	return out
}

// summary is the job summary of a validation: per file, the verdict, then a
// table of the problems; one summary for the whole run.
func summary(results []jsonResult) string {
	var b strings.Builder
	for i, res := range results {
		if i > 0 {
			b.WriteString("\n")
		}
		fileSummary(&b, res)
	}
	return b.String()
}

func fileSummary(b *strings.Builder, res jsonResult) {
	verdict := "✅ valid"
	if !res.Valid {
		verdict = "❌ not valid"
	}
	fmt.Fprintf(b, "### cfcache rules validate: %s %s\n\n", ghactions.Code(res.File), verdict)
	if res.unread {
		fmt.Fprintf(b, "Not checked: %s.\n", res.err)
		return
	}
	against := fmt.Sprintf("checked against the %s plan", res.Plan)
	if res.Plan == "" {
		against = "not checked: the file does not parse"
	}
	fmt.Fprintf(b, "%s, %s: %s, %s.\n\n", shared.Plural(res.Rules, "rule"), against,
		shared.Plural(res.Errors, "error"), shared.Plural(res.Warnings, "warning"))
	if len(res.Problems) == 0 {
		return
	}
	rows := make([][]string, 0, len(res.Problems))
	for _, p := range res.Problems {
		where := ""
		if p.Line > 0 {
			where = fmt.Sprint(p.Line)
			if p.Col > 0 {
				where += fmt.Sprintf(":%d", p.Col)
			}
		}
		rows = append(rows, []string{string(p.Severity), where, ghactions.Code(p.Path), p.Message, ghactions.Code(p.RuleID())})
	}
	b.WriteString(ghactions.Table([]string{"level", "line", "path", "problem", "code"}, rows))
}
