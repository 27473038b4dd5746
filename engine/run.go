package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	"github.com/orosync/orosync/engine/source"
	"github.com/orosync/orosync/engine/state"
	"github.com/orosync/orosync/mappings"
)

// Source yields the records of one mapping; io.EOF ends it. An error of type
// *source.RecordError fails one record and reading goes on; any other error
// is fatal for the mapping.
type Source interface {
	Next(ctx context.Context) (source.Record, error)
	Close() error
}

// SourceOpener opens a mapping's source. cursor is the incremental checkpoint
// (nil for a full read) and limit caps the records read (0 = no cap).
type SourceOpener func(ctx context.Context, m *mappings.Mapping, cursor any, limit int) (Source, error)

// Options configure a run.
type Options struct {
	// DryRun prints the requests a real run would send to Out and sends
	// nothing to Oro; state is read but never written.
	DryRun bool
	// Limit caps the records read per mapping (0 = no cap).
	Limit int
	// Concurrency is the number of records processed at once (default:
	// 4 for writes, the number of CPUs for a dry run).
	Concurrency int
	// RecordTimeout bounds the transform of one record (default 5s).
	RecordTimeout time.Duration
	// APIURL is the Oro API base; it names the Oro instance in the state
	// store and prefixes the URLs of dry-run lines.
	APIURL string
	// Oro writes to Oro; nil in a dry run.
	Oro OroClient
	// OpenSource opens a mapping's records.
	OpenSource SourceOpener
	// DeadLetter receives failed records; required unless DryRun.
	DeadLetter *DeadLetterFile
	// State is the id map and checkpoint store; nil runs without state
	// (create-only mappings, dry runs on a machine without state).
	State StateStore
	// FullRefresh ignores incremental checkpoints for this run (the new
	// checkpoint is still committed on success).
	FullRefresh bool
	// Out receives dry-run request lines (stdout).
	Out io.Writer
	// Log receives progress messages (stderr). Worker goroutines write to
	// it, one line per Write, so it must be safe for concurrent use (the
	// caller shares it with the sources, which log from goroutines too).
	Log io.Writer
}

// Run runs the mappings in dependency order and returns the report. The
// error is non-nil only when the run could not start at all; failures of
// individual mappings are in the report.
func Run(ctx context.Context, ms []*mappings.Mapping, opts Options) (*Report, error) {
	opts.setDefaults()
	order, err := mappings.Order(ms)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	rep := &Report{DryRun: opts.DryRun, Started: start.UTC()}
	if opts.DeadLetter != nil {
		rep.DeadLetter = opts.DeadLetter.Path()
	}
	r := &runner{opts: opts, out: newLineWriter(opts.Out)}
	if opts.APIURL != "" {
		inst, err := state.Instance(opts.APIURL)
		if err != nil {
			return nil, err
		}
		r.instance = inst
	}
	r.ids = newIDCache(opts.State, r.instance, opts.DryRun, referencedMappings(ms))
	if opts.Oro != nil {
		r.lookups = newLookups(ctx, opts.Oro)
	}
	failed := map[string]bool{}
	for _, m := range order {
		if ctx.Err() != nil {
			rep.Mappings = append(rep.Mappings, MappingReport{Mapping: m.Name, File: m.File, Status: "not-run",
				Error: "not run: the run was interrupted"})
			continue
		}
		if dep := failedDependency(m, failed); dep != "" {
			failed[m.Name] = true
			rep.Mappings = append(rep.Mappings, MappingReport{Mapping: m.Name, File: m.File, Status: "not-run",
				Error: fmt.Sprintf("not run because mapping %q, which it runs after, could not proceed", dep)})
			continue
		}
		mr := r.runMapping(ctx, m)
		if mr.Status == "fatal" {
			failed[m.Name] = true
		}
		rep.Mappings = append(rep.Mappings, mr)
	}
	if err := r.out.Flush(); err != nil {
		return nil, fmt.Errorf("write output: %w", err)
	}
	rep.finish(start)
	return rep, nil
}

