package expr

// extraFieldRows are fields Cloudflare documents for request-phase rules that
// src/content/fields/index.yaml does not list, at any commit the project
// could read (0026d94e5cfaf580bdb1871f5dc1380029fd9c28, the newest, and the
// older 0fd5d99bafc99d38a40174040a35a80f9993417e). Each row cites the page
// that lists it; cmd/gen-fields does not write this file.
var extraFieldRows = []fieldRow{
	// cloudflare-docs src/content/docs/rules/transform/url-rewrite/reference/
	// fields-functions.mdx ("Filter expressions" lists cf.zone.name among
	// the request fields); a string, compared with eq and in {...} in the
	// same docs' ruleset examples.
	{"cf.zone.name", "String", "Request", "", ""},
}
