package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/orosync/orosync/resources"
)

// Default option values.
const (
	DefaultClientID     = "sandbox-client"
	DefaultClientSecret = "sandbox-secret"
	DefaultTokenTTL     = time.Hour
	DefaultAPIPrefix    = "/admin/api"
	// TokenPath is the token endpoint; like Oro's it is never prefixed.
	TokenPath = "/oauth2-token"
)

// maxLog caps the number of entries kept for Requests.
const maxLog = 10000

// Options configures a Server. The zero value is usable.
type Options struct {
	// ClientID and ClientSecret are the accepted client credentials
	// (default "sandbox-client" / "sandbox-secret").
	ClientID, ClientSecret string
	// TokenTTL is the lifetime of issued tokens (default 1h).
	TokenTTL time.Duration
	// Now is the clock used for token expiry and timestamps (default time.Now).
	Now func() time.Time
	// APIPrefix is the path of the API base (default "/admin/api"). It must
	// start with "/" and must not end with "/".
	APIPrefix string
	// Latency is added to the handling of every request (see SetLatency).
	Latency time.Duration
	// Chaos injects random faults from the start (see SetChaos). New
	// panics if it is invalid: check it with Chaos.Validate or build it
	// with ParseChaos.
	Chaos Chaos
	// OroVersion is the Oro release the stand-in behaves as where releases
	// differ (the zero Version: the latest). Before 6.0.4 the Batch API
	// ignores X-Mode and always answers asynchronously (oro-api.md §10.2,
	// §14); update_list of some resources is younger than the Batch API
	// (resources.Resource.Since); before 4.1.3 there is no Batch API.
	OroVersion resources.Version
	// Batch configures the Batch API (see BatchOptions).
	Batch BatchOptions
}

func (o Options) withDefaults() Options {
	if o.ClientID == "" {
		o.ClientID = DefaultClientID
	}
	if o.ClientSecret == "" {
		o.ClientSecret = DefaultClientSecret
	}
	if o.TokenTTL <= 0 {
		o.TokenTTL = DefaultTokenTTL
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.APIPrefix = "/" + strings.Trim(o.APIPrefix, "/")
	if o.APIPrefix == "/" {
		o.APIPrefix = DefaultAPIPrefix
	}
	o.Batch = o.Batch.withDefaults()
	return o
}

// Server is the in-memory Oro stand-in. It is safe for concurrent use.
type Server struct {
	opts Options

	mu        sync.Mutex // guards everything below
	st        *store
	tokens    map[string]time.Time // token -> expiry
	stats     Stats
	log       requestLog
	faults    []*Fault      // scripted faults (faults.go)
	chaos     *chaosState   // random faults (chaos.go)
	downUntil time.Time     // "down" until then (down.go)
	latency   time.Duration // added to every request
	release   chan struct{} // closed to release hanging requests

	// Batch API (batch_*.go, operation*.go)
	ops           map[int]*operation // kept asynchronous operations
	lastOpID      int
	consumersDown bool         // operations wait in pendingOps
	denyCreate    bool         // no CREATE permission on asynchronous operations
	denyView      bool         // no VIEW permission on asynchronous operations
	pendingOps    []*operation // new operations no consumer took
	batchFaults   []*BatchFault
}

// New returns a Server seeded with Oro's reference data (organization,
// business unit and user 1, countries, regions, product units, ...).
func New(opts Options) *Server {
	s := &Server{opts: opts.withDefaults(), st: newStore(), tokens: map[string]time.Time{},
		stats:   Stats{Requests: map[string]int{}, Faults: map[FaultKind]int{}},
		latency: opts.Latency, release: make(chan struct{}),
		ops: map[int]*operation{}, consumersDown: opts.Batch.ConsumersDown,
		denyCreate: opts.Batch.DenyCreate, denyView: opts.Batch.DenyView}
	if err := s.SetChaos(opts.Chaos); err != nil {
		panic(fmt.Sprintf("sandbox.New: Options.Chaos: %v", err))
	}
	seedReferenceData(s.st, s.opts.Now())
	return s
}

// Handler returns the HTTP handler serving POST /oauth2-token and the API
// under Options.APIPrefix.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// Banner returns a text for people starting the sandbox: what it is (a
// stand-in, not Oro), where things are, which credentials work, and the
// faults it injects, so that nobody mistakes a chaotic stand-in for a
// healthy one.
func (s *Server) Banner() string {
	return s.banner() + s.faultBanner()
}

func (s *Server) banner() string {
	return fmt.Sprintf(`orosync sandbox: an in-memory STAND-IN for the OroCommerce back-office API.
This is NOT OroCommerce. It imitates the parts of Oro's JSON:API that matter
for trying mappings (auth, headers, documents, errors, filters, the Batch API),
and nothing else: no storefront, no price recalculation, no ACL but the
Batch API's, no message queue but its own for batch operations.
All data lives in memory and is LOST when the process exits.

  API base:      http://<listen address>%s   (try GET %s/organizations?page[size]=1)
  Token URL:     http://<listen address>%s   (grant_type=client_credentials)
  Client id:     %s
  Client secret: %s
  Tokens expire after %s.
%s`, s.opts.APIPrefix, s.opts.APIPrefix, TokenPath, s.opts.ClientID, s.bannerSecret(), s.opts.TokenTTL,
		s.batchBanner())
}

// bannerSecret shows the well-known default secret but never one that was
// configured explicitly.
func (s *Server) bannerSecret() string {
	if s.opts.ClientSecret == DefaultClientSecret {
		return DefaultClientSecret + "   (sandbox-only default; never use it for a real Oro)"
	}
	return "(as configured; not shown)"
}

// route is what a request path addresses.
type route struct {
	token bool     // the token endpoint
	api   bool     // under the API prefix
	segs  []string // API path segments after the prefix
}

func (s *Server) parseRoute(path string) route {
	if path == TokenPath {
		return route{token: true}
	}
	rest, ok := strings.CutPrefix(path, s.opts.APIPrefix+"/")
	if !ok {
		return route{}
	}
	return route{api: true, segs: strings.Split(strings.TrimSuffix(rest, "/"), "/")}
}

// resourceType returns the type a route addresses ("oauth2-token" for the
// token endpoint, "" when none).
func (rt route) resourceType() string {
	switch {
	case rt.token:
		return strings.TrimPrefix(TokenPath, "/")
	case rt.api && len(rt.segs) > 0:
		return rt.segs[0]
	}
	return ""
}

// serveHTTP answers one request: added latency, then "down", then an
// injected fault, or else the normal handling.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	rt := s.parseRoute(r.URL.Path)
	if !bufferBody(r) {
		return // the client went away while sending
	}
	if d := s.currentLatency(); d > 0 && !sleep(r.Context(), d) {
		s.record(r, rt, 0)
		return
	}
	if resp := s.downAnswer(); resp != nil {
		s.finish(w, r, rt, resp)
		return
	}
	fault := s.takeFault(r.Method, rt)
	if fault == nil {
		s.finish(w, r, rt, s.dispatch(r, rt))
		return
	}
	if fault.Delay > 0 && !sleep(r.Context(), fault.Delay) {
		s.record(r, rt, 0)
		return // the client gave up
	}
	switch fault.kind() {
	case FaultHang:
		s.hang(w, r, rt)
	case FaultDropBefore:
		s.record(r, rt, 0)
		dropConnection(w)
	case FaultDropAfter:
		s.dispatch(r, rt)
		s.record(r, rt, 0)
		dropConnection(w)
	case FaultDelay:
		s.finish(w, r, rt, s.dispatch(r, rt))
	default:
		s.finish(w, r, rt, faultResponse(fault, rt))
	}
}

