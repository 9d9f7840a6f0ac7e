package cfapi

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cloudflare/cloudflare-go/v7/accounts"
	"github.com/cloudflare/cloudflare-go/v7/zones"

	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/zonestatus"
)

// Zone is what cfcache needs to know of a zone.
type Zone struct {
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	Status      string      `json:"status"`
	Plan        limits.Plan `json:"plan"`
	PlanName    string      `json:"plan_name"`
	AccountID   string      `json:"account_id"`
	AccountName string      `json:"account_name"`
}

// IsZoneID reports whether s is a 32-hex zone id (lowercase, as the API
// writes them) rather than a name.
func IsZoneID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// IsAccountID reports whether s has the form of an account id: 32 hex
// digits (Cloudflare dashboard › Account home › Account ID), either case.
// A loop, not a regular expression compiled when every process starts.
func IsAccountID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

// ZoneNotFoundError means no zone by that name is visible to the credentials.
type ZoneNotFoundError struct{ Query string }

func (e *ZoneNotFoundError) Error() string {
	return fmt.Sprintf("zone %q not found for these credentials: check the name, or run `cfcache zones list`", e.Query)
}

// ZoneAmbiguousError means a zone name is listed more than once (the same
// domain in several accounts) and no single zone is preferred: two or more
// have equally preferred statuses (zonestatus.Rank: active; else pending
// or initializing; else any other).
type ZoneAmbiguousError struct {
	Query string
	Zones []Zone
}

func (e *ZoneAmbiguousError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "zone %q is listed in %d accounts with equally preferred statuses: ", e.Query, len(e.Zones))
	for i, z := range e.Zones {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s (%s, account %s", z.ID, orActive(z.Status), z.AccountID)
		if z.AccountName != "" {
			fmt.Fprintf(&b, " %s", z.AccountName)
		}
		b.WriteString(")")
	}
	b.WriteString(": give the zone's id with --zone, or --account-id to choose one")
	return b.String()
}

func orActive(status string) string {
	if status == "" {
		return "active"
	}
	return status
}

// ResolveZone finds a zone by name (GET /zones?name=) or 32-hex id
// (GET /zones/{id}); the answer is cached for the run. A name listed in
// several accounts (the same domain added to more than one) resolves to
// the zone in accountID when there is one, else to its active zone, as
// purge routing does (zonestatus.Rank); two of the same status are refused
// with ZoneAmbiguousError rather than guessed. accountID ("" for none)
// only chooses among zones of the name: a zone found only in another
// account is still the zone, so an unrelated CLOUDFLARE_ACCOUNT_ID in the
// environment does not make a named zone unknown.
func (c *Client) ResolveZone(ctx context.Context, nameOrID, accountID string) (Zone, error) {
	q := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(nameOrID), "."))
	if q == "" {
		return Zone{}, fmt.Errorf("no zone given: use --zone NAME|ID, CFCACHE_ZONE or `zone:` in the config file")
	}
	key := q
	if !IsZoneID(q) && accountID != "" {
		key = q + "@" + accountID
	}
	c.mu.Lock()
	z, ok := c.zoneByQuery[key]
	c.mu.Unlock()
	if ok {
		return z, nil
	}
	var err error
	if IsZoneID(q) {
		var p zones.ZoneGetParams
		p.ZoneID.Value, p.ZoneID.Present = q, true
		err = c.retryRead(ctx, func() error {
			res, e := c.zones.Get(ctx, p)
			if e == nil {
				z = fromSDK(*res)
			}
			return e
		})
		if apiErr := (*APIError)(nil); asAPIError(err, &apiErr) && (apiErr.Status == 404 || apiErr.HasCode(7003) || apiErr.HasCode(1001)) {
			return Zone{}, &ZoneNotFoundError{Query: nameOrID}
		}
	} else {
		var found []Zone
		err = c.retryRead(ctx, func() error {
			var e error
			found, e = c.zonesByName(ctx, q)
			return e
		})
		if err == nil {
			var passedOver []Zone
			z, passedOver, err = pickByName(found, q, nameOrID, accountID)
			if err == nil && len(passedOver) > 0 && c.opts.OnNotice != nil {
				// The account id chose a zone less served than another of
				// its name (a pending copy over the active zone): said, as
				// an account id left in the environment can choose it.
				others := make([]string, len(passedOver))
				for i, o := range passedOver {
					others[i] = fmt.Sprintf("%s (%s, account %s)", o.ID, orActive(o.Status), o.AccountID)
				}
				c.opts.OnNotice(fmt.Sprintf("zone %s is %s in account %s, the account id given; %s of that name is also listed: %s",
					z.Name, orActive(z.Status), z.AccountID, pluralZones(len(others)), strings.Join(others, ", ")))
			}
		}
	}
	if err != nil {
		return Zone{}, err
	}
	c.mu.Lock()
	c.zoneByQuery[key] = z
	c.zoneByQuery[z.ID] = z
	c.mu.Unlock()
	return z, nil
}

func pluralZones(n int) string {
	if n == 1 {
		return "a better-served zone"
	}
	return "better-served zones"
}

