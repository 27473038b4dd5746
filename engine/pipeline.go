package engine

import (
	"context"
	"sync"
)

// pipeline configures orderedMap.
type pipeline struct {
	// workers run fn concurrently.
	workers int
	// window bounds the batches in flight, so memory stays bounded whatever
	// the number of items.
	window int
	// batch is how many items travel together; batching cuts the
	// synchronisation cost per item when items are cheap (a dry run), and
	// should be 1 when each item is slow (a write to Oro), so that all
	// workers stay busy.
	batch int
}

// orderedMap runs a worker function over the items produced by next and
// hands the results to emit in the order the items were produced, a batch
// (up to p.batch items and their results) at a time.
//
// next returns ok=false when there are no more items (or it failed; the
// caller records why). newWorker is called once per worker goroutine and
// returns that worker's function, so a worker may keep reusable state.
// emit runs on the calling goroutine. When ctx is cancelled, no new items
// are read; items already read are still processed and emitted.
func orderedMap[T, R any](ctx context.Context, p pipeline, next func() (T, bool), newWorker func() func(T) R, emit func([]T, []R)) {
	p.workers = max(p.workers, 1)
	p.batch = max(p.batch, 1)
	p.window = max(p.window, p.workers)
	type slot struct {
		items []T
		res   []R
		done  chan struct{}
	}
	work := make(chan *slot)
	order := make(chan *slot, p.window)
	var wg sync.WaitGroup
	for range p.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn := newWorker()
			for s := range work {
				s.res = make([]R, len(s.items))
				for i, it := range s.items {
					s.res[i] = fn(it)
				}
				close(s.done)
			}
		}()
	}
	go func() {
		defer close(order)
		defer close(work)
		for ctx.Err() == nil {
			s := &slot{items: make([]T, 0, p.batch), done: make(chan struct{})}
			for len(s.items) < p.batch {
				item, ok := next()
				if !ok {
					break
				}
				s.items = append(s.items, item)
			}
			if len(s.items) == 0 {
				return
			}
			order <- s // blocks when window batches are in flight
			work <- s
			if len(s.items) < p.batch {
				return // next reported the end
			}
		}
	}()
	for s := range order {
		<-s.done
		emit(s.items, s.res)
	}
	wg.Wait()
}
