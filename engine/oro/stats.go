package oro

import (
	"errors"
	"maps"
	"strconv"
	"sync"
	"time"

	"github.com/orosync/orosync/engine/httpkit"
)

// RetryReason says why a request was sent again.
type RetryReason string

const (
	// RetryThrottled is a 429 Too Many Requests.
	RetryThrottled RetryReason = "429"
	// RetryServer is a 5xx answer: 502, 503 or 504, or another 5xx to a
	// GET or HEAD.
	RetryServer RetryReason = "5xx"
	// RetryNetwork is a timeout, or a connection refused, reset or lost.
	RetryNetwork RetryReason = "network"
	// RetryUnauthorized is a 401 to a cached token: the token was replaced
	// and the request repeated once.
	RetryUnauthorized RetryReason = "401"
)

// NoAnswer is the status class of attempts that got no HTTP answer in
// [Stats].Requests.
const NoAnswer = "none"

// Stats is a snapshot of a Client's traffic since NewClient, for progress
// lines and metrics. It holds counts and durations only: no URL, header or
// body, so never a secret.
type Stats struct {
	// Requests counts API attempts (every retry included, token requests
	// excluded) by method and by the class of the answer: "2xx", "3xx",
	// "4xx", "5xx", or NoAnswer.
	Requests map[string]map[string]int
	// Retries counts API requests sent again, by reason, including the
	// tries a [Retrier] allowed.
	Retries map[RetryReason]int
	// GaveUp counts requests and Retrier operations that ran out of retry
	// budget on a transient fault (each an *ExhaustedError).
	GaveUp int
	// RetryWait is the time spent waiting before retries: API requests,
	// Retrier tries and token requests.
	RetryWait time.Duration
	// QueueWait is the time API requests waited for a slot of the
	// concurrency limiter or a turn of the rate limit (MaxRPS).
	QueueWait time.Duration
	// Limit is the current adaptive concurrency limit (see
	// [Config].MaxInFlight), MaxInFlight its ceiling, InFlight the
	// requests being sent now.
	Limit, MaxInFlight, InFlight int
	// LimitDecreases counts the times 429 or 503 halved the limit.
	LimitDecreases int
	// TokenRequests counts token requests sent, retries included;
	// TokenRetries those that were retries.
	TokenRequests, TokenRetries int
}

// stats collects a Client's counts. It is safe for concurrent use.
type stats struct {
	mu        sync.Mutex
	requests  map[string]map[string]int
	retries   map[RetryReason]int
	gaveUps   int
	retryWait time.Duration
	queueWait time.Duration
	decreases int
	tokenRetr int
}

// request counts one API attempt answered with status (0: no answer).
func (s *stats) request(method string, status int) {
	class := NoAnswer
	if status > 0 {
		class = strconv.Itoa(status/100) + "xx"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.requests == nil {
		s.requests = map[string]map[string]int{}
	}
	if s.requests[method] == nil {
		s.requests[method] = map[string]int{}
	}
	s.requests[method][class]++
}

// retried counts an API retry and its wait.
func (s *stats) retried(why RetryReason, wait time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.retries == nil {
		s.retries = map[RetryReason]int{}
	}
	s.retries[why]++
	s.retryWait += wait
}

// tokenRetried counts a token retry and its wait.
func (s *stats) tokenRetried(wait time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenRetr++
	s.retryWait += wait
}

// queued adds time spent waiting for a slot or a turn.
func (s *stats) queued(d time.Duration) {
	if d <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queueWait += d
}

// gaveUp counts a request that ran out of retry budget.
func (s *stats) gaveUp() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gaveUps++
}

// decreased counts a halving of the concurrency limit.
func (s *stats) decreased() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.decreases++
}

// Stats returns a snapshot of the client's traffic so far. It is safe to
// call while requests are running.
func (c *Client) Stats() Stats {
	s := &c.stats
	s.mu.Lock()
	out := Stats{
		Requests:       make(map[string]map[string]int, len(s.requests)),
		Retries:        maps.Clone(s.retries),
		GaveUp:         s.gaveUps,
		RetryWait:      s.retryWait,
		QueueWait:      s.queueWait,
		LimitDecreases: s.decreases,
		TokenRetries:   s.tokenRetr,
	}
	for m, byClass := range s.requests {
		out.Requests[m] = maps.Clone(byClass)
	}
	s.mu.Unlock()
	if out.Retries == nil {
		out.Retries = map[RetryReason]int{}
	}
	out.Limit, out.MaxInFlight, out.InFlight = c.limiter.Limit(), c.limiter.Max(), c.limiter.InFlight()
	out.TokenRequests = c.tokens.Requests()
	return out
}

// reasonOf is the retry reason of a lost answer ([AnswerLost]).
func reasonOf(err error) RetryReason {
	var e *Error
	if errors.As(err, &e) && httpkit.ServerError(e.Status) {
		return RetryServer
	}
	return RetryNetwork
}
