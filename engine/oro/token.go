package oro

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/orosync/orosync/engine/httpkit"
)

// newTokenSource returns the shared token source of a client: one request
// per attempt with the credentials form-encoded, redirects not followed,
// each attempt bounded by the request timeout, failures that may go away
// retried under the client's policy (with the client's clock, sleep, log
// and stats). The client secret and every token are added to c.red.
func (c *Client) newTokenSource(cfg Config, tokenURL string, rt http.RoundTripper) *httpkit.TokenSource {
	return httpkit.NewTokenSource(httpkit.TokenConfig{
		Credentials: clientcredentials.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			TokenURL:     tokenURL,
			AuthStyle:    oauth2.AuthStyleInParams,
		},
		Client:   &http.Client{Transport: rt, CheckRedirect: noRedirect},
		Timeout:  c.timeout,
		Redactor: c.red,
		Now:      func() time.Time { return c.now() },
		Retry:    c.retry,
		RetryIf:  c.retryToken,
		Sleep:    func(ctx context.Context, d time.Duration) error { return c.sleep(ctx, d) },
		OnRetry:  c.tokenRetried,
	})
}

// retryToken decides whether a failed token request is sent again: what
// httpkit deems retryable (429, 5xx, timeouts, lost or refused
// connections), but a connection that cannot be opened only coldAttempts
// times while Oro has never answered.
func (c *Client) retryToken(attempt int, te *httpkit.TokenError) bool {
	if !te.Retryable() {
		return false
	}
	return te.Status != 0 || httpkit.Sent(te.Err) || c.answered.Load() || attempt < coldAttempts
}

// tokenRetried logs and counts a token retry.
func (c *Client) tokenRetried(attempt int, te *httpkit.TokenError, wait time.Duration) {
	c.stats.tokenRetried(wait)
	c.logf(slog.LevelWarn, "%s; retrying in %s (attempt %d of %d)", te.Error(), wait.Round(time.Millisecond), attempt+1, c.retry.MaxAttempts)
}

// authError turns a failed token request into an *AuthError: httpkit's
// reason (already redacted and cut short), with what to do in Oro's terms.
func (c *Client) authError(te *httpkit.TokenError) *AuthError {
	ae := &AuthError{TokenURL: c.tokenURL, Status: te.Status, Code: te.Code, Attempts: te.Attempts, Err: te.Err}
	switch {
	case te.Status == 0 && errors.Is(te.Err, context.Canceled):
		ae.Reason = te.Reason
	case te.Status == 0:
		ae.Reason = te.Reason + "; check ORO_TOKEN_URL and that Oro is reachable"
	case te.Status >= 300 && te.Status < 400:
		ae.Reason = te.Reason + ": set ORO_TOKEN_URL to Oro's /oauth2-token address"
	case httpkit.Throttled(te.Status) || httpkit.ServerError(te.Status):
		ae.Reason = fmt.Sprintf("Oro (or a proxy in front of it) answered %d %s", te.Status, http.StatusText(te.Status))
		switch {
		case te.Code == "" && isHTML(te.ContentType, []byte(te.Body)):
			ae.Reason += fmt.Sprintf(" with an HTML page: %q", htmlText(te.Body))
		case te.Code != "" || te.Body != "":
			ae.Reason += ": " + te.Reason
		}
	case isHTML(te.ContentType, nil):
		ae.Reason = "the token URL answered with HTML: check ORO_TOKEN_URL (Oro's token endpoint is https://host/oauth2-token, outside the /admin prefix)"
	case te.Code == "invalid_client":
		ae.Reason = "bad client id or secret, or the API is disabled in Oro (System → Configuration → General Setup → Application Settings → Web API → Enable API); check ORO_CLIENT_ID and ORO_CLIENT_SECRET and that the OAuth application is active"
	case te.Code != "":
		ae.Reason = fmt.Sprintf("Oro answered %d %s", te.Status, te.Reason)
	case te.Status == http.StatusNotFound:
		ae.Reason = "404 Not Found: check ORO_TOKEN_URL (Oro's token endpoint is https://host/oauth2-token)"
	case te.Status >= 200 && te.Status < 300:
		ae.Reason = fmt.Sprintf("unusable answer (status %d): %s", te.Status, te.Reason)
	default:
		ae.Reason = fmt.Sprintf("Oro answered %d %s: %s", te.Status, http.StatusText(te.Status), te.Reason)
	}
	switch {
	case te.Exhausted:
		ae.Reason += fmt.Sprintf("; it kept failing for %s (%d attempts): Oro is down, restarting or overloaded: try again later, or raise the retry budget (--retry-max-wait, now %s)",
			te.Spent.Round(time.Millisecond), te.Attempts, c.retry.MaxWait)
	case te.Attempts > 1:
		ae.Reason += fmt.Sprintf(" (%d attempts in %s)", te.Attempts, te.Spent.Round(time.Millisecond))
	}
	return ae
}

// noRedirect makes http.Client return redirects instead of following them.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
