package engine

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync/atomic"

	"github.com/orosync/orosync/engine/oro"
)

// slots bounds the requests to Oro in flight of a run
// (Options.Concurrency) and tells how many wait for one.
type slots struct {
	sem     chan struct{}
	waiting atomic.Int64
}

func newSlots(n int) *slots { return &slots{sem: make(chan struct{}, n)} }

// busy reports whether a full round of requests waits for a slot: sending
// one more request now would only queue it behind them.
func (s *slots) busy() bool { return s.waiting.Load() >= int64(cap(s.sem)) }

// gate is a mapping's way to Oro: it bounds the requests in flight, shared
// with every mapping of the run (Options.Concurrency), and once the mapping
// stops it refuses new requests, so that nothing is sent whose outcome the
// stopping run would not wait for.
type gate struct {
	oro   OroClient
	slots *slots // shared by the run
	// stopped is closed when the mapping stops; why says why.
	stopped <-chan struct{}
	why     func() error
}

// newGate returns the gate of a mapping (or of the run's lookups) that
// stops with stop.
func newGate(c OroClient, s *slots, stop context.Context) *gate {
	return &gate{oro: c, slots: s, stopped: stop.Done(), why: func() error { return context.Cause(stop) }}
}

// enter waits for a free slot. It fails once the mapping stopped (or when
// ctx ends), also when a slot was free at the same moment.
func (g *gate) enter(ctx context.Context) error {
	if err := g.refused(); err != nil {
		return err
	}
	select {
	case g.slots.sem <- struct{}{}:
	default:
		if err := g.wait(ctx); err != nil {
			return err
		}
	}
	if err := g.refused(); err != nil {
		g.leave()
		return err
	}
	return nil
}

// wait blocks until a slot is free, counted as waiting.
func (g *gate) wait(ctx context.Context) error {
	g.slots.waiting.Add(1)
	defer g.slots.waiting.Add(-1)
	select {
	case g.slots.sem <- struct{}{}:
		return nil
	case <-g.stopped:
		return g.refused()
	case <-ctx.Done():
		return fmt.Errorf("waiting to send a request: %w", context.Cause(ctx))
	}
}

// errNotSent marks a request the gate refused because the mapping stopped.
var errNotSent = errors.New("not sent: the run stopped")

// refused returns why no new request may start, or nil.
func (g *gate) refused() error {
	select {
	case <-g.stopped:
		return fmt.Errorf("%w (%w)", errNotSent, g.why())
	default:
		return nil
	}
}

func (g *gate) leave() { <-g.slots.sem }

// Create implements OroClient.
func (g *gate) Create(ctx context.Context, typ string, doc []byte) (*oro.Resource, error) {
	if err := g.enter(ctx); err != nil {
		return nil, err
	}
	defer g.leave()
	return g.oro.Create(ctx, typ, doc)
}

// Update implements OroClient.
func (g *gate) Update(ctx context.Context, typ, id string, doc []byte) (*oro.Resource, error) {
	if err := g.enter(ctx); err != nil {
		return nil, err
	}
	defer g.leave()
	return g.oro.Update(ctx, typ, id, doc)
}

// List implements OroClient.
func (g *gate) List(ctx context.Context, typ string, q url.Values, limit int) ([]oro.Resource, error) {
	if err := g.enter(ctx); err != nil {
		return nil, err
	}
	defer g.leave()
	return g.oro.List(ctx, typ, q, limit)
}

// GetWith implements OroClient.
func (g *gate) GetWith(ctx context.Context, typ, id string, q url.Values) (*oro.Resource, error) {
	if err := g.enter(ctx); err != nil {
		return nil, err
	}
	defer g.leave()
	return g.oro.GetWith(ctx, typ, id, q)
}

// batchClient returns the client's Batch API, which batch writes need
// (batchMode checks it exists before a batcher is made).
func (g *gate) batchClient() BatchClient { return g.oro.(BatchClient) }

// UpdateList implements BatchClient.
func (g *gate) UpdateList(ctx context.Context, typ string, doc []byte, sync bool) (*oro.BatchAnswer, error) {
	if err := g.enter(ctx); err != nil {
		return nil, err
	}
	defer g.leave()
	return g.batchClient().UpdateList(ctx, typ, doc, sync)
}

// AsyncOperation implements BatchClient. Polling is not refused after a
// stop: an operation Oro accepted is followed until the write context
// ends.
func (g *gate) AsyncOperation(ctx context.Context, id string) (*oro.AsyncOperation, error) {
	return g.batchClient().AsyncOperation(ctx, id)
}

// AsyncOperationErrors implements BatchClient.
func (g *gate) AsyncOperationErrors(ctx context.Context, id string) ([]oro.ErrorObject, error) {
	return g.batchClient().AsyncOperationErrors(ctx, id)
}

// Count implements OroCounter.
func (g *gate) Count(ctx context.Context, typ string, q url.Values) (int, error) {
	c, ok := g.oro.(OroCounter)
	if !ok {
		return 0, fmt.Errorf("count %s: the Oro client cannot count", typ)
	}
	if err := g.enter(ctx); err != nil {
		return 0, err
	}
	defer g.leave()
	return c.Count(ctx, typ, q)
}
