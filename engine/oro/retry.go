package oro

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/orosync/orosync/engine/httpkit"
)

const (
	// serverErrorAttempts caps the attempts of a GET or HEAD answered 500
	// (or another 5xx that is not 502, 503 or 504): Oro's application error
	// may be a passing deadlock, or the same failure every time.
	serverErrorAttempts = 3
	// coldAttempts caps the attempts of a request whose connection cannot
	// be opened while neither the API nor the token endpoint has ever
	// answered: a wrong ORO_API_URL or ORO_TOKEN_URL is then more likely
	// than a restarting Oro, and is reported within about a second and a
	// half instead of after the whole budget.
	coldAttempts = 3
)

// verdict is what to do about a failed attempt.
type verdict struct {
	retry  bool
	reason RetryReason
	// transient: running out of budget on this fault stops the run.
	transient bool
	// limit caps the attempts below the policy's MaxAttempts (0: no cap).
	limit int
}

// verdict decides whether a failed attempt of method is sent again: res is
// its answer, or err says why there was none.
func (c *Client) verdict(method string, res *Response, err error) verdict {
	if err != nil {
		var ne *NetError
		if !errors.As(err, &ne) || errors.Is(ne.Err, context.Canceled) || !httpkit.Transient(ne.Err) {
			return verdict{} // canceled, a certificate, an unknown host, a malformed answer
		}
		if !ne.Sent { // nothing left: safe for every method
			v := verdict{retry: true, reason: RetryNetwork, transient: true}
			if !c.answered.Load() {
				v.limit = coldAttempts
			}
			return v
		}
		return verdict{retry: httpkit.Idempotent(method), reason: RetryNetwork, transient: true}
	}
	switch {
	case httpkit.Throttled(res.Status): // refused before processing
		return verdict{retry: true, reason: RetryThrottled, transient: true}
	case httpkit.Unavailable(res.Status): // a POST may have been processed
		return verdict{retry: httpkit.Idempotent(method), reason: RetryServer, transient: true}
	case httpkit.ServerError(res.Status): // a write answered 500 is the record's error
		return verdict{retry: httpkit.Safe(method), reason: RetryServer, limit: serverErrorAttempts}
	}
	return verdict{}
}

// maxRefreshes bounds the new tokens one request may take for 401s.
const maxRefreshes = 3

// health is when Oro last gave a usable answer and when a request last
// met a transient fault, across all the client's requests (unix nanos).
type health struct {
	good, bad atomic.Int64
}

// outage returns how long Oro has given no usable answer while requests
// kept meeting transient faults, when that is longer than the retry
// budget: then every request gives up at once, so that a hung or dead Oro
// stops a run within one budget, not after one budget per request in
// line (each waits behind the others' timeouts).
func (c *Client) outage(now time.Time) (time.Duration, bool) {
	good, bad := c.health.good.Load(), c.health.bad.Load()
	if c.retry.MaxWait <= 0 || bad <= good || good == 0 {
		return 0, false
	}
	silent := now.Sub(time.Unix(0, good))
	return silent, silent > c.retry.MaxWait
}

// roundTrip runs the attempts of one call.
func (c *Client) roundTrip(ctx context.Context, cl call) (*Response, error) {
	r := c.NewRetrier() // the budget, paced and logged as the client's own retries
	b := r.b
	refreshes := 0
	c.health.good.CompareAndSwap(0, c.now().UnixNano())
	for {
		res, tok, waited, err := c.attempt(ctx, cl)
		b.Exclude(waited) // queueing and the token fetch (which has its own budget)
		if tok == nil {
			return nil, err // no token: an *AuthError, or ctx ended while queueing
		}
		switch {
		case err == nil && res.Status == http.StatusUnauthorized && (refreshes == 0 || refreshes < maxRefreshes && tok.Expired(c.now())):
			// Oro rejects a stale token before processing: the same attempt
			// again with a new one. A second 401 means Oro rejects fresh
			// tokens, unless that one too was at its end when the answer
			// came (it waited in a queue longer than it lived).
			refreshes++
			c.stats.retried(RetryUnauthorized, 0)
			c.logf(slog.LevelInfo, "%s %s → 401 Unauthorized: fetching a new token and repeating the request once", cl.method, c.shownURL(cl.url))
			c.tokens.Invalidate(tok)
			continue
		case err == nil && res.Status >= 200 && res.Status < 300 && !isHTML(res.Header.Get("Content-Type"), res.Body):
			c.health.good.Store(c.now().UnixNano())
			return res, nil
		}
		attempt := b.Attempts() + 1
		failure := c.failure(cl, res, err, attempt)
		v := c.verdict(cl.retryMethod(), res, err)
		now := c.now()
		if !v.transient {
			c.health.good.Store(now.UnixNano()) // Oro answered, if not as hoped
		} else {
			c.health.bad.Store(now.UnixNano())
			if silent, out := c.outage(now); out {
				c.stats.gaveUp()
				return nil, &ExhaustedError{Method: cl.method, URL: cl.url, Attempts: attempt, Spent: silent, Policy: c.retry, Err: failure}
			}
		}
		if !v.retry || ctx.Err() != nil || v.limit > 0 && attempt >= v.limit {
			return nil, failure
		}
		var h http.Header
		if res != nil {
			h = res.Header
		}
		if err := r.pause(ctx, now, h, cl.method, cl.url, v.reason, failure, v.transient, retryWords); err != nil {
			return nil, err
		}
	}
}

