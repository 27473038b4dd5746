package source

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/orosync/orosync/mappings"
)

// retryPolicy decides whether and how long to wait before another attempt.
type retryPolicy struct {
	attempts   int
	backoff    time.Duration
	maxBackoff time.Duration
	now        func() time.Time
}

// newRetryPolicy applies the defaults: 4 attempts, 1s doubling, 30s cap.
func newRetryPolicy(r *mappings.Retry, now func() time.Time) retryPolicy {
	p := retryPolicy{attempts: 4, backoff: time.Second, maxBackoff: 30 * time.Second, now: now}
	if r == nil {
		return p
	}
	if r.MaxAttempts > 0 {
		p.attempts = r.MaxAttempts
	}
	p.backoff = duration(r.Backoff, p.backoff)
	p.maxBackoff = duration(r.MaxBackoff, p.maxBackoff)
	return p
}

// delay returns the wait before attempt+1: Retry-After when the server
// sent one, else exponential backoff with jitter; both capped.
func (p retryPolicy) delay(attempt int, h http.Header) time.Duration {
	if d, ok := retryAfter(h, p.now()); ok {
		return min(d, p.maxBackoff)
	}
	d := p.backoff
	for i := 1; i < attempt && d < p.maxBackoff; i++ {
		d *= 2
	}
	d = min(d, p.maxBackoff)
	if half := int64(d / 2); half > 0 {
		d = time.Duration(half + rand.Int64N(half+1)) // between d/2 and d
	}
	return d
}

// retryAfter parses a Retry-After header: delay seconds or an HTTP date.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, true
		}
		return time.Duration(min(secs, 1<<31)) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// retryableStatus reports whether a status is worth another attempt.
func retryableStatus(code int) bool {
	if code == http.StatusTooManyRequests {
		return true
	}
	return code >= 500 && code != http.StatusNotImplemented && code != http.StatusHTTPVersionNotSupported
}

// retryableErr reports whether a transport error is transient: refused or
// reset connections, an early EOF, a timeout, a temporary DNS failure.
// Certificate problems and bad URLs are not.
func retryableErr(err error) bool {
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	if errors.As(err, &certErr) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr) {
		return false
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr.IsTemporary || dnsErr.IsTimeout
	}
	var te *tokenError
	if errors.As(err, &te) && te.status != 0 {
		return retryableStatus(te.status)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var oe *net.OpError
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE), errors.As(err, &oe):
		return true
	}
	return false
}
