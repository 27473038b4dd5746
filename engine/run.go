package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/orosync/orosync/engine/httpkit"
	"github.com/orosync/orosync/engine/oro"
	"github.com/orosync/orosync/engine/source"
	"github.com/orosync/orosync/engine/state"
	"github.com/orosync/orosync/mappings"
	"github.com/orosync/orosync/resources"
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
	// Concurrency bounds the requests to Oro in flight at once (default 4).
	Concurrency int
	// RecordTimeout bounds every jq evaluation of one record: its key,
	// cursor, transform and natural-key match (default 5s).
	RecordTimeout time.Duration
	// APIURL is the Oro API base; it names the Oro instance in the state
	// store and prefixes the URLs of dry-run lines.
	APIURL string
	// Oro is the connection to Oro. In a dry run it is optional and only
	// read (GETs: lookup() ids, records found by target.match, related
	// records of updates), so that the preview shows what a real run would
	// send; a dry run never writes.
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
	// Partial says the sources hold a part of the records (a retry of
	// dead letters): incremental checkpoints never move.
	Partial bool
	// Out receives dry-run request lines (stdout).
	Out io.Writer
	// Logger receives the run's log: each mapping's start and end (info),
	// what it decided about a record that needs a word (a skip, a record
	// gone from Oro; info), lost answers and refused batches (warn), and
	// every write (debug). Entries about a mapping carry its name as the
	// "mapping" attribute. nil logs nothing.
	Logger *slog.Logger
	// Progress, when set, is called every ProgressEvery (default 1s) while
	// a mapping runs, and once when it ends, with its counts so far.
	Progress func(Progress)
	// ProgressEvery is the interval of Progress calls.
	ProgressEvery time.Duration
	// Trace, when set, receives every step of every record (orosync
	// explain runs one record with it). It is called from the goroutines
	// of the pipeline.
	Trace func(Step)
	// BatchOff writes one request per record whatever target.batch says.
	BatchOff bool
	// StopGrace is how long requests already sent may take to answer once
	// a mapping stops (fatal error, interrupt), so that their outcome is
	// recorded (default 10s).
	StopGrace time.Duration
	// Retry paces and bounds a POST (or batch) whose answer was lost and
	// that is sent again after a natural-key lookup found nothing, when the
	// client does not give its own (*oro.Client does: its retry policy);
	// zero fields take the client's defaults.
	Retry httpkit.Policy
	// Verify checks that the Oro records the id map holds for unchanged
	// documents still exist (batched GETs by id); a record deleted in Oro
	// is found again by its natural key or created again.
	Verify bool
	// VerifyOlderThan verifies, like Verify, the records Oro last
	// confirmed longer ago than this (0: only with Verify).
	VerifyOlderThan time.Duration
	// Force writes every document, unchanged ones included.
	Force bool
	// OroVersion is the Oro version of the instance, when known: it decides
	// which Batch API a mapping uses (zero: the newest).
	OroVersion resources.Version
	// BatchSize and BatchIncluded bound a batch: primary and included
	// records per Batch API request (defaults 100 and 50, Oro's limits of
	// the synchronous Batch API).
	BatchSize, BatchIncluded int
	// BatchDeadline bounds the wait for an asynchronous batch operation
	// (default 30 minutes).
	BatchDeadline time.Duration
	// BatchPoll is the first wait between polls of an asynchronous
	// operation, doubled up to 10 s (default 250 ms).
	BatchPoll time.Duration
	// StopAfterSameErrors stops a mapping whose first records all fail
	// with the same answer from Oro (status, title, pointer), this many in
	// a row with no success before: a configuration error (default 10;
	// negative: never).
	StopAfterSameErrors int
}

