package oro

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/orosync/orosync/engine/httpkit"
)

// ErrorObject is one entry of a JSON:API error document. Status is kept as
// text whether Oro sent a string or a number; only one of Pointer (a body
// location such as /data/attributes/name) and Parameter (a query parameter
// such as filter[id]) is usually set.
type ErrorObject struct {
	Status    string
	Code      string
	Title     string
	Detail    string
	Pointer   string
	Parameter string
}

// String renders the object as `title: detail (pointer /x)`.
func (o ErrorObject) String() string {
	var b strings.Builder
	b.WriteString(o.Title)
	if o.Code != "" {
		fmt.Fprintf(&b, " [%s]", o.Code)
	}
	if o.Detail != "" && o.Detail != o.Title {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(o.Detail)
	}
	switch {
	case o.Pointer != "":
		fmt.Fprintf(&b, " (pointer %s)", o.Pointer)
	case o.Parameter != "":
		fmt.Fprintf(&b, " (parameter %s)", o.Parameter)
	}
	return b.String()
}

// Error is an HTTP answer from Oro that the client could not use: a status
// outside 2xx (after the client's own retries), an HTML page, or a 2xx answer
// whose body could not be decoded (Err is then set).
type Error struct {
	// Method and URL identify the request.
	Method string
	URL    string
	// Status is the HTTP status code.
	Status int
	// Header holds the response headers (Allow, Retry-After, Location...),
	// Location redacted like a URL.
	Header http.Header
	// Errors are the parsed JSON:API error objects, if the body was one.
	Errors []ErrorObject
	// Body is the first 512 bytes of a body that was not a JSON:API error
	// document (e.g. HTML from a proxy), with secrets removed.
	Body string
	// Err says why a 2xx answer could not be used.
	Err error
	// Attempts is how many times the request was sent, this answer's
	// included (1 when it was not retried). A DELETE answered 404 after a
	// retry was most likely carried out by an attempt whose answer was
	// lost.
	Attempts int

	resType    string // first path segment, e.g. "customers"
	collection bool   // the route was a collection (/{type})
	html       bool   // the body was an HTML page
}

// Error renders `METHOD URL: STATUS what (where)` plus, for configuration
// problems, what to do.
func (e *Error) Error() string {
	msg := fmt.Sprintf("%s %s: %d %s", e.Method, e.URL, e.Status, e.what())
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	if hint := e.hint(); hint != "" {
		msg += "; " + hint
	}
	return msg
}

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }

// maxShownErrors caps how many error objects Error() lists.
const maxShownErrors = 5

func (e *Error) what() string {
	switch {
	case e.Status == http.StatusUnauthorized:
		return "Oro rejected a fresh token: check that the OAuth application is a back-office client-credentials app, active, and the API is enabled"
	case e.Status == http.StatusMethodNotAllowed && len(e.Errors) == 0:
		return fmt.Sprintf("action not allowed on %s (Allow: %s)", e.resType, e.Header.Get("Allow"))
	case e.Status >= 300 && e.Status < 400:
		return fmt.Sprintf("redirect to %q: set ORO_API_URL to the final API address", e.Header.Get("Location"))
	case len(e.Errors) > 0:
		return e.joinErrors()
	case e.html:
		return "the server answered with an HTML page instead of JSON:API: " + strconv.Quote(htmlText(e.Body))
	case e.Body != "":
		return http.StatusText(e.Status) + ": " + strconv.Quote(httpkit.Compact(e.Body, 200))
	}
	return http.StatusText(e.Status)
}

func (e *Error) joinErrors() string {
	parts := make([]string, 0, maxShownErrors+1)
	for i, o := range e.Errors {
		if i == maxShownErrors {
			parts = append(parts, fmt.Sprintf("and %d more", len(e.Errors)-i))
			break
		}
		parts = append(parts, o.String())
	}
	return strings.Join(parts, "; ")
}

// hint says what to do about the answers that stop a run.
func (e *Error) hint() string {
	switch {
	case e.Status == http.StatusForbidden:
		return "give the role of the OAuth application's user the needed permission on " + e.resType
	case e.Status == http.StatusNotFound && e.collection:
		return fmt.Sprintf("the API may be disabled in Oro (System → Configuration → General Setup → Application Settings → Web API), ORO_API_URL may be wrong, or %q is not an API resource type", e.resType)
	case e.Status == http.StatusNotAcceptable || e.Status == http.StatusUnsupportedMediaType:
		return "Oro refused the request headers: check for a proxy that rewrites Accept or Content-Type"
	case e.html:
		return "check ORO_API_URL and any proxy in front of Oro"
	case httpkit.Safe(e.Method):
		return ""
	case e.Status >= 200 && e.Status < 300:
		return "Oro accepted the write but its answer could not be read: look the record up before repeating it"
	case e.Status >= 500:
		return "the write may have reached Oro: look the record up before repeating it"
	}
	return ""
}

// fatal reports whether the answer means the run cannot proceed. An HTML
// page with 502, 503 or 504 is a proxy saying that Oro is unavailable for
// now, not a wrong URL: the client retries what it safely can, and a
// running out of retries is reported as a fatal *ExhaustedError instead.
func (e *Error) fatal() bool {
	switch {
	case e.html && httpkit.Unavailable(e.Status):
		return false
	case e.html, e.Status >= 300 && e.Status < 400:
		return true
	case e.Status >= 200 && e.Status < 300:
		return true // an answer in a format we cannot read: wrong URL or a proxy
	case e.Status == http.StatusNotFound:
		return e.collection
	}
	switch e.Status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusMethodNotAllowed,
		http.StatusNotAcceptable, http.StatusUnsupportedMediaType:
		return true
	}
	return false
}

