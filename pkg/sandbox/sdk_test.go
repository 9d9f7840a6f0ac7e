package sandbox

import (
	"context"
	"testing"

	"github.com/cloudflare/cloudflare-go/v7"
	"github.com/cloudflare/cloudflare-go/v7/cache"
	"github.com/cloudflare/cloudflare-go/v7/option"
	"github.com/cloudflare/cloudflare-go/v7/rulesets"
	"github.com/cloudflare/cloudflare-go/v7/user"
	"github.com/cloudflare/cloudflare-go/v7/zones"
)

// The SDK the client is built on must read every answer the sandbox gives.
func TestCloudflareSDKCompatibility(t *testing.T) {
	e := newEnv(t, withEnvironments)
	ctx := context.Background()
	client := cloudflare.NewClient(option.WithBaseURL(e.http.URL+BasePath+"/"), option.WithAPIToken(testToken),
		option.WithHTTPClient(e.http.Client()), option.WithMaxRetries(0))

	tok, err := client.User.Tokens.Verify(ctx)
	if err != nil || tok.Status != user.TokenVerifyResponseStatusActive {
		t.Fatalf("verify: %+v %v", tok, err)
	}
	page, err := client.Zones.List(ctx, zones.ZoneListParams{Name: cloudflare.F("example.com")})
	if err != nil || len(page.Result) != 1 || page.Result[0].ID != DefaultZoneID {
		t.Fatalf("zones list: %+v %v", page, err)
	}
	z, err := client.Zones.Get(ctx, zones.ZoneGetParams{ZoneID: cloudflare.F(DefaultZoneID)})
	//lint:ignore SA1019 the plan is read, not changed (cfapi reads it the same way)
	if err != nil || z.Plan.LegacyID != "free" || z.Account.ID != DefaultAccountID {
		t.Fatalf("zone get: %+v %v", z, err)
	}
	res, err := client.Cache.Purge(ctx, cache.CachePurgeParams{
		ZoneID: cloudflare.F(DefaultZoneID),
		Body: cache.CachePurgeParamsBodyCachePurgeSingleFile{
			Files: cloudflare.F([]string{"https://example.com/a"}),
		},
	})
	if err != nil || !isHexID(res.ID) || e.srv.PurgeCount(DefaultZoneID, KindFiles, "https://example.com/a") != 1 {
		t.Fatalf("purge: %+v %v", res, err)
	}
	envs, err := client.Zones.Environments.List(ctx, zones.EnvironmentListParams{ZoneID: cloudflare.F(DefaultZoneID)})
	if err != nil || len(envs.Environments) != 2 || envs.Environments[0].Name != "production" || envs.Environments[0].Ref != "prod1" {
		t.Fatalf("environments: %+v %v", envs, err)
	}
	if _, err := client.Cache.PurgeEnvironment(ctx, "prod1", cache.CachePurgeEnvironmentParams{
		ZoneID: cloudflare.F(DefaultZoneID),
		Body:   cache.CachePurgeEnvironmentParamsBodyCachePurgeFlexPurgeByTags{Tags: cloudflare.F([]string{"t"})},
	}); err != nil || e.srv.Count(DefaultZoneID, Scope{Environment: "prod1"}, KindTags, "t") != 1 {
		t.Fatalf("purge environment: %v", err)
	}
	_, err = client.Rulesets.Phases.Get(ctx, rulesets.PhaseHTTPRequestCacheSettings, rulesets.PhaseGetParams{ZoneID: cloudflare.F(DefaultZoneID)})
	if err == nil {
		t.Fatal("get before put: no error")
	}
	put, err := client.Rulesets.Phases.Update(ctx, rulesets.PhaseHTTPRequestCacheSettings, rulesets.PhaseUpdateParams{
		ZoneID: cloudflare.F(DefaultZoneID),
		Rules: cloudflare.F([]rulesets.PhaseUpdateParamsRuleUnion{rulesets.SetCacheSettingsRuleParam{
			Action:     cloudflare.F(rulesets.SetCacheSettingsRuleActionSetCacheSettings),
			Expression: cloudflare.F("true"),
			Ref:        cloudflare.F("all"),
			ActionParameters: cloudflare.F(rulesets.SetCacheSettingsRuleActionParametersParam{
				Cache: cloudflare.F(true),
			}),
		}}),
	})
	if err != nil || put.Version != "1" || len(put.Rules) != 1 || put.Rules[0].Ref != "all" {
		t.Fatalf("put: %+v %v", put, err)
	}
}
