package httpkit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/oauth2"
)

// tokenTextLen caps the texts of a TokenError taken from the answer.
const tokenTextLen = 200

// TokenError is a failed token request. It never contains the client
// secret or a token: every text taken from the answer is redacted and cut
// short, and the raw answer is not kept.
type TokenError struct {
	// TokenURL is the token endpoint, as shown in logs.
	TokenURL string
	// Status is the HTTP status of the answer, 0 when there was none.
	Status int
	// Code and Description are the OAuth error and error_description of
	// the answer, if it had them.
	Code, Description string
	// ContentType and Location are those headers of the answer, Location
	// redacted like a URL.
	ContentType, Location string
	// Body is the start of an error answer without an OAuth error code,
	// compacted.
	Body string
	// Reason says what went wrong, without advice.
	Reason string
	// Err is the network error when there was no answer (Status 0).
	Err error
	// Attempts is the number of token requests this fetch sent, the last
	// one included; Spent is the time they and the waits between them
	// took.
	Attempts int
	Spent    time.Duration
	// Exhausted is set when the failure may have gone away on another
	// attempt, but the retry budget ([TokenConfig].Retry) ran out.
	Exhausted bool
}

// Error renders "token request to URL → STATUS: reason", or
// "token request to URL: reason" when there was no answer, followed by
// "(N attempts in D)" after retries.
func (e *TokenError) Error() string {
	var msg string
	if e.Status == 0 {
		msg = fmt.Sprintf("token request to %s: %s", e.TokenURL, e.Reason)
	} else {
		msg = fmt.Sprintf("token request to %s → %d %s: %s", e.TokenURL, e.Status, http.StatusText(e.Status), e.Reason)
	}
	if e.Attempts > 1 {
		msg += fmt.Sprintf(" (%d attempts in %s)", e.Attempts, e.Spent.Round(time.Millisecond))
	}
	return msg
}

// Retryable reports whether another attempt may succeed: no answer for a
// reason that may go away (a timeout, a refused or reset connection; not a
// certificate problem, an unknown host or a canceled request), or an answer
// 429 or 5xx except 501 and 505, whatever its content type (a proxy's HTML
// error page included). Every other answer, such as 400 invalid_request,
// 401 invalid_client, a redirect or a 200 HTML login page, would be the
// same again.
func (e *TokenError) Retryable() bool {
	if e.Status == 0 {
		return e.Err != nil && !errors.Is(e.Err, context.Canceled) && Transient(e.Err)
	}
	return Throttled(e.Status) || ServerError(e.Status)
}

// Unwrap returns Err (a network error), never the raw answer.
func (e *TokenError) Unwrap() error { return e.Err }

// Timeout reports whether the request got no answer in time.
func (e *TokenError) Timeout() bool { return e.Err != nil && TimedOut(e.Err) }

// tokenError turns a failed token request into a secret-free *TokenError.
func (ts *TokenSource) tokenError(err error, p *probeTransport) *TokenError {
	te := &TokenError{TokenURL: ts.shownURL(), Status: p.status, ContentType: p.contentType}
	if p.location != "" {
		te.Location = ts.clean(ts.red.RawURL(p.location))
	}
	var re *oauth2.RetrieveError
	switch {
	case p.status == 0:
		te.Err = ts.red.Err(UnwrapURLError(err))
		te.Reason = ts.connectReason(te)
	case p.status >= 300 && p.status < 400:
		te.Reason = fmt.Sprintf("redirect to %q", te.Location)
	case errors.As(err, &re) && re.ErrorCode != "":
		te.Code, te.Description = ts.clean(re.ErrorCode), ts.clean(re.ErrorDescription)
		desc := te.Description
		if desc == "" {
			desc = "no description"
		}
		te.Reason = te.Code + ": " + desc
	case errors.As(err, &re):
		// Redact before cutting, so that no part of a secret survives the cut.
		te.Body = ts.clean(Excerpt([]byte(ts.red.Redact(string(re.Body))), 4*tokenTextLen))
		te.Reason = strconv.Quote(te.Body)
	default:
		te.Reason = ts.clean(err.Error()) // a 2xx answer without a usable token
	}
	return te
}

// connectReason describes a token request that got no answer.
func (ts *TokenSource) connectReason(te *TokenError) string {
	switch {
	case errors.Is(te.Err, context.Canceled):
		return "canceled"
	case te.Timeout() && ts.timeout > 0:
		return fmt.Sprintf("no answer within %s", ts.timeout)
	case te.Timeout():
		return "no answer in time"
	}
	return "cannot connect: " + ts.clean(te.Err.Error())
}

// clean removes secrets and cuts a text from the token endpoint short.
func (ts *TokenSource) clean(s string) string {
	return Compact(ts.red.Redact(s), tokenTextLen)
}

// shownURL is the token URL as shown in messages.
func (ts *TokenSource) shownURL() string { return ts.red.RawURL(ts.conf.TokenURL) }
