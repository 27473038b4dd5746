package httpkit

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/sync/singleflight"
)

// maxExpiryMargin caps how long before its expiry a token is replaced.
const maxExpiryMargin = time.Minute

// TokenConfig configures a [TokenSource].
type TokenConfig struct {
	// Credentials are the client credentials grant settings: client id and
	// secret, token URL, scopes, extra parameters and auth style.
	Credentials clientcredentials.Config
	// Client sends the token requests; nil means a client with
	// http.DefaultTransport. Its transport, redirect policy and timeout are
	// used.
	Client *http.Client
	// Timeout bounds one token request; 0 means only the Client's own
	// timeout applies.
	Timeout time.Duration
	// Redactor, when set, is given the client secret and every token
	// fetched, so that the caller's messages hide them too. Errors of the
	// TokenSource hide them either way.
	Redactor *Redactor
	// Now returns the current time, for expiry and the retry budget; nil
	// means time.Now.
	Now func() time.Time
	// Retry is the policy for failed token requests that may succeed on
	// another attempt ([TokenError.Retryable]): the attempts and the time
	// one fetch may take. The zero value means a single attempt.
	Retry Policy
	// RetryIf, when set, decides instead of [TokenError.Retryable] whether
	// the failed attempt number attempt (from 1) is tried again. It is
	// asked only while the budget allows another attempt.
	RetryIf func(attempt int, err *TokenError) bool
	// Sleep waits between attempts, or fails when ctx ends; nil means a
	// timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// OnRetry, when set, is called before each wait with the number of the
	// failed attempt, its error and the wait, e.g. to log it.
	OnRetry func(attempt int, err *TokenError, wait time.Duration)
}

// tokenKey is the singleflight key of the shared fetch.
const tokenKey = "token"

// Token is an access token handed out by a [TokenSource].
type Token struct {
	access  string
	gen     uint64    // increases with every fetched token
	expires time.Time // zero: unknown, used until invalidated
}

// SetAuthHeader sets "Authorization: Bearer <token>" on r.
func (t *Token) SetAuthHeader(r *http.Request) {
	r.Header.Set("Authorization", "Bearer "+t.access)
}

// String hides the token.
func (t *Token) String() string { return "httpkit.Token{" + Mask + "}" }

// GoString is String, so that %#v hides the token too.
func (t *Token) GoString() string { return t.String() }

// Expired reports whether now is past the time the token is replaced (its
// lifetime less a margin): a 401 for it may only mean that it expired on
// the way, for instance while the request waited in a busy server's queue.
func (t *Token) Expired(now time.Time) bool { return !t.expires.IsZero() && !now.Before(t.expires) }

// TokenSource holds one OAuth2 client-credentials access token shared by all
// goroutines. Concurrent fetches are collapsed into one, the token is
// replaced shortly before it expires (expires_in), and [TokenSource.Invalidate]
// drops only the token a 401 was answered to, so that concurrent 401s cause
// a single refresh. A fetch that fails for a reason that may go away is
// tried again under [TokenConfig].Retry; it stops waiting for the next
// attempt once no caller waits for it any more. Errors are *TokenError and
// never contain the client secret or a token. It is safe for concurrent use.
type TokenSource struct {
	conf    clientcredentials.Config
	client  http.Client
	timeout time.Duration
	red     *Redactor
	now     func() time.Time
	retry   Policy
	retryIf func(int, *TokenError) bool
	sleep   func(context.Context, time.Duration) error
	onRetry func(int, *TokenError, time.Duration)

	group    singleflight.Group
	requests atomic.Int64

	mu      sync.Mutex
	cur     *Token
	gen     uint64
	waiting int    // callers waiting for the shared fetch
	pausing *pause // the shared fetch's wait between attempts, if it waits
}

// pause is a wait between two attempts of the shared fetch.
type pause struct{ end context.CancelFunc }

// NewTokenSource returns a TokenSource for cfg. It sends nothing: the first
// token is fetched by the first call to Token.
func NewTokenSource(cfg TokenConfig) *TokenSource {
	ts := &TokenSource{conf: cfg.Credentials, timeout: cfg.Timeout, red: cfg.Redactor, now: cfg.Now,
		retry: cfg.Retry, retryIf: cfg.RetryIf, sleep: cfg.Sleep, onRetry: cfg.OnRetry}
	if cfg.Client != nil {
		ts.client = *cfg.Client
	}
	if ts.client.Transport == nil {
		ts.client.Transport = http.DefaultTransport
	}
	if ts.red == nil {
		ts.red = &Redactor{}
	}
	ts.red.Add(ts.conf.ClientSecret)
	if ts.now == nil {
		ts.now = time.Now
	}
	if ts.retryIf == nil {
		ts.retryIf = func(_ int, te *TokenError) bool { return te.Retryable() }
	}
	if ts.sleep == nil {
		ts.sleep = Sleep
	}
	return ts
}

// Requests reports how many token requests have been sent.
func (ts *TokenSource) Requests() int { return int(ts.requests.Load()) }

