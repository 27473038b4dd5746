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
			"   orosync sandbox --addr 127.0.0.1:8080\n\n" +
			"It can also misbehave on purpose, to try how a run rides through faults; the startup banner\n" +
			"lists every fault that is on:\n\n" +
			"   --token-ttl 2s     tokens expire after 2s (Oro's default is 1h); an expired token gets\n" +
			"                      401 with an empty body, as from Oro\n" +
			"   --latency 20ms     every request is answered 20ms late\n" +
			"   --down 20s         every request, the token endpoint included, is answered 503 with an\n" +
			"                      HTML page for the first 20s, as a proxy does while Oro is down\n" +
			"   --chaos SPEC       random faults in a reproducible storm; SPEC is comma-separated key=value:\n" +
			"                        5xx=F          fraction answered 502/503/504 with a proxy's HTML page\n" +
			"                        429=F          fraction answered 429 with a rate limiter's HTML page\n" +
			"                        drop-before=F  fraction whose connection is closed, nothing processed\n" +
			"                        drop-after=F   fraction processed, then the connection closed unanswered\n" +
			"                        retry-after=D  Retry-After of the 429s (e.g. 2s; default none)\n" +
			"                        token=true     also hit the token endpoint (default: API requests only)\n" +
			"                        seed=N         the random seed (default 0)\n" +
			"                      fractions are between 0 and 1 and add up to at most 1, e.g.\n\n" +
			"   orosync sandbox --chaos 5xx=0.1,429=0.05,drop-before=0.02,drop-after=0.02,seed=1",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "addr", Value: "127.0.0.1:8080", Usage: "address to listen on"},
			&ucli.StringFlag{Name: "client-id", Value: sandbox.DefaultClientID, Usage: "client id the token endpoint accepts"},
			&ucli.StringFlag{Name: "client-secret", Value: sandbox.DefaultClientSecret, Usage: "client secret the token endpoint accepts"},
			&ucli.DurationFlag{Name: "token-ttl", Value: sandbox.DefaultTokenTTL, Usage: "lifetime of issued tokens, at least 1s"},
			&ucli.DurationFlag{Name: "latency", Usage: "delay added to every request, e.g. 20ms"},
			&ucli.DurationFlag{Name: "down", Usage: "answer 503 to every request for this long after start, e.g. 20s"},
			&ucli.StringFlag{Name: "chaos", Usage: "random faults, e.g. 5xx=0.1,429=0.05,drop-before=0.02,drop-after=0.02,seed=1"},
		},
		Action: func(c *ucli.Context) error {
			opts, err := sandboxOptions(c)
			if err != nil {
				return err
			}
			sb := sandbox.New(opts)
			if d := c.Duration("down"); d > 0 {
				sb.Down(d)
			}
			ln, err := net.Listen("tcp", c.String("addr"))
			if err != nil {
				return fatalError(fmt.Errorf("sandbox: %w", err))
			}
			base := "http://" + ln.Addr().String()
			fmt.Fprintln(s.err, sb.Banner())
			fmt.Fprintf(s.err, "\nlistening on %s; point orosync at it with:\n\n", base)
			fmt.Fprintf(s.err, "  export ORO_API_URL=%s%s\n  export ORO_CLIENT_ID=%s\n  export ORO_CLIENT_SECRET=<the sandbox secret, %q unless --client-secret was given>\n\nstop with Ctrl-C\n",
				base, sandbox.DefaultAPIPrefix, c.String("client-id"), sandbox.DefaultClientSecret)
			return serveUntilDone(c.Context, ln, sb.Handler(), sb.ClearFaults)
		},
	}
}

// sandboxOptions reads and checks the stand-in's flags; a bad value is a
// usage error.
func sandboxOptions(c *ucli.Context) (sandbox.Options, error) {
	opts := sandbox.Options{ClientID: c.String("client-id"), ClientSecret: c.String("client-secret"),
		TokenTTL: c.Duration("token-ttl"), Latency: c.Duration("latency")}
	switch {
	case opts.TokenTTL < time.Second:
		return opts, usageError("--token-ttl %v: want at least 1s (Oro counts token lifetimes in seconds)", opts.TokenTTL)
	case opts.Latency < 0:
		return opts, usageError("--latency %v: want 0 or more", opts.Latency)
	case c.Duration("down") < 0:
		return opts, usageError("--down %v: want 0 or more", c.Duration("down"))
	}
	chaos, err := sandbox.ParseChaos(c.String("chaos"))
	if err != nil {
		return opts, usageError("--%v (see orosync sandbox --help)", err) // "--chaos ...": ParseChaos errors start with "chaos"
	}
	opts.Chaos = chaos
	return opts, nil
}

// serveUntilDone serves h on ln until ctx is cancelled; release runs before
// the shutdown, to let go of requests the stand-in holds on purpose.
func serveUntilDone(ctx context.Context, ln net.Listener, h http.Handler, release func()) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fatalError(fmt.Errorf("sandbox: %w", err))
	case <-ctx.Done():
		release()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fatalError(fmt.Errorf("sandbox: shut down: %w", err))
		}
		return nil
	}
}
