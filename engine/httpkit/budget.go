package httpkit

import (
	"net/http"
	"time"
)

// Budget is the retry budget of one operation under a [Policy]: how many
// attempts failed and how much time they cost. The time charged runs from
// [NewBudget] to each call of [Budget.Next], minus what [Budget.Exclude]
// leaves out, so that it covers the attempts themselves (a request that
// hangs until its timeout) as well as the waits between them. An operation
// that follows its Budget therefore starts its last attempt within MaxWait,
// and ends within MaxWait plus one attempt's timeout.
//
// A Budget belongs to one operation and is not safe for concurrent use.
type Budget struct {
	p        Policy
	start    time.Time
	excluded time.Duration
	failed   int
	waited   time.Duration
}

// NewBudget starts the budget of an operation at now. A MaxAttempts below
// one means a single attempt; MaxWait zero means no time bound (only
// MaxAttempts).
func NewBudget(p Policy, now time.Time) *Budget {
	return &Budget{p: p, start: now}
}

// Policy returns the policy the budget follows.
func (b *Budget) Policy() Policy { return b.p }

// Exclude leaves d out of the time charged: time spent waiting for a turn
// (a concurrency slot, a rate limit, an access token) rather than for the
// server. Negative values are ignored.
func (b *Budget) Exclude(d time.Duration) {
	if d > 0 {
		b.excluded += d
	}
}

// Spent returns the time charged at now: the time since NewBudget minus
// what was excluded, and never less than the waits granted (should the
// clock not have moved with them).
func (b *Budget) Spent(now time.Time) time.Duration {
	return max(now.Sub(b.start)-b.excluded, b.waited)
}

// Attempts returns the number of failed attempts recorded by Next.
func (b *Budget) Attempts() int { return b.failed }

// Next records a failed attempt and returns how long to wait before the
// next one ([Policy.Delay]: Retry-After in h, capped at MaxBackoff, else
// exponential backoff with jitter). ok is false when no attempt is left:
// MaxAttempts attempts failed, or the wait would take the time charged past
// MaxWait. h holds the failed answer's headers, or is nil.
func (b *Budget) Next(h http.Header, now time.Time) (wait time.Duration, ok bool) {
	b.failed++
	if b.failed >= max(b.p.MaxAttempts, 1) {
		return 0, false
	}
	wait = b.p.Delay(b.failed, h, now)
	if !b.p.Within(b.Spent(now), wait) {
		return 0, false
	}
	b.waited += wait
	return wait, true
}
