package validate

import (
	"fmt"
	"io"
	"net/url"
	"os"
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
	// Columns count code points: the validator counts runes (exprpos.go).
	ColumnKind string `json:"columnKind"`
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

// buildSARIF turns the problems of one file into a SARIF log. cwd makes an
// absolute FILE relative, as code scanning wants URIs relative to the
// checkout.
func buildSARIF(probs rules.Problems, cwd string) sarifLog {
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
		if p.File != "" && p.File != shared.StdinName {
			loc := sarifLocation{Physical: sarifPhysical{Artifact: sarifArtifact{URI: relativeURI(p.File, cwd)}}}
			if p.Line > 0 {
				loc.Physical.Region = &sarifRegion{StartLine: p.Line, StartColumn: p.Col}
			}
			r.Locations = []sarifLocation{loc}
		}
		results = append(results, r)
	}
	return sarifLog{Schema: sarifSchema, Version: "2.1.0",
		Runs: []sarifRun{{Tool: sarifTool{Driver: drv}, Results: results, ColumnKind: "unicodeCodePoints"}}}
}

// relativeURI is FILE as a relative URI reference (forward slashes, each
// segment percent-encoded); a path outside cwd stays absolute, as file://.
func relativeURI(name, cwd string) string {
	p := name
	if filepath.IsAbs(p) && cwd != "" {
		if rel, err := filepath.Rel(cwd, p); err == nil && !strings.HasPrefix(rel, "..") {
			p = rel
		}
	}
	abs := filepath.IsAbs(p)
	p = filepath.ToSlash(filepath.Clean(p))
	if abs {
		return (&url.URL{Scheme: "file", Path: p}).String()
	}
	return (&url.URL{Path: p}).String()
}

func writeSARIF(w io.Writer, probs rules.Problems) error {
	cwd, _ := os.Getwd()
	return cmdutil.WriteJSON(w, buildSARIF(probs, cwd))
}

// annotations turns problems into workflow commands for the pull request.
func annotations(probs rules.Problems) []ghactions.Annotation {
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
		file := p.File
		if file == shared.StdinName {
			file = ""
		}
		out = append(out, ghactions.Annotation{Level: lvl, File: file, Line: p.Line, Col: p.Col, Title: p.RuleID(), Message: msg})
	}
	return out
}

// summary is the job summary of one validation: the verdict, then a table
// of the problems.
func summary(res jsonResult) string {
	var b strings.Builder
	verdict := "✅ valid"
	if !res.Valid {
		verdict = "❌ not valid"
	}
	fmt.Fprintf(&b, "### cfcache rules validate: %s %s\n\n", ghactions.Code(res.File), verdict)
	against := fmt.Sprintf("checked against the %s plan", res.Plan)
	if res.Plan == "" {
		against = "not checked: the file does not parse"
	}
	fmt.Fprintf(&b, "%s, %s: %s, %s.\n\n", shared.Plural(res.Rules, "rule"), against,
		shared.Plural(res.Errors, "error"), shared.Plural(res.Warnings, "warning"))
	if len(res.Problems) == 0 {
		return b.String()
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
	return b.String()
}