// finish logs and sends an answer.
func (s *Server) finish(w http.ResponseWriter, r *http.Request, rt route, resp *response) {
	s.record(r, rt, resp.status)
	resp.write(w)
}

// hang answers nothing until the client gives up or ClearFaults releases
// the request (whose connection is then closed).
func (s *Server) hang(w http.ResponseWriter, r *http.Request, rt route) {
	s.mu.Lock()
	release := s.release
	s.mu.Unlock()
	defer s.record(r, rt, 0)
	select {
	case <-r.Context().Done():
	case <-release:
		dropConnection(w)
	}
}

func (s *Server) currentLatency() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.latency
}

// bufferBody reads the request body (up to maxBody) into memory before any
// delay, so that the server notices a client that gives up (net/http
// watches the connection only once the body has been read). It reports
// false when the body could not be read.
func bufferBody(r *http.Request) bool {
	if r.Body == nil || r.Body == http.NoBody {
		return true
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return true
}

// dispatch handles a request; an answer that must wait (a synchronous
// batch) waits after the lock is released.
func (s *Server) dispatch(r *http.Request, rt route) *response {
	resp := s.dispatchLocked(r, rt)
	if resp.await != nil {
		return resp.await()
	}
	return resp
}

func (s *Server) dispatchLocked(r *http.Request, rt route) *response {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case rt.token:
		s.stats.TokenRequests++
		return s.handleToken(r)
	case rt.api:
		return s.handleAPI(r, rt.segs)
	}
	resp := newResponse(http.StatusNotFound)
	resp.header.Set("Content-Type", "text/plain; charset=utf-8")
	resp.body = []byte(fmt.Sprintf("404 page not found (the sandbox serves %s and %s/...)\n",
		TokenPath, s.opts.APIPrefix))
	return resp
}

// sleep waits for d or until ctx is done; it reports whether d elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// dropConnection closes the connection without answering, like a proxy or
// network failure after the server has done its work.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	// Without hijacking (HTTP/2), aborting the handler resets the stream.
	panic(http.ErrAbortHandler)
}
