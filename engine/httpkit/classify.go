package httpkit

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"
)

// Throttled reports whether status asks the client to slow down (429).
func Throttled(status int) bool { return status == http.StatusTooManyRequests }

// Unavailable reports whether status says that the server or a proxy in
// front of it cannot answer right now: 502, 503 or 504.
func Unavailable(status int) bool {
	switch status {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// ServerError reports whether status is a server failure that may go away:
// any 5xx except 501 (Not Implemented) and 505 (HTTP Version Not
// Supported), which will not. The [Unavailable] statuses are server errors
// too.
func ServerError(status int) bool {
	return status >= 500 && status < 600 &&
		status != http.StatusNotImplemented && status != http.StatusHTTPVersionNotSupported
}

// Sent reports whether a failed request may have reached the server. It is
// false only when the connection could not be opened (dial, DNS, TLS
// certificate or handshake record errors), so the request certainly never
// left; any other error may have happened after the server got the request.
func Sent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return false
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return false
	}
	if certificateError(err) {
		return false
	}
	var rh tls.RecordHeaderError
	return !errors.As(err, &rh)
}

// TimedOut reports whether err is a request that got no answer in time:
// a deadline exceeded or a network timeout.
func TimedOut(err error) bool {
	var te interface{ Timeout() bool }
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &te) && te.Timeout()
}

// UnwrapURLError drops the *url.Error wrapper of an http.Client error,
// whose text repeats the URL (the caller names it, redacted).
func UnwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// Transient reports whether a transport error may go away on another
// attempt: a refused, reset or aborted connection, an early EOF, a timeout
// or a temporary DNS failure. Certificate problems, permanent DNS failures
// and malformed requests are not transient.
func Transient(err error) bool {
	if err == nil || certificateError(err) {
		return false
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return dns.IsTemporary || dns.IsTimeout
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var op *net.OpError
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE), errors.As(err, &op):
		return true
	}
	return false
}

// certificateError reports whether err is a TLS certificate verification
// failure.
func certificateError(err error) bool {
	var cv *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	return errors.As(err, &cv) || errors.As(err, &unknown) || errors.As(err, &host) || errors.As(err, &invalid)
}

// Safe reports whether method only reads (GET, HEAD, OPTIONS): repeating it
// changes nothing, whatever the first attempt did.
func Safe(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	return false
}

// Idempotent reports whether repeating a request with method has the same
// effect as sending it once (RFC 9110 §9.2.2): the safe methods, PUT and
// DELETE, and PATCH as the Oro client uses it (a PATCH that sets values sets
// the same values again). POST and unknown methods are not idempotent: a
// POST that may have reached the server must not be repeated blindly.
func Idempotent(method string) bool {
	switch method {
	case http.MethodPut, http.MethodDelete, http.MethodPatch:
		return true
	}
	return Safe(method)
}
