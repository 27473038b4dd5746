package engine

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// watchdog enforces the per-record time limit of transforms. Each worker
// owns one reusable timedContext that is re-armed per record, and one
// goroutine expires the contexts whose record ran too long. This costs an
// atomic store per record instead of a timer and a context allocation
// (context.WithTimeout), which matters when records take microseconds.
type watchdog struct {
	parent context.Context
	limit  time.Duration
	tick   time.Duration

	mu    sync.Mutex
	ctxs  []*timedContext
	stop  chan struct{}
	ended sync.WaitGroup
}

// newWatchdog starts a watchdog; call close when the workers are done.
func newWatchdog(parent context.Context, limit time.Duration) *watchdog {
	w := &watchdog{parent: parent, limit: limit, tick: max(limit/20, time.Millisecond), stop: make(chan struct{})}
	w.ended.Add(1)
	go w.loop()
	return w
}

// newContext returns a context for one worker.
func (w *watchdog) newContext() *timedContext {
	c := &timedContext{Context: w.parent}
	ch := make(chan struct{})
	c.done.Store(&ch)
	w.mu.Lock()
	w.ctxs = append(w.ctxs, c)
	w.mu.Unlock()
	return c
}

func (w *watchdog) loop() {
	defer w.ended.Done()
	t := time.NewTicker(w.tick)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-w.parent.Done():
			w.expireAll()
			return
		case now := <-t.C:
			w.mu.Lock()
			for _, c := range w.ctxs {
				c.expireIfLate(now)
			}
			w.mu.Unlock()
		}
	}
}

func (w *watchdog) expireAll() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range w.ctxs {
		c.expire(w.parent.Err())
	}
}

// close stops the watchdog.
func (w *watchdog) close() {
	close(w.stop)
	w.ended.Wait()
}

// timedContext is a context whose deadline is re-armed for every record.
// Done is lock-free because jq checks it before every instruction.
type timedContext struct {
	context.Context // the parent: values and cancellation

	mu       sync.Mutex
	deadline time.Time // zero while idle
	done     atomic.Pointer[chan struct{}]
	err      atomic.Pointer[error]
}

// arm starts the time limit for one record.
func (c *timedContext) arm(limit time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err.Load() != nil && c.Context.Err() == nil {
		ch := make(chan struct{}) // the previous record expired: start afresh
		c.done.Store(&ch)
		c.err.Store(nil)
	}
	c.deadline = time.Now().Add(limit)
}

// disarm ends the time limit of the current record.
func (c *timedContext) disarm() {
	c.mu.Lock()
	c.deadline = time.Time{}
	c.mu.Unlock()
}

func (c *timedContext) expireIfLate(now time.Time) {
	c.mu.Lock()
	late := !c.deadline.IsZero() && now.After(c.deadline)
	c.mu.Unlock()
	if late {
		c.expire(context.DeadlineExceeded)
	}
}

func (c *timedContext) expire(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err.Load() != nil || err == nil {
		return
	}
	c.err.Store(&err)
	close(*c.done.Load())
}

// Deadline reports the current record's deadline.
func (c *timedContext) Deadline() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.deadline, !c.deadline.IsZero()
}

// Done is closed when the record's time is up or the parent is cancelled.
func (c *timedContext) Done() <-chan struct{} { return *c.done.Load() }

// Err is context.DeadlineExceeded after a timeout, the parent's error after
// cancellation, and nil otherwise.
func (c *timedContext) Err() error {
	if p := c.err.Load(); p != nil {
		return *p
	}
	return c.Context.Err()
}
