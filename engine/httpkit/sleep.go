package httpkit

import (
	"context"
	"time"
)

// Sleep waits d, or until ctx ends and then returns ctx.Err(). It is the
// wait between attempts of every retry loop and poll; components that let
// tests replace their clock take it as their default.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
