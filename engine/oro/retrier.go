package oro

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/orosync/orosync/engine/httpkit"
)

// Retrier paces and bounds an operation that spans several client calls
// because the client may not repeat it by itself. The engine's create is
// one: a POST answered 502, 503 or 504, or whose connection was lost after
// it was sent, may have created the record, so the client returns at once
// ([MayHaveWritten]) and the engine looks the record up by its natural key
// before sending it again. A Retrier makes that loop wait like the client's
// own retries (the same [httpkit.Policy], Retry-After honoured) and stop
// within the same budget, with the same fatal *ExhaustedError:
//
//	r := client.NewRetrier()
//	res, err := client.Create(ctx, typ, doc)
//	for err != nil && oro.AnswerLost(err) && !oro.IsFatal(err) {
//		if err = r.Wait(ctx, err); err != nil {
//			break // an *ExhaustedError (fatal), or ctx ended
//		}
//		// look the record up by its natural key: found means done
//		res, err = client.Create(ctx, typ, doc)
//	}
//
// Wait before looking up, not after: a POST whose gateway timed out may
// still be committing in Oro. A Retrier belongs to one operation and is not
// safe for concurrent use.
type Retrier struct {
	b     *httpkit.Budget
	now   func() time.Time
	sleep func(context.Context, time.Duration) error
	c     *Client // nil: no stats, no log
}

// NewRetrier returns a Retrier with the client's policy ([Client.Retry]),
// clock and log, whose waits and give-ups count in [Client.Stats].
func (c *Client) NewRetrier() *Retrier {
	return &Retrier{b: httpkit.NewBudget(c.retry, c.now()), now: c.now, sleep: c.sleep, c: c}
}

// NewRetrier returns a Retrier for callers without a *Client (a test's
// stand-in): policy p, zero fields taken from the client's defaults, and
// the real clock.
func NewRetrier(p httpkit.Policy) *Retrier {
	return &Retrier{b: httpkit.NewBudget(p.WithDefaults(defaultRetry), time.Now()), now: time.Now, sleep: httpkit.Sleep}
}

// Wait records that a try failed with err and waits before the next one.
// It returns nil when the caller may try again, and otherwise the error to
// report: err itself when it is nil, fatal, or not a lost answer (a 500 is
// the record's error: trying again would only spend the budget and end the
// run); a fatal *ExhaustedError wrapping err when the budget ran out; err
// wrapped with the reason when ctx ends first or its deadline comes before
// the next try.
func (r *Retrier) Wait(ctx context.Context, err error) error {
	if err == nil || IsFatal(err) || !AnswerLost(err) {
		return err
	}
	method, url := requestOf(err)
	return r.pause(ctx, r.now(), headerOf(err), method, url, reasonOf(err), err, true, lookupWords)
}

// tryWords word the messages of a retry loop.
type tryWords struct {
	again, after string // the log: "<again> in 2s<after>"
	try          string // what is counted: "attempt" or "try"
	not, stop    string // "<not>: the deadline comes…", "stopped waiting to <stop>"
}

var (
	// retryWords word the client's own retries of a request.
	retryWords = tryWords{again: "retrying", try: "attempt", not: "not retried", stop: "retry"}
	// lookupWords word a Retrier's tries, each after a look-up.
	lookupWords = tryWords{again: "trying again", after: " after a look-up", try: "try", not: "not tried again", stop: "try again"}
)

// pause ends the failed try of method url (failure; h holds its answer's
// headers, for Retry-After) at now: it returns nil once it has waited for
// the next try, counted in the stats as reason and logged. Otherwise it
// returns the error to report: a fatal *ExhaustedError wrapping failure
// when the budget ran out and exhaust is set (a transient fault), failure
// itself when it ran out otherwise, failure wrapped with the reason when
// ctx's deadline comes before the next try or ctx ends while waiting.
func (r *Retrier) pause(ctx context.Context, now time.Time, h http.Header, method, url string, reason RetryReason, failure error, exhaust bool, w tryWords) error {
	wait, ok := r.b.Next(h, now)
	switch {
	case !ok && exhaust:
		if r.c != nil {
			r.c.stats.gaveUp()
		}
		return &ExhaustedError{Method: method, URL: url, Attempts: r.b.Attempts(), Spent: r.b.Spent(now), Policy: r.b.Policy(), Err: failure}
	case !ok:
		return failure
	}
	if dl, ok := ctx.Deadline(); ok && now.Add(wait).After(dl) {
		return fmt.Errorf("%w (%s: the deadline comes before the next %s, in %s)", failure, w.not, w.try, wait)
	}
	if r.c != nil {
		r.c.stats.retried(reason, wait)
		r.c.logf(slog.LevelWarn, "%s %s → %s; %s in %s%s (%s %d of %d)", method, r.c.shownURL(url), lastFailure(failure),
			w.again, wait.Round(time.Millisecond), w.after, w.try, r.b.Attempts()+1, r.b.Policy().MaxAttempts)
	}
	if serr := r.sleep(ctx, wait); serr != nil {
		return fmt.Errorf("%w; stopped waiting to %s: %w", failure, w.stop, serr)
	}
	return nil
}
