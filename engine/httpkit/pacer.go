package httpkit

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/time/rate"
)

// Pacer spaces requests to at most a given number per second: a token
// bucket (golang.org/x/time/rate) with a burst of one, so that requests
// never bunch up above the rate, whatever the window they are counted in.
// A nil *Pacer never waits. It is safe for concurrent use.
type Pacer struct {
	lim *rate.Limiter
}

// NewPacer returns a Pacer of perSecond requests per second, or nil (no
// limit) when perSecond is not positive.
func NewPacer(perSecond float64) *Pacer {
	if perSecond <= 0 {
		return nil
	}
	return &Pacer{lim: rate.NewLimiter(rate.Limit(perSecond), 1)}
}

// Rate returns the requests per second, 0 for a nil Pacer.
func (p *Pacer) Rate() float64 {
	if p == nil {
		return 0
	}
	return float64(p.lim.Limit())
}

// Wait takes the next turn and waits for it with sleep, reading the clock
// with now (both injectable, so that tests need not wait). It returns how
// long it waited. When ctx ends first, or its deadline comes before the
// turn, the turn is given back and Wait fails without waiting.
func (p *Pacer) Wait(ctx context.Context, now func() time.Time, sleep func(context.Context, time.Duration) error) (time.Duration, error) {
	if p == nil {
		return 0, nil
	}
	t := now()
	r := p.lim.ReserveN(t, 1) // a burst of 1 always fits one request
	d := r.DelayFrom(t)
	if d == 0 {
		return 0, nil
	}
	if dl, ok := ctx.Deadline(); ok && t.Add(d).After(dl) {
		r.CancelAt(t)
		return 0, fmt.Errorf("waiting %s for the rate limit of %g requests per second: %w", d, p.Rate(), context.DeadlineExceeded)
	}
	if err := sleep(ctx, d); err != nil {
		r.CancelAt(now())
		return 0, fmt.Errorf("waiting for the rate limit of %g requests per second: %w", p.Rate(), err)
	}
	return d, nil
}
