package sandbox

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// This file holds scripted fault injection (test hooks): the faults a proxy,
// a rate limiter, the network or a struggling Oro put between a client and
// Oro (PRODUCT.md: "Faults are the normal case"). Random faults are in
// chaos.go, "Oro down" in down.go.

// TokenType is the resource type a Fault names to match the token endpoint.
const TokenType = "oauth2-token"

// FaultKind names what a fault did to a request; Stats.Faults counts them.
type FaultKind string

// The fault kinds.
const (
	// FaultStatus: an error status other than 429 or 5xx (e.g. 403),
	// answered without processing the request.
	FaultStatus FaultKind = "status"
	// Fault429: 429 Too Many Requests, without processing the request.
	Fault429 FaultKind = "429"
	// Fault5xx: a 5xx status, without processing the request.
	Fault5xx FaultKind = "5xx"
	// FaultHTML: a 2xx HTML page (a login page) instead of the answer,
	// without processing the request.
	FaultHTML FaultKind = "html"
	// FaultDropBefore: the connection was closed before the request was
	// processed; nothing was stored.
	FaultDropBefore FaultKind = "drop-before"
	// FaultDropAfter: the request was processed (records stored) and the
	// connection closed before the answer: a lost response.
	FaultDropAfter FaultKind = "drop-after"
	// FaultHang: the request was accepted and never answered, until the
	// client gave up; nothing was processed.
	FaultHang FaultKind = "hang"
	// FaultDelay: the request was answered normally, late.
	FaultDelay FaultKind = "delay"
	// FaultDown: answered 503 because the stand-in was "down" (Down).
	FaultDown FaultKind = "down"
	// FaultBatch: a batch operation met an injected BatchFault.
	FaultBatch FaultKind = "batch"
)

// Fault makes matching requests fail (test hook). The zero Method and Type
// match everything; Type TokenType matches the token endpoint. At most one
// of Hang, DropBeforeStore, DropAfterStore and Status should be set; if
// several are, the first in that order wins.
type Fault struct {
	// Method matches the HTTP method ("" = any).
	Method string
	// Type matches the resource type of the URL ("" = any).
	Type string
	// Status, when set, answers with this status instead of handling the
	// request (the request is not processed). Without HTML the body is what
	// the endpoint's own errors look like: a JSON:API error document for
	// the API (none for 401 and 405, as Oro), an OAuth JSON error for the
	// token endpoint.
	Status int
	// HTML answers Status with an HTML page (Content-Type text/html), as a
	// proxy (502, 503, 504), a rate limiter (429) or a login page (200 on
	// the token endpoint, oro-api.md §13 pitfall 16) does.
	HTML bool
	// RetryAfter adds a Retry-After header, in whole seconds rounded up, to
	// the Status answer (as proxies and rate limiters send with 429 or 503;
	// Oro itself never does, §13).
	RetryAfter time.Duration
	// DropBeforeStore closes the connection without processing the request
	// and without answering: nothing is stored.
	DropBeforeStore bool
	// DropAfterStore handles the request normally (records are stored) and
	// then closes the connection without sending the answer: a lost response.
	DropAfterStore bool
	// Hang accepts the request and never answers it until the client gives
	// up (its context is done) or ClearFaults releases it; the request is
	// not processed.
	Hang bool
	// Delay waits this long before the fault (or the normal handling).
	Delay time.Duration
	// Times is how many matching requests are affected: 0 means once, a
	// negative value means every matching request.
	Times int
}

// ProxyError returns a fault that answers status (502, 503 or 504) with a
// proxy's HTML page, once, without processing the request.
func ProxyError(status int) Fault { return Fault{Status: status, HTML: true} }

// RateLimited returns a fault that answers 429 with a rate limiter's HTML
// page and a Retry-After header, once, without processing the request.
func RateLimited(retryAfter time.Duration) Fault {
	return Fault{Status: http.StatusTooManyRequests, HTML: true, RetryAfter: retryAfter}
}