// Run runs the mappings in dependency order and returns the report.
//
// The error is non-nil only when the run cannot start: the mappings cannot
// be ordered (a mappings.ErrorList: invalid mapping files) or APIURL names
// no Oro instance. Everything that happens once the run started (a mapping
// that cannot proceed, an interrupted run, output that cannot be written)
// is in the report, whose ExitCode says how the run ended.
func Run(ctx context.Context, ms []*mappings.Mapping, opts Options) (*Report, error) {
	opts.setDefaults()
	order, err := mappings.Order(ms)
	if err != nil {
		return nil, err
	}
	r := &runner{opts: opts, out: newLineWriter(opts.Out)}
	if opts.APIURL != "" {
		if r.instance, err = state.Instance(opts.APIURL); err != nil {
			return nil, err
		}
	}
	if opts.DryRun && opts.Oro != nil {
		opts.Oro = readOnly{c: opts.Oro}
		r.opts.Oro = opts.Oro
	}
	r.running = make(map[string]bool, len(ms))
	for _, m := range ms {
		r.running[m.Name] = true
	}
	r.ids = newIDMap(opts.State, r.instance, opts.DryRun, ms)
	defer r.ids.close()
	r.slots = newSlots(opts.Concurrency)
	if opts.Oro != nil {
		r.lookups = newLookups(r.slots.busy)
	}
	start := time.Now()
	rep := &Report{DryRun: opts.DryRun, Verified: opts.Verify, Started: start.UTC()}
	if opts.DeadLetter != nil {
		rep.DeadLetter = opts.DeadLetter.Path()
	}
	stopped := map[string]bool{} // mappings that could not proceed
	for _, m := range order {
		rep.Mappings = append(rep.Mappings, r.runOrSkip(ctx, m, stopped))
	}
	if err := r.out.Flush(); err != nil {
		rep.Error = fmt.Sprintf("write output: %v", err)
	}
	if dl := opts.DeadLetter; dl != nil {
		// The file at the path is this run's: an earlier run's is moved
		// aside, also when this run had no failures.
		if _, err := dl.Rotate(); err != nil && rep.Error == "" {
			rep.Error = err.Error()
		}
		rep.PreviousDeadLetter = dl.Rotated()
	}
	rep.finish(start)
	return rep, nil
}

