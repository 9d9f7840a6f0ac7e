package rules

import (
	"bytes"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Export writes rules as a file that Parse reads back to the same rules:
// `ref` always (the id when the rule has none), read-only fields left out,
// keys in a fixed order (ref, description, expression, action,
// action_parameters, enabled; parameters in schema order), so exports diff
// cleanly in git.
func Export(rules []*Rule, format Format) ([]byte, error) {
	return export(rulesDoc(rules, false), format)
}

// ExportPhase is Export with the file's phase written first, as `phase:
// request` or `phase: response` (interface.md, rules: "Two phases"), so the
// file says which entrypoint diff and deploy act on.
func ExportPhase(phase string, rules []*Rule, format Format) ([]byte, error) {
	doc := rulesDoc(rules, false)
	root := NewObject()
	root.Set("phase", NewString(PhaseShort(phase)))
	root.Set("rules", doc.Get("rules"))
	return export(root, format)
}

func export(root *Value, format Format) ([]byte, error) {
	switch format {
	case JSON:
		var b bytes.Buffer
		root.writeJSON(&b, "", "  ")
		b.WriteByte('\n')
		return b.Bytes(), nil
	case YAML, "":
		var b bytes.Buffer
		enc := yaml.NewEncoder(&b)
		enc.SetIndent(2)
		if err := enc.Encode(toYAML(root)); err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		if err := enc.Close(); err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		return b.Bytes(), nil
	}
	return nil, fmt.Errorf("export: unknown format %q", format)
}

// toYAML builds a yaml.Node tree so key order and scalar styles are ours.
func toYAML(v *Value) *yaml.Node {
	switch v.Kind {
	case Object:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for _, f := range v.Fields() {
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: f.Key}, toYAML(f.Value))
		}
		return n
	case Array:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		// Short lists of scalars read better inline: [br, zstd].
		if len(v.Items()) <= 8 && allScalars(v.Items()) {
			n.Style = yaml.FlowStyle
		}
		for _, it := range v.Items() {
			n.Content = append(n.Content, toYAML(it))
		}
		return n
	case Bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(v.Bool)}
	case Number:
		tag := "!!int"
		if _, ok := v.Int(); !ok {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: formatNum(v.Num)}
	case String:
		n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v.Str}
		// Multi-line expressions stay readable as literal blocks, unless a
		// line has trailing spaces, which a literal block cannot keep.
		if strings.Contains(v.Str, "\n") && !hasTrailingSpace(v.Str) {
			n.Style = yaml.LiteralStyle
		}
		return n
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
}

func allScalars(items []*Value) bool {
	for _, it := range items {
		if it.Kind == Object || it.Kind == Array {
			return false
		}
	}
	return true
}

func hasTrailingSpace(s string) bool {
	for _, line := range strings.Split(s, "\n") {
		if strings.HasSuffix(line, " ") || strings.HasSuffix(line, "\t") {
			return true
		}
	}
	return false
}