// LoginPage returns a fault that answers the token endpoint with an HTML
// login page (200, text/html) instead of a token, as Oro did with storefront
// guest access disabled (oroinc/platform#1027, oro-api.md §13 pitfall 16).
func LoginPage() Fault { return Fault{Type: TokenType, Status: http.StatusOK, HTML: true} }

// kind says what the fault does to a request.
func (f Fault) kind() FaultKind {
	switch {
	case f.Hang:
		return FaultHang
	case f.DropBeforeStore:
		return FaultDropBefore
	case f.DropAfterStore:
		return FaultDropAfter
	case f.Status == http.StatusTooManyRequests:
		return Fault429
	case f.Status >= 500:
		return Fault5xx
	case f.Status >= 200 && f.Status < 300 && f.HTML:
		return FaultHTML
	case f.Status != 0:
		return FaultStatus
	}
	return FaultDelay
}

// InjectFault adds a fault; faults are matched in the order they were added
// (test hook).
func (s *Server) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Times == 0 {
		f.Times = 1
	}
	s.faults = append(s.faults, &f)
}

// ClearFaults removes every scripted fault, random faults (SetChaos) and
// the "down" window, and releases hanging requests by closing their
// connections (test hook). The added latency stays.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
	s.chaos = nil
	s.downUntil = time.Time{}
	close(s.release)
	s.release = make(chan struct{})
}

// takeFault returns the fault for a request, scripted first, then random,
// and counts it; nil when the request is handled normally.
func (s *Server) takeFault(method string, rt route) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.takeScripted(method, rt)
	if f == nil && s.chaos != nil {
		f = s.chaos.draw(rt)
	}
	if f != nil {
		s.countFault(f.kind())
	}
	return f
}

// takeScripted returns the first scripted fault matching the request and
// uses it up. The caller holds s.mu.
func (s *Server) takeScripted(method string, rt route) *Fault {
	typ := rt.resourceType()
	for i, f := range s.faults {
		if (f.Method != "" && !strings.EqualFold(f.Method, method)) || (f.Type != "" && f.Type != typ) {
			continue
		}
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		c := *f
		return &c
	}
	return nil
}

// countFault counts one affected request. The caller holds s.mu.
func (s *Server) countFault(k FaultKind) {
	s.stats.FaultsInjected++
	s.stats.Faults[k]++
}

// faultResponse is the answer of an injected status.
func faultResponse(f *Fault, rt route) *response {
	var resp *response
	switch {
	case f.HTML:
		resp = htmlResponse(f.Status)
	case rt.token:
		resp = oauthFaultResponse(f.Status)
	case f.Status == http.StatusUnauthorized || f.Status == http.StatusMethodNotAllowed || f.Status < 400:
		resp = emptyResponse(f.Status) // as Oro: no body on 401 and 405
	default:
		resp = errorResponse(formatJSONAPI, &apiError{Status: f.Status, Title: titleInjected,
			Detail: "The sandbox answered " + strconv.Itoa(f.Status) + " because a test injected this fault."})
	}
	if f.RetryAfter > 0 {
		resp.header.Set("Retry-After", strconv.Itoa(int((f.RetryAfter+time.Second-1)/time.Second)))
	}
	return resp
}

// oauthFaultResponse is an injected error of the token endpoint in the OAuth
// JSON error format it uses (§2.1); 401 is its invalid_client answer.
func oauthFaultResponse(status int) *response {
	switch {
	case status == http.StatusUnauthorized:
		return errInvalidClient.response(false)
	case status < 400:
		return emptyResponse(status)
	}
	code := "invalid_request"
	if status >= 500 {
		code = "server_error"
	}
	return oauthError{status: status, code: code,
		description: "The sandbox answered " + strconv.Itoa(status) + " because a test injected this fault."}.response(false)
}
