package httpkit

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func mustAcquire(t *testing.T, l *Limiter) func(Outcome) {
	t.Helper()
	rel, err := l.Acquire(context.Background())
	if err != nil {
		t.Fatalf("Acquire: %v", err)
	}
	return rel
}

// step acquires one slot and releases it with o, then checks the limit.
func step(t *testing.T, l *Limiter, o Outcome, want int) {
	t.Helper()
	mustAcquire(t, l)(o)
	if got := l.Limit(); got != want {
		t.Fatalf("after %v: Limit() = %d, want %d", o, got, want)
	}
}

func TestLimiterAIMD(t *testing.T) {
	type change struct {
		from, to int
		why      Outcome
	}
	var changes []change
	l := NewLimiter(8, func(from, to int, why Outcome) { changes = append(changes, change{from, to, why}) })
	if l.Limit() != 8 || l.Max() != 8 {
		t.Fatalf("new Limiter: Limit %d, Max %d, want 8, 8", l.Limit(), l.Max())
	}
	step(t, l, Clean, 8) // never above max
	step(t, l, Overloaded, 4)
	step(t, l, Overloaded, 2)
	step(t, l, Overloaded, 1)
	step(t, l, Overloaded, 1) // never below 1
	step(t, l, Ignored, 1)
	step(t, l, Clean, 2) // one clean answer at limit 1
	step(t, l, Clean, 2)
	step(t, l, Ignored, 2) // says nothing, counts nothing
	step(t, l, Clean, 3)   // two clean answers at limit 2
	step(t, l, Clean, 3)
	step(t, l, Clean, 3)
	step(t, l, Overloaded, 1) // the clean count restarts after a decrease
	step(t, l, Clean, 2)
	for range 2 + 3 + 4 + 5 + 6 + 7 {
		mustAcquire(t, l)(Clean)
	}
	if got := l.Limit(); got != 8 {
		t.Errorf("after 27 clean answers from 2: Limit() = %d, want 8", got)
	}
	if len(changes) < 4 || changes[0] != (change{8, 4, Overloaded}) || changes[3] != (change{1, 2, Clean}) {
		t.Errorf("onChange calls = %v, want 8→4 overloaded first and 1→2 clean fourth", changes)
	}
}

func TestLimiterHalvesOncePerWave(t *testing.T) {
	l := NewLimiter(4, nil)
	var wave []func(Outcome)
	for range 4 {
		wave = append(wave, mustAcquire(t, l))
	}
	for _, rel := range wave { // four 429s to requests sent at limit 4
		rel(Overloaded)
	}
	if got := l.Limit(); got != 2 {
		t.Fatalf("after one wave of 429s: Limit() = %d, want 2 (halved once)", got)
	}
	step(t, l, Overloaded, 1) // sent after the decrease: a new signal
}

func TestLimiterBoundsInFlight(t *testing.T) {
	l := NewLimiter(2, nil)
	a, b := mustAcquire(t, l), mustAcquire(t, l)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := l.Acquire(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("third Acquire at limit 2 = %v, want the context's deadline", err)
	}
	if l.waiting() != 0 {
		t.Errorf("Waiting() = %d after a canceled Acquire, want 0", l.waiting())
	}
	got := make(chan func(Outcome))
	go func() { got <- mustAcquire(t, l) }()
	for l.waiting() != 1 {
		time.Sleep(time.Millisecond)
	}
	a(Overloaded) // limit 1 with b still in flight: the waiter must wait on
	select {
	case <-got:
		t.Fatal("a waiter was granted a slot above the lowered limit")
	case <-time.After(20 * time.Millisecond):
	}
	b(Clean) // limit 1 → 2 after one clean answer; nothing in flight
	c := <-got
	if l.InFlight() != 1 {
		t.Errorf("InFlight() = %d, want 1", l.InFlight())
	}
	c(Clean)
	c(Overloaded) // a second release does nothing
	if l.InFlight() != 0 || l.Limit() != 2 {
		t.Errorf("after a double release: InFlight %d, Limit %d, want 0, 2", l.InFlight(), l.Limit())
	}
}

func TestLimiterFIFO(t *testing.T) {
	l := NewLimiter(1, nil)
	hold := mustAcquire(t, l)
	order := make(chan int, 3)
	for i := range 3 {
		go func() {
			rel := mustAcquire(t, l)
			order <- i
			rel(Ignored)
		}()
		for l.waiting() != i+1 {
			time.Sleep(time.Millisecond)
		}
	}
	hold(Ignored)
	for want := range 3 {
		if got := <-order; got != want {
			t.Fatalf("grant %d went to waiter %d, want arrival order", want, got)
		}
	}
}

func TestLimiterConcurrent(t *testing.T) {
	const most = 5
	l := NewLimiter(most, nil)
	var inFlight, peak atomic.Int64
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			rel, err := l.Acquire(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			n := inFlight.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			time.Sleep(100 * time.Microsecond)
			inFlight.Add(-1)
			o := Clean
			if i%7 == 0 {
				o = Overloaded
			}
			rel(o)
		})
	}
	wg.Wait()
	if p := peak.Load(); p > most || p < 1 {
		t.Errorf("peak in flight = %d, want 1..%d", p, most)
	}
	if l.InFlight() != 0 || l.waiting() != 0 || l.Limit() < 1 || l.Limit() > most {
		t.Errorf("after the run: InFlight %d, Waiting %d, Limit %d", l.InFlight(), l.waiting(), l.Limit())
	}
}

func TestOutcomeOf(t *testing.T) {
	tests := map[int]Outcome{0: Ignored, 200: Clean, 204: Clean, 301: Clean, 400: Clean, 401: Clean, 404: Clean,
		429: Overloaded, 500: Ignored, 502: Ignored, 503: Overloaded, 504: Ignored}
	for status, want := range tests {
		if got := OutcomeOf(status); got != want {
			t.Errorf("OutcomeOf(%d) = %v, want %v", status, got, want)
		}
	}
}

// waiting returns the number of requests waiting for a slot.
func (l *Limiter) waiting() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.waiters.Len()
}
