package oro

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	// maxAttempts bounds the attempts of a retried request.
	maxAttempts = 3
	// maxRetryAfter is the longest Retry-After the client waits for.
	maxRetryAfter = 30 * time.Second
	// maxBodySize bounds how much of an answer is read.
	maxBodySize = 256 << 20
)

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
	tokens    *tokenCache
	backoff   func(retry int) time.Duration
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
	return &Client{
		base:      base,
		tokenURL:  tokenURL,
		clientID:  cfg.ClientID,
		userAgent: ua,
		timeout:   timeout,
		http:      &http.Client{Transport: rt, CheckRedirect: noRedirect},
		tokens:    newTokenCache(cfg, tokenURL, rt, timeout),
		backoff:   defaultBackoff,
	}, nil
}

// defaultBackoff waits 500ms, then 1s, 2s...
func defaultBackoff(retry int) time.Duration {
	return 500 * time.Millisecond << (retry - 1)
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
func (c *Client) TokenRequests() int { return int(c.tokens.requests.Load()) }

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
	refreshed, retries := false, 0
	for {
		tok, err := c.tokens.get(ctx)
		if err != nil {
			return nil, err
		}
		res, err := c.send(ctx, cl, tok.access)
		var wait time.Duration
		switch {
		case err != nil:
			if !c.retryNetError(ctx, cl.method, err, retries) {
				return nil, err
			}
			wait = c.backoff(retries + 1)
		case res.Status == http.StatusUnauthorized && !refreshed:
			refreshed = true
			c.tokens.invalidate(tok)
			continue
		case res.Status >= 200 && res.Status < 300 && !isHTML(res.Header.Get("Content-Type"), res.Body):
			return res, nil
		default:
			d, ok := c.retryStatus(cl.method, res, retries)
			if !ok {
				return nil, c.newError(cl, res)
			}
			wait = d
		}
		retries++
		if sleep(ctx, wait) != nil {
			return nil, c.finalError(cl, res, err)
		}
	}
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
func (c *Client) retryNetError(ctx context.Context, method string, err error, retries int) bool {
	var ne *NetError
	if retries+1 >= maxAttempts || ctx.Err() != nil || !errors.As(err, &ne) {
		return false
	}
	return !isWrite(method) || !ne.Sent
}

// retryStatus says whether (and after how long) to retry a GET answered
// 429, 502, 503 or 504.
func (c *Client) retryStatus(method string, res *Response, retries int) (time.Duration, bool) {
	if isWrite(method) || retries+1 >= maxAttempts {
		return 0, false
	}
	switch res.Status {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
	default:
		return 0, false
	}
	if d, ok := retryAfter(res.Header.Get("Retry-After")); ok {
		return d, d <= maxRetryAfter
	}
	return c.backoff(retries + 1), true
}

// retryAfter parses a Retry-After header (seconds or an HTTP date).
func retryAfter(v string) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
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
func (c *Client) send(ctx context.Context, cl call, access string) (*Response, error) {
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
	c.setHeaders(req, cl.body != nil, access)
	res, err := c.http.Do(req)
	if err != nil {
		return nil, c.netError(cl, unwrapURLError(err), requestSent(err))
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
func (c *Client) setHeaders(req *http.Request, hasBody bool, access string) {
	h := req.Header
	h["Accept"] = []string{MediaType}
	if hasBody {
		h["Content-Type"] = []string{MediaType}
	}
	h["Authorization"] = []string{"Bearer " + access}
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
	secrets := c.tokens.secrets()
	if e.Errors == nil && len(res.Body) > 0 {
		// Redact before cutting, so that no part of a secret survives the cut.
		head := res.Body[:min(len(res.Body), 8*bodyExcerptLen)]
		e.Body = excerpt([]byte(redact(string(head), secrets)))
	}
	for i := range e.Errors {
		o := &e.Errors[i]
		o.Title, o.Detail = redact(o.Title, secrets), redact(o.Detail, secrets)
	}
	return e
}
