package engine

import (
	"context"
	"sync"
)

// orderedMap runs fn over the items produced by next on n workers and hands
// the results to emit in the order the items were produced. At most window
// items are in flight, so memory stays bounded whatever the number of items.
//
// next returns ok=false when there are no more items (or it failed; the
// caller records why). emit runs on the calling goroutine. When ctx is
// cancelled, pending items are still emitted with whatever fn returned.
func orderedMap[T, R any](ctx context.Context, n, window int, next func() (T, bool), fn func(T) R, emit func(T, R)) {
	if n < 1 {
		n = 1
	}
	if window < n {
		window = n
	}
	type slot struct {
		item T
		res  R
		done chan struct{}
	}
	work := make(chan *slot)
	order := make(chan *slot, window)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range work {
				s.res = fn(s.item)
				close(s.done)
			}
		}()
	}
	go func() {
		defer close(order)
		defer close(work)
		for ctx.Err() == nil {
			item, ok := next()
			if !ok {
				return
			}
			s := &slot{item: item, done: make(chan struct{})}
			order <- s // blocks when window items are in flight
			work <- s
		}
	}()
	for s := range order {
		<-s.done
		emit(s.item, s.res)
	}
	wg.Wait()
}
