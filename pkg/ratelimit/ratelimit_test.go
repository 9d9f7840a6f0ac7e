package ratelimit

import (
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                              0,
		"3":                             3 * time.Second,
		" 1.5 ":                         1500 * time.Millisecond,
		"0":                             0,
		"-5":                            0,
		"NaN":                           0,
		"-Inf":                          0,
		"soon":                          0,
		"Inf":                           Forever,
		"+Inf":                          Forever,
		"1e300":                         Forever,
		"1e999":                         Forever,
		"9223372037":                    Forever, // just past MaxInt64 nanoseconds
		"3600":                          time.Hour,
		"Mon, 23 Nov 2026 00:00:10 GMT": 10 * time.Second,
		"Sun, 22 Nov 2026 23:59:00 GMT": 0, // in the past
	} {
		if got := RetryAfter(v, now); got != want {
			t.Errorf("RetryAfter(%q) = %v, want %v", v, got, want)
		}
	}
}
