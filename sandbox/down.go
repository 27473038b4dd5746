package sandbox

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Down makes the stand-in answer every request, the token endpoint
// included, with 503 and an HTML page for d from now (by Options.Now), as a
// proxy does while Oro is down or in maintenance (test hook). Nothing is
// processed meanwhile. A later call moves the deadline; Up ends it early.
func (s *Server) Down(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.downUntil = s.opts.Now().Add(d)
}

// Up ends a Down window early (test hook).
func (s *Server) Up() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.downUntil = time.Time{}
}

// SetLatency adds d to the handling of every request from now on, the
// token endpoint included (test hook, e.g. for benchmarks against a slow
// network). It is not a fault and is not counted.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// downAnswer returns the 503 answer when the stand-in is down and counts
// it; nil otherwise.
func (s *Server) downAnswer() *response {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.downUntil.IsZero() || !s.opts.Now().Before(s.downUntil) {
		return nil
	}
	s.countFault(FaultDown)
	return htmlResponse(http.StatusServiceUnavailable)
}

// ActiveFaults describes the faults the stand-in injects on its own right
// now: added latency, random faults, a "down" window and pending scripted
// faults; nil when it behaves.
func (s *Server) ActiveFaults() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	if s.opts.TokenTTL < DefaultTokenTTL {
		out = append(out, fmt.Sprintf("tokens expire after %v (short lifetime)", s.opts.TokenTTL))
	}
	if s.latency > 0 {
		out = append(out, fmt.Sprintf("every request is answered %v late (latency)", s.latency))
	}
	if s.chaos != nil {
		out = append(out, "random faults: "+s.chaos.c.String())
	}
	if now := s.opts.Now(); now.Before(s.downUntil) {
		out = append(out, fmt.Sprintf("DOWN: every request is answered 503 until %s (%v from now)",
			s.downUntil.UTC().Format(time.RFC3339), s.downUntil.Sub(now).Round(time.Second)))
	}
	if n := len(s.faults); n > 0 {
		out = append(out, fmt.Sprintf("%d scripted fault(s) pending", n))
	}
	return append(out, s.batchFaultLines()...)
}

// faultBanner is the banner's warning about active faults, "" when none.
func (s *Server) faultBanner() string {
	faults := s.ActiveFaults()
	if len(faults) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n!! FAULT INJECTION IS ON: this stand-in misbehaves on purpose !!\n")
	for _, f := range faults {
		b.WriteString("  - " + f + "\n")
	}
	return b.String()
}
