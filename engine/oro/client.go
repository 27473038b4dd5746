package oro

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/orosync/orosync/engine/httpkit"
)

// maxBodySize bounds how much of an answer is read (a variable so that
// tests can lower it).
var maxBodySize = 256 << 20

// defaultRetry is the retry policy used for the zero fields of Config.Retry.
var defaultRetry = httpkit.Policy{MaxAttempts: DefaultMaxAttempts, Backoff: DefaultBackoff, MaxBackoff: DefaultMaxBackoff, MaxWait: DefaultMaxWait}

// Client talks to one Oro back-office API. It is safe for concurrent use.
// NewClient sends nothing: the first token request happens with the first
// API call (or Ping).
type Client struct {
	base      *url.URL
	baseURL   string // base.String(), which resolve prefixes to every path
	tokenURL  string
	clientID  string
	userAgent string
	timeout   time.Duration
	http      *http.Client
	tokens    *httpkit.TokenSource
	red       *httpkit.Redactor
	retry     httpkit.Policy
	limiter   *httpkit.Limiter
	pacer     *httpkit.Pacer
	log       *slog.Logger // nil: no log
	stats     stats
	// answered is set by the first HTTP answer from the API or the token
	// endpoint: until then a connection that cannot be opened is more
	// likely a wrong URL than a restarting Oro.
	answered atomic.Bool
	// health tracks whether Oro has been answering: see outage.
	health health
	// sleep waits between attempts and now reads the clock (Retry-After
	// dates, token expiry, retry budgets, the rate limit); tests replace
	// them.
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
	maxInFlight := cfg.MaxInFlight
	if maxInFlight == 0 {
		maxInFlight = DefaultMaxInFlight
	}
	c := &Client{
		base:      base,
		baseURL:   base.String(),
		tokenURL:  tokenURL,
		clientID:  cfg.ClientID,
		userAgent: ua,
		timeout:   timeout,
		red:       &httpkit.Redactor{},
		retry:     cfg.Retry.WithDefaults(defaultRetry),
		pacer:     httpkit.NewPacer(cfg.MaxRPS),
		log:       cfg.Logger,
		sleep:     httpkit.Sleep,
		now:       time.Now,
	}
	c.limiter = httpkit.NewLimiter(maxInFlight, c.limitChanged)
	rt = &answerProbe{base: rt, seen: &c.answered}
	c.http = &http.Client{Transport: rt, CheckRedirect: noRedirect}
	c.tokens = c.newTokenSource(cfg, tokenURL, rt)
	return c, nil
}

// Retry returns the client's retry policy, defaults applied: what a caller
// needs to bound an operation of several calls the same way (see
// [Client.NewRetrier]).
func (c *Client) Retry() httpkit.Policy { return c.retry }

// String describes the client without secrets.
func (c *Client) String() string {
	return fmt.Sprintf("oro.Client{APIURL: %q, TokenURL: %q, ClientID: %q}", c.base.String(), c.tokenURL, c.clientID)
}

// GoString is String, so that %#v never shows the secret or a token.
func (c *Client) GoString() string { return c.String() }

// Format prints String for every verb.
func (c *Client) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// call is one API request as the retry loop sees it.
type call struct {
	method     string
	url        string
	body       []byte
	resType    string
	collection bool
	// header holds request headers besides the standard ones (X-Mode; an
	// X-Include here replaces the default noHateoas).
	header map[string]string
	// creates marks a request that creates records whatever its method (a
	// batch is a PATCH that creates): it is retried like a POST.
	creates bool
}

// retryMethod is the method whose retry rules apply to the call.
func (cl call) retryMethod() string {
	if cl.creates {
		return http.MethodPost
	}
	return cl.method
}

// Do sends one API request and returns its 2xx answer; any other answer is
// an *Error. path is relative to APIURL ("customers", "customers/42") with
// segments already escaped; query may be nil; body nil means no body and no
// Content-Type. Faults are retried as the package documentation lists.
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, body []byte) (*Response, error) {
	u, err := c.resolve(path, query)
	if err != nil {
		return nil, err
	}
	seg := strings.Split(strings.Trim(path, "/"), "/")
	return c.roundTrip(ctx, call{method: method, url: u, body: body, resType: seg[0], collection: len(seg) == 1})
}

// readableBrackets keeps brackets readable in queries (page[size]); Oro
// accepts both forms.
var readableBrackets = strings.NewReplacer("%5B", "[", "%5D", "]")

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
	u := c.baseURL + "/" + p
	if len(query) > 0 {
		u += "?" + readableBrackets.Replace(query.Encode())
	}
	return u, nil
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
	for k, v := range cl.header {
		req.Header[k] = []string{v}
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, c.netError(cl, httpkit.UnwrapURLError(err), httpkit.Sent(err))
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, int64(maxBodySize)+1))
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

// netError builds the *NetError of an attempt that got no answer.
func (c *Client) netError(cl call, err error, sent bool) *NetError {
	return &NetError{Method: cl.method, URL: cl.url, Sent: sent, Err: err, Attempts: 1, timeout: c.timeout}
}

// newError builds the *Error for an unusable answer, secrets removed.
func (c *Client) newError(cl call, res *Response) *Error {
	e := &Error{
		Method: cl.method, URL: cl.url, Status: res.Status, Header: res.Header, Attempts: 1,
		resType: cl.resType, collection: cl.collection,
		html: isHTML(res.Header.Get("Content-Type"), res.Body),
	}
	if loc := res.Header.Get("Location"); loc != "" {
		e.Header = res.Header.Clone()
		e.Header.Set("Location", c.shownURL(loc))
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
