package sandbox

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestListenRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "10.0.0.1:0", "192.168.1.10:0", "[::]:0", "example.com:8787", "api.cloudflare.com:443"} {
		ln, err := Listen(addr)
		if err == nil {
			ln.Close()
			t.Errorf("Listen(%q) succeeded", addr)
			continue
		}
		if !errors.Is(err, ErrNotLoopback) || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("Listen(%q): %v", addr, err)
		}
	}
	if _, err := Listen("127.0.0.1"); err == nil || errors.Is(err, ErrNotLoopback) {
		t.Errorf("address without port: %v", err)
	}
}

func TestListenAcceptsLoopback(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:0", "localhost:0", "127.3.2.1:0", "[::1]:0"} {
		ln, err := Listen(addr)
		if err != nil {
			if addr == "[::1]:0" {
				t.Logf("no IPv6 loopback here: %v", err)
				continue
			}
			t.Errorf("Listen(%q): %v", addr, err)
			continue
		}
		ln.Close()
	}
}

func TestServeAnswersAndStopsWithContext(t *testing.T) {
	cfg := DefaultConfig()
	srv := New(cfg)
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := BaseURL(ln.Addr())
	if !strings.HasPrefix(base, "http://127.0.0.1:") || !strings.HasSuffix(base, "/client/v4") {
		t.Fatalf("BaseURL = %q", base)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, srv) }()

	req, _ := http.NewRequest(http.MethodGet, base+"/user/tokens/verify", nil)
	req.Header.Set("Authorization", "Bearer "+cfg.Tokens[0].Value)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("verify: %d", res.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not stop")
	}
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Error("server still answering after shutdown")
	}
}

func TestListenAndServeRefusesBeforeServing(t *testing.T) {
	err := ListenAndServe(context.Background(), "0.0.0.0:8787", New(DefaultConfig()))
	if !errors.Is(err, ErrNotLoopback) {
		t.Fatalf("got %v", err)
	}
}
