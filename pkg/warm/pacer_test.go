package warm

import (
	"testing"
	"time"
)

func TestPacerSpacesSlots(t *testing.T) {
	p := newPacer(50) // 20 ms apart
	t0 := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	// Eight workers asking at once get evenly spaced slots, not a burst.
	for i := 0; i < 8; i++ {
		if got, want := p.reserve(t0), t0.Add(time.Duration(i)*20*time.Millisecond); !got.Equal(want) {
			t.Fatalf("slot %d: %v, want %v", i, got.Sub(t0), want.Sub(t0))
		}
	}
	// After an idle second, the next request starts at once and the one
	// after it an interval later: idling saves up no burst.
	later := t0.Add(time.Second)
	if got := p.reserve(later); !got.Equal(later) {
		t.Fatalf("after idling: %v", got.Sub(later))
	}
	if got := p.reserve(later); !got.Equal(later.Add(20 * time.Millisecond)) {
		t.Fatalf("second after idling: %v", got.Sub(later))
	}
}
