package engine

import (
	"time"
)

// Progress is a mapping's counts while it runs (Options.Progress).
type Progress struct {
	// Mapping is the mapping's name.
	Mapping string
	// Counts are the records recorded so far, in source order.
	Counts Counts
	// Elapsed is the time since the mapping started.
	Elapsed time.Duration
	// Done is set on the last call for the mapping: Counts are final.
	Done bool
	// BatchesInFlight counts the mapping's Batch API requests (and the
	// asynchronous operations they became) not answered yet.
	BatchesInFlight int
}

// Rate is the records recorded per second so far.
func (p Progress) Rate() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.Counts.Read) / p.Elapsed.Seconds()
}

// snapshot returns the mapping's progress.
func (mr *mappingRun) snapshot(start time.Time, done bool) Progress {
	mr.countsMu.Lock()
	defer mr.countsMu.Unlock()
	p := Progress{Mapping: mr.m.Name, Counts: mr.counts, Elapsed: time.Since(start), Done: done}
	if mr.batch != nil {
		p.BatchesInFlight = int(mr.batch.inFlight.Load())
	}
	return p
}

// watchProgress calls Options.Progress every ProgressEvery until the
// returned function is called, which makes the last (Done) call.
func (mr *mappingRun) watchProgress(start time.Time) (end func()) {
	report := mr.r.opts.Progress
	if report == nil {
		return func() {}
	}
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(mr.r.opts.ProgressEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				report(mr.snapshot(start, false))
			case <-stop:
				return
			}
		}
	}()
	return func() {
		close(stop)
		<-stopped
		report(mr.snapshot(start, true))
	}
}
