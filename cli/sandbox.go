package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/orosync/orosync/sandbox"
)

func (s *streams) sandboxCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "sandbox",
		Usage: "serve an in-memory Oro stand-in on localhost for trying mappings (not OroCommerce)",
		Description: "The stand-in imitates Oro's back-office JSON:API (OAuth2 token endpoint, JSON:API rules and\n" +
			"error documents) for the resources the examples use. Its data lives in memory and is lost at exit.\n\n" +
			"   orosync sandbox --addr 127.0.0.1:8080",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "addr", Value: "127.0.0.1:8080", Usage: "address to listen on"},
			&ucli.StringFlag{Name: "client-id", Value: sandbox.DefaultClientID, Usage: "client id the token endpoint accepts"},
			&ucli.StringFlag{Name: "client-secret", Value: sandbox.DefaultClientSecret, Usage: "client secret the token endpoint accepts"},
		},
		Action: func(c *ucli.Context) error {
			sb := sandbox.New(sandbox.Options{ClientID: c.String("client-id"), ClientSecret: c.String("client-secret")})
			ln, err := net.Listen("tcp", c.String("addr"))
			if err != nil {
				return fatalError(fmt.Errorf("sandbox: %w", err))
			}
			base := "http://" + ln.Addr().String()
			fmt.Fprintln(s.err, sb.Banner())
			fmt.Fprintf(s.err, "\nlistening on %s; point orosync at it with:\n\n", base)
			fmt.Fprintf(s.err, "  export ORO_API_URL=%s%s\n  export ORO_CLIENT_ID=%s\n  export ORO_CLIENT_SECRET=<the sandbox secret, %q unless --client-secret was given>\n\nstop with Ctrl-C\n",
				base, sandbox.DefaultAPIPrefix, c.String("client-id"), sandbox.DefaultClientSecret)
			return serveUntilDone(c.Context, ln, sb.Handler())
		},
	}
}

// serveUntilDone serves h on ln until ctx is cancelled.
func serveUntilDone(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fatalError(fmt.Errorf("sandbox: %w", err))
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fatalError(err)
		}
		return nil
	}
}
