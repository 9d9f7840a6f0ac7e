package rules

import "testing"

// TestKeyPathString holds keyPath to the strings the checks built before
// it (joinPath and fmt.Sprintf("%s[%d]")): problem paths must not change.
func TestKeyPathString(t *testing.T) {
	root := rootPath("rules")
	rule := root.at(12)
	params := rule.dot("action_parameters")
	contains := params.dot("cache_key.custom_key.header.contains." + "accept-language")
	item := contains.at(3)
	empty := params.dot("")
	for _, c := range []struct {
		p    keyPath
		want string
	}{
		{root, "rules"},
		{rule, "rules[12]"},
		{params, joinPath("rules[12]", "action_parameters")},
		{contains, "rules[12].action_parameters.cache_key.custom_key.header.contains.accept-language"},
		{item, "rules[12].action_parameters.cache_key.custom_key.header.contains.accept-language[3]"},
		{empty, joinPath("rules[12].action_parameters", "")},
	} {
		if got := c.p.String(); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}
