package oro

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/orosync/orosync/engine/httpkit"
)

// maxBodySize bounds how much of an answer is read.
const maxBodySize = 256 << 20

// defaultRetry is the retry policy used for the zero fields of Config.Retry.
var defaultRetry = httpkit.Policy{MaxAttempts: 3, Backoff: 500 * time.Millisecond, MaxBackoff: 30 * time.Second}

// Client talks to one Oro back-office API. It is safe for concurrent use.
// NewClient sends nothing: the first token request happens with the first
// API call (or Ping).
type Client struct {
	base      *url.URL
	tokenURL  string
	clientID  string
	userAgent string
	timeout   time.Duration
	http      *http.Client
	tokens    *httpkit.TokenSource
	red       *httpkit.Redactor
	retry     httpkit.Policy
	// sleep waits between attempts and now reads the clock (Retry-After
	// dates, token expiry); tests replace them.
	sleep func(ctx context.Context, d time.Duration) error
	now   func() time.Time
}

// Response is a successful (2xx) answer.
type Response struct {
	// Status is the HTTP status code.
	Status int
	// Header holds the response headers.
	Header http.Header
	// Body is the raw body.
	Body []byte
}

// NewClient validates cfg and returns a client for it.
func NewClient(cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	base, _ := parseBaseURL("ORO_API_URL", cfg.APIURL, true)
	tokenURL := cfg.TokenURL
	if tokenURL == "" {
		tokenURL = defaultTokenURL(base)
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	rt := http.DefaultTransport
	if cfg.HTTPClient != nil && cfg.HTTPClient.Transport != nil {
		rt = cfg.HTTPClient.Transport
	}
	ua := cfg.UserAgent
	if ua == "" {
		ua = "orosync"
	}
	c := &Client{
		base:      base,
		tokenURL:  tokenURL,
		clientID:  cfg.ClientID,
		userAgent: ua,
		timeout:   timeout,
		http:      &http.Client{Transport: rt, CheckRedirect: noRedirect},
		red:       &httpkit.Redactor{},
		retry:     cfg.Retry.WithDefaults(defaultRetry),
		sleep:     sleep,
		now:       time.Now,
	}
	c.tokens = newTokenSource(cfg, tokenURL, rt, timeout, c.red, func() time.Time { return c.now() })
	return c, nil
}

// String describes the client without secrets.
func (c *Client) String() string {
	return fmt.Sprintf("oro.Client{APIURL: %q, TokenURL: %q, ClientID: %q}", c.base.String(), c.tokenURL, c.clientID)
}

// GoString is String, so that %#v never shows the secret or a token.
func (c *Client) GoString() string { return c.String() }

// Format prints String for every verb.
func (c *Client) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// TokenRequests reports how many token requests the client has made.
func (c *Client) TokenRequests() int { return c.tokens.Requests() }

// call is one API request as the retry loop sees it.
type call struct {
	method     string
	url        string
	body       []byte
	resType    string
	collection bool
}

// Do sends one API request and returns its 2xx answer; any other answer is
// an *Error. path is relative to APIURL ("customers", "customers/42") with
// segments already escaped; query may be nil; body nil means no body and no
// Content-Type. 401 is retried once with a fresh token; GET is retried on
// network errors, 429, 502, 503 and 504.
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, body []byte) (*Response, error) {
	u, err := c.resolve(path, query)
	if err != nil {
		return nil, err
	}
	seg := strings.Split(strings.Trim(path, "/"), "/")
	return c.roundTrip(ctx, call{method: method, url: u, body: body, resType: seg[0], collection: len(seg) == 1})
}

// resolve joins path and query to the API base.
func (c *Client) resolve(path string, query url.Values) (string, error) {
	p := strings.Trim(path, "/")
	if p == "" || strings.ContainsAny(p, "?#") || strings.Contains(p, "//") || strings.Contains(p, "://") {
		return "", fmt.Errorf("invalid API path %q: want a relative path such as \"customers\" or \"customers/42\"", path)
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "." || seg == ".." {
			return "", fmt.Errorf("invalid API path %q: dot segments are not allowed", path)
		}
	}
	u := c.base.String() + "/" + p
	if len(query) > 0 {
		// Brackets are kept readable (page[size]); Oro accepts both forms.
		u += "?" + strings.NewReplacer("%5B", "[", "%5D", "]").Replace(query.Encode())
	}
	return u, nil
}

