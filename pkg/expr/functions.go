package expr

import (
	"sort"

	"github.com/cfcache/cfcache/pkg/limits"
)

// FuncInfo describes a Rules-language function. Availability comes from the
// notes on Cloudflare's "Functions" page (ruleset-engine/rules-language/
// functions): a function without a note may be used in every phase.
type FuncInfo struct {
	Name             string
	Signature        string
	MinArgs, MaxArgs int // MaxArgs < 0: variadic
	InCacheRules     bool
	OnlyIn           string // where it may be used when not in cache rules
	MinPlan          limits.Plan
	Implemented      bool // evaluated offline by this package
}

// functions is the function table; built once, never modified.
var functions = map[string]FuncInfo{
	"any":                    {Signature: "any(Array<Boolean>): Boolean", MinArgs: 1, MaxArgs: 1, InCacheRules: true, Implemented: true},
	"all":                    {Signature: "all(Array<Boolean>): Boolean", MinArgs: 1, MaxArgs: 1, InCacheRules: true, Implemented: true},
	"concat":                 {Signature: "concat(String | Bytes | Integer | Array, ...): String | Array", MinArgs: 1, MaxArgs: -1, InCacheRules: true, Implemented: true},
	"ends_with":              {Signature: "ends_with(source String, substring String): Boolean", MinArgs: 2, MaxArgs: 2, InCacheRules: true, Implemented: true},
	"starts_with":            {Signature: "starts_with(source String, substring String): Boolean", MinArgs: 2, MaxArgs: 2, InCacheRules: true, Implemented: true},
	"has_key":                {Signature: "has_key(map Map<T>, key String): Boolean", MinArgs: 2, MaxArgs: 2, InCacheRules: true, Implemented: true},
	"has_value":              {Signature: "has_value(collection Map<T> | Array<T>, value T): Boolean", MinArgs: 2, MaxArgs: 2, InCacheRules: true, Implemented: true},
	"len":                    {Signature: "len(String | Bytes | Array): Integer", MinArgs: 1, MaxArgs: 1, InCacheRules: true, Implemented: true},
	"lookup_json_integer":    {Signature: "lookup_json_integer(field String, key String | Integer, ...): Integer", MinArgs: 2, MaxArgs: -1, InCacheRules: true, Implemented: true},
	"lookup_json_string":     {Signature: "lookup_json_string(field String, key String | Integer, ...): String", MinArgs: 2, MaxArgs: -1, InCacheRules: true, Implemented: true},
	"lower":                  {Signature: "lower(String): String", MinArgs: 1, MaxArgs: 1, InCacheRules: true, Implemented: true},
	"upper":                  {Signature: "upper(String): String", MinArgs: 1, MaxArgs: 1, InCacheRules: true, Implemented: true},
	"remove_bytes":           {Signature: "remove_bytes(Bytes, Bytes): Bytes", MinArgs: 2, MaxArgs: 2, InCacheRules: true, Implemented: true},
	"substring":              {Signature: "substring(field String | Bytes, start Integer, end Integer optional): String", MinArgs: 2, MaxArgs: 3, InCacheRules: true, Implemented: true},
	"url_decode":             {Signature: "url_decode(source String, options String optional): String", MinArgs: 1, MaxArgs: 2, InCacheRules: true, Implemented: true},
	"is_timed_hmac_valid_v0": {Signature: "is_timed_hmac_valid_v0(key String literal, MessageMAC String, ttl Integer literal, currentTimeStamp Integer, lengthOfSeparator Integer literal optional, flags String literal optional): Boolean", MinArgs: 4, MaxArgs: 6, InCacheRules: true, MinPlan: limits.Pro},

	"cidr":              {Signature: "cidr(address IP address, ipv4_network_bits Integer, ipv6_network_bits Integer): IP address", MinArgs: 3, MaxArgs: 3, OnlyIn: "custom rules and rate limiting rules", Implemented: true},
	"cidr6":             {Signature: "cidr6(address IP address, ipv6_network_bits Integer): IP address", MinArgs: 2, MaxArgs: 2, OnlyIn: "custom rules and rate limiting rules", Implemented: true},
	"decode_base64":     {Signature: "decode_base64(source String): String", MinArgs: 1, MaxArgs: 1, OnlyIn: "Transform Rules, custom rules and rate limiting rules", Implemented: true},
	"encode_base64":     {Signature: "encode_base64(input String | Bytes, flags String optional): String", MinArgs: 1, MaxArgs: 2, OnlyIn: "the products named on Cloudflare's Functions page (not cache rules)", Implemented: true},
	"join":              {Signature: "join(items Array<String>, separator String): String", MinArgs: 2, MaxArgs: 2, OnlyIn: "Transform Rules, custom rules and Custom Error Rules", Implemented: true},
	"is_jwt_present":    {Signature: "is_jwt_present(token_configuration_id String): Boolean", MinArgs: 1, MaxArgs: 1, OnlyIn: "API Shield JWT validation rules"},
	"is_jwt_valid":      {Signature: "is_jwt_valid(token_configuration_id String): Boolean", MinArgs: 1, MaxArgs: 1, OnlyIn: "API Shield JWT validation rules"},
	"regex_replace":     {Signature: "regex_replace(source String, regular_expression String, replacement String): String", MinArgs: 3, MaxArgs: 3, OnlyIn: "rewrite expressions of Transform Rules and dynamic URL redirects", Implemented: true},
	"remove_query_args": {Signature: "remove_query_args(field String, query_param String, ...): String", MinArgs: 2, MaxArgs: -1, OnlyIn: "rewrite expressions of Transform Rules", Implemented: true},
	"sha256":            {Signature: "sha256(input String | Bytes): Bytes", MinArgs: 1, MaxArgs: 1, OnlyIn: "the products named on Cloudflare's Functions page (not cache rules)", Implemented: true},
	"split":             {Signature: "split(input String, separator String, limit Integer): Array<String>", MinArgs: 3, MaxArgs: 3, OnlyIn: "response header Transform Rules and Custom Error Rules", Implemented: true},
	"to_string":         {Signature: "to_string(Integer | Boolean | IP address): String", MinArgs: 1, MaxArgs: 1, OnlyIn: "rewrite expressions of Transform Rules and dynamic URL redirects", Implemented: true},
	"uuidv4":            {Signature: "uuidv4(source Bytes): String", MinArgs: 1, MaxArgs: 1, OnlyIn: "rewrite expressions of Transform Rules"},
	"wildcard_replace":  {Signature: "wildcard_replace(source Bytes, wildcard_pattern Bytes, replacement Bytes, flags Bytes optional): String", MinArgs: 3, MaxArgs: 4, OnlyIn: "URL rewrites and dynamic URL redirects", Implemented: true},
	"bit_slice":         {Signature: "bit_slice(protocol String, offset_start Number, offset_end Number): Number", MinArgs: 3, MaxArgs: 3, OnlyIn: "Cloudflare Network Firewall"},
}

var functionNames = func() []string {
	out := make([]string, 0, len(functions))
	for n := range functions {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}()

// LookupFunction returns the description of a function.
func LookupFunction(name string) (FuncInfo, bool) {
	f, ok := functions[name]
	f.Name = name
	return f, ok
}

// Functions returns every known function, sorted by name.
func Functions() []FuncInfo {
	out := make([]FuncInfo, 0, len(functionNames))
	for _, n := range functionNames {
		f, _ := LookupFunction(n)
		out = append(out, f)
	}
	return out
}
