package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// Error codes and messages, and where they come from:
//   - "seen": quoted from real Cloudflare responses in public issue threads
//     and client code (1000 and "This API Token is valid and active" from
//     token-verify fixtures; 7003/7000 from cloudflare-ddns issues; 971 as
//     quoted from terraform-provider-cloudflare#5505; 1134 from client tests
//     of purge 429s; 10003 from clients reading empty phases);
//   - "old table": Cloudflare's former API error table for zones and purge
//     (api.cloudflare.com), as copied into public clients; its wording is
//     kept, with the numbers taken from the server's limits table;
//   - "docs": docs/cloudflare.md;
//   - "chosen": no public source found; the value is the sandbox's own.
const (
	codeInvalidToken     = 1000  // seen: "Invalid API Token" from /user/tokens/verify for account tokens
	codeMissingSelector  = 1012  // old table: "Request must contain one of ..."
	codeEverythingTrue   = 1013  // old table: "'purge_everything' must be true"
	codeNotArray         = 1014  // old table: "'files', 'tags', or 'hosts' must be an array"
	codeBadFile          = 1015  // old table: "Unable to purge <url>"
	codeEverythingCombo  = 1092  // old table, docs: purge_everything with anything else
	codeTooManyFiles     = 1094  // old table: "Exceeded maximum amount of 500 files ..."
	codeBadTag           = 1100  // old table: "Tag exceeds maximum length of 1024 characters"
	codeTooManyTags      = 1101  // old table: "Exceeded maximum amount of 30 tags ..."
	codeTooManyHosts     = 1111  // old table: "Exceeded maximum amount of 30 hosts ..."
	codeBadHost          = 1115  // old table: "Invalid host"
	codeTooManyPrefixes  = 1121  // chosen: prefix purge postdates the old table
	codeBadPrefix        = 1122  // chosen
	codePurgeRateLimited = 1134  // seen: "Unable to purge, rate limit reached. ..."
	codeMalformedJSON    = 6007  // chosen: believed to be Cloudflare's, not confirmed
	codeNoRoute          = 7000  // seen: "No route for that URI"
	codeBadObjectID      = 7003  // seen: "Could not route to ..., perhaps your object identifier is invalid?"
	codeAPIRateLimited   = 971   // seen: "Please wait and consider throttling your request speed"
	codeAuth             = 10000 // docs: "Authentication error"
	codeInternal         = 10001 // chosen, for injected 5xx
	codeNoRuleset        = 10003 // seen: "could not find entrypoint ruleset in the ... phase"
	codeRulesetInvalid   = 20021 // chosen, for every ruleset validation error
	codeMethodNotAllowed = 10405 // chosen
	codeNoEnvironment    = 1451  // chosen: an environment ref the zone does not have
)

const (
	msgAuth            = "Authentication error"
	msgInvalidToken    = "Invalid API Token"
	msgPurgeRateLimit  = "Unable to purge, rate limit reached. Please wait and consider throttling your request speed"
	msgAPIRateLimit    = "Please wait and consider throttling your request speed"
	msgTokenValid      = "This API Token is valid and active"
	msgNoRoute         = "No route for that URI"
	msgMalformedJSON   = "Malformed JSON in request body"
	msgSelectorOptions = "'purge_everything', 'files', 'tags', 'hosts', or 'prefixes'"
)

// APIError is one entry of the envelope's errors array.
type APIError struct {
	Code    int          `json:"code"`
	Message string       `json:"message"`
	Source  *ErrorSource `json:"source,omitempty"`
}

// ErrorSource points at the part of the request body an error is about.
type ErrorSource struct {
	Pointer string `json:"pointer"`
}

type apiMessage struct {
	Code    int     `json:"code"`
	Message string  `json:"message"`
	Type    *string `json:"type"`
}

type resultInfo struct {
	Page       int `json:"page"`
	PerPage    int `json:"per_page"`
	Count      int `json:"count"`
	TotalCount int `json:"total_count"`
	TotalPages int `json:"total_pages"`
}

type envelope struct {
	Success    bool         `json:"success"`
	Errors     []APIError   `json:"errors"`
	Messages   []apiMessage `json:"messages"`
	Result     any          `json:"result"`
	ResultInfo *resultInfo  `json:"result_info,omitempty"`
}

func apiErr(code int, format string, args ...any) APIError {
	return APIError{Code: code, Message: fmt.Sprintf(format, args...)}
}

func apiErrAt(code int, pointer, format string, args ...any) APIError {
	e := apiErr(code, format, args...)
	e.Source = &ErrorSource{Pointer: pointer}
	return e
}

func writeJSON(w http.ResponseWriter, status int, env envelope) {
	b, ok := encodeEnvelope(env)
	if !ok {
		status = http.StatusInternalServerError
	}
	writeBody(w, status, b)
}

// encodeEnvelope is env's JSON, or (false) the answer to give when it
// cannot be encoded.
func encodeEnvelope(env envelope) ([]byte, bool) {
	if env.Errors == nil {
		env.Errors = []APIError{}
	}
	if env.Messages == nil {
		env.Messages = []apiMessage{}
	}
	b, err := json.Marshal(env)
	if err != nil {
		// Only sandbox-built values are marshalled; failing here is a bug.
		return []byte(`{"success":false,"errors":[{"code":10001,"message":"sandbox: encoding response"}],"messages":[],"result":null}`), false
	}
	return b, true
}

// writeBody sends an encoded answer with its length, so a client can read
// it into one buffer of that size (cfapi's readBody) rather than grow one
// as a chunked body arrives.
func writeBody(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeOK(w http.ResponseWriter, result any) {
	writeJSON(w, http.StatusOK, envelope{Success: true, Result: result})
}

func writeErrors(w http.ResponseWriter, status int, errs ...APIError) {
	writeJSON(w, status, envelope{Errors: errs})
}
