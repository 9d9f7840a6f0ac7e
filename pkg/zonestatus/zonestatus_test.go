package zonestatus

import (
	"slices"
	"testing"
)

func TestRank(t *testing.T) {
	for _, c := range []struct {
		status string
		want   int
	}{{"", 0}, {"active", 0}, {"Active", 0}, {"pending", 1}, {"initializing", 1}, {"moved", 2}, {"deactivated", 2}} {
		if got := Rank(c.status); got != c.want {
			t.Errorf("Rank(%q) = %d, want %d", c.status, got, c.want)
		}
	}
}

func TestBest(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want []int
	}{
		{nil, nil},
		{[]string{"pending"}, []int{0}},
		{[]string{"pending", "active"}, []int{1}},
		{[]string{"active", "pending"}, []int{0}},
		{[]string{"moved", "pending", "initializing"}, []int{1, 2}},
		{[]string{"active", "pending", "active"}, []int{0, 2}},
	} {
		if got := Best(c.in); !slices.Equal(got, c.want) {
			t.Errorf("Best(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}