func (o *Options) setDefaults() {
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.RecordTimeout <= 0 {
		o.RecordTimeout = 5 * time.Second
	}
	if o.StopGrace <= 0 {
		o.StopGrace = 10 * time.Second
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 100
	}
	if o.BatchIncluded <= 0 {
		o.BatchIncluded = 50
	}
	if o.BatchDeadline <= 0 {
		o.BatchDeadline = 30 * time.Minute
	}
	if o.BatchPoll <= 0 {
		o.BatchPoll = 250 * time.Millisecond
	}
	if o.StopAfterSameErrors == 0 {
		o.StopAfterSameErrors = 10
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = time.Second
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
}

// runner holds what the mappings of one run share.
type runner struct {
	opts     Options
	running  map[string]bool // the mappings of this run
	out      *lineWriter
	instance string   // the Oro instance's name in the state store
	ids      *idMap   // every mapping's source key → Oro id
	slots    *slots   // requests to Oro in flight (Options.Concurrency)
	lookups  *lookups // lookup() answers, batched and cached for the run; nil in a dry run
}

// runOrSkip runs m unless the run was interrupted or a mapping it runs
// after could not proceed; then m is reported not-run.
func (r *runner) runOrSkip(ctx context.Context, m *mappings.Mapping, stopped map[string]bool) MappingReport {
	notRun := func(why string) MappingReport {
		stopped[m.Name] = true
		return MappingReport{Mapping: m.Name, File: m.File, Status: StatusNotRun, Error: why}
	}
	if ctx.Err() != nil {
		return notRun("not run: the run was interrupted")
	}
	for _, dep := range m.After {
		if stopped[dep] {
			return notRun(fmt.Sprintf("not run because mapping %q, which it runs after, could not proceed", dep))
		}
	}
	mr := r.runMapping(ctx, m)
	if mr.Status == StatusFatal {
		stopped[m.Name] = true
	}
	return mr
}

// mappingRun is the run of one mapping.
type mappingRun struct {
	r *runner
	m *mappings.Mapping
	// log is the run's logger with the mapping's name.
	log *slog.Logger
	// collectionURL is where POSTs of the target type go.
	collectionURL string
	// placeholders is false when the transform calls neither lookup() nor
	// ref(), so documents need not be searched for placeholders.
	placeholders bool
	// oro sends the mapping's requests; nil in a dry run.
	oro *gate
	// batch collects the mapping's writes into Batch API requests; nil
	// when each record is its own request.
	batch *batcher
	// keys indexes the collection by the natural key when target.match is
	// one field whose filter takes no list; nil otherwise.
	keys *keyIndex
	// stop ends the mapping's context (a fatal error).
	stop context.CancelCauseFunc

	// active bounds the records being resolved, decided and written.
	active chan struct{}

	mu        sync.Mutex
	fatal     error              // the first fatal error
	lastByKey map[string]*record // the latest planned record of each key

	// Owned by the recorder (settle); counts is read by Progress too.
	guard     errorGuard
	countsMu  sync.Mutex
	counts    Counts
	uncertain int // dry-run records whose outcome depends on Oro
	cursor    cursorTracker
	deferred  []*record // waiting for a parent later in the source
	// finalPass is set once deferred records stop making progress: a ref()
	// to this mapping that is still missing then follows on_missing.
	finalPass bool
}

// runMapping runs one mapping: opens its source and sends every record
// through the pipeline, then plans the records that waited for a parent,
// commits the incremental checkpoint and reports.
func (r *runner) runMapping(ctx context.Context, m *mappings.Mapping) MappingReport {
	start := time.Now()
	parent := ctx
	ctx, stop := context.WithCancelCause(parent)
	defer stop(nil)
	writeCtx, endWrites := context.WithCancelCause(context.WithoutCancel(parent))
	defer endWrites(nil)
	defer context.AfterFunc(ctx, func() {
		time.AfterFunc(r.opts.StopGrace, func() {
			endWrites(fmt.Errorf("no answer within %s after the run stopped", r.opts.StopGrace))
		})
	})()
	mr := &mappingRun{r: r, m: m, log: r.opts.Logger.With("mapping", m.Name), stop: stop, collectionURL: r.apiURL(m.Target.Type),
		placeholders: m.Transform.MayMakePlaceholders(), lastByKey: map[string]*record{},
		guard: errorGuard{limit: r.opts.StopAfterSameErrors}}
	if r.opts.Oro != nil {
		mr.oro = newGate(r.opts.Oro, r.slots, ctx)
	}
	active := activeRecords(r.opts.Concurrency)
	if mode := mr.batchMode(); mode != "" {
		mr.batch = newBatcher(mr, mode)
		// Every request in flight a full batch, and as many records again
		// being looked up and gathered into the next batches; also with
		// --concurrency 1, as Oro processes a batch in order.
		active = max(active, (r.opts.Concurrency+1)*r.opts.BatchSize)
	}
	mr.active = make(chan struct{}, active)
	mr.keys = mr.newKeyIndex()
	if err := mr.checkRefsRan(); err != nil {
		mr.fail(err)
		return mr.report(ctx, start, false)
	}
	unlock, err := r.lockMapping(ctx, m.Name, func(err error) {
		mr.fail(fmt.Errorf("lost the run lock, so the mapping stopped before another run could write the same records; "+
			"what Oro confirmed is in the state, run it again: %w", err))
	})
	if err != nil {
		mr.fail(err)
		return mr.report(ctx, start, false)
	}
	defer unlock()
	src, err := mr.open(ctx)
	if err != nil {
		mr.fail(err)
		return mr.report(ctx, start, false)
	}
	mr.log.Info("reading " + describeSource(m))
	endProgress := mr.watchProgress(start)
	readAll := mr.pipeline(ctx, writeCtx, src)
	if err := src.Close(); err != nil {
		mr.fail(fmt.Errorf("close source: %w", err))
	}
	mr.planDeferred(ctx, writeCtx)
	if mr.batch != nil {
		mr.batch.close(writeCtx)
	}
	endProgress()
	return mr.report(ctx, start, readAll)
}

// lockMapping takes the mapping's run lock when the state store is shared
// (a Locker) and the run writes: two runs of one mapping against one Oro
// would both create the records neither has in its id map yet. The lock is
// held until the mapping's report, checkpoint included, is stored; lost is
// called if the store loses it before.
func (r *runner) lockMapping(ctx context.Context, mapping string, lost func(error)) (unlock func(), err error) {
	l, ok := r.opts.State.(Locker)
	if !ok || r.opts.DryRun || !r.ids.persistent() {
		return func() {}, nil
	}
	unlock, err = l.Lock(ctx, r.instance, mapping, lost)
	if err != nil {
		return nil, fmt.Errorf("take the run lock: %w", err)
	}
	return unlock, nil
}

// pipeline sends every record of src through the stages of the record
// pipeline and reports whether the source was read to its end:
//
//	read        src.Next                                one goroutine
//	key         target.key                              ┐ prepare.go: on every core,
//	cursor      incremental.cursor                      │ in parallel, results in
//	transform   the jq transform → documents            ┘ source order
//	resolve     ref() and lookup() → Oro ids            ┐ plan.go: a goroutine per record
//	decide      id map, target.match → POST/PATCH/...   │ (a window of them), after the
//	write       the request (or the dry-run line)       ┘ earlier records it depends on
//	record      dead letter, counts, cursor             settle.go: in source order
//
// A record that fails at a stage skips the rest and is dead-lettered when
// it is recorded; the id map moves in the write stage, right after Oro
// acknowledged a write.
//
// ctx ends when the mapping stops; writeCtx, the context of requests to
// Oro, ends Options.StopGrace later (see plan.go).
func (mr *mappingRun) pipeline(ctx, writeCtx context.Context, src Source) (readAll bool) {
	// Records travel in batches, which keeps the cost of handing them from
	// stage to stage small next to a transform of a few microseconds.
	batch := 8
	if mr.r.opts.DryRun {
		batch = 64 // nothing waits on the network: cheap records, bigger batches
	}
	// Planned records wait in the planned channel until they are recorded
	// in source order: it must hold every record that may be in flight
	// (mr.active). Prepared records only wait for the planner: a few
	// batches suffice there.
	window := max(1, cap(mr.active)/batch)
	prepared := make(chan []*record, min(window, 16))
	var readErr error
	go func() {
		defer close(prepared)
		readErr = mr.prepareAll(ctx, src, batch, prepared)
	}()
	planned := make(chan []*record, window)
	go func() {
		defer close(planned)
		for recs := range prepared {
			for _, rec := range recs {
				mr.plan(ctx, writeCtx, rec)
			}
			planned <- recs
		}
	}()
	for recs := range planned {
		for _, rec := range recs {
			rec.wait()
			mr.settle(rec)
		}
	}
	if readErr != nil && ctx.Err() == nil {
		mr.fail(fmt.Errorf("read source: %w", readErr))
	}
	return readErr == nil && mr.fatalErr() == nil && ctx.Err() == nil && mr.r.opts.Limit == 0 && !mr.r.opts.Partial
}

// prepareAll reads src and prepares its records on every core, sending them
// to out in source order, batch at a time. It returns the error that ended
// reading (nil at the end of the source).
func (mr *mappingRun) prepareAll(ctx context.Context, src Source, batch int, out chan<- []*record) error {
	var readErr error
	newRecord := func() *record {
		if mr.r.opts.DryRun {
			return &record{} // planned inline: nobody waits for it
		}
		return &record{done: make(chan struct{})}
	}
	next := func() (*record, bool) {
		rec, err := src.Next(ctx)
		if err == nil {
			r := newRecord()
			r.src = rec
			return r, true
		}
		var re *source.RecordError
		if errors.As(err, &re) {
			r := newRecord()
			r.readErr = re
			return r, true
		}
		if !errors.Is(err, io.EOF) {
			readErr = err
		}
		return nil, false
	}
	cpus := runtime.GOMAXPROCS(0)
	p := pipeline{workers: cpus, window: 4 * cpus, batch: batch}
	work := func() func(*record) bool {
		return func(rec *record) bool { return mr.prepare(ctx, rec) }
	}
	orderedMap(ctx, p, next, work, func(recs []*record, ok []bool) {
		for i, rec := range recs {
			rec.prepared = ok[i]
		}
		out <- recs
	})
	return readErr
}

// fail stops the mapping with a fatal error (the first one wins).
func (mr *mappingRun) fail(err error) {
	mr.mu.Lock()
	defer mr.mu.Unlock()
	if mr.fatal == nil {
		mr.fatal = err
		mr.stop(err)
	}
}

func (mr *mappingRun) fatalErr() error {
	mr.mu.Lock()
	defer mr.mu.Unlock()
	return mr.fatal
}

// failIfFatal stops the mapping when a record's error is one every later
// record would hit too (authentication, a refused request format, Oro
// unreachable, a query parameter Oro does not support, a state store that
// cannot save).
func (mr *mappingRun) failIfFatal(rec *record, err error) {
	var sf *stateFailure
	if errors.As(err, &sf) {
		mr.fail(fmt.Errorf("record %s: %w", rec.origin, err))
		return
	}
	if p, ok := queryRefused(err); ok {
		mr.fail(fmt.Errorf("record %s: Oro refuses the query parameter %s (%s: %s): check the filters of target.match and lookup() against what %s supports (orosync validate checks them): %w",
			rec.origin, p.Parameter, p.Title, p.Detail, mr.m.Target.Type, err))
		return
	}
	if oro.IsFatal(err) {
		mr.fail(fmt.Errorf("record %s: %w", rec.origin, err))
	}
}

// describeSource names the source for the progress log, secrets redacted.
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
