package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/orosync/orosync/resources"
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
			"   orosync sandbox --chaos 5xx=0.1,429=0.05,drop-before=0.02,drop-after=0.02,seed=1\n\n" +
			"The Batch API (PATCH on a collection whose resource enables update_list) answers 202 and an\n" +
			"operation to poll at asyncoperations/<id>, or with X-Mode: sync one answer for the whole batch.\n" +
			"Its settings default to Oro's; the startup banner shows them:\n\n" +
			"   --oro-version 6.0.3              behave as this Oro release (before 6.0.4 X-Mode is ignored and\n" +
			"                                    every batch answers 202); default: the latest\n" +
			"   --batch-chunk-size 100           primary records per chunk of an asynchronous operation\n" +
			"   --batch-sync-limit 100           most primary records of a synchronous batch\n" +
			"   --batch-sync-included-limit 50   most included records of a synchronous batch\n" +
			"   --batch-sync-wait 25s            how long a synchronous batch waits before it answers 202\n" +
			"   --batch-async-delay 2s           operations stay \"new\" this long (a busy message queue);\n" +
			"                                    \"never\": the consumers are down, nothing starts\n" +
			"   --batch-chunk-delay 500ms        every chunk takes this long (slow consumers)\n" +
			"   --batch-deny create,view         take the CREATE and/or VIEW permission on asynchronous\n" +
			"                                    operations: batches get 403 (and polls, without view)\n\n" +
			"   orosync sandbox --batch-async-delay never --batch-sync-wait 5s",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "addr", Value: "127.0.0.1:8080", Usage: "address to listen on"},
			&ucli.StringFlag{Name: "client-id", Value: sandbox.DefaultClientID, Usage: "client id the token endpoint accepts"},
			&ucli.StringFlag{Name: "client-secret", Value: sandbox.DefaultClientSecret, Usage: "client secret the token endpoint accepts"},
			&ucli.DurationFlag{Name: "token-ttl", Value: sandbox.DefaultTokenTTL, Usage: "lifetime of issued tokens, at least 1s"},
			&ucli.DurationFlag{Name: "latency", Usage: "delay added to every request, e.g. 20ms"},
			&ucli.DurationFlag{Name: "down", Usage: "answer 503 to every request for this long after start, e.g. 20s"},
			&ucli.StringFlag{Name: "chaos", Usage: "random faults, e.g. 5xx=0.1,429=0.05,drop-before=0.02,drop-after=0.02,seed=1"},
			&ucli.StringFlag{Name: "oro-version", Usage: "Oro release to behave as, e.g. 6.0.3 (default: the latest)"},
			&ucli.IntFlag{Name: "batch-chunk-size", Value: sandbox.DefaultBatchChunkSize, Usage: "primary records per chunk of an asynchronous batch"},
			&ucli.IntFlag{Name: "batch-sync-limit", Value: sandbox.DefaultSyncBatchLimit, Usage: "most primary records of a synchronous batch"},
			&ucli.IntFlag{Name: "batch-sync-included-limit", Value: sandbox.DefaultSyncBatchIncludedLimit, Usage: "most included records of a synchronous batch"},
			&ucli.DurationFlag{Name: "batch-sync-wait", Value: sandbox.DefaultSyncWaitTimeout, Usage: "how long a synchronous batch waits before it answers 202"},
			&ucli.StringFlag{Name: "batch-async-delay", Value: "0s", Usage: `how long operations stay "new", e.g. 2s, or "never" (consumers down)`},
			&ucli.DurationFlag{Name: "batch-chunk-delay", Usage: "time every batch chunk takes, e.g. 500ms"},
			&ucli.StringFlag{Name: "batch-deny", Usage: "permissions on asynchronous operations to take: create, view or create,view"},
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
	if v := c.String("oro-version"); v != "" {
		if opts.OroVersion, err = resources.ParseVersion(v); err != nil {
			return opts, usageError("--oro-version: %v", err)
		}
	}
	opts.Batch, err = batchOptions(c)
	return opts, err
}

// batchOptions reads and checks the Batch API flags; a bad value is a
// usage error.
func batchOptions(c *ucli.Context) (sandbox.BatchOptions, error) {
	b := sandbox.BatchOptions{ChunkSize: c.Int("batch-chunk-size"), SyncLimit: c.Int("batch-sync-limit"),
		SyncIncludedLimit: c.Int("batch-sync-included-limit"), SyncWaitTimeout: c.Duration("batch-sync-wait"),
		ChunkDelay: c.Duration("batch-chunk-delay")}
	for _, f := range []struct {
		name string
		n    int
	}{{"batch-chunk-size", b.ChunkSize}, {"batch-sync-limit", b.SyncLimit}, {"batch-sync-included-limit", b.SyncIncludedLimit}} {
		if f.n < 1 {
			return b, usageError("--%s %d: want at least 1", f.name, f.n)
		}
	}
	switch {
	case b.SyncWaitTimeout <= 0:
		return b, usageError("--batch-sync-wait %v: want more than 0", b.SyncWaitTimeout)
	case b.ChunkDelay < 0:
		return b, usageError("--batch-chunk-delay %v: want 0 or more", b.ChunkDelay)
	}
	if delay := c.String("batch-async-delay"); delay == "never" {
		b.ConsumersDown = true
	} else if d, err := time.ParseDuration(delay); err != nil || d < 0 {
		return b, usageError(`--batch-async-delay %q: want a duration of 0 or more, such as 2s, or "never"`, delay)
	} else {
		b.StartDelay = d
	}
	if deny := c.String("batch-deny"); deny != "" {
		for p := range strings.SplitSeq(deny, ",") {
			switch strings.TrimSpace(p) {
			case "create":
				b.DenyCreate = true
			case "view":
				b.DenyView = true
			default:
				return b, usageError("--batch-deny %q: want create, view or create,view", deny)
			}
		}
	}
	return b, nil
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
