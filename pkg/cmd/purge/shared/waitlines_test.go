package shared

import (
	"testing"
	"time"
)

// A log gets one line per distinct wait, across zones, at most one per
// 10 s (review of issue 10, #10). Each case replays what the review saw;
// the code before printed a line whenever a wait's resume time was later
// than the last one seen, i.e. every report below: 2, 5 and 3 lines.
// The clock is the test's: nothing depends on real time.
func TestWaitLinesThrottled(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	type report struct{ now, resume float64 }
	for _, tc := range []struct {
		name    string
		reports []report
		want    int
	}{
		// The 30k run: the same 260 s wait met by two batches, and
		// extended by a few ms.
		{"same wait twice", []report{{0, 260}, {0.2, 260.004}}, 1},
		// 5 short waits in 23 s: at most one line per 10 s.
		{"5 waits in 23 s", []report{{0, 1}, {5, 6}, {11, 12}, {17, 18}, {23, 24}}, 3},
		// Two zones (accounts side by side) with 1 s waits within 2 s.
		{"two zones, 1 s waits", []report{{0, 1}, {0.5, 1.5}, {1.5, 2.5}}, 1},
		// Distinct waits 10 s apart each get their line.
		{"spaced waits", []report{{0, 4}, {10, 14}, {20, 24}}, 3},
		// A wait already over says nothing.
		{"over", []report{{5, 4}}, 0},
	} {
		a := waitAnnouncer{every: 10 * time.Second}
		lines := 0
		for _, r := range tc.reports {
			if a.announce(at(r.now), at(r.resume)) {
				lines++
			}
		}
		if lines != tc.want {
			t.Errorf("%s: %d line(s), want %d", tc.name, lines, tc.want)
		}
	}
}
