package httpkit

import (
	"net/http"
	"testing"
	"time"
)

func TestBudgetAttempts(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b := NewBudget(Policy{MaxAttempts: 3, Backoff: time.Second}, now)
	for i := 1; i <= 2; i++ {
		if _, ok := b.Next(nil, now); !ok {
			t.Fatalf("Next after failed attempt %d: ok = false, want a third attempt", i)
		}
	}
	if _, ok := b.Next(nil, now); ok {
		t.Error("Next after the third failed attempt: ok = true, want false")
	}
	if got := b.Attempts(); got != 3 {
		t.Errorf("Attempts() = %d, want 3", got)
	}
	if _, ok := NewBudget(Policy{}, now).Next(nil, now); ok {
		t.Error("zero Policy: ok = true, want a single attempt")
	}
}

func TestBudgetChargesAttemptsAndWaits(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h := http.Header{"Retry-After": {"10"}} // fixed waits, no jitter
	b := NewBudget(Policy{MaxAttempts: 100, Backoff: time.Second, MaxBackoff: time.Minute, MaxWait: time.Minute}, start)
	now := start.Add(30 * time.Second) // the first attempt hung for 30s
	w, ok := b.Next(h, now)
	if !ok || w != 10*time.Second {
		t.Fatalf("Next at 30s = %v, %v, want 10s, true", w, ok)
	}
	now = now.Add(w + 15*time.Second) // the wait and a second attempt of 15s: 55s
	if _, ok := b.Next(h, now); ok {
		t.Error("Next at 55s with a 10s wait: ok = true, want false (past MaxWait 1m)")
	}
	if got := b.Spent(now); got != 55*time.Second {
		t.Errorf("Spent = %v, want 55s", got)
	}
	if got := b.waited; got != 10*time.Second {
		t.Errorf("Waited = %v, want 10s", got)
	}

	b = NewBudget(Policy{MaxAttempts: 100, MaxWait: time.Minute}, start)
	b.Exclude(40 * time.Second) // waiting for a turn is not the server's fault
	b.Exclude(-time.Hour)       // ignored
	if got := b.Spent(start.Add(55 * time.Second)); got != 15*time.Second {
		t.Errorf("Spent with 40s excluded = %v, want 15s", got)
	}
	if _, ok := b.Next(h, start.Add(55*time.Second)); !ok {
		t.Error("Next with 15s charged and a 10s wait: ok = false, want true")
	}
}

func TestBudgetRetryAfterCapped(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b := NewBudget(Policy{MaxAttempts: 5, Backoff: time.Second, MaxBackoff: 30 * time.Second}, now)
	w, ok := b.Next(http.Header{"Retry-After": {"3600"}}, now)
	if !ok || w != 30*time.Second {
		t.Errorf("Next(Retry-After: 3600) = %v, %v, want 30s (MaxBackoff), true", w, ok)
	}
	date := now.Add(10 * time.Minute).Format(http.TimeFormat)
	if w, ok := b.Next(http.Header{"Retry-After": {date}}, now); !ok || w != 30*time.Second {
		t.Errorf("Next(Retry-After: a date in 10m) = %v, %v, want 30s, true", w, ok)
	}
}

func TestBudgetCountsWaitsWhenTheClockStands(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h := http.Header{"Retry-After": {"4"}}
	b := NewBudget(Policy{MaxAttempts: 100, MaxBackoff: time.Minute, MaxWait: 10 * time.Second}, now)
	for i := range 2 {
		if _, ok := b.Next(h, now); !ok {
			t.Fatalf("wait %d of 4s: ok = false, want true within 10s", i+1)
		}
	}
	if _, ok := b.Next(h, now); ok {
		t.Error("third wait of 4s with a clock that did not move: ok = true, want false (12s > 10s)")
	}
}