// NetError is a request that got no (complete) HTTP answer: the connection
// failed, timed out or was cut.
type NetError struct {
	// Method and URL identify the request.
	Method string
	URL    string
	// Sent is false when the connection could not be opened (refused, DNS,
	// TLS certificate), so the request certainly never reached Oro.
	Sent bool
	// Err is the underlying network error.
	Err error
	// Attempts is how many times the request was sent, this one included.
	Attempts int

	timeout time.Duration // the per-request timeout, for the message
}

// Error says what happened and, for writes, that Oro may have the write.
func (e *NetError) Error() string {
	msg := e.reason()
	if !e.Sent && !errors.Is(e.Err, context.Canceled) {
		msg += "; check ORO_API_URL and that Oro is reachable"
	}
	if e.Attempts > 1 {
		msg += fmt.Sprintf(" (%d attempts)", e.Attempts)
	}
	if e.Sent && !httpkit.Safe(e.Method) {
		msg += "; the write may have reached Oro"
	}
	return fmt.Sprintf("%s %s: %s", e.Method, e.URL, msg)
}

// reason says what happened, without the request and without advice.
func (e *NetError) reason() string {
	switch {
	case errors.Is(e.Err, context.Canceled):
		return "canceled"
	case e.Timeout():
		return fmt.Sprintf("no answer within %s (the request timeout)", e.timeout)
	case !e.Sent:
		return fmt.Sprintf("cannot connect: %v", e.Err)
	}
	return fmt.Sprintf("connection lost: %v", e.Err)
}

// Unwrap returns Err.
func (e *NetError) Unwrap() error { return e.Err }

// Timeout reports whether the request timed out.
func (e *NetError) Timeout() bool { return httpkit.TimedOut(e.Err) }

// AuthError reports that no access token could be obtained. It is always
// fatal. It never contains the client secret.
type AuthError struct {
	// TokenURL is the token endpoint that was asked.
	TokenURL string
	// Status is the HTTP status of the answer, 0 when there was none.
	Status int
	// Code is the OAuth error code (e.g. invalid_client), if any.
	Code string
	// Reason says what went wrong and what to do.
	Reason string
	// Err is the network error, if there was no answer.
	Err error
	// Attempts is how many token requests were sent before giving up.
	Attempts int
}

// Error renders the token URL and the reason.
func (e *AuthError) Error() string {
	return fmt.Sprintf("Oro token request to %s failed: %s", e.TokenURL, e.Reason)
}

// Unwrap returns Err (a network error), never the raw OAuth answer.
func (e *AuthError) Unwrap() error { return e.Err }

// IsFatal reports whether err means the run cannot proceed, because every
// later request would fail the same way:
//
//   - no access token (an *AuthError: bad credentials, API disabled, token
//     URL wrong, or the token endpoint unreachable or failing beyond the
//     retry budget);
//   - a transient fault (429, 502, 503, 504, a timeout, a lost or refused
//     connection) that lasted beyond the retry budget (an *ExhaustedError):
//     Oro is down or overloaded for longer than the run may wait;
//   - an answer Oro gives to a misconfigured client (an *Error): 401 to a
//     fresh token, 403, 404 on a collection route (API disabled or a wrong
//     resource type), 405, 406, 415, a redirect, an HTML page other than a
//     proxy's 502/503/504 page, or a 2xx answer that is not JSON:API;
//   - no connection at all (a *NetError whose request was never sent);
//   - the caller's context canceled.
//
// Errors of one record are not fatal: 400, 409, 404 on an item, a 500
// answer, a 502/503/504 answer or a timeout or a connection lost after the
// request was sent that the client did not retry (a POST: see
// [MayHaveWritten]).
func IsFatal(err error) bool {
	if err == nil {
		return false
	}
	var ae *AuthError
	var xe *ExhaustedError
	if errors.As(err, &ae) || errors.As(err, &xe) || errors.Is(err, context.Canceled) {
		return true
	}
	var e *Error
	if errors.As(err, &e) {
		return e.fatal()
	}
	var ne *NetError
	return errors.As(err, &ne) && !ne.Sent
}

// MayHaveWritten reports whether a failed write (POST, PATCH, PUT, DELETE)
// may nevertheless have reached Oro: a timeout or a connection lost after the
// request was sent, a 5xx answer, or a 2xx answer that could not be decoded.
// Such a write must not be repeated blindly; look the record up first.
func MayHaveWritten(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return !httpkit.Safe(e.Method) && (e.Status >= 500 || e.Status >= 200 && e.Status < 300)
	}
	var ne *NetError
	return errors.As(err, &ne) && !httpkit.Safe(ne.Method) && ne.Sent
}

// AnswerLost reports whether err is a write whose answer says nothing about
// the record itself: a 502, 503 or 504 from a proxy, a dropped connection
// after the request was sent, or a 2xx whose body could not be read. Oro
// may have stored the record, so the caller looks it up by its natural key
// and sends it again only if it is not there ([Retrier]). A write answered
// 500 (an exception in Oro) or 4xx is the record's own error and is not
// tried again.
func AnswerLost(err error) bool {
	if !MayHaveWritten(err) {
		return false
	}
	var e *Error
	if errors.As(err, &e) {
		return httpkit.Unavailable(e.Status) || e.Status >= 200 && e.Status < 300
	}
	return true // a *NetError after the request was sent
}
