package httpkit

import (
	"net/http"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		v    string
		want time.Duration
		ok   bool
	}{
		{"absent", "", 0, false},
		{"seconds", "120", 2 * time.Minute, true},
		{"seconds with spaces", " 7 ", 7 * time.Second, true},
		{"zero", "0", 0, true},
		{"negative seconds", "-3", 0, true},
		{"huge seconds capped", "99999999999999999", maxRetryAfterSeconds * time.Second, true},
		{"http date", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{"past date", now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"garbage", "soon", 0, false},
		{"fraction", "1.5", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.v != "" {
				h.Set("Retry-After", tc.v)
			}
			got, ok := RetryAfter(h, now)
			if got != tc.want || ok != tc.ok {
				t.Errorf("RetryAfter(%q) = %v, %v, want %v, %v", tc.v, got, ok, tc.want, tc.ok)
			}
		})
	}
	if got, ok := RetryAfter(nil, now); got != 0 || ok {
		t.Errorf("RetryAfter(nil) = %v, %v, want 0, false", got, ok)
	}
}

func TestDelayRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	p := Policy{MaxAttempts: 4, Backoff: time.Second, MaxBackoff: 10 * time.Second}
	tests := []struct {
		name string
		v    string
		want time.Duration
	}{
		{"seconds", "7", 7 * time.Second},
		{"seconds capped", "3600", 10 * time.Second},
		{"date capped", now.Add(time.Hour).Format(http.TimeFormat), 10 * time.Second},
		{"date", now.Add(3 * time.Second).Format(http.TimeFormat), 3 * time.Second},
		{"past date", now.Add(-time.Hour).Format(http.TimeFormat), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{"Retry-After": {tc.v}}
			for attempt := 1; attempt <= 3; attempt++ { // Retry-After wins over backoff, without jitter
				if got := p.Delay(attempt, h, now); got != tc.want {
					t.Errorf("Delay(%d, Retry-After: %s) = %v, want %v", attempt, tc.v, got, tc.want)
				}
			}
		})
	}
	h := http.Header{"Retry-After": {"soon"}}
	if got := p.Delay(1, h, now); got < 500*time.Millisecond || got > time.Second {
		t.Errorf("Delay(1, Retry-After: soon) = %v, want the backoff (500ms..1s)", got)
	}
}

func TestDelayBackoff(t *testing.T) {
	p := Policy{Backoff: time.Second, MaxBackoff: 10 * time.Second}
	tests := []struct {
		attempt  int
		min, max time.Duration
	}{
		{1, 500 * time.Millisecond, time.Second},
		{2, time.Second, 2 * time.Second},
		{3, 2 * time.Second, 4 * time.Second},
		{4, 4 * time.Second, 8 * time.Second},
		{5, 5 * time.Second, 10 * time.Second}, // 16s capped at 10s, then jittered
		{50, 5 * time.Second, 10 * time.Second},
	}
	for _, tc := range tests {
		seen := map[time.Duration]bool{}
		for range 200 {
			got := p.Delay(tc.attempt, nil, time.Time{})
			if got < tc.min || got > tc.max {
				t.Fatalf("Delay(%d) = %v, want between %v and %v", tc.attempt, got, tc.min, tc.max)
			}
			seen[got] = true
		}
		if len(seen) < 2 {
			t.Errorf("Delay(%d) gave %d distinct values in 200 calls, want jitter", tc.attempt, len(seen))
		}
	}
}

func TestDelayWithoutCap(t *testing.T) {
	p := Policy{Backoff: 500 * time.Millisecond}
	if got := p.Delay(3, nil, time.Time{}); got < time.Second || got > 2*time.Second {
		t.Errorf("Delay(3) = %v, want between 1s and 2s", got)
	}
	if got := p.Delay(200, nil, time.Time{}); got <= 0 {
		t.Errorf("Delay(200) = %v, want a positive duration (no overflow)", got)
	}
	if got := (Policy{}).Delay(3, nil, time.Time{}); got != 0 {
		t.Errorf("zero Policy Delay(3) = %v, want 0", got)
	}
}

func TestWithin(t *testing.T) {
	tests := []struct {
		maxWait, waited, d time.Duration
		want               bool
	}{
		{0, time.Hour, time.Hour, true},
		{10 * time.Second, 0, 10 * time.Second, true},
		{10 * time.Second, 8 * time.Second, 2 * time.Second, true},
		{10 * time.Second, 8 * time.Second, 3 * time.Second, false},
		{10 * time.Second, 0, 11 * time.Second, false},
	}
	for _, tc := range tests {
		p := Policy{MaxWait: tc.maxWait}
		if got := p.Within(tc.waited, tc.d); got != tc.want {
			t.Errorf("Policy{MaxWait: %v}.Within(%v, %v) = %v, want %v", tc.maxWait, tc.waited, tc.d, got, tc.want)
		}
	}
}

func TestWithDefaults(t *testing.T) {
	def := Policy{MaxAttempts: 3, Backoff: time.Second, MaxBackoff: 30 * time.Second, MaxWait: time.Minute}
	if got := (Policy{}).WithDefaults(def); got != def {
		t.Errorf("zero.WithDefaults = %+v, want %+v", got, def)
	}
	p := Policy{MaxAttempts: 5, MaxBackoff: time.Second}
	want := Policy{MaxAttempts: 5, Backoff: time.Second, MaxBackoff: time.Second, MaxWait: time.Minute}
	if got := p.WithDefaults(def); got != want {
		t.Errorf("WithDefaults = %+v, want %+v", got, want)
	}
}
