package sandbox

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestDownAnswers503ToEverythingUntilTheDeadline(t *testing.T) {
	e := newEnv(t)
	e.s.Down(20 * time.Second)
	for _, path := range []string{"/organizations", TokenPath} {
		method := "GET"
		body := ""
		if path == TokenPath {
			method, body = "POST", tokenForm
		}
		o := e.try(context.Background(), method, path, body)
		if o.err != nil || o.status != 503 || !strings.HasPrefix(o.header.Get("Content-Type"), "text/html") {
			t.Errorf("%s while down: %d %q, %v; want 503 text/html", path, o.status, o.header.Get("Content-Type"), o.err)
		}
	}
	if o := e.try(context.Background(), "POST", "/customergroups", groupDoc); o.status != 503 {
		t.Errorf("POST while down: %d, %v", o.status, o.err)
	}
	if n := len(e.s.Records("customergroups")); n != 0 {
		t.Errorf("%d groups stored while down", n)
	}
	e.clock.now = e.clock.now.Add(19 * time.Second)
	e.req("GET", "/organizations", "").must(t, 503)
	e.clock.now = e.clock.now.Add(time.Second)
	e.req("GET", "/organizations", "").must(t, 200)
	st := e.s.Stats()
	if st.Faults[FaultDown] != 4 || st.FaultsInjected != 4 || st.TokensIssued != 1 {
		t.Errorf("stats %+v: want 4 down answers and no token issued while down", st)
	}
	e.s.Down(time.Hour)
	e.s.Up()
	e.req("GET", "/organizations", "").must(t, 200)
}

func TestLatencyDelaysEveryRequest(t *testing.T) {
	e := newEnvOpts(t, Options{Latency: 30 * time.Millisecond})
	start := time.Now()
	e.req("GET", "/organizations", "").must(t, 200)
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("request took %v, want >= 30ms", d)
	}
	e.s.SetLatency(0)
	if st := e.s.Stats(); st.FaultsInjected != 0 {
		t.Errorf("latency counted as a fault: %+v", st)
	}
}

func TestBannerWarnsAboutActiveFaults(t *testing.T) {
	if b := New(Options{}).Banner(); strings.Contains(b, "FAULT INJECTION") {
		t.Errorf("a healthy stand-in warns about faults:\n%s", b)
	}
	c, err := ParseChaos("5xx=0.1,429=0.05,seed=1")
	if err != nil {
		t.Fatal(err)
	}
	s := New(Options{TokenTTL: 2 * time.Second, Latency: 20 * time.Millisecond, Chaos: c})
	s.Down(20 * time.Second)
	s.InjectFault(ProxyError(502))
	b := s.Banner()
	for _, want := range []string{"FAULT INJECTION IS ON", "tokens expire after 2s", "20ms late",
		"random faults: 5xx=0.1,429=0.05,seed=1", "DOWN", "1 scripted fault(s) pending", "STAND-IN"} {
		if !strings.Contains(b, want) {
			t.Errorf("Banner() lacks %q:\n%s", want, b)
		}
	}
	s.ClearFaults()
	s.SetLatency(0)
	if got := s.ActiveFaults(); len(got) != 1 || !strings.Contains(got[0], "tokens expire") {
		t.Errorf("ActiveFaults after ClearFaults = %v, want only the short token lifetime", got)
	}
}
