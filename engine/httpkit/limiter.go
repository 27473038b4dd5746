package httpkit

import (
	"container/list"
	"context"
	"fmt"
	"net/http"
	"sync"
)

// Outcome is what one attempt says about the server's load, as reported to
// a [Limiter] when its slot is released.
type Outcome int

const (
	// Ignored says nothing about load: no answer (a network error, a
	// timeout, a canceled request) or a server error other than 503.
	Ignored Outcome = iota
	// Clean is an answer without a complaint about load: 1xx to 4xx except
	// 429.
	Clean
	// Overloaded asks the client to slow down: 429 Too Many Requests or
	// 503 Service Unavailable.
	Overloaded
)

// String names the outcome.
func (o Outcome) String() string {
	switch o {
	case Clean:
		return "clean"
	case Overloaded:
		return "overloaded"
	}
	return "ignored"
}

// OutcomeOf classifies an attempt by its answer's status; 0 means there was
// no answer.
func OutcomeOf(status int) Outcome {
	switch {
	case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
		return Overloaded
	case status > 0 && status < 500:
		return Clean
	}
	return Ignored
}

// Limiter bounds the requests in flight with a limit that adapts to the
// server's pressure (AIMD, additive increase, multiplicative decrease, as
// in TCP congestion control):
//
//   - the limit starts at max, and never leaves [1, max];
//   - an [Overloaded] outcome halves it (rounding down, at least 1), once
//     per wave: requests that were granted before the last decrease were
//     sent at the old limit, so their 429s are the same signal and do not
//     halve it again;
//   - every limit [Clean] outcomes since the last change raise it by one,
//     up to max: at limit 2 it takes two clean answers to get back to 3,
//     at 3 three more to get back to 4;
//   - [Ignored] outcomes change nothing.
//
// Waiting requests are granted in arrival order. Lowering the limit does
// not interrupt requests in flight: new ones wait until fewer than the new
// limit are in flight. A Limiter is safe for concurrent use.
type Limiter struct {
	max      int
	onChange func(from, to int, why Outcome)

	mu       sync.Mutex
	limit    int
	inFlight int
	clean    int        // clean outcomes since the last change
	wave     uint64     // increases with every decrease
	waiters  *list.List // of *waiter, oldest first
}

// waiter is a request waiting for a slot.
type waiter struct {
	ready   chan struct{} // closed when granted
	granted bool
	wave    uint64
}

// NewLimiter returns a Limiter of at most most requests in flight (at
// least 1). onChange, if not nil, is called after every change of the limit
// (outside the Limiter's lock), with the outcome that caused it.
func NewLimiter(most int, onChange func(from, to int, why Outcome)) *Limiter {
	most = max(most, 1)
	return &Limiter{max: most, limit: most, onChange: onChange, waiters: list.New()}
}

// Acquire waits for a slot and returns the function that gives it back.
// Call release exactly once, with the outcome of the attempt the slot was
// used for; later calls do nothing. Acquire fails only when ctx ends first.
func (l *Limiter) Acquire(ctx context.Context) (release func(Outcome), err error) {
	l.mu.Lock()
	if l.inFlight < l.limit && l.waiters.Len() == 0 {
		l.inFlight++
		wave := l.wave
		l.mu.Unlock()
		return l.releaser(wave), nil
	}
	w := &waiter{ready: make(chan struct{})}
	e := l.waiters.PushBack(w)
	l.mu.Unlock()
	select {
	case <-w.ready:
		return l.releaser(w.wave), nil
	case <-ctx.Done():
	}
	l.mu.Lock()
	if !w.granted {
		l.waiters.Remove(e)
		l.mu.Unlock()
		return nil, fmt.Errorf("waiting for a free request slot: %w", context.Cause(ctx))
	}
	l.mu.Unlock()
	l.releaser(w.wave)(Ignored) // granted as ctx ended: give the slot back
	return nil, fmt.Errorf("waiting for a free request slot: %w", context.Cause(ctx))
}

// releaser returns the release function of a slot granted in wave.
func (l *Limiter) releaser(wave uint64) func(Outcome) {
	var once sync.Once
	return func(o Outcome) { once.Do(func() { l.release(wave, o) }) }
}

// release frees a slot, adapts the limit to o and grants waiting requests.
func (l *Limiter) release(wave uint64, o Outcome) {
	l.mu.Lock()
	l.inFlight--
	from := l.limit
	switch o {
	case Overloaded:
		if wave == l.wave {
			l.limit = max(l.limit/2, 1)
			l.wave++
			l.clean = 0
		}
	case Clean:
		if l.limit < l.max {
			l.clean++
			if l.clean >= l.limit {
				l.limit++
				l.clean = 0
			}
		}
	}
	to := l.limit
	l.grant()
	l.mu.Unlock()
	if from != to && l.onChange != nil {
		l.onChange(from, to, o)
	}
}

// grant hands free slots to the oldest waiters. l.mu must be held.
func (l *Limiter) grant() {
	for l.inFlight < l.limit && l.waiters.Len() > 0 {
		w := l.waiters.Remove(l.waiters.Front()).(*waiter)
		w.granted, w.wave = true, l.wave
		l.inFlight++
		close(w.ready)
	}
}

// Limit returns the current limit.
func (l *Limiter) Limit() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limit
}

// Max returns the highest limit.
func (l *Limiter) Max() int { return l.max }

// InFlight returns the number of slots held.
func (l *Limiter) InFlight() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.inFlight
}