// roundTrip runs the attempts of one call.
func (c *Client) roundTrip(ctx context.Context, cl call) (*Response, error) {
	refreshed, attempt := false, 1
	var waited time.Duration
	for {
		tok, err := c.token(ctx)
		if err != nil {
			return nil, err
		}
		res, err := c.send(ctx, cl, tok)
		var wait time.Duration
		switch {
		case err != nil:
			if !c.retryNetError(ctx, cl.method, err, attempt) {
				return nil, err
			}
			wait = c.retry.Delay(attempt, nil, c.now())
		case res.Status == http.StatusUnauthorized && !refreshed:
			refreshed = true
			c.tokens.Invalidate(tok)
			continue // Oro rejects a stale token before processing: the same attempt again
		case res.Status >= 200 && res.Status < 300 && !isHTML(res.Header.Get("Content-Type"), res.Body):
			return res, nil
		default:
			d, ok := c.retryStatus(cl.method, res, attempt)
			if !ok {
				return nil, c.newError(cl, res)
			}
			wait = d
		}
		if !c.retry.Within(waited, wait) {
			return nil, c.finalError(cl, res, err)
		}
		if c.sleep(ctx, wait) != nil {
			return nil, c.finalError(cl, res, err)
		}
		attempt, waited = attempt+1, waited+wait
	}
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

// finalError is the error to report when waiting for a retry was canceled.
func (c *Client) finalError(cl call, res *Response, err error) error {
	if err != nil {
		return err
	}
	return c.newError(cl, res)
}

// retryNetError: GET is retried on any network error; writes only when the
// connection could not be opened, so the request never left.
func (c *Client) retryNetError(ctx context.Context, method string, err error, attempt int) bool {
	var ne *NetError
	if attempt >= c.retry.MaxAttempts || ctx.Err() != nil || !errors.As(err, &ne) {
		return false
	}
	return !isWrite(method) || !ne.Sent
}

// retryStatus says whether (and after how long) to retry a GET answered
// 429, 502, 503 or 504. A Retry-After longer than the policy's MaxBackoff
// ends the retries: the answer is returned instead of waiting.
func (c *Client) retryStatus(method string, res *Response, attempt int) (time.Duration, bool) {
	if isWrite(method) || attempt >= c.retry.MaxAttempts {
		return 0, false
	}
	if !httpkit.Throttled(res.Status) && !httpkit.Unavailable(res.Status) {
		return 0, false
	}
	now := c.now()
	if d, ok := httpkit.RetryAfter(res.Header, now); ok && d > c.retry.MaxBackoff {
		return 0, false
	}
	return c.retry.Delay(attempt, res.Header, now), true
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// send makes one attempt, bounded by the request timeout.
func (c *Client) send(ctx context.Context, cl call, tok *httpkit.Token) (*Response, error) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var body io.Reader
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	req, err := http.NewRequestWithContext(actx, cl.method, cl.url, body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: cannot build the request: %w", cl.method, cl.url, err)
	}
	c.setHeaders(req, cl.body != nil, tok)
	res, err := c.http.Do(req)
	if err != nil {
		return nil, c.netError(cl, unwrapURLError(err), httpkit.Sent(err))
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, maxBodySize+1))
	if err != nil {
		return nil, c.netError(cl, err, true)
	}
	if len(b) > maxBodySize {
		return nil, fmt.Errorf("%s %s: the answer is larger than %d MiB: use a smaller page[size]", cl.method, cl.url, maxBodySize>>20)
	}
	return &Response{Status: res.StatusCode, Header: res.Header, Body: b}, nil
}

// setHeaders sets the exact headers Oro needs. The map is written directly
// so that nothing can add a charset to Content-Type.
func (c *Client) setHeaders(req *http.Request, hasBody bool, tok *httpkit.Token) {
	h := req.Header
	h["Accept"] = []string{MediaType}
	if hasBody {
		h["Content-Type"] = []string{MediaType}
	}
	tok.SetAuthHeader(req)
	h["X-Include"] = []string{"noHateoas"}
	h["User-Agent"] = []string{c.userAgent}
}

func (c *Client) netError(cl call, err error, sent bool) *NetError {
	return &NetError{Method: cl.method, URL: cl.url, Sent: sent, Err: err, timeout: c.timeout}
}

// newError builds the *Error for an unusable answer, secrets removed.
func (c *Client) newError(cl call, res *Response) *Error {
	e := &Error{
		Method: cl.method, URL: cl.url, Status: res.Status, Header: res.Header,
		resType: cl.resType, collection: cl.collection,
		html: isHTML(res.Header.Get("Content-Type"), res.Body),
	}
	if !e.html {
		e.Errors = parseErrorDoc(res.Body)
	}
	if e.Errors == nil && len(res.Body) > 0 {
		// Redact before cutting, so that no part of a secret survives the cut.
		head := res.Body[:min(len(res.Body), 8*bodyExcerptLen)]
		e.Body = httpkit.Excerpt([]byte(c.red.Redact(string(head))), bodyExcerptLen)
	}
	for i := range e.Errors {
		o := &e.Errors[i]
		o.Title, o.Detail = c.red.Redact(o.Title), c.red.Redact(o.Detail)
	}
	return e
}
