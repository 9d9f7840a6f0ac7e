package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// ErrNotLoopback is returned for an address outside 127.0.0.0/8, ::1 and
// localhost: the sandbox accepts any request carrying a known token and must
// never be reachable from another machine.
var ErrNotLoopback = errors.New("only loopback addresses (127.0.0.0/8, ::1, localhost) are allowed")

// Listen opens a TCP listener on a loopback address such as 127.0.0.1:8787
// or 127.0.0.1:0 (any free port; read it back with ln.Addr()).
func Listen(addr string) (net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("sandbox: address %q: %w", addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		// Resolving "localhost" could yield a non-loopback address on a
		// misconfigured machine; bind the loopback address itself.
		host = "127.0.0.1"
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("sandbox: refusing to listen on %q: %w", addr, ErrNotLoopback)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
		_ = ln.Close()
		return nil, fmt.Errorf("sandbox: refusing to listen on %q: %w", ln.Addr(), ErrNotLoopback)
	}
	return ln, nil
}

// Serve answers API requests on ln until ctx is done, then shuts down,
// giving requests in flight a few seconds to finish. It returns nil after a
// shutdown caused by ctx.
func Serve(ctx context.Context, ln net.Listener, s *Server) error {
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// ListenAndServe is Listen followed by Serve.
func ListenAndServe(ctx context.Context, addr string, s *Server) error {
	ln, err := Listen(addr)
	if err != nil {
		return err
	}
	return Serve(ctx, ln, s)
}

// BaseURL is the API base URL for a listener's address, e.g.
// http://127.0.0.1:8787/client/v4, as CLOUDFLARE_BASE_URL expects it.
func BaseURL(addr net.Addr) string {
	return "http://" + addr.String() + BasePath
}
