package sandbox

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"

	"github.com/orosync/orosync/resources"
)

// This file holds the test hooks that let tests look inside the server and
// prepare data; the ones that make it fail are in faults.go, chaos.go and
// down.go. All are safe for concurrent use.

// Stats counts what the server has seen.
type Stats struct {
	// TokensIssued counts successful token requests.
	TokensIssued int
	// TokenRequests counts all requests to the token endpoint.
	TokenRequests int
	// Unauthorized counts API requests answered 401.
	Unauthorized int
	// FaultsInjected counts requests affected by an injected fault
	// (InjectFault, SetChaos, Down).
	FaultsInjected int
	// Faults counts the affected requests by what the fault did to them.
	Faults map[FaultKind]int
	// Requests counts requests by "METHOD type", e.g. "POST customers" or
	// "POST oauth2-token".
	Requests map[string]int
	// Batch counts the Batch API's requests and operations.
	Batch BatchStats
}

// BatchStats counts what the Batch API has seen.
type BatchStats struct {
	// SyncRequests and AsyncRequests count the batch requests that created
	// an operation, synchronous (X-Mode: sync, where honoured) or not.
	SyncRequests, AsyncRequests int
	// SyncFallbacks counts synchronous requests answered 202 because their
	// operation outlasted SyncWaitTimeout.
	SyncFallbacks int
	// Operations counts the operations created, also those a synchronous
	// answer deleted.
	Operations int
	// ByStatus counts the operations kept now by status ("new", "running",
	// "success", "failed").
	ByStatus map[string]int
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.stats
	out.Requests = maps.Clone(s.stats.Requests)
	out.Faults = maps.Clone(s.stats.Faults)
	out.Batch.ByStatus = map[string]int{}
	for _, op := range s.ops {
		out.Batch.ByStatus[op.status]++
	}
	return out
}

// ExpireTokens invalidates every token issued so far: the next API call with
// one of them gets 401 (test hook).
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// Records returns a deep copy of the records of typ, sorted by id (test hook).
// It returns nil for an unknown type.
func (s *Server) Records(typ string) []Resource {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Resource
	for _, r := range s.st.all(typ) {
		out = append(out, *r.clone())
	}
	return out
}

// Seed creates a record outside the API (test hook), e.g. to prepare data a
// mapping looks up. It runs the same validation and defaults as a POST but
// ignores enabled actions and read-only flags, so reference data such as
// categories can be seeded too. attrs may carry "id" to choose the id of a
// resource with client-chosen ids. rels values are an id string (the type
// comes from the schema), a []string, a Ref, a []Ref, or nil.
func (s *Server) Seed(typ string, attrs map[string]any, rels map[string]any) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.st.spec(typ)
	if sp == nil {
		return "", fmt.Errorf("seed %q: unknown resource type", typ)
	}
	data, err := seedObject(sp, attrs, rels)
	if err != nil {
		return "", fmt.Errorf("seed %s: %w", typ, err)
	}
	t := newTx(s.st, s.opts.Now(), true)
	res, errs := t.create(sp, &document{data: data})
	if len(errs) > 0 {
		return "", fmt.Errorf("seed %s: %w", typ, joinAPIErrors(errs))
	}
	return res.ID, nil
}

func seedObject(sp *resourceSpec, attrs map[string]any, rels map[string]any) (*object, error) {
	o := &object{pointer: "/data", typ: sp.Type, attrs: map[string]any{}, rels: map[string]any{}}
	for k, v := range attrs {
		if k == "id" {
			o.id, o.hasID = fmt.Sprint(v), true
			continue
		}
		o.attrs[k] = v
	}
	for name, v := range rels {
		rs := sp.Rel(name)
		if rs == nil {
			return nil, fmt.Errorf("unknown relationship %q", name)
		}
		data, err := seedRelData(rs, v)
		if err != nil {
			return nil, fmt.Errorf("relationship %q: %w", name, err)
		}
		o.rels[name] = map[string]any{"data": data}
	}
	return o, nil
}

func seedRelData(rs *resources.Rel, v any) (any, error) {
	toRef := func(id string) map[string]any { return map[string]any{"type": rs.Target, "id": id} }
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string:
		return toRef(v), nil
	case Ref:
		return map[string]any{"type": v.Type, "id": v.ID}, nil
	case []string:
		out := []any{}
		for _, id := range v {
			out = append(out, toRef(id))
		}
		return out, nil
	case []Ref:
		out := []any{}
		for _, r := range v {
			out = append(out, map[string]any{"type": r.Type, "id": r.ID})
		}
		return out, nil
	}
	return nil, fmt.Errorf("unsupported value of type %T (want string, []string, Ref, []Ref or nil)", v)
}

func joinAPIErrors(errs []*apiError) error {
	var out []error
	for _, e := range errs {
		where := e.Pointer + e.Parameter
		out = append(out, fmt.Errorf("%s: %s: %s", where, e.Title, e.Detail))
	}
	return errors.Join(out...)
}

// RequestLog describes one request the server answered. It never holds
// secrets: no Authorization header, no body, and secret-looking query
// parameters are redacted.
type RequestLog struct {
	Method      string
	Path        string
	Query       string // decoded, with secret-looking parameters redacted
	ContentType string
	Accept      string
	XInclude    string
	XMode       string // the Batch API's processing mode header
	Status      int    // 0 when the connection was dropped by a fault
}

// Requests returns the requests answered so far, oldest first (test hook).
func (s *Server) Requests() []RequestLog {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.list()
}

// requestLog keeps the last entries logged, up to max (0: maxLog), in a
// ring, so that logging costs the same once it is full.
type requestLog struct {
	entries []RequestLog
	start   int // index of the oldest entry once the ring is full
	max     int
}

func (l *requestLog) add(e RequestLog) {
	limit := l.max
	if limit == 0 {
		limit = maxLog
	}
	if len(l.entries) < limit {
		l.entries = append(l.entries, e)
		return
	}
	l.entries[l.start] = e
	l.start = (l.start + 1) % len(l.entries)
}

// list returns a copy of the entries, oldest first (nil when empty).
func (l *requestLog) list() []RequestLog {
	return append(append([]RequestLog(nil), l.entries[l.start:]...), l.entries[:l.start]...)
}

// record logs a request and counts it.
func (s *Server) record(r *http.Request, rt route, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Requests[r.Method+" "+rt.resourceType()]++
	if rt.api && status == http.StatusUnauthorized {
		s.stats.Unauthorized++
	}
	entry := RequestLog{Method: r.Method, Path: r.URL.Path, Query: redactQuery(r.URL.RawQuery),
		ContentType: r.Header.Get("Content-Type"), Accept: r.Header.Get("Accept"),
		XInclude: r.Header.Get("X-Include"), XMode: r.Header.Get("X-Mode"), Status: status}
	s.log.add(entry)
}

// secretParams are query parameter names whose values are never logged.
var secretParams = []string{"token", "secret", "password", "key", "auth"}

func redactQuery(raw string) string {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return "(unparsable query not logged)"
	}
	for k := range q {
		lk := strings.ToLower(k)
		for _, p := range secretParams {
			if strings.Contains(lk, p) {
				q[k] = []string{"REDACTED"}
			}
		}
	}
	s, _ := url.QueryUnescape(q.Encode())
	return s
}
