package sandbox

import (
	"fmt"
	"strings"
	"time"
)

// Batch API defaults, as Oro's configuration sets them (oro-api.md §10;
// platform ApiBundle DependencyInjection/Configuration.php, oro_api.batch_api).
const (
	// DefaultBatchChunkSize is chunk_size: the primary records of an
	// asynchronous operation are processed in chunks of this many.
	DefaultBatchChunkSize = 100
	// DefaultSyncBatchLimit is sync_processing_limit: the most primary
	// records a synchronous batch (X-Mode: sync) may carry.
	DefaultSyncBatchLimit = 100
	// DefaultSyncBatchIncludedLimit is sync_processing_included_data_limit:
	// the most included records a synchronous batch may carry.
	DefaultSyncBatchIncludedLimit = 50
	// DefaultSyncWaitTimeout is sync_processing_wait_timeout: how long a
	// synchronous batch request waits for its operation before it falls
	// back to 202 and an asynchronous operation.
	DefaultSyncWaitTimeout = 25 * time.Second
)

// BatchOptions configures the Batch API (PATCH on a collection whose
// resource enables update_list, oro-api.md §10). The zero value is Oro's
// defaults with message-queue consumers that start every operation at once.
type BatchOptions struct {
	// ChunkSize is the number of primary records per chunk of an
	// asynchronous operation (default 100).
	ChunkSize int
	// SyncLimit and SyncIncludedLimit cap the primary and included records
	// of a synchronous batch (defaults 100 and 50).
	SyncLimit, SyncIncludedLimit int
	// SyncWaitTimeout is how long a synchronous batch request waits for its
	// operation to finish before it answers 202 (default 25s).
	SyncWaitTimeout time.Duration
	// StartDelay is how long an operation stays "new" before a consumer
	// picks it up, as when the message queue is busy.
	StartDelay time.Duration
	// ConsumersDown leaves every operation "new" until
	// Server.SetConsumersDown(false): no oro:message-queue:consume runs.
	// A synchronous batch then always falls back to 202 after
	// SyncWaitTimeout (§10.2, §13 pitfall 8).
	ConsumersDown bool
	// ChunkDelay is added to the processing of every chunk (slow
	// consumers); operations stay "running" meanwhile.
	ChunkDelay time.Duration
	// DenyCreate and DenyView take the CREATE and VIEW permissions on
	// Asynchronous Operation from the API user (§2.1) from the start (see
	// Server.SetAsyncOperationPermissions).
	DenyCreate, DenyView bool
}

func (b BatchOptions) withDefaults() BatchOptions {
	if b.ChunkSize <= 0 {
		b.ChunkSize = DefaultBatchChunkSize
	}
	if b.SyncLimit <= 0 {
		b.SyncLimit = DefaultSyncBatchLimit
	}
	if b.SyncIncludedLimit <= 0 {
		b.SyncIncludedLimit = DefaultSyncBatchIncludedLimit
	}
	if b.SyncWaitTimeout <= 0 {
		b.SyncWaitTimeout = DefaultSyncWaitTimeout
	}
	b.StartDelay = max(b.StartDelay, 0)
	b.ChunkDelay = max(b.ChunkDelay, 0)
	return b
}

// BatchFault makes the processing of batch operations misbehave (test
// hook, see Server.InjectBatchFault).
type BatchFault struct {
	// Delay is added to the processing of every chunk of the operation, for
	// instance to make a synchronous batch outlast SyncWaitTimeout.
	Delay time.Duration
	// Crash makes every chunk of the operation fail with an unexpected
	// error: nothing of the chunk is stored and the operation ends "failed"
	// with a pointer-less 500 "runtime exception" error, as when a consumer
	// throws before the flush (UpdateListTest::
	// testTryToProcessWhenExceptionOccurredBeforeFlushChunkData).
	Crash bool
	// Times is how many operations are affected: 0 means once, a negative
	// value means every operation.
	Times int
}

// InjectBatchFault adds a fault for the next operations a consumer picks up
// (test hook).
func (s *Server) InjectBatchFault(f BatchFault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Times == 0 {
		f.Times = 1
	}
	s.batchFaults = append(s.batchFaults, &f)
}

// takeBatchFault returns the fault of the operation a consumer starts, or
// the zero BatchFault. The caller holds s.mu.
func (s *Server) takeBatchFault() BatchFault {
	if len(s.batchFaults) == 0 {
		return BatchFault{}
	}
	f := s.batchFaults[0]
	if f.Times > 0 {
		f.Times--
		if f.Times == 0 {
			s.batchFaults = s.batchFaults[1:]
		}
	}
	s.countFault(FaultBatch)
	return *f
}

// batchBanner describes the Batch API setup for the startup banner.
func (s *Server) batchBanner() string {
	b := s.opts.Batch
	var out strings.Builder
	if !s.opts.OroVersion.IsZero() {
		fmt.Fprintf(&out, "  Oro version:   %s (where Oro releases differ, the stand-in follows this one)\n", s.opts.OroVersion)
	}
	out.WriteString("  Batch API:     PATCH <API base>/<type> where Oro enables update_list; 202 and an operation\n" +
		"                 to poll at asyncoperations/<id> (and /errors)")
	fmt.Fprintf(&out, ", in chunks of %d records;\n", b.ChunkSize)
	if s.syncBatchSupported() {
		fmt.Fprintf(&out, "                 X-Mode: sync for up to %d records and %d included, waiting %v for them\n",
			b.SyncLimit, b.SyncIncludedLimit, b.SyncWaitTimeout)
	} else {
		out.WriteString("                 X-Mode is ignored, as before Oro 6.0.4: every batch answers 202\n")
	}
	return out.String()
}

// batchFaultLines describes how the Batch API misbehaves on purpose, for
// ActiveFaults. The caller holds s.mu.
func (s *Server) batchFaultLines() []string {
	var out []string
	b := s.opts.Batch
	if s.consumersDown {
		out = append(out, "batch operations never start: the message-queue consumers are down (sync batches answer 202)")
	} else if b.StartDelay > 0 {
		out = append(out, fmt.Sprintf("batch operations stay \"new\" for %v (busy message queue)", b.StartDelay))
	}
	if b.ChunkDelay > 0 {
		out = append(out, fmt.Sprintf("every batch chunk takes %v (slow consumers)", b.ChunkDelay))
	}
	if s.denyCreate || s.denyView {
		out = append(out, "no permission on asynchronous operations: batch requests get 403")
	}
	if s.denyView {
		out = append(out, "no VIEW permission on asynchronous operations: polling gets 403")
	}
	if n := len(s.batchFaults); n > 0 {
		out = append(out, fmt.Sprintf("%d batch fault(s) pending", n))
	}
	return out
}

// SetAsyncOperationPermissions grants or takes the API user's CREATE and
// VIEW permissions on Asynchronous Operation (test hook; oro-api.md §2.1).
// Submitting a batch needs both (CreateAsyncOperation::
// isCreationOfAsyncOperationGranted): without them it gets 403 "access
// denied exception". Reading an operation or its errors needs VIEW.
func (s *Server) SetAsyncOperationPermissions(create, view bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.denyCreate, s.denyView = !create, !view
}
