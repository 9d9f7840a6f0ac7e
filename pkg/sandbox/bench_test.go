package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/cfcache/cfcache/pkg/limits"
)

// BenchmarkPurge100k pushes 100,000 URLs in 1,000 requests of 100 through
// the handler, the shape of the project's purge benchmark, with the server's
// buckets large enough never to refuse.
func BenchmarkPurge100k(b *testing.B) {
	bodies := make([][]byte, 1000)
	for i := range bodies {
		batch := make([]string, 100)
		for j := range batch {
			batch[j] = "https://example.com/assets/" + strconv.Itoa(i) + "/file-" + strconv.Itoa(j) + ".css"
		}
		bodies[i], _ = json.Marshal(map[string]any{"files": batch})
	}
	for b.Loop() {
		cfg := testConfig(newClock())
		cfg.Limits = limits.Default()
		l := cfg.Limits[limits.Free]
		l.URLPurgeBurst, l.APIRequestsPerWindow = 1_000_000, 1_000_000
		cfg.Limits[limits.Free] = l
		srv := New(cfg)
		for _, body := range bodies {
			req := httptest.NewRequest(http.MethodPost, BasePath+"/zones/"+DefaultZoneID+"/purge_cache", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+testToken)
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, req)
			if w.Code != 200 {
				b.Fatalf("status %d: %s", w.Code, w.Body)
			}
		}
	}
}
