package oro

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/orosync/orosync/engine/httpkit"
)

const (
	// DefaultTimeout is the per-request timeout used when Config.Timeout is zero.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxInFlight is the bound on requests in flight used when
	// Config.MaxInFlight is zero: Oro's own advice is 4 to 8 parallel
	// requests, since every write runs a Doctrine flush and MQ work.
	DefaultMaxInFlight = 4

	// The retry defaults ride through a proxy hiccup (one or two 502s), a
	// short throttling episode and an Oro or PHP-FPM restart of a minute or
	// two, and stop a run within about MaxWait + Timeout (2.5 minutes) when
	// Oro stays away: waits of 0.5s, 1s, 2s... 16s, then 30s each, with
	// jitter, until two minutes are spent. MaxAttempts is high enough that
	// MaxWait, not the count, is what normally ends the retries (even with
	// the shortest jittered waits, fifteen attempts span about two
	// minutes), and low enough that a throttled Oro sees few requests.

	// DefaultMaxAttempts is the default of Retry.MaxAttempts.
	DefaultMaxAttempts = 15
	// DefaultBackoff is the default of Retry.Backoff.
	DefaultBackoff = 500 * time.Millisecond
	// DefaultMaxBackoff is the default of Retry.MaxBackoff.
	DefaultMaxBackoff = 30 * time.Second
	// DefaultMaxWait is the default of Retry.MaxWait.
	DefaultMaxWait = 2 * time.Minute

	// tokenPath is Oro's token endpoint, never under the back-office prefix.
	tokenPath = "/oauth2-token"
)

// Config holds the connection settings of a Client.
type Config struct {
	// APIURL is the full back-office API base, e.g.
	// https://commerce.local/admin/api. The prefix is configurable in Oro,
	// so it is never derived. A trailing slash is ignored.
	APIURL string
	// TokenURL is the OAuth2 token endpoint. Empty means the scheme and host
	// of APIURL + "/oauth2-token".
	TokenURL string
	// ClientID is the client id of a back-office OAuth application with the
	// client credentials grant.
	ClientID string
	// ClientSecret is that application's secret. It is never printed.
	ClientSecret string `json:"-"`
	// Timeout bounds every single request, token requests included.
	// Zero means DefaultTimeout.
	Timeout time.Duration
	// HTTPClient optionally provides the transport (tests inject httptest's).
	// Only its Transport is used: timeouts and redirects are the Client's.
	HTTPClient *http.Client `json:"-"`
	// UserAgent is sent as User-Agent; empty means "orosync".
	UserAgent string
	// Retry bounds the retries of every request, token requests included
	// (see the package documentation for what is retried): MaxAttempts
	// counts the attempts of one request; Backoff is the first wait, which
	// doubles with every attempt, with jitter (between half and all of
	// it); MaxBackoff caps one wait, a Retry-After included; MaxWait bounds
	// the time from the first attempt to the start of the last one, the
	// attempts' own time included (queueing for a slot excluded), so that a
	// request ends within MaxWait + Timeout even when Oro hangs. Zero
	// fields take the defaults: DefaultMaxAttempts, DefaultBackoff,
	// DefaultMaxBackoff and DefaultMaxWait. Running out of budget on a
	// transient fault is fatal (*ExhaustedError).
	Retry httpkit.Policy
	// MaxInFlight bounds the API requests in flight at once (token requests
	// aside): the run's --concurrency. Zero means DefaultMaxInFlight. The
	// client halves the bound on 429 and 503 and raises it again by one
	// after as many clean answers as the bound (see httpkit.Limiter and
	// Stats.Limit).
	MaxInFlight int
	// MaxRPS caps the API request attempts started per second, retries
	// included, token requests aside (a token bucket with a burst of one);
	// 0 means no cap.
	MaxRPS float64
	// Logger, when set, receives an entry per retry (method, redacted URL,
	// what happened, the wait; warn) and per change of the concurrency
	// limit (warn when lowered, info when raised), with the attribute
	// component=oro. Entries never contain the client secret or a token.
	Logger *slog.Logger `json:"-"`
}