// pickByName chooses among the zones a lookup by name q listed: those of
// exactly that name, in accountID if any are, the best status first.
// passedOver lists the zones of the name outside accountID whose status
// is preferred to the chosen one's.
func pickByName(found []Zone, q, query, accountID string) (z Zone, passedOver []Zone, err error) {
	var named, inAccount []Zone
	for _, r := range found {
		if strings.EqualFold(r.Name, q) {
			named = append(named, r)
			if accountID != "" && strings.EqualFold(r.AccountID, accountID) {
				inAccount = append(inAccount, r)
			}
		}
	}
	if len(named) == 0 {
		return Zone{}, nil, &ZoneNotFoundError{Query: query}
	}
	all := named
	if len(inAccount) > 0 {
		named = inAccount
	}
	statuses := make([]string, len(named))
	for i, r := range named {
		statuses[i] = r.Status
	}
	best := zonestatus.Best(statuses)
	if len(best) > 1 {
		amb := &ZoneAmbiguousError{Query: query}
		for _, i := range best {
			amb.Zones = append(amb.Zones, named[i])
		}
		return Zone{}, nil, amb
	}
	z = named[best[0]]
	for _, o := range all {
		if zonestatus.Rank(o.Status) < zonestatus.Rank(z.Status) {
			passedOver = append(passedOver, o)
		}
	}
	return z, passedOver, nil
}

// ListZones returns every zone the credentials can see.
func (c *Client) ListZones(ctx context.Context) ([]Zone, error) {
	return c.ListAccountZones(ctx, "")
}

// ListAccountZones returns every zone the credentials can see in one
// account (GET /zones?account.id=, every page); "" means every account.
// Purge routing reads it, narrowed by --account-id (interface.md, purge:
// "Zones").
func (c *Client) ListAccountZones(ctx context.Context, accountID string) ([]Zone, error) {
	var out []Zone
	var p zones.ZoneListParams
	if accountID != "" {
		var a zones.ZoneListParamsAccount
		a.ID.Value, a.ID.Present = accountID, true
		p.Account.Value, p.Account.Present = a, true
	}
	p.PerPage.Value, p.PerPage.Present = 50, true
	for page := 1; ; page++ {
		p.Page.Value, p.Page.Present = float64(page), true
		var n int
		err := c.retryRead(ctx, func() error {
			found, e := c.listZones(ctx, p)
			if e != nil {
				return e
			}
			n = len(found)
			out = append(out, found...)
			return nil
		})
		if err != nil {
			return nil, err
		}
		if n < 50 {
			return out, nil
		}
	}
}

// fromSDK reads the plan from plan.legacy_id, as cloudflare.md prescribes.
// The SDK marks Zone.Plan deprecated for changing a plan (use the
// subscription API); reading it is still how the plan is reported.
func fromSDK(z zones.Zone) Zone {
	//lint:ignore SA1019 reading the plan is still done here; the deprecation is about changing it
	zonePlan := z.Plan
	return Zone{ID: z.ID, Name: z.Name, Status: string(z.Status), Plan: planOf(zonePlan.LegacyID), PlanName: zonePlan.Name,
		AccountID: z.Account.ID, AccountName: z.Account.Name}
}

// planOf is the plan of a plan.legacy_id, "" when it names none cfcache
// knows.
func planOf(legacyID string) limits.Plan {
	plan, err := limits.ParsePlan(legacyID)
	if err != nil {
		return ""
	}
	return plan
}

// TokenStatus is the answer of a token verification.
type TokenStatus struct {
	ID        string     `json:"id"`
	Status    string     `json:"status"`
	ExpiresOn *time.Time `json:"expires_on"`
	NotBefore *time.Time `json:"not_before"`
	Kind      string     `json:"kind"` // user or account
	AccountID string     `json:"account_id,omitempty"`
}

// AccountTokenPrefix marks account-owned API tokens, which verify at the account endpoint.
const AccountTokenPrefix = "cfat_"

// VerifyToken checks the token: user tokens at /user/tokens/verify,
// account-owned tokens (cfat_) at /accounts/{id}/tokens/verify.
func (c *Client) VerifyToken(ctx context.Context, accountID string) (TokenStatus, error) {
	if c.opts.Credentials.Token.IsZero() {
		return TokenStatus{}, fmt.Errorf("auth verify checks API tokens; these credentials are a legacy API key (%s)", c.opts.Credentials.Source)
	}
	var ts TokenStatus
	if c.IsAccountToken() {
		if accountID == "" {
			return TokenStatus{}, fmt.Errorf("account-owned tokens (cfat_…) verify against their account: give --account-id, CLOUDFLARE_ACCOUNT_ID or --zone")
		}
		var p accounts.TokenVerifyParams
		p.AccountID.Value, p.AccountID.Present = accountID, true
		err := c.retryRead(ctx, func() error {
			res, e := c.acctTokens.Verify(ctx, p)
			if e == nil {
				ts = TokenStatus{ID: res.ID, Status: string(res.Status), ExpiresOn: timePtr(res.ExpiresOn), NotBefore: timePtr(res.NotBefore), Kind: "account", AccountID: accountID}
			}
			return e
		})
		return ts, err
	}
	err := c.retryRead(ctx, func() error {
		res, e := c.userTokens.Verify(ctx)
		if e == nil {
			ts = TokenStatus{ID: res.ID, Status: string(res.Status), ExpiresOn: timePtr(res.ExpiresOn), NotBefore: timePtr(res.NotBefore), Kind: "user"}
		}
		return e
	})
	return ts, err
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// IsAccountToken reports whether the credentials are an account-owned token.
func (c *Client) IsAccountToken() bool {
	return strings.HasPrefix(c.opts.Credentials.Token.Reveal(), AccountTokenPrefix)
}
