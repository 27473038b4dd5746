package sandbox

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseChaos(t *testing.T) {
	valid := []struct {
		in   string
		want Chaos
	}{
		{"", Chaos{}},
		{"5xx=0.1,429=0.05,drop-before=0.02,drop-after=0.02,seed=1",
			Chaos{Seed: 1, Rate5xx: 0.1, Rate429: 0.05, RateDropBefore: 0.02, RateDropAfter: 0.02}},
		{" 429 = 0.5 , retry-after=2s, token=true ", Chaos{Rate429: 0.5, RetryAfter: 2 * time.Second, Token: true}},
		{"retry-after=3,5xx=1,seed=-9", Chaos{Seed: -9, Rate5xx: 1, RetryAfter: 3 * time.Second}},
	}
	for _, tc := range valid {
		got, err := ParseChaos(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseChaos(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			continue
		}
		back, err := ParseChaos(got.String())
		if err != nil || back != got {
			t.Errorf("ParseChaos(%q.String() = %q) = %+v, %v; want a round trip", tc.in, got.String(), back, err)
		}
	}
	invalid := map[string]string{
		"5xx":                     "want key=value",
		"5xx=":                    "want key=value",
		"=0.1":                    "want key=value",
		"teapot=0.1":              "unknown key",
		"5xx=lots":                "not a number",
		"5xx=1.5":                 "between 0 and 1",
		"429=-0.1":                "between 0 and 1",
		"5xx=NaN":                 "between 0 and 1",
		"5xx=0.6,429=0.5":         "add up to",
		"5xx=0.1,5xx=0.2":         "given twice",
		"seed=one":                "seed",
		"token=maybe":             "token",
		"retry-after=soon":        "duration",
		"5xx=0.1,retry-after=-1s": "positive duration",
	}
	for in, want := range invalid {
		if _, err := ParseChaos(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseChaos(%q) error = %v, want one containing %q", in, err, want)
		}
	}
	if err := New(Options{}).SetChaos(Chaos{Rate5xx: 2}); err == nil {
		t.Error("SetChaos accepted a rate of 2")
	}
	defer func() {
		if recover() == nil {
			t.Error("New accepted an invalid Options.Chaos")
		}
	}()
	New(Options{Chaos: Chaos{Rate429: -1}})
}

// storm sends n sequential requests (alternating a POST of a customer
// group and a GET) to a fresh stand-in with chaos c and returns what the
// client saw, one word per request, and the stand-in.
func storm(t *testing.T, c Chaos, n int) ([]string, *Server) {
	t.Helper()
	e := newEnvOpts(t, Options{Chaos: c})
	var seen []string
	for i := range n {
		method, path, body := "GET", "/customergroups?page[size]=1", ""
		if i%2 == 0 {
			method, path, body = "POST", "/customergroups", groupDoc
		}
		o := e.try(context.Background(), method, path, body)
		switch {
		case o.err != nil:
			seen = append(seen, "dropped")
		case o.status == 429:
			seen = append(seen, "429 Retry-After="+o.header.Get("Retry-After"))
		default:
			seen = append(seen, fmt.Sprint(o.status))
		}
	}
	return seen, e.s
}

func TestChaosStormIsReproducibleAndKeepsTheStoreConsistent(t *testing.T) {
	c := Chaos{Seed: 7, Rate5xx: 0.1, Rate429: 0.1, RateDropBefore: 0.05, RateDropAfter: 0.05, RetryAfter: time.Second}
	const n = 400
	first, s := storm(t, c, n)
	second, _ := storm(t, c, n)
	if !slices.Equal(first, second) {
		t.Fatalf("the same seed gave different storms:\n%v\n%v", first, second)
	}
	other, _ := storm(t, Chaos{Seed: 8, Rate5xx: 0.1, Rate429: 0.1, RateDropBefore: 0.05, RateDropAfter: 0.05}, n)
	if slices.Equal(first, other) {
		t.Error("another seed gave the same storm")
	}

	st := s.Stats()
	count := func(word string) int {
		return len(slices.DeleteFunc(slices.Clone(first), func(w string) bool { return !strings.HasPrefix(w, word) }))
	}
	if got := count("502") + count("503") + count("504"); got != st.Faults[Fault5xx] {
		t.Errorf("client saw %d 5xx, Stats counted %d", got, st.Faults[Fault5xx])
	}
	if got := count("429 Retry-After=1"); got != st.Faults[Fault429] {
		t.Errorf("client saw %d 429 with Retry-After 1, Stats counted %d", got, st.Faults[Fault429])
	}
	if got := count("dropped"); got != st.Faults[FaultDropBefore]+st.Faults[FaultDropAfter] {
		t.Errorf("client saw %d drops, Stats counted %v", got, st.Faults)
	}
	for kind, rate := range map[FaultKind]float64{Fault5xx: 0.1, Fault429: 0.1, FaultDropBefore: 0.05, FaultDropAfter: 0.05} {
		mean := rate * n
		if tol := 4 * math.Sqrt(n*rate*(1-rate)); math.Abs(float64(st.Faults[kind])-mean) > tol {
			t.Errorf("%s faults = %d, want %v ± %.0f", kind, st.Faults[kind], mean, tol)
		}
	}
	// The exact counts of this seed, pinned so that a change of the random
	// sequence shows (math/rand/v2's PCG is a specified generator).
	want := map[FaultKind]int{Fault5xx: 34, Fault429: 44, FaultDropBefore: 26, FaultDropAfter: 22}
	if !maps.Equal(st.Faults, want) {
		t.Errorf("Faults = %v, want %v for seed 7", st.Faults, want)
	}
	total := st.Faults[Fault5xx] + st.Faults[Fault429] + st.Faults[FaultDropBefore] + st.Faults[FaultDropAfter]
	if st.FaultsInjected != total || total == 0 {
		t.Errorf("FaultsInjected = %d, kinds add up to %d", st.FaultsInjected, total)
	}
	// Every group the client saw created is stored, plus those whose answer
	// was lost (drop-after), and nothing else: faults never half-process.
	created := 0
	for i, w := range first {
		if i%2 == 0 && w == "201" {
			created++
		}
	}
	lostPOSTs := 0
	for _, l := range s.Requests() {
		if l.Method == "POST" && l.Status == 0 {
			lostPOSTs++
		}
	}
	stored := len(s.Records("customergroups"))
	if stored < created || stored > created+lostPOSTs {
		t.Errorf("%d groups stored; the client saw %d created and %d POSTs dropped", stored, created, lostPOSTs)
	}
	if st.TokensIssued != 1 || st.Faults[FaultDown] != 0 {
		t.Errorf("stats %+v: the token endpoint is spared without Chaos.Token", st)
	}
}

func TestChaosOnTheTokenEndpoint(t *testing.T) {
	e := newEnv(t)
	if err := e.s.SetChaos(Chaos{Seed: 3, Rate5xx: 1, Token: true}); err != nil {
		t.Fatal(err)
	}
	o := e.try(context.Background(), "POST", TokenPath, tokenForm)
	if o.err != nil || o.status < 502 || o.status > 504 || !strings.HasPrefix(o.header.Get("Content-Type"), "text/html") {
		t.Errorf("token request got %d %q, %v; want a proxy's 5xx page", o.status, o.header.Get("Content-Type"), o.err)
	}
	if err := e.s.SetChaos(Chaos{}); err != nil {
		t.Fatal(err)
	}
	e.fetchToken()
	e.req("GET", "/organizations", "").must(t, 200)
}
