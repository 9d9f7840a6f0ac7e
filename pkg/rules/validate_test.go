package rules

import (
	"fmt"
	"strings"
	"testing"
)

// rule1 wraps action_parameters lines (indented six spaces) into a file whose
// parameters start on line 5.
func rule1(params string) string {
	return "rules:\n  - ref: r1\n    expression: \"true\"\n    action_parameters:\n" + params
}

func manyRules(n int) string {
	var b strings.Builder
	b.WriteString("rules:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  - ref: r%d\n    expression: http.host eq \"h%d.example.com\"\n    action_parameters: {cache: true}\n", i, i)
	}
	return b.String()
}

// TestValidateInvalid is the table of invalid files: each case lists every
// error the file must produce, exactly.
func TestValidateInvalid(t *testing.T) {
	long := "http.host eq \"" + strings.Repeat("a", 4100) + "\""
	cases := []struct {
		name, file, plan, src string
		want                  []string
	}{
		{"yaml syntax", "", "", "rules:\n  - ref: a\n   expression: x\n",
			[]string{"cache.yaml:3: invalid YAML: did not find expected '-' indicator"}},
		{"yaml bad mapping", "", "", "rules:\n  - ref: a\n    expression: a: b\n",
			[]string{"cache.yaml:3: invalid YAML: mapping values are not allowed in this context"}},
		{"yaml duplicate key", "", "", "rules:\n  - ref: a\n    expression: \"true\"\n    action_parameters:\n      cache: true\n      cache: false\n",
			[]string{"cache.yaml:6: rules[0].action_parameters.cache: duplicate key (first given on line 5)"}},
		{"empty file", "", "", "\n# nothing\n",
			[]string{"cache.yaml:1: the file is empty: want a mapping with a rules list"}},
		{"root is a list", "", "", "- ref: a\n",
			[]string{"cache.yaml:1: want a mapping with a rules list, got a list"}},
		{"misspelt rules", "", "", "rule:\n  - ref: a\n",
			[]string{`cache.yaml:1: rule: unknown field; did you mean "rules"?`, "cache.yaml:1: rules: missing rules: want a list of rules"}},
		{"rules not a list", "", "", "rules:\n  ref: a\n",
			[]string{"cache.yaml:1: rules: want a list of rules, got a mapping"}},
		// issue 12 §3: `rules:` on line 4 was reported on line 5.
		{"rules not a list after comments", "", "", "# Cache Rules\n# zone example.com\nphase: http_request_cache_settings\nrules:\n  ref: a\n",
			[]string{"cache.yaml:4: rules: want a list of rules, got a mapping"}},
		{"rule not a mapping", "", "", "rules:\n  - just a string\n",
			[]string{"cache.yaml:2: rules[0]: want a rule (a mapping), got a string"}},
		{"misspelt expression", "", "", "rules:\n  - ref: a\n    expresion: \"true\"\n    action_parameters: {cache: true}\n",
			[]string{"cache.yaml:2: rules[0].expression: missing expression: say which requests the rule matches (true matches all)",
				`cache.yaml:3: rules[0].expresion: unknown field; did you mean "expression"?`}},
		{"ref not a string", "", "", "rules:\n  - ref: [a]\n    expression: \"true\"\n    action_parameters: {cache: true}\n",
			[]string{"cache.yaml:2: rules[0].ref: want a string, got a list"}},
		{"enabled not a bool", "", "", "rules:\n  - ref: a\n    expression: \"true\"\n    enabled: \"yes\"\n    action_parameters: {cache: true}\n",
			[]string{"cache.yaml:4: rules[0].enabled: want true or false, got a string"}},
		{"missing ref", "", "", "rules:\n  - expression: \"true\"\n    action_parameters: {cache: true}\n",
			[]string{"cache.yaml:2: rules[0].ref: missing ref: give every rule a unique, stable ref (it identifies the rule in diff and deploy)"}},
		{"duplicate ref", "", "", "rules:\n  - ref: a\n    expression: \"true\"\n    action_parameters: {cache: true}\n  - ref: a\n    expression: ssl\n    action_parameters: {cache: false}\n",
			[]string{`cache.yaml:5: rules[1].ref: duplicate ref "a": rules[0] (line 2) already uses it`}},
		{"wrong action", "", "", "rules:\n  - ref: a\n    expression: \"true\"\n    action: rewrite\n    action_parameters: {cache: true}\n",
			[]string{`cache.yaml:4: rules[0].action: action "rewrite" is not valid in phase http_request_cache_settings: want set_cache_settings`}},
		{"empty expression", "", "", "rules:\n  - ref: a\n    expression: \"  \"\n    action_parameters: {cache: true}\n",
			[]string{"cache.yaml:3:17: rules[0].expression: empty expression: say which requests the rule matches (true matches all)"}},
		{"empty expression no value", "", "", "rules:\n  - ref: a\n    expression:\n    action_parameters: {cache: true}\n",
			[]string{"cache.yaml:3:16: rules[0].expression: empty expression: say which requests the rule matches (true matches all)"}},
		{"no action_parameters", "", "", "rules:\n  - ref: a\n    expression: \"true\"\n",
			[]string{"cache.yaml:2: rules[0].action_parameters: no settings: give at least one (for example cache: true)"}},
		{"action_parameters a list", "", "", "rules:\n  - ref: a\n    expression: \"true\"\n    action_parameters: [cache]\n",
			[]string{"cache.yaml:4: rules[0].action_parameters: want a mapping of settings, got a list"}},
		{"misspelt setting", "", "", rule1("      edge_tll: {mode: respect_origin}\n"),
			[]string{`cache.yaml:5: rules[0].action_parameters.edge_tll: unknown setting; did you mean "edge_ttl"?`}},
		{"edge_ttl without mode", "", "", rule1("      edge_ttl:\n        default: 3600\n"),
			[]string{"cache.yaml:5: rules[0].action_parameters.edge_ttl.mode: missing (required): one of respect_origin, bypass_by_default, override_origin"}},
		{"edge_ttl override_origin without default", "", "", rule1("      edge_ttl:\n        mode: override_origin\n"),
			[]string{"cache.yaml:5: rules[0].action_parameters.edge_ttl.default: missing (required with mode override_origin): say how many seconds the edge may cache; the API refuses override_origin without it"}},
		{"browser_ttl override_origin without default", "", "", rule1("      browser_ttl: {mode: override_origin}\n"),
			[]string{"cache.yaml:5: rules[0].action_parameters.browser_ttl.default: missing (required with mode override_origin): say how many seconds browsers may cache; the API refuses override_origin without it"}},
		{"enterprise-only settings on business", "", "business", rule1("      read_timeout: 900\n      additional_cacheable_ports: [8443]\n      origin_cache_control: true\n"),
			[]string{"cache.yaml:5: rules[0].action_parameters.read_timeout: a proxy read timeout needs the Enterprise plan; this is checked against business",
				"cache.yaml:6: rules[0].action_parameters.additional_cacheable_ports: caching on additional ports needs the Enterprise plan; this is checked against business",
				"cache.yaml:7: rules[0].action_parameters.origin_cache_control: origin Cache-Control needs the Enterprise plan; this is checked against business"}},
		{"block value of the wrong type", "", "", rule1("      additional_cacheable_ports:\n        port: 8443\n"),
			[]string{"cache.yaml:5: rules[0].action_parameters.additional_cacheable_ports: want a list, got a mapping"}},
		{"tab in expression", "", "", "rules:\n  - ref: a\n    expression: \"http.host eq\\t\\\"a.example\\\"\"\n    action_parameters: {cache: true}\n",
			[]string{"cache.yaml:3:30: rules[0].expression: a tab is not whitespace in Cloudflare's Rules language: separate tokens with spaces or line breaks"}},
		{"vary bad action and too many media types", "", "", rule1("      vary:\n        default: {action: strip}\n        headers:\n          accept:\n            action: normalize\n            media_types: [a/1, a/2, a/3, a/4, a/5, a/6, a/7, a/8, a/9, a/10, a/11]\n"),
			[]string{`cache.yaml:6: rules[0].action_parameters.vary.default.action: "strip" is not one of normalize, passthrough, bypass`,
				"cache.yaml:10: rules[0].action_parameters.vary.headers.accept.media_types: 11 media types: at most 10 are allowed"}},
		{"vary header without action", "", "", rule1("      vary:\n        default: {action: bypass}\n        headers:\n          accept-language:\n            languages: [en, fr]\n"),
			[]string{"cache.yaml:8: rules[0].action_parameters.vary.headers.accept-language.action: missing (required): one of normalize, passthrough, bypass"}},
		{"vary rules of the settings page", "", "", rule1("      vary:\n        headers:\n          Accept: {action: normalize}\n          cf-device: {action: bypass}\n          x-tier: {action: passthrough, languages: [en]}\n          accept-language: {action: normalize, languages: [\"\"]}\n"),
			[]string{"cache.yaml:5: rules[0].action_parameters.vary.default: missing (required)",
				"cache.yaml:7: rules[0].action_parameters.vary.headers.Accept: header names under vary must be lower-case: write accept",
				"cache.yaml:8: rules[0].action_parameters.vary.headers.cf-device: cf-device: cf- and cf_ headers cannot be varied on",
				"cache.yaml:9: rules[0].action_parameters.vary.headers.x-tier.languages: languages only applies to the accept-language header",
				`cache.yaml:10: rules[0].action_parameters.vary.headers.accept-language.languages[0]: "": values must be non-empty printable ASCII`}},
		{"origin_range_requests bad mode", "", "", rule1("      origin_range_requests: {mode: auto}\n"),
			[]string{`cache.yaml:5: rules[0].action_parameters.origin_range_requests.mode: "auto" is not one of on, off, default`}},
		{"edge_ttl bad mode", "", "", rule1("      edge_ttl:\n        mode: override\n        default: 3600\n"),
			[]string{`cache.yaml:6: rules[0].action_parameters.edge_ttl.mode: "override" is not one of respect_origin, bypass_by_default, override_origin`}},
		{"edge_ttl default quoted", "", "", rule1("      edge_ttl:\n        mode: override_origin\n        default: \"3600\"\n"),
			[]string{`cache.yaml:7: rules[0].action_parameters.edge_ttl.default: want a whole number (seconds), got the string "3600"`}},
		{"edge_ttl default negative", "", "", rule1("      edge_ttl: {mode: override_origin, default: -5}\n"),
			[]string{"cache.yaml:5: rules[0].action_parameters.edge_ttl.default: -5 is out of range: want at least 0 (seconds)"}},
		{"edge_ttl default fractional", "", "", rule1("      edge_ttl: {mode: override_origin, default: 1.5}\n"),
			[]string{"cache.yaml:5: rules[0].action_parameters.edge_ttl.default: want a whole number (seconds), got the number 1.5"}},
		{"browser_ttl without mode", "", "", rule1("      browser_ttl: {default: 60}\n"),
			[]string{"cache.yaml:5: rules[0].action_parameters.browser_ttl.mode: missing (required): one of respect_origin, override_origin, bypass_by_default, bypass"}},
		{"browser default without override", "", "", rule1("      browser_ttl:\n        mode: respect_origin\n        default: 60\n"),
			[]string{"cache.yaml:7: rules[0].action_parameters.browser_ttl.default: default is only allowed with mode override_origin (mode is respect_origin)"}},
		{"status code below 100", "", "", rule1("      edge_ttl:\n        mode: respect_origin\n        status_code_ttl:\n          - status_code: 99\n            value: 60\n"),
			[]string{"cache.yaml:8: rules[0].action_parameters.edge_ttl.status_code_ttl[0].status_code: 99 is out of range: want 100–999"}},
		{"status range reversed", "", "", rule1("      edge_ttl:\n        mode: respect_origin\n        status_code_ttl:\n          - status_code_range: {from: 500, to: 400}\n            value: 60\n"),
			[]string{"cache.yaml:8: rules[0].action_parameters.edge_ttl.status_code_ttl[0].status_code_range: from 500 is greater than to 400"}},
		{"status code and range", "", "", rule1("      edge_ttl:\n        mode: respect_origin\n        status_code_ttl:\n          - status_code: 404\n            status_code_range: {from: 400}\n            value: 60\n"),
			[]string{"cache.yaml:8: rules[0].action_parameters.edge_ttl.status_code_ttl[0]: give status_code or status_code_range, not both"}},
		{"status ttl below -1", "", "", rule1("      edge_ttl:\n        mode: respect_origin\n        status_code_ttl:\n          - status_code: 404\n            value: -2\n"),
			[]string{"cache.yaml:9: rules[0].action_parameters.edge_ttl.status_code_ttl[0].value: -2 is out of range: want at least -1 (seconds; 0 = no-cache, -1 = no-store)"}},
		{"status ttl without value", "", "", rule1("      edge_ttl:\n        mode: respect_origin\n        status_code_ttl:\n          - status_code: 404\n"),
			[]string{"cache.yaml:8: rules[0].action_parameters.edge_ttl.status_code_ttl[0].value: missing (required)"}},
		{"status range empty", "", "", rule1("      edge_ttl:\n        mode: respect_origin\n        status_code_ttl:\n          - status_code_range: {}\n            value: 0\n"),
			[]string{"cache.yaml:8: rules[0].action_parameters.edge_ttl.status_code_ttl[0].status_code_range: give from, to or both"}},
		{"status ttl on pro", "", "pro", rule1("      edge_ttl:\n        mode: respect_origin\n        status_code_ttl:\n          - status_code: 404\n            value: 60\n"),
			[]string{"cache.yaml:7: rules[0].action_parameters.edge_ttl.status_code_ttl: status code TTLs need the Enterprise plan; this is checked against pro"}},
		{"query string include and exclude", "", "", rule1("      cache_key:\n        custom_key:\n          query_string:\n            include: {list: [a]}\n            exclude: {list: [b]}\n"),
			[]string{"cache.yaml:9: rules[0].action_parameters.cache_key.custom_key.query_string: give include or exclude, not both"}},
		{"query string docs array form", "", "", rule1("      cache_key:\n        custom_key:\n          query_string:\n            include: [\"*\"]\n"),
			[]string{"cache.yaml:8: rules[0].action_parameters.cache_key.custom_key.query_string.include: want a mapping, got a list (want {list: [...]} or {all: true})"}},
		{"query string all false", "", "", rule1("      cache_key:\n        custom_key:\n          query_string:\n            exclude: {all: false}\n"),
			[]string{"cache.yaml:8: rules[0].action_parameters.cache_key.custom_key.query_string.exclude.all: all: false is not accepted; leave exclude out instead"}},
		{"query string empty", "", "", rule1("      cache_key:\n        custom_key:\n          query_string: {}\n"),
			[]string{"cache.yaml:7: rules[0].action_parameters.cache_key.custom_key.query_string: give include or exclude"}},
		{"forbidden header", "", "", rule1("      cache_key:\n        custom_key:\n          header:\n            include: [x-version, Cache-Control]\n"),
			[]string{"cache.yaml:8: rules[0].action_parameters.cache_key.custom_key.header.include[1]: Cache-Control cannot be in the cache key"}},
		{"origin header", "", "", rule1("      cache_key:\n        custom_key:\n          header:\n            include:\n              - origin\n"),
			[]string{"cache.yaml:9: rules[0].action_parameters.cache_key.custom_key.header.include[0]: origin cannot be listed; the cache key includes it unless exclude_origin is true"}},
		{"cf- header", "", "", rule1("      cache_key:\n        custom_key:\n          header:\n            check_presence: [cf-ipcountry]\n"),
			[]string{"cache.yaml:8: rules[0].action_parameters.cache_key.custom_key.header.check_presence[0]: cf-ipcountry: cf-* headers cannot be in the cache key"}},
		{"restricted header included", "", "", rule1("      cache_key:\n        custom_key:\n          header:\n            include: [user-agent]\n"),
			[]string{"cache.yaml:8: rules[0].action_parameters.cache_key.custom_key.header.include[0]: user-agent is restricted: list 1–10 values under contains instead of including every value"}},
		{"restricted header eleven values", "", "", rule1("      cache_key:\n        custom_key:\n          header:\n            contains:\n              accept-encoding:\n                - br\n                - zstd\n                - gzip\n                - deflate\n                - a\n                - b\n                - c\n                - d\n                - e\n                - f\n                - g\n"),
			[]string{"cache.yaml:20: rules[0].action_parameters.cache_key.custom_key.header.contains.accept-encoding: accept-encoding is restricted: give 1–10 values, not 11"}},
		{"restricted header no values", "", "", rule1("      cache_key:\n        custom_key:\n          header:\n            contains:\n              referer: []\n"),
			[]string{"cache.yaml:9: rules[0].action_parameters.cache_key.custom_key.header.contains.referer: referer is restricted: give 1–10 values, not 0"}},
		{"contains empty list", "", "", rule1("      cache_key:\n        custom_key:\n          header:\n            contains:\n              x-tier: []\n"),
			[]string{"cache.yaml:9: rules[0].action_parameters.cache_key.custom_key.header.contains.x-tier: empty list: give at least one value"}},
		{"__cf cookie", "", "", rule1("      cache_key:\n        custom_key:\n          cookie:\n            include: [session, __cf_bm]\n"),
			[]string{"cache.yaml:8: rules[0].action_parameters.cache_key.custom_key.cookie.include[1]: __cf_bm: cookies starting __cf belong to Cloudflare and cannot be in the cache key"}},
		{"misspelt custom key part", "", "", rule1("      cache_key:\n        custom_key:\n          headers: {include: [x-a]}\n"),
			[]string{`cache.yaml:7: rules[0].action_parameters.cache_key.custom_key.headers: unknown setting; did you mean "header"?`}},
		{"read_timeout too low", "", "", rule1("      read_timeout: 50\n"),
			[]string{"cache.yaml:5: rules[0].action_parameters.read_timeout: 50 is out of range: want 100–6000 (seconds)"}},
		{"read_timeout too high", "", "", rule1("      read_timeout: 7000\n"),
			[]string{"cache.yaml:5: rules[0].action_parameters.read_timeout: 7000 is out of range: want 100–6000 (seconds)"}},
		{"cache quoted", "", "", rule1("      cache: \"true\"\n"),
			[]string{`cache.yaml:5: rules[0].action_parameters.cache: want true or false, got the string "true"`}},
		{"cache_reserve without eligible", "", "", rule1("      cache_reserve: {minimum_file_size: 100000}\n"),
			[]string{"cache.yaml:5: rules[0].action_parameters.cache_reserve.eligible: missing (required)"}},
		{"port out of range", "", "", rule1("      additional_cacheable_ports: [8443, 70000]\n"),
			[]string{"cache.yaml:5: rules[0].action_parameters.additional_cacheable_ports[1]: 70000 is out of range: want 1–65535"}},
		{"vary bad action", "", "", rule1("      vary:\n        default: {action: bypass}\n        headers:\n          accept:\n            action: normalise\n            media_types: [image/webp]\n"),
			[]string{`cache.yaml:9: rules[0].action_parameters.vary.headers.accept.action: "normalise" is not one of normalize, passthrough, bypass; did you mean "normalize"?`}},
		{"custom header on business", "", "business", rule1("      cache_key:\n        custom_key:\n          header: {include: [x-version]}\n          user: {device_type: true}\n"),
			[]string{"cache.yaml:7: rules[0].action_parameters.cache_key.custom_key.header: a custom cache key by header needs the Enterprise plan; this is checked against business",
				"cache.yaml:8: rules[0].action_parameters.cache_key.custom_key.user: a custom cache key by user needs the Enterprise plan; this is checked against business"}},
		{"query list on pro", "", "pro", rule1("      cache_key:\n        custom_key:\n          query_string:\n            include: {list: [page]}\n"),
			[]string{"cache.yaml:7: rules[0].action_parameters.cache_key.custom_key.query_string: a custom cache key by query string parameter list needs the Enterprise plan; this is checked against pro"}},
		{"edge ttl below free minimum", "", "free", rule1("      edge_ttl:\n        mode: override_origin\n        default: 3600\n"),
			[]string{"cache.yaml:7: rules[0].action_parameters.edge_ttl.default: 3600 s is below the free plan's minimum edge TTL of 2h"}},
		{"too many rules for free", "", "free", manyRules(11),
			[]string{"cache.yaml:32: rules: 11 rules exceed the free plan's limit of 10 per zone: rules[10] is the first one over it"}},
		{"regex on pro", "", "pro", "rules:\n  - ref: a\n    expression: http.request.uri.path matches \"^/img/\"\n    action_parameters: {cache: true}\n",
			[]string{"cache.yaml:3:39: rules[0].expression: regular expressions (matches) need the Business or Enterprise plan; this is checked against pro"}},
		{"regex tilde on free in block", "", "free", "rules:\n  - ref: a\n    expression: >-\n      http.host eq \"a.example.com\"\n      and http.request.uri.path ~ \"^/x\"\n    action_parameters: {cache: true}\n",
			[]string{"cache.yaml:5:33: rules[0].expression: regular expressions (~) need the Business or Enterprise plan; this is checked against free"}},
		{"expression too long", "", "", "rules:\n  - ref: a\n    expression: '" + long + "'\n    action_parameters: {cache: true}\n",
			[]string{"cache.yaml:3: rules[0].expression: expression is 4115 characters long: the limit is 4096"}},
		{"unknown field", "", "", "rules:\n  - ref: a\n    expression: http.request.uri.pth eq \"/\"\n    action_parameters: {cache: true}\n",
			[]string{`cache.yaml:3:17: rules[0].expression: unknown field http.request.uri.pth; did you mean "http.request.uri.path"?`}},
		{"unclosed string in literal block", "", "", "rules:\n  - ref: a\n    expression: |\n      http.host eq \"a.example.com\"\n      or http.host eq \"b.example.com\n    action_parameters: {cache: true}\n",
			[]string{`cache.yaml:5:23: rules[0].expression: string is not closed: a " is missing`}},
		{"unbalanced parens", "", "", "rules:\n  - ref: a\n    expression: \"(http.host eq \\\"a\\\") and (ssl\"\n    action_parameters: {cache: true}\n",
			[]string{"cache.yaml:3:43: rules[0].expression: ( is not closed: a ) is missing"}},
		{"wrong closer", "", "", "rules:\n  - ref: a\n    expression: 'http.request.uri.path.extension in {\"js\" \"css\")'\n    action_parameters: {cache: true}\n",
			[]string{"cache.yaml:3:64: rules[0].expression: ) does not close the { opened at 1:36"}},
		{"response field", "", "", "rules:\n  - ref: a\n    expression: http.response.code eq 404\n    action_parameters: {cache: true}\n",
			[]string{"cache.yaml:3:17: rules[0].expression: http.response.code is a response field; Cache Rules match requests, so it is only available in Cache Response Rules (a file with phase: response)"}},
		{"in without braces", "", "", "rules:\n  - ref: a\n    expression: ip.src in 203.0.113.0/24\n    action_parameters: {cache: false}\n",
			[]string{"cache.yaml:3:27: rules[0].expression: in needs a set in braces, such as {203.0.113.0/24}"}},
		{"wrong phase", "", "", "phase: http_request_firewall_custom\nrules: []\n",
			[]string{"cache.yaml:1: phase: \"http_request_firewall_custom\" is not a phase: want request or response (Cache Rules or Cache Response Rules)"}},
		{"json duplicate key", "cache.json", "", "{\n  \"rules\": [\n    {\n      \"ref\": \"a\",\n      \"expression\": \"true\",\n      \"ref\": \"b\",\n      \"action_parameters\": {\"cache\": true}\n    }\n  ]\n}\n",
			[]string{"cache.json:6: rules[0].ref: duplicate key (first given on line 4)"}},
		{"json syntax", "cache.json", "", "{\n  \"rules\": [\n    {\"ref\": \"a\",}\n  ]\n}\n",
			[]string{"cache.json:3: invalid JSON: invalid character '}' looking for beginning of object key string"}},
		{"json wrong types", "cache.json", "", "{\"rules\": [\n  {\"ref\": \"a\", \"expression\": \"true\",\n   \"action_parameters\": {\"edge_ttl\": {\"mode\": \"override_origin\", \"default\": \"1d\"}}}\n]}\n",
			[]string{`cache.json:3: rules[0].action_parameters.edge_ttl.default: want a whole number (seconds), got the string "1d"`}},
		{"json expression column with escapes", "cache.json", "", "{\"rules\": [{\"ref\": \"a\", \"action_parameters\": {\"cache\": true},\n  \"expression\": \"http.host eq \\\"a\\\" and http.hots eq \\\"b\\\"\"}]}\n",
			[]string{`cache.json:2:41: rules[0].expression: unknown field http.hots; did you mean "http.host"?`}},
		{"shared dictionary without pattern", "", "", rule1("      shared_dictionary: {}\n"),
			[]string{"cache.yaml:5: rules[0].action_parameters.shared_dictionary.match_pattern: missing (required)"}},
		{"every problem not just the first", "", "free", "rules:\n  - ref: a\n    expression: http.hots eq \"x\"\n    action_parameters:\n      edge_ttl: {mode: override_origin, default: 60}\n      read_timeout: 1\n  - ref: a\n    action: block\n    expression: \"true\"\n    action_parameters: {cache: true}\n",
			[]string{`cache.yaml:3:17: rules[0].expression: unknown field http.hots; did you mean "http.host"?`,
				"cache.yaml:5: rules[0].action_parameters.edge_ttl.default: 60 s is below the free plan's minimum edge TTL of 2h",
				"cache.yaml:6: rules[0].action_parameters.read_timeout: 1 is out of range: want 100–6000 (seconds)",
				"cache.yaml:6: rules[0].action_parameters.read_timeout: a proxy read timeout needs the Enterprise plan; this is checked against free",
				`cache.yaml:7: rules[1].ref: duplicate ref "a": rules[0] (line 2) already uses it`,
				`cache.yaml:8: rules[1].action: action "block" is not valid in phase http_request_cache_settings: want set_cache_settings`}},
	}
	if len(cases) < 40 {
		t.Fatalf("the issue asks for at least 40 invalid files, have %d", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			name := tc.file
			if name == "" {
				name = "cache.yaml"
			}
			plan := tc.plan
			if plan == "" {
				plan = "enterprise"
			}
			_, probs := Check(name, []byte(tc.src), Options{Limits: limitsFor(plan)})
			var got []string
			for _, p := range probs.Errors() {
				got = append(got, p.String())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("problems:\n got: %s\nwant: %s", strings.Join(got, "\n      "), strings.Join(tc.want, "\n      "))
			}
		})
	}
}
