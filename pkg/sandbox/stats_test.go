package sandbox

import (
	"net/http"
	"testing"
)

// Stats.Total is what the hostile-input suite (e2e/hostile_test.go) reads to
// assert "nothing was sent": it must count every request the server handled,
// whatever its route, method, credentials or fate, not only the successful
// ones or the known endpoints.
func TestStatsTotalCountsEveryKindOfRequest(t *testing.T) {
	e := newEnv(t, nil)
	calls := []struct {
		method, path, token string
		status              int
	}{
		{http.MethodGet, "/zones", testToken, 200},
		{http.MethodGet, "/zones", "not-a-known-token", 403},
		{http.MethodGet, "/zones", "", 403},
		{http.MethodGet, "/nowhere", testToken, 404},
		{http.MethodDelete, "/zones/" + DefaultZoneID + "/purge_cache", testToken, 405},
		{http.MethodPost, "/zones/" + DefaultZoneID + "/purge_cache", testToken, 400}, // no body
		{http.MethodGet, "/user/tokens/verify", "not-a-known-token", 401},
	}
	for i, c := range calls {
		res := e.call(c.method, c.path, c.token, nil)
		if res.Status != c.status {
			t.Errorf("%s %s: status %d, want %d", c.method, c.path, res.Status, c.status)
		}
		if got := e.srv.Stats().Total; got != i+1 {
			t.Fatalf("after %d requests (last %s %s → %d) Stats().Total = %d", i+1, c.method, c.path, res.Status, got)
		}
	}
	// A path outside the API base is a request too.
	res, err := http.Get(e.http.URL + "/favicon.ico")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := e.srv.Stats().Total; got != len(calls)+1 {
		t.Errorf("a request outside %s was not counted: Total = %d", BasePath, got)
	}
}

// An injected connection reset never answers, yet it was a request.
func TestStatsTotalCountsResets(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.ResetRate = 1 })
	req, err := http.NewRequest(http.MethodGet, e.http.URL+BasePath+"/zones", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	if res, err := http.DefaultClient.Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("want a reset, got status %d", res.StatusCode)
	}
	if st := e.srv.Stats(); st.Total < 1 || st.Resets != st.Total {
		t.Errorf("stats after a reset: %+v", st)
	}
}
