package sandbox

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cfcache/cfcache/pkg/limits"
)

type zoneAccount struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type zoneOwner struct {
	ID    *string `json:"id"`
	Type  string  `json:"type"`
	Email *string `json:"email"`
}

type zonePlan struct {
	ID                string  `json:"id"`
	Name              string  `json:"name"`
	Price             float64 `json:"price"`
	Currency          string  `json:"currency"`
	Frequency         string  `json:"frequency"`
	IsSubscribed      bool    `json:"is_subscribed"`
	CanSubscribe      bool    `json:"can_subscribe"`
	LegacyID          string  `json:"legacy_id"`
	LegacyDiscount    bool    `json:"legacy_discount"`
	ExternallyManaged bool    `json:"externally_managed"`
}

type zoneMeta struct {
	Step                   int  `json:"step"`
	CustomCertificateQuota int  `json:"custom_certificate_quota"`
	PageRuleQuota          int  `json:"page_rule_quota"`
	PhishingDetected       bool `json:"phishing_detected"`
}

type zoneJSON struct {
	ID                  string      `json:"id"`
	Name                string      `json:"name"`
	Status              string      `json:"status"`
	Paused              bool        `json:"paused"`
	Type                string      `json:"type"`
	DevelopmentMode     int         `json:"development_mode"`
	NameServers         []string    `json:"name_servers"`
	OriginalNameServers []string    `json:"original_name_servers"`
	OriginalRegistrar   *string     `json:"original_registrar"`
	OriginalDnshost     *string     `json:"original_dnshost"`
	ModifiedOn          time.Time   `json:"modified_on"`
	CreatedOn           time.Time   `json:"created_on"`
	ActivatedOn         time.Time   `json:"activated_on"`
	Meta                zoneMeta    `json:"meta"`
	Owner               zoneOwner   `json:"owner"`
	Account             zoneAccount `json:"account"`
	Permissions         []string    `json:"permissions"`
	Plan                zonePlan    `json:"plan"`
}

// planJSON describes a plan as GET /zones does. Only legacy_id matters to
// clients; the free plan id is Cloudflare's real one, the others are stable
// stand-ins.
func planJSON(p limits.Plan) zonePlan {
	names := map[limits.Plan]string{
		limits.Free: "Free Website", limits.Pro: "Pro Website",
		limits.Business: "Business Website", limits.Enterprise: "Enterprise Website",
	}
	id := "0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
	if p != limits.Free {
		id = derivedID("plan", string(p))
	}
	return zonePlan{
		ID: id, Name: names[p], Currency: "USD", Frequency: "monthly",
		IsSubscribed: true, LegacyID: string(p),
	}
}

func (s *Server) zoneJSON(z *zoneState) zoneJSON {
	return zoneJSON{
		ID: z.ID, Name: z.Name, Status: z.Status, Type: "full",
		NameServers: []string{"ada.ns.cloudflare.com", "bob.ns.cloudflare.com"},
		ModifiedOn:  s.created, CreatedOn: s.created, ActivatedOn: s.created,
		Meta:        zoneMeta{Step: 2, PageRuleQuota: 3},
		Owner:       zoneOwner{Type: "user"},
		Account:     zoneAccount{ID: z.AccountID, Name: z.AccountName},
		Permissions: []string{"#cache_purge", "#zone:read", "#zone_settings:edit"},
		Plan:        planJSON(z.Plan),
	}
}

// zoneStatuses are the statuses GET /zones lists a zone with.
var zoneStatuses = []string{"active", "pending", "initializing", "moved"}

// GET /zones: filters name (exact), status and account.id; pages like
// Cloudflare (per_page 5 to 50, default 20; a page past the end is empty).
func (s *Server) handleZones(w http.ResponseWriter, r *http.Request, c *caller) {
	q := r.URL.Query()
	name := strings.ToLower(strings.TrimSuffix(q.Get("name"), "."))
	status, account := q.Get("status"), q.Get("account.id")
	var matched []zoneJSON
	for _, z := range s.zones {
		if !c.sees(z) || name != "" && z.Name != name || status != "" && status != z.Status ||
			account != "" && account != z.AccountID {
			continue
		}
		matched = append(matched, s.zoneJSON(z))
	}
	page := intParam(q.Get("page"), 1, 1, 1<<30)
	perPage := intParam(q.Get("per_page"), 20, 5, 50)
	from := min((page-1)*perPage, len(matched))
	to := min(from+perPage, len(matched))
	result := append([]zoneJSON{}, matched[from:to]...)
	writeJSON(w, http.StatusOK, envelope{
		Success: true,
		Result:  result,
		ResultInfo: &resultInfo{
			Page: page, PerPage: perPage, Count: len(result), TotalCount: len(matched),
			TotalPages: (len(matched) + perPage - 1) / perPage,
		},
	})
}

