package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/orosync/orosync/engine/httpkit"
	"github.com/orosync/orosync/mappings"
)

// do sends one request with retries and returns the successful (2xx)
// response. shown is the redacted URL for messages.
func (f *fetcher) do(ctx context.Context, u *url.URL, shown string) (*response, error) {
	renewed := false
	b := httpkit.NewBudget(f.retry, f.opts.Now())
	for {
		resp, err := f.attempt(ctx, u)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err == nil && resp.status == http.StatusUnauthorized && !renewed && f.auth.renewToken(resp.token) {
			renewed = true // the token may have been revoked early: fetch a new one, once
			continue
		}
		if err == nil && resp.status/100 == 2 {
			return resp, nil
		}
		what := f.outcome(resp, err)
		if retry := (err != nil && retryableErr(err)) || (err == nil && retryableStatus(resp.status)); !retry {
			return nil, f.failure(shown, what, resp, err, b.Attempts()+1, false)
		}
		var h http.Header
		if resp != nil {
			h = resp.header
		}
		wait, ok := b.Next(h, f.opts.Now())
		if !ok {
			return nil, f.failure(shown, what, resp, err, b.Attempts(), true)
		}
		f.opts.Logger.Warn(fmt.Sprintf("%s %s → %s, retrying in %s (attempt %d of %d)", f.method, shown, what, wait.Round(1e6), b.Attempts()+1, f.retry.MaxAttempts))
		if err := f.opts.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// retryPolicy applies the documented defaults to http.retry: 4 attempts,
// 1s doubling with jitter, at most 30s per wait (Retry-After included).
func retryPolicy(r *mappings.Retry) httpkit.Policy {
	var p httpkit.Policy
	if r != nil {
		p = httpkit.Policy{MaxAttempts: r.MaxAttempts, Backoff: duration(r.Backoff, 0), MaxBackoff: duration(r.MaxBackoff, 0)}
	}
	return p.WithDefaults(httpkit.Policy{MaxAttempts: 4, Backoff: time.Second, MaxBackoff: 30 * time.Second})
}

// retryableStatus reports whether an answer is worth another attempt: 429
// and 5xx except 501 and 505.
func retryableStatus(status int) bool {
	return httpkit.Throttled(status) || httpkit.ServerError(status)
}

// retryableErr reports whether a failed attempt is worth another: a
// transient network error. A failed token request is not: the TokenSource
// has retried it already, under the same policy and with its Retry-After.
func retryableErr(err error) bool {
	var te *httpkit.TokenError
	return !errors.As(err, &te) && httpkit.Transient(err)
}

// outcome describes a failed attempt briefly: the status or the error.
func (f *fetcher) outcome(resp *response, err error) string {
	if err != nil {
		return f.red.Redact(err.Error())
	}
	return fmt.Sprintf("%d", resp.status)
}

// failure builds the final error of a request.
func (f *fetcher) failure(shown, what string, resp *response, err error, attempts int, retried bool) error {
	after := ""
	if retried && attempts > 1 {
		after = fmt.Sprintf(" after %d attempts", attempts)
	}
	var te *tokenError
	if errors.As(err, &te) {
		return fmt.Errorf("%s %s: %w%s", f.method, shown, err, after)
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w%s (is the source reachable? raise http.timeout or http.retry if it is slow)", f.method, shown, err, after)
	}
	hint := "check the URL, query and credentials"
	switch {
	case resp.status == http.StatusUnauthorized || resp.status == http.StatusForbidden:
		hint = "check http.auth and the credentials"
	case resp.status == http.StatusTooManyRequests || resp.status >= 500:
		hint = "the source keeps failing: try again later, or raise http.retry.max_attempts"
	}
	return fmt.Errorf("%s %s → %s%s (%s); the response starts with: %s", f.method, shown, resp.statusText, after, hint, f.excerpt(resp.body))
}

// attempt sends the request once, bounded by the request timeout, and reads
// the whole body. The access token is taken first: waiting for it (its own
// requests are bounded by the same timeout, and retried) is not charged to
// the attempt.
func (f *fetcher) attempt(ctx context.Context, u *url.URL) (*response, error) {
	tok, err := f.auth.token(ctx)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	req, err := f.newRequest(ctx, u, tok)
	if err != nil {
		return nil, err
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, f.timeoutErr(ctx, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, int64(maxBody)+1))
	if err != nil {
		return nil, fmt.Errorf("reading the response: %w", f.timeoutErr(ctx, err))
	}
	if len(body) > maxBody {
		return nil, fmt.Errorf("the response is larger than %d MiB: use a smaller page size", maxBody>>20)
	}
	return &response{status: resp.StatusCode, statusText: resp.Status, header: resp.Header, body: body, token: tok}, nil
}

// timeoutErr names the request timeout when it was hit.
func (f *fetcher) timeoutErr(ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("no answer within %s (http.timeout): %w", f.timeout, context.DeadlineExceeded)
	}
	return httpkit.UnwrapURLError(err) // the URL is named by the caller, redacted
}

// newRequest builds the request: method, headers, body and credentials,
// tok among them when there is one.
func (f *fetcher) newRequest(ctx context.Context, u *url.URL, tok *httpkit.Token) (*http.Request, error) {
	var body io.Reader
	if f.body != nil {
		body = bytes.NewReader(f.body)
	}
	c := *u
	req, err := http.NewRequestWithContext(ctx, f.method, c.String(), body)
	if err != nil {
		return nil, err
	}
	for k, v := range f.header {
		req.Header[k] = v
	}
	f.auth.apply(req, tok)
	return req, nil
}