// Validate reports every missing or malformed setting, naming the
// environment variable that sets it. It never includes the secret.
func (c Config) Validate() error {
	var errs []error
	if _, err := parseBaseURL("ORO_API_URL", c.APIURL, true); err != nil {
		errs = append(errs, err)
	}
	if c.TokenURL != "" {
		if _, err := parseBaseURL("ORO_TOKEN_URL", c.TokenURL, false); err != nil {
			errs = append(errs, err)
		}
	}
	if strings.TrimSpace(c.ClientID) == "" {
		errs = append(errs, errors.New("ORO_CLIENT_ID is not set: give the client id of a back-office OAuth application with the client credentials grant"))
	}
	if c.ClientSecret == "" {
		errs = append(errs, errors.New("ORO_CLIENT_SECRET is not set: give the secret Oro showed when the OAuth application was created"))
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("the request timeout %s is negative: use a positive duration such as 30s", c.Timeout))
	}
	if r := c.Retry; r.MaxAttempts < 0 || r.Backoff < 0 || r.MaxBackoff < 0 || r.MaxWait < 0 {
		errs = append(errs, fmt.Errorf("the retry policy %+v has negative values: use 0 for the defaults", r))
	}
	if c.MaxInFlight < 0 {
		errs = append(errs, fmt.Errorf("the concurrency %d is negative: use a positive number, or 0 for %d", c.MaxInFlight, DefaultMaxInFlight))
	}
	if c.MaxRPS < 0 || math.IsNaN(c.MaxRPS) || math.IsInf(c.MaxRPS, 0) {
		errs = append(errs, fmt.Errorf("the rate limit %g requests per second is not a positive number: use 0 for no limit", c.MaxRPS))
	}
	return errors.Join(errs...)
}

// parseBaseURL checks one URL setting. The value is quoted in messages only
// once it is known to carry no user information.
func parseBaseURL(name, raw string, needPath bool) (*url.URL, error) {
	example := "https://commerce.local/admin/api"
	if !needPath {
		example = "https://commerce.local/oauth2-token"
	}
	if strings.TrimSpace(raw) == "" {
		return nil, fmt.Errorf("%s is not set: give the full URL, e.g. %s", name, example)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s is not a valid URL: give the full URL, e.g. %s", name, example)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%s must not contain a user name or password: give the credentials in ORO_CLIENT_ID and ORO_CLIENT_SECRET", name)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("%s is not an http(s) URL: give the full URL, e.g. %s", name, example) // raw may hold a secret
	}
	if u.RawQuery != "" || u.Fragment != "" {
		// The query may hold a key: the URL is shown without it.
		return nil, fmt.Errorf("%s %q must not have a query or fragment: give the full URL, e.g. %s",
			name, u.Scheme+"://"+u.Host+u.Path, example)
	}
	if needPath && strings.Trim(u.Path, "/") == "" {
		return nil, fmt.Errorf("%s %q has no path: give the full API base, e.g. %s://%s/admin/api (OroCommerce) or %s://%s/api (OroPlatform)",
			name, raw, u.Scheme, u.Host, u.Scheme, u.Host)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// defaultTokenURL is the API URL's scheme and host + /oauth2-token.
func defaultTokenURL(api *url.URL) string {
	return (&url.URL{Scheme: api.Scheme, Host: api.Host, Path: tokenPath}).String()
}

// String describes the configuration with the secret redacted.
func (c Config) String() string {
	secret := `""`
	if c.ClientSecret != "" {
		secret = httpkit.Mask
	}
	return fmt.Sprintf("oro.Config{APIURL: %q, TokenURL: %q, ClientID: %q, ClientSecret: %s, Timeout: %s, UserAgent: %q}",
		redactURL(c.APIURL), redactURL(c.TokenURL), c.ClientID, secret, c.Timeout, c.UserAgent)
}

// GoString is String, so that %#v redacts the secret too.
func (c Config) GoString() string { return c.String() }

// Format prints String for every verb (%v, %+v, %#v, %s, %q...).
func (c Config) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// LogValue makes log/slog print the redacted form.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

// redactURL hides the user information and secret-looking query values of
// a URL setting.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if strings.Contains(raw, "@") {
			return httpkit.Mask
		}
		return raw
	}
	return (&httpkit.Redactor{}).URL(u)
}