func intParam(v string, def, lo, hi int) int {
	n, err := strconv.Atoi(v)
	if err != nil {
		return def
	}
	return max(lo, min(hi, n))
}

func (s *Server) handleZone(w http.ResponseWriter, r *http.Request, c *caller) {
	if z := s.zoneFor(w, r, c, ""); z != nil {
		writeOK(w, s.zoneJSON(z))
	}
}

// zoneFor resolves {zone_id} and checks the caller holds perm (none when
// empty), or answers itself and returns nil. Cloudflare answers an unknown
// or malformed id with 7003 "Could not route to ..., perhaps your object
// identifier is invalid?" followed by 7000 "No route for that URI"; a zone
// the token may not see looks the same.
func (s *Server) zoneFor(w http.ResponseWriter, r *http.Request, c *caller, perm Permission) *zoneState {
	z := s.byID[r.PathValue("zone_id")]
	if z == nil || !c.sees(z) {
		writeErrors(w, http.StatusNotFound,
			apiErr(codeBadObjectID, "Could not route to %s, perhaps your object identifier is invalid?", r.URL.Path),
			apiErr(codeNoRoute, msgNoRoute))
		return nil
	}
	if perm != "" && !c.can(perm) {
		writeErrors(w, http.StatusForbidden, apiErr(codeAuth, msgAuth))
		return nil
	}
	return z
}

// readBody reads at most limit bytes of the request body, or answers
// itself and returns false.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err == nil {
		return body, true
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeErrors(w, http.StatusRequestEntityTooLarge, apiErr(codeMalformedJSON, "Request body larger than %d bytes", limit))
	} else {
		writeErrors(w, http.StatusBadRequest, apiErr(codeMalformedJSON, msgMalformedJSON))
	}
	return nil, false
}

type verifyResult struct {
	ID        string  `json:"id"`
	Status    string  `json:"status"`
	ExpiresOn *string `json:"expires_on,omitempty"`
	NotBefore *string `json:"not_before,omitempty"`
}

func (s *Server) writeVerify(w http.ResponseWriter, c *caller) {
	res := verifyResult{ID: c.token.ID, Status: c.status}
	if !c.token.ExpiresOn.IsZero() {
		v := c.token.ExpiresOn.UTC().Format(time.RFC3339)
		res.ExpiresOn = &v
	}
	if !c.token.NotBefore.IsZero() {
		v := c.token.NotBefore.UTC().Format(time.RFC3339)
		res.NotBefore = &v
	}
	env := envelope{Success: true, Result: res}
	if c.status == StatusActive {
		env.Messages = []apiMessage{{Code: codeAuth, Message: msgTokenValid}}
	}
	writeJSON(w, http.StatusOK, env)
}

// GET /user/tokens/verify verifies user tokens only: an account-owned token,
// a legacy key or an unknown token get 1000 "Invalid API Token".
func (s *Server) handleUserVerify(w http.ResponseWriter, _ *http.Request, c *caller) {
	if c.token == nil || c.accountOwned() {
		writeErrors(w, http.StatusUnauthorized, apiErr(codeInvalidToken, msgInvalidToken))
		return
	}
	s.writeVerify(w, c)
}

// GET /accounts/{account_id}/tokens/verify verifies the account's own tokens.
func (s *Server) handleAccountVerify(w http.ResponseWriter, r *http.Request, c *caller) {
	if !c.accountOwned() || c.token.AccountID != r.PathValue("account_id") {
		writeErrors(w, http.StatusUnauthorized, apiErr(codeInvalidToken, msgInvalidToken))
		return
	}
	s.writeVerify(w, c)
}

// environmentResult is one entry of GET /zones/{id}/environments, with the
// fields cloudflare-go v7 requires.
type environmentResult struct {
	Name               string `json:"name"`
	Ref                string `json:"ref"`
	Expression         string `json:"expression"`
	LockedOnDeployment bool   `json:"locked_on_deployment"`
	Position           struct {
		Before string `json:"before,omitempty"`
		After  string `json:"after,omitempty"`
	} `json:"position"`
	Version int64 `json:"version"`
}

// handleEnvironments lists the zone's environments: {"environments": [...]},
// empty for a zone without any.
func (s *Server) handleEnvironments(w http.ResponseWriter, r *http.Request, c *caller) {
	z := s.zoneFor(w, r, c, "")
	if z == nil {
		return
	}
	out := make([]environmentResult, 0, len(z.Environments))
	for i, e := range z.Environments {
		er := environmentResult{Name: e.Name, Ref: e.Ref, Expression: "true", Version: 1}
		if i > 0 {
			er.Position.After = z.Environments[i-1].Ref
		}
		out = append(out, er)
	}
	writeOK(w, map[string]any{"environments": out})
}
