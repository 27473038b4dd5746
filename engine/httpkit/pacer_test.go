package httpkit

import (
	"context"
	"errors"
	"testing"
	"time"
)

// sleepClock is a fake clock whose sleep advances it.
type sleepClock struct{ fakeClock }

func (c *sleepClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.Advance(d)
	return nil
}

func TestPacerSpacesRequests(t *testing.T) {
	clock := &sleepClock{fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}}
	p := NewPacer(5)
	start := clock.Now()
	var waited time.Duration
	for range 11 {
		d, err := p.Wait(context.Background(), clock.Now, clock.Sleep)
		if err != nil {
			t.Fatal(err)
		}
		waited += d
	}
	// Eleven requests at 5 per second: the first at once, then one every
	// 200ms, so two seconds in all, never a burst.
	if got := clock.Now().Sub(start); got != 2*time.Second || waited != got {
		t.Errorf("11 requests took %v (waited %v), want exactly 2s", got, waited)
	}
	clock.Advance(time.Hour) // an idle pacer saves up one request, not more
	if d, _ := p.Wait(context.Background(), clock.Now, clock.Sleep); d != 0 {
		t.Errorf("first wait after an idle hour = %v, want 0", d)
	}
	if d, _ := p.Wait(context.Background(), clock.Now, clock.Sleep); d != 200*time.Millisecond {
		t.Errorf("second wait after an idle hour = %v, want 200ms", d)
	}
}

func TestPacerCancel(t *testing.T) {
	clock := &sleepClock{fakeClock{now: time.Now()}} // real time: the deadline below is compared with it
	p := NewPacer(1)
	if _, err := p.Wait(context.Background(), clock.Now, clock.Sleep); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Wait(ctx, clock.Now, clock.Sleep); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait with a canceled context = %v, want context.Canceled", err)
	}
	// The canceled turn was given back: the next request waits one second,
	// not two.
	if d, err := p.Wait(context.Background(), clock.Now, clock.Sleep); err != nil || d != time.Second {
		t.Errorf("Wait after a canceled turn = %v, %v, want 1s", d, err)
	}
	dl, cancel2 := context.WithDeadline(context.Background(), clock.Now().Add(100*time.Millisecond))
	defer cancel2()
	if _, err := p.Wait(dl, clock.Now, clock.Sleep); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait past the deadline = %v, want context.DeadlineExceeded at once", err)
	}
}

func TestNilPacer(t *testing.T) {
	p := NewPacer(0)
	if p != nil || p.Rate() != 0 {
		t.Fatalf("NewPacer(0) = %v, want nil", p)
	}
	if d, err := p.Wait(context.Background(), time.Now, nil); d != 0 || err != nil {
		t.Errorf("nil Pacer Wait = %v, %v, want 0, nil", d, err)
	}
}