// Token returns a valid token, fetching one if there is none. Waiting ends
// when ctx ends; an attempt of the shared fetch is bounded by the timeout
// only, so that one caller giving up does not fail the others.
func (ts *TokenSource) Token(ctx context.Context) (*Token, error) {
	if t := ts.valid(); t != nil {
		return t, nil
	}
	ts.join()
	defer ts.leave()
	fetchCtx := context.WithoutCancel(ctx)
	ch := ts.group.DoChan(tokenKey, func() (any, error) { return ts.refresh(fetchCtx) })
	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for an access token from %s: %w", ts.shownURL(), ctx.Err())
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*Token), nil
	}
}

// Invalidate drops t if it is still the cached token, so that the next call
// to Token fetches a new one. Call it when the server answered 401 to a
// request that carried t.
func (ts *TokenSource) Invalidate(t *Token) {
	if t == nil {
		return
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.cur != nil && ts.cur.gen == t.gen {
		ts.cur = nil
	}
}

// valid returns the cached token if it has not (nearly) expired.
func (ts *TokenSource) valid() *Token {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.cur == nil || !ts.cur.expires.IsZero() && !ts.now().Before(ts.cur.expires) {
		return nil
	}
	return ts.cur
}

// join records a caller waiting for the shared fetch.
func (ts *TokenSource) join() {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.waiting++
}

// leave records that a caller stopped waiting. When it was the last one and
// the fetch is waiting between attempts, the fetch is dropped: nobody needs
// its token, and the next caller starts a new one.
func (ts *TokenSource) leave() {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.waiting--
	if ts.waiting == 0 && ts.pausing != nil {
		ts.pausing.end()
		ts.pausing = nil
		ts.group.Forget(tokenKey)
	}
}

// refresh fetches a new token unless another caller just did, with
// retries.
func (ts *TokenSource) refresh(ctx context.Context) (*Token, error) {
	if t := ts.valid(); t != nil {
		return t, nil
	}
	b := NewBudget(ts.retry, ts.now())
	for {
		t, te, h := ts.fetch(ctx)
		if te == nil {
			return t, nil
		}
		attempt := b.Attempts() + 1
		te.Attempts = attempt
		if !ts.retryIf(attempt, te) {
			te.Spent = b.Spent(ts.now())
			return nil, te
		}
		wait, ok := b.Next(h, ts.now())
		te.Spent = b.Spent(ts.now())
		if !ok {
			te.Exhausted = true
			return nil, te
		}
		if ts.onRetry != nil {
			ts.onRetry(attempt, te, wait)
		}
		if !ts.wait(wait) {
			return nil, te
		}
	}
}

// fetch sends one token request, bounded by the timeout. On failure it
// returns the answer's headers (Retry-After), if there was an answer.
func (ts *TokenSource) fetch(ctx context.Context) (*Token, *TokenError, http.Header) {
	if ts.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, ts.timeout)
		defer cancel()
	}
	probe := &probeTransport{base: ts.client.Transport, count: &ts.requests}
	hc := ts.client
	hc.Transport = probe
	if hc.Timeout == 0 {
		hc.Timeout = ts.timeout
	}
	ot, err := ts.conf.Token(context.WithValue(ctx, oauth2.HTTPClient, &hc))
	if err != nil {
		return nil, ts.tokenError(err, probe), probe.header
	}
	return ts.store(ot), nil, nil
}

// wait waits d between two attempts of the shared fetch. It returns false
// at once, or as soon as the last caller leaves, when nobody waits for the
// token: the fetch is then dropped (see leave).
func (ts *TokenSource) wait(d time.Duration) bool {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := &pause{end: cancel}
	ts.mu.Lock()
	if ts.waiting == 0 {
		ts.group.Forget(tokenKey)
		ts.mu.Unlock()
		return false
	}
	ts.pausing = p
	ts.mu.Unlock()
	err := ts.sleep(ctx, d)
	ts.mu.Lock()
	if ts.pausing == p { // a new fetch may wait by now, if this one was dropped
		ts.pausing = nil
	}
	ts.mu.Unlock()
	return err == nil
}

// store caches a fetched token, expiring it a little before the server does.
func (ts *TokenSource) store(ot *oauth2.Token) *Token {
	var lifetime time.Duration
	switch {
	case ot.ExpiresIn > 0:
		lifetime = time.Duration(ot.ExpiresIn) * time.Second
	case !ot.Expiry.IsZero():
		lifetime = time.Until(ot.Expiry) // oauth2 computed Expiry with time.Now
	}
	ts.red.AddRecent(ot.AccessToken)
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.gen++
	t := &Token{access: ot.AccessToken, gen: ts.gen}
	if lifetime > 0 {
		t.expires = ts.now().Add(lifetime - min(maxExpiryMargin, lifetime/10))
	}
	ts.cur = t
	return t
}

// probeTransport counts token requests and remembers the last answer's
// status and headers, which oauth2's errors do not always expose.
type probeTransport struct {
	base        http.RoundTripper
	count       *atomic.Int64
	status      int
	contentType string
	location    string
	header      http.Header
}

// RoundTrip implements http.RoundTripper.
func (p *probeTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	p.count.Add(1)
	res, err := p.base.RoundTrip(req)
	if err == nil {
		p.status = res.StatusCode
		p.contentType = res.Header.Get("Content-Type")
		p.location = res.Header.Get("Location")
		p.header = res.Header
	}
	return res, err
}
