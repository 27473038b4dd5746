package httpkit

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxRetryAfterSeconds bounds a Retry-After in seconds so that the
// conversion to a time.Duration cannot overflow (about 68 years).
const maxRetryAfterSeconds = 1 << 31

// Policy says how often a request is attempted and how long to wait in
// between. The zero value of a field means "use the caller's default" (see
// [Policy.WithDefaults]); MaxWait zero means no bound beyond MaxAttempts.
type Policy struct {
	// MaxAttempts counts every attempt, the first one included.
	MaxAttempts int
	// Backoff is the wait after the first failed attempt; it doubles with
	// every further attempt.
	Backoff time.Duration
	// MaxBackoff caps a single wait, a Retry-After included.
	MaxBackoff time.Duration
	// MaxWait bounds the total time spent waiting across all attempts of
	// one request (0 = no bound).
	MaxWait time.Duration
}

// WithDefaults returns p with every zero field taken from def.
func (p Policy) WithDefaults(def Policy) Policy {
	if p.MaxAttempts == 0 {
		p.MaxAttempts = def.MaxAttempts
	}
	if p.Backoff == 0 {
		p.Backoff = def.Backoff
	}
	if p.MaxBackoff == 0 {
		p.MaxBackoff = def.MaxBackoff
	}
	if p.MaxWait == 0 {
		p.MaxWait = def.MaxWait
	}
	return p
}

// Delay returns the wait after the failed attempt number attempt (1 for the
// first) and before the next one. A Retry-After header in h (seconds or an
// HTTP date, relative to now) wins; otherwise Backoff doubles with every
// attempt, with jitter between half and all of it. Both are capped at
// MaxBackoff when it is set.
func (p Policy) Delay(attempt int, h http.Header, now time.Time) time.Duration {
	if d, ok := RetryAfter(h, now); ok {
		return p.capped(d)
	}
	d := p.Backoff
	for i := 1; i < attempt && (p.MaxBackoff <= 0 || d < p.MaxBackoff) && d < 1<<62; i++ {
		d *= 2
	}
	d = p.capped(d)
	if half := int64(d / 2); half > 0 {
		d = time.Duration(half + rand.Int64N(int64(d)-half+1)) // between d/2 and d
	}
	return d
}

// capped limits d to MaxBackoff when it is set.
func (p Policy) capped(d time.Duration) time.Duration {
	if p.MaxBackoff > 0 {
		return min(d, p.MaxBackoff)
	}
	return d
}

// Within reports whether waiting d more stays within MaxWait, given that
// waited was already spent waiting for earlier attempts.
func (p Policy) Within(waited, d time.Duration) bool {
	return p.MaxWait <= 0 || waited+d <= p.MaxWait
}

// RetryAfter parses the Retry-After header of h: a number of seconds or an
// HTTP date (relative to now). A negative number or a past date means "now"
// (0, true); a missing or unreadable header gives (0, false).
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Duration(min(max(secs, 0), maxRetryAfterSeconds)) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}
