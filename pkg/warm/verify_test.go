package warm

import (
	"testing"
	"time"
)

func TestServedFromBefore(t *testing.T) {
	since := time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)
	at := since.Add(10 * time.Second)
	cases := []struct {
		status     string
		age        int
		hard, soft bool // flagged after a purge, after an invalidation
	}{
		{"HIT", 3600, true, true},
		{"HIT", 5, false, false}, // cached after the event
		{"STALE", 3600, true, false},
		{"UPDATING", 3600, true, false},
		{"REVALIDATED", 3600, false, false},
		{"EXPIRED", 3600, false, false},
		{"MISS", 0, false, false},
		{"DYNAMIC", 0, false, false},
		{"HIT", 11, false, false}, // one second of slack: Age is whole seconds
		{"HIT", 12, true, true},
	}
	for _, c := range cases {
		r := Result{CacheStatus: c.status, Age: c.age, At: at}
		if got := ServedFromBefore(r, since, false); got != c.hard {
			t.Errorf("purge, %s Age %d: %v", c.status, c.age, got)
		}
		if got := ServedFromBefore(r, since, true); got != c.soft {
			t.Errorf("invalidate, %s Age %d: %v", c.status, c.age, got)
		}
	}
}
