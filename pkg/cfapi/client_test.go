package cfapi

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

func TestIsRetryable(t *testing.T) {
	cases := []struct {
		err  error
		want bool
	}{
		{&APIError{Status: 429}, true},
		{&APIError{Status: 502}, true},
		{&APIError{Status: 400}, false},
		{&APIError{Status: 403}, false},
		{&ZoneNotFoundError{Query: "x"}, false},
		{context.Canceled, false},
		{&net.OpError{Op: "dial", Err: errors.New("connection refused")}, true},
		{io.ErrUnexpectedEOF, true},
	}
	for _, c := range cases {
		if got := IsRetryable(c.err); got != c.want {
			t.Errorf("%v: %v, want %v", c.err, got, c.want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	if got := ParseRetryAfter("3", now); got != 3*time.Second {
		t.Errorf("seconds: %v", got)
	}
	if got := ParseRetryAfter("Mon, 23 Nov 2026 00:00:10 GMT", now); got != 10*time.Second {
		t.Errorf("date: %v", got)
	}
	if got := ParseRetryAfter("soon", now); got != 0 {
		t.Errorf("junk: %v", got)
	}
}

func TestIsZoneID(t *testing.T) {
	if !IsZoneID("023e105f4ecef8ad9ca31a8372d0c353") || IsZoneID("example.com") || IsZoneID("023E105F4ECEF8AD9CA31A8372D0C353") {
		t.Fatal("zone id detection wrong")
	}
}
