package oro

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/orosync/orosync/engine/httpkit"
)

// ExhaustedError reports a request (or an operation of several requests,
// see [Retrier]) that kept meeting a transient fault (429, 502, 503, 504, a
// timeout, a lost or refused connection) until its retry budget ran out:
// Oro is down or overloaded for longer than the run may wait. It is fatal
// ([IsFatal]): stopping the run beats dead-lettering every later record
// for the same reason. It unwraps to the last failure, so errors.As still
// finds the *Error or *NetError, and [MayHaveWritten] still tells whether
// a write may have reached Oro.
type ExhaustedError struct {
	// Method and URL identify the last request.
	Method, URL string
	// Attempts is how many times it was sent.
	Attempts int
	// Spent is the time the attempts and the waits between them took
	// (waiting for a free slot or a turn of the rate limit excluded).
	Spent time.Duration
	// Policy is the retry budget that ran out.
	Policy httpkit.Policy
	// Err is the last failure.
	Err error
}

// Error says what kept failing, for how long, and what to do.
func (e *ExhaustedError) Error() string {
	budget := fmt.Sprintf("at most %d attempts", e.Policy.MaxAttempts)
	if e.Policy.MaxWait > 0 {
		budget = fmt.Sprintf("--retry-max-wait, now %s, and %s", e.Policy.MaxWait, budget)
	}
	return fmt.Sprintf("%s %s: Oro kept failing for %s (%d attempts), last with %s: giving up on the run; Oro is down, restarting or overloaded: try again later, or raise the retry budget (%s)",
		e.Method, e.URL, e.Spent.Round(time.Millisecond), e.Attempts, lastFailure(e.Err), budget)
}

// Unwrap returns the last failure.
func (e *ExhaustedError) Unwrap() error { return e.Err }

// lastFailure describes a failure without its request.
func lastFailure(err error) string {
	var e *Error
	var ne *NetError
	switch {
	case errors.As(err, &e):
		return fmt.Sprintf("%d %s", e.Status, e.what())
	case errors.As(err, &ne):
		return ne.reason()
	}
	return err.Error()
}

// requestOf returns the method and URL of the request that failed with err.
func requestOf(err error) (method, url string) {
	var e *Error
	var ne *NetError
	switch {
	case errors.As(err, &e):
		return e.Method, e.URL
	case errors.As(err, &ne):
		return ne.Method, ne.URL
	}
	return "", ""
}

// headerOf returns the answer headers of err (for Retry-After), or nil.
func headerOf(err error) http.Header {
	var e *Error
	if errors.As(err, &e) {
		return e.Header
	}
	return nil
}
