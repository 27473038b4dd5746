package oro

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/sync/singleflight"
)

// maxExpiryMargin caps how long before its expiry a token is replaced.
const maxExpiryMargin = time.Minute

// maxSeenTokens is how many recent tokens are kept for redaction.
const maxSeenTokens = 16

// token is one cached access token.
type token struct {
	access  string
	gen     uint64    // increases with every fetched token
	expires time.Time // zero: unknown, reuse until Oro answers 401
}

// tokenCache holds one access token shared by all goroutines. Fetches are
// collapsed with singleflight, and a 401 drops only the token it was answered
// to (compared by generation), so concurrent 401s cause a single refresh.
type tokenCache struct {
	conf     *clientcredentials.Config
	tokenURL string
	timeout  time.Duration
	base     http.RoundTripper
	now      func() time.Time

	group    singleflight.Group
	requests atomic.Int64

	mu   sync.Mutex
	cur  *token
	gen  uint64
	seen []string // every token handed out, for redaction
}

func newTokenCache(cfg Config, tokenURL string, base http.RoundTripper, timeout time.Duration) *tokenCache {
	return &tokenCache{
		conf: &clientcredentials.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			TokenURL:     tokenURL,
			AuthStyle:    oauth2.AuthStyleInParams, // one request per fetch, form-encoded
		},
		tokenURL: tokenURL,
		timeout:  timeout,
		base:     base,
		now:      time.Now,
	}
}

// get returns a valid token, fetching one if needed. Waiting stops when ctx
// ends; the shared fetch itself is bounded by the timeout.
func (tc *tokenCache) get(ctx context.Context) (*token, error) {
	if t := tc.valid(); t != nil {
		return t, nil
	}
	fetchCtx := context.WithoutCancel(ctx)
	ch := tc.group.DoChan("token", func() (any, error) { return tc.refresh(fetchCtx) })
	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for an Oro access token from %s: %w", tc.tokenURL, ctx.Err())
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*token), nil
	}
}

// valid returns the cached token if it has not (nearly) expired.
func (tc *tokenCache) valid() *token {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.cur == nil || !tc.cur.expires.IsZero() && !tc.now().Before(tc.cur.expires) {
		return nil
	}
	return tc.cur
}

// invalidate drops t if it is still the cached token.
func (tc *tokenCache) invalidate(t *token) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.cur != nil && tc.cur.gen == t.gen {
		tc.cur = nil
	}
}

// refresh fetches a new token unless another caller just did.
func (tc *tokenCache) refresh(ctx context.Context) (*token, error) {
	if t := tc.valid(); t != nil {
		return t, nil
	}
	ctx, cancel := context.WithTimeout(ctx, tc.timeout)
	defer cancel()
	probe := &probeTransport{base: tc.base, count: &tc.requests}
	hc := &http.Client{Transport: probe, Timeout: tc.timeout, CheckRedirect: noRedirect}
	ot, err := tc.conf.Token(context.WithValue(ctx, oauth2.HTTPClient, hc))
	if err != nil {
		return nil, tc.authError(err, probe)
	}
	return tc.store(ot), nil
}

// store caches a fetched token, expiring it a little before Oro does.
func (tc *tokenCache) store(ot *oauth2.Token) *token {
	var lifetime time.Duration
	switch {
	case ot.ExpiresIn > 0:
		lifetime = time.Duration(ot.ExpiresIn) * time.Second
	case !ot.Expiry.IsZero():
		lifetime = time.Until(ot.Expiry)
	}
	tc.mu.Lock()
	defer tc.mu.Unlock()
	tc.gen++
	t := &token{access: ot.AccessToken, gen: tc.gen}
	if lifetime > 0 {
		t.expires = tc.now().Add(lifetime - min(maxExpiryMargin, lifetime/10))
	}
	tc.cur = t
	tc.seen = append(tc.seen, ot.AccessToken)
	if len(tc.seen) > maxSeenTokens {
		tc.seen = tc.seen[len(tc.seen)-maxSeenTokens:]
	}
	return t
}

// secrets returns the client secret and every token fetched so far.
func (tc *tokenCache) secrets() []string {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	return append([]string{tc.conf.ClientSecret}, tc.seen...)
}

// authError turns a failed token request into a short, secret-free message.
func (tc *tokenCache) authError(err error, p *probeTransport) *AuthError {
	ae := &AuthError{TokenURL: tc.tokenURL, Status: p.status}
	var re *oauth2.RetrieveError
	switch {
	case p.status == 0:
		ae.Err = unwrapURLError(err)
		ae.Reason = tc.connectReason(ae.Err)
	case p.status >= 300 && p.status < 400:
		ae.Reason = fmt.Sprintf("redirect to %q: set ORO_TOKEN_URL to Oro's /oauth2-token address", p.location)
	case isHTML(p.contentType, nil):
		ae.Reason = "the token URL answered with HTML: check ORO_TOKEN_URL (Oro's token endpoint is https://host/oauth2-token, outside the /admin prefix)"
	case errors.As(err, &re):
		ae.Code = re.ErrorCode
		ae.Reason = tc.retrieveReason(re, p.status)
	default:
		ae.Reason = fmt.Sprintf("unusable answer (status %d): %s", p.status, tc.clean(err.Error()))
	}
	return ae
}

func (tc *tokenCache) connectReason(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return fmt.Sprintf("no answer within %s: check ORO_TOKEN_URL and that Oro is reachable", tc.timeout)
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return fmt.Sprintf("cannot connect (%s): check ORO_TOKEN_URL and that Oro is reachable", tc.clean(err.Error()))
}

func (tc *tokenCache) retrieveReason(re *oauth2.RetrieveError, status int) string {
	switch {
	case re.ErrorCode == "invalid_client":
		return "bad client id or secret, or the API is disabled in Oro (System → Configuration → General Setup → Application Settings → Web API → Enable API); check ORO_CLIENT_ID and ORO_CLIENT_SECRET and that the OAuth application is active"
	case re.ErrorCode != "":
		desc := re.ErrorDescription
		if desc == "" {
			desc = "no description"
		}
		return fmt.Sprintf("Oro answered %d %s: %s", status, re.ErrorCode, tc.clean(desc))
	case status == http.StatusNotFound:
		return "404 Not Found: check ORO_TOKEN_URL (Oro's token endpoint is https://host/oauth2-token)"
	}
	return fmt.Sprintf("Oro answered %d %s: %q", status, http.StatusText(status), tc.clean(excerpt(re.Body)))
}

// clean removes the secret and cuts a message from the token endpoint short.
func (tc *tokenCache) clean(s string) string {
	return compact(redact(s, tc.secrets()), 200)
}

// redact replaces every secret in s.
func redact(s string, secrets []string) string {
	for _, sec := range secrets {
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, redactedText)
		}
	}
	return s
}

// probeTransport counts token requests and remembers the last answer's
// status and content type, which oauth2's errors do not always expose.
type probeTransport struct {
	base        http.RoundTripper
	count       *atomic.Int64
	status      int
	contentType string
	location    string
}

// RoundTrip implements http.RoundTripper.
func (p *probeTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	p.count.Add(1)
	res, err := p.base.RoundTrip(req)
	if err == nil {
		p.status = res.StatusCode
		p.contentType = res.Header.Get("Content-Type")
		p.location = res.Header.Get("Location")
	}
	return res, err
}

// noRedirect makes http.Client return redirects instead of following them.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// unwrapURLError drops the *url.Error wrapper, whose text repeats the URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}