func (o *Options) setDefaults() {
	if o.Concurrency <= 0 {
		o.Concurrency = 4
		if o.DryRun {
			o.Concurrency = runtime.GOMAXPROCS(0)
		}
	}
	if o.RecordTimeout <= 0 {
		o.RecordTimeout = 5 * time.Second
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
}

// failedDependency returns the first mapping m runs after that could not
// proceed in this run.
func failedDependency(m *mappings.Mapping, failed map[string]bool) string {
	for _, dep := range m.After {
		if failed[dep] {
			return dep
		}
	}
	return ""
}

type runner struct {
	opts     Options
	out      *lineWriter
	instance string // the Oro instance's name in the state store
	ids      *idCache
	lookups  *lookups
}

// mappingRun is the state of one mapping's run.
type mappingRun struct {
	*runner
	m       *mappings.Mapping
	ctx     context.Context
	cancel  context.CancelCauseFunc
	w       writer
	keys    keyLocks
	mu      sync.Mutex
	counts  Counts
	fatal   error
	cursor  cursorTracker
	pending []pendingRecord // records deferred until a parent in the same source is written
	// started is when the mapping started; id-map entries of this mapping
	// written since are "new in this run".
	started time.Time
	// pendingPass is set while deferred records are retried, one at a time
	// in source order; finalPass once they stop making progress: a ref() to
	// the same mapping that is still missing then follows on_missing.
	pendingPass, finalPass bool
	// collectionURL is where POSTs of the target type go.
	collectionURL string
	// watchdog enforces the per-record transform time limit.
	watchdog *watchdog
	// placeholders is false when the transform cannot produce lookup() or
	// ref() placeholders, so documents need not be searched for them.
	placeholders bool
}

// item is one record on its way through the pipeline.
type item struct {
	rec     source.Record
	readErr *source.RecordError
}

// outcome is what processing one record produced.
type outcome struct {
	status   Status
	docs     int
	lines    [][]byte // dry-run request lines
	dead     *DeadLetter
	deferred bool // waiting for a parent in the same source
	cursor   any
}

func (r *runner) runMapping(ctx context.Context, m *mappings.Mapping) MappingReport {
	start := time.Now()
	mr := MappingReport{Mapping: m.Name, File: m.File}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	run := &mappingRun{runner: r, m: m, ctx: ctx, cancel: cancel, started: time.Now().UTC(),
		placeholders: usesPlaceholders(m)}
	if err := run.setup(); err != nil {
		return run.fatalReport(mr, err, start)
	}
	cursor, err := run.startCursor()
	if err != nil {
		return run.fatalReport(mr, err, start)
	}
	src, err := r.opts.OpenSource(ctx, m, cursor, r.opts.Limit)
	if err != nil {
		return run.fatalReport(mr, err, start)
	}
	fmt.Fprintf(r.opts.Log, "%s: reading %s\n", m.Name, describeSource(m))
	run.watchdog = newWatchdog(ctx, r.opts.RecordTimeout)
	readAll := run.process(src)
	if err := src.Close(); err != nil && run.fatal == nil {
		run.fatal = fmt.Errorf("close source: %w", err)
	}
	run.retryPending()
	run.watchdog.close()
	mr.Counts = run.counts
	mr.Duration = Duration(time.Since(start))
	switch {
	case run.fatal != nil:
		mr.Status, mr.Error = "fatal", run.fatal.Error()
	case ctx.Err() != nil:
		mr.Status, mr.Error = "fatal", "interrupted: "+context.Cause(ctx).Error()
	case mr.Failed > 0:
		mr.Status = "failed"
	default:
		mr.Status = "ok"
	}
	if mr.Status != "fatal" && readAll {
		cp, err := run.commitCursor()
		if err != nil {
			mr.Status, mr.Error = "fatal", err.Error()
		}
		mr.Checkpoint = cp
	}
	run.recordRun(mr, start)
	fmt.Fprintf(r.opts.Log, "%s: %d read, %d created, %d updated, %d unchanged, %d skipped, %d failed (%s)\n",
		m.Name, mr.Read, mr.Created, mr.Updated, mr.Unchanged, mr.Skipped, mr.Failed, time.Since(start).Round(time.Millisecond))
	return mr
}

func (run *mappingRun) fatalReport(mr MappingReport, err error, start time.Time) MappingReport {
	mr.Counts = run.counts
	mr.Status, mr.Error = "fatal", err.Error()
	mr.Duration = Duration(time.Since(start))
	fmt.Fprintf(run.opts.Log, "%s: cannot proceed: %v\n", run.m.Name, err)
	return mr
}

// process reads and handles every record of src. It reports whether the
// source was read to its end (so that an incremental checkpoint may move).
func (run *mappingRun) process(src Source) (readAll bool) {
	var readErr error
	next := func() (item, bool) {
		rec, err := src.Next(run.ctx)
		if err == nil {
			return item{rec: rec}, true
		}
		var re *source.RecordError
		if errors.As(err, &re) {
			return item{readErr: re}, true
		}
		if !errors.Is(err, io.EOF) {
			readErr = err
		}
		return item{}, false
	}
	p := pipeline{workers: run.opts.Concurrency, window: 4 * run.opts.Concurrency, batch: 1}
	if run.opts.DryRun {
		p.batch = 64 // nothing waits on the network: cheap records, batch them
	}
	newWorker := func() func(item) outcome {
		tc := run.watchdog.newContext()
		return func(it item) outcome { return run.handle(it, tc) }
	}
	orderedMap(run.ctx, p, next, newWorker, run.collect)
	if readErr != nil && run.fatal == nil && run.ctx.Err() == nil {
		run.fatal = fmt.Errorf("read source: %w", readErr)
	}
	return readErr == nil && run.fatal == nil && run.ctx.Err() == nil && run.opts.Limit == 0
}

// collect runs in source order on the collecting goroutine.
func (run *mappingRun) collect(it item, o outcome) {
	if o.deferred {
		run.pending = append(run.pending, pendingRecord{it: it})
		return
	}
	run.settle(it, o)
}

// settle records the final outcome of a record.
func (run *mappingRun) settle(it item, o outcome) {
	for _, l := range o.lines {
		if err := run.out.Write(l); err != nil {
			run.fail(fmt.Errorf("write output: %w", err))
		}
	}
	if o.dead != nil && run.opts.DeadLetter != nil {
		if err := run.opts.DeadLetter.Write(*o.dead); err != nil {
			run.fail(err)
		}
	}
	if o.dead != nil && run.opts.DryRun {
		fmt.Fprintf(run.opts.Log, "%s: record %s would fail: %s\n", run.m.Name, o.dead.Origin, o.dead.Error.Message)
	}
	run.counts.add(o.status)
	run.counts.Documents += o.docs
	run.cursor.observe(o.cursor)
}

// fail stops the mapping with a fatal error (the first one wins).
func (run *mappingRun) fail(err error) {
	run.mu.Lock()
	defer run.mu.Unlock()
	if run.fatal == nil {
		run.fatal = err
		run.cancel(err)
	}
}

// usesPlaceholders reports whether m's transform may call lookup() or ref().
func usesPlaceholders(m *mappings.Mapping) bool { return m.Transform.MayMakePlaceholders() }

func describeSource(m *mappings.Mapping) string {
	switch {
	case m.Source.HTTP != nil && m.Source.HTTP.URL != nil:
		return m.Source.HTTP.URL.Redacted() // the source logs each request, redacted, itself
	case m.Source.File != nil && m.Source.File.String() == "-":
		return "standard input"
	case m.Source.File != nil:
		return m.Source.File.Redacted()
	}
	return "source"
}
