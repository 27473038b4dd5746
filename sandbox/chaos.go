package sandbox

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Chaos makes a fraction of the requests fail at random, with a fixed seed
// so that a "fault storm" is reproducible: with the same seed, the same
// sequence of requests meets the same faults. Each affected request meets
// one fault; the rates are fractions of the API requests (and of token
// requests with Token) and may add up to at most 1. The zero Chaos injects
// nothing.
type Chaos struct {
	// Seed seeds the random choice.
	Seed int64
	// Rate5xx answers 502, 503 or 504 with a proxy's HTML page, without
	// processing the request.
	Rate5xx float64
	// Rate429 answers 429 with a rate limiter's HTML page (and RetryAfter),
	// without processing the request.
	Rate429 float64
	// RateDropBefore closes the connection without processing the request.
	RateDropBefore float64
	// RateDropAfter processes the request and closes the connection
	// without answering.
	RateDropAfter float64
	// RetryAfter is the Retry-After of the random 429s (0: no header).
	RetryAfter time.Duration
	// Token extends the random faults to the token endpoint.
	Token bool
}

// chaosKeys name the rates in the text form, in the order String uses.
var chaosKeys = []string{"5xx", "429", "drop-before", "drop-after"}

// rates returns the rates in chaosKeys order.
func (c *Chaos) rates() []*float64 {
	return []*float64{&c.Rate5xx, &c.Rate429, &c.RateDropBefore, &c.RateDropAfter}
}

// Active reports whether c injects anything.
func (c Chaos) Active() bool {
	for _, r := range c.rates() {
		if *r > 0 {
			return true
		}
	}
	return false
}

// Validate reports a rate outside [0, 1], rates that add up to more than 1,
// or a negative RetryAfter.
func (c Chaos) Validate() error {
	sum := 0.0
	for i, r := range c.rates() {
		if *r < 0 || *r > 1 || math.IsNaN(*r) {
			return fmt.Errorf("chaos rate %s=%v: want a fraction between 0 and 1", chaosKeys[i], *r)
		}
		sum += *r
	}
	if sum > 1+1e-9 {
		return fmt.Errorf("chaos rates add up to %v: want at most 1", sum)
	}
	if c.RetryAfter < 0 {
		return fmt.Errorf("chaos retry-after %v: want a positive duration", c.RetryAfter)
	}
	return nil
}

// String returns c in the text form ParseChaos reads, e.g.
// "5xx=0.1,429=0.05,retry-after=2s,seed=1"; "" for the zero Chaos.
func (c Chaos) String() string {
	var parts []string
	for i, r := range c.rates() {
		if *r > 0 {
			parts = append(parts, chaosKeys[i]+"="+strconv.FormatFloat(*r, 'g', -1, 64))
		}
	}
	if c.RetryAfter > 0 {
		parts = append(parts, "retry-after="+c.RetryAfter.String())
	}
	if c.Token {
		parts = append(parts, "token=true")
	}
	if c.Seed != 0 || len(parts) > 0 {
		parts = append(parts, "seed="+strconv.FormatInt(c.Seed, 10))
	}
	return strings.Join(parts, ",")
}

// ParseChaos reads the text form of a Chaos: comma-separated key=value
// pairs, each key at most once, e.g.
//
//	5xx=0.1,429=0.05,drop-before=0.02,drop-after=0.02,retry-after=2s,token=true,seed=1
//
// The rates (5xx, 429, drop-before, drop-after) are fractions between 0 and
// 1 adding up to at most 1; retry-after is a Go duration ("2s") or whole
// seconds ("2"); token is a boolean; seed an integer (default 0). An empty
// text is the zero Chaos.
func ParseChaos(text string) (Chaos, error) {
	var c Chaos
	if strings.TrimSpace(text) == "" {
		return c, nil
	}
	seen := map[string]bool{}
	for part := range strings.SplitSeq(text, ",") {
		key, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		if !ok || key == "" || val == "" {
			return Chaos{}, fmt.Errorf("chaos %q: want key=value, e.g. 5xx=0.1", part)
		}
		if seen[key] {
			return Chaos{}, fmt.Errorf("chaos: %s given twice", key)
		}
		seen[key] = true
		if err := c.set(key, val); err != nil {
			return Chaos{}, fmt.Errorf("chaos %s: %w", key, err)
		}
	}
	if err := c.Validate(); err != nil {
		return Chaos{}, err
	}
	return c, nil
}

// set reads one key=value pair of the text form.
func (c *Chaos) set(key, val string) error {
	for i, k := range chaosKeys {
		if key == k {
			r, err := strconv.ParseFloat(val, 64)
			if err != nil {
				return fmt.Errorf("%q is not a number", val)
			}
			*c.rates()[i] = r
			return nil
		}
	}
	var err error
	switch key {
	case "seed":
		c.Seed, err = strconv.ParseInt(val, 10, 64)
	case "token":
		c.Token, err = strconv.ParseBool(val)
	case "retry-after":
		c.RetryAfter, err = parseSeconds(val)
	default:
		return fmt.Errorf("unknown key (want %s, retry-after, token or seed)", strings.Join(chaosKeys, ", "))
	}
	if err != nil {
		return fmt.Errorf("%q: %w", val, err)
	}
	return nil
}

// parseSeconds reads a Go duration or a number of whole seconds.
func parseSeconds(val string) (time.Duration, error) {
	if n, err := strconv.Atoi(val); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(val)
	if err != nil {
		return 0, errors.New("want a duration such as 2s")
	}
	return d, nil
}

// chaosState is an active Chaos and its random source.
type chaosState struct {
	c   Chaos
	rng *rand.Rand
}

func newChaosState(c Chaos) *chaosState {
	return &chaosState{c: c, rng: rand.New(rand.NewPCG(uint64(c.Seed), 0x9e3779b97f4a7c15))}
}

// draw picks the random fault of one request, or nil. Every eligible
// request draws exactly one number, so the outcome depends only on the seed
// and the order of the requests.
func (cs *chaosState) draw(rt route) *Fault {
	if !rt.api && !(rt.token && cs.c.Token) {
		return nil
	}
	u := cs.rng.Float64()
	c := cs.c
	switch {
	case u < c.Rate5xx:
		statuses := []int{http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout}
		return &Fault{Status: statuses[int(u/c.Rate5xx*3)%3], HTML: true}
	case u < c.Rate5xx+c.Rate429:
		f := RateLimited(c.RetryAfter)
		return &f
	case u < c.Rate5xx+c.Rate429+c.RateDropBefore:
		return &Fault{DropBeforeStore: true}
	case u < c.Rate5xx+c.Rate429+c.RateDropBefore+c.RateDropAfter:
		return &Fault{DropAfterStore: true}
	}
	return nil
}

// SetChaos replaces the random faults by c (the zero Chaos turns them off)
// and restarts its random sequence from c.Seed (test hook).
func (s *Server) SetChaos(c Chaos) error {
	if err := c.Validate(); err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chaos = nil
	if c.Active() {
		s.chaos = newChaosState(c)
	}
	return nil
}