// attempt sends the call once within the concurrency limit and the rate
// limit, and reports how long it waited for them.
func (c *Client) attempt(ctx context.Context, cl call) (res *Response, tok *httpkit.Token, waited time.Duration, err error) {
	t0 := c.now()
	release, err := c.limiter.Acquire(ctx)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("%s %s: %w", cl.method, cl.url, err)
	}
	if _, err := c.pacer.Wait(ctx, c.now, c.sleep); err != nil {
		release(httpkit.Ignored)
		return nil, nil, 0, fmt.Errorf("%s %s: %w", cl.method, cl.url, err)
	}
	queued := c.now().Sub(t0)
	c.stats.queued(queued)
	// The token is taken once the request may go: one taken before
	// queueing could expire in the queue (a short token lifetime behind a
	// long queue), and its 401 would then look like a rejected fresh token.
	if tok, err = c.token(ctx); err != nil {
		release(httpkit.Ignored)
		return nil, nil, c.now().Sub(t0), err
	}
	waited = c.now().Sub(t0)
	res, err = c.send(ctx, cl, tok)
	status := 0
	if res != nil {
		status = res.Status
	}
	release(httpkit.OutcomeOf(status))
	c.stats.request(cl.method, status)
	return res, tok, waited, err
}

// failure is the error of a failed attempt: the *Error of an unusable
// answer, or err (a *NetError, or a local problem) with the attempt count.
func (c *Client) failure(cl call, res *Response, err error, attempt int) error {
	var ne *NetError
	if errors.As(err, &ne) {
		ne.Attempts = attempt
	}
	if err != nil {
		return err
	}
	e := c.newError(cl, res)
	e.Attempts = attempt
	return e
}

// token returns the access token to send, or an *AuthError.
func (c *Client) token(ctx context.Context) (*httpkit.Token, error) {
	tok, err := c.tokens.Token(ctx)
	var te *httpkit.TokenError
	if errors.As(err, &te) {
		return nil, c.authError(te)
	}
	return tok, err
}

// limitChanged logs and counts a change of the concurrency limit.
func (c *Client) limitChanged(from, to int, why httpkit.Outcome) {
	if to < from {
		c.stats.decreased()
		c.logf(slog.LevelWarn, "Oro asked to slow down (429 or 503): at most %d requests in flight now, down from %d", to, from)
		return
	}
	c.logf(slog.LevelInfo, "Oro answers cleanly again: at most %d requests in flight now, up from %d", to, from)
}

// logf sends one entry to Config.Logger, secrets removed.
func (c *Client) logf(level slog.Level, format string, args ...any) {
	if c.log != nil {
		c.log.Log(context.Background(), level, c.red.Redact(fmt.Sprintf(format, args...)), "component", "oro")
	}
}

// shownURL is a request URL as shown in logs: userinfo and secret-looking
// query values masked.
func (c *Client) shownURL(raw string) string { return c.red.RawURL(raw) }

// answerProbe records that the server answered at least once.
type answerProbe struct {
	base http.RoundTripper
	seen *atomic.Bool
}

// RoundTrip implements http.RoundTripper.
func (p *answerProbe) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := p.base.RoundTrip(req)
	if err == nil {
		p.seen.Store(true)
	}
	return res, err
}
