package sandbox

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// This file holds the asynchronous operation a batch request creates
// (platform ApiBundle Entity/AsyncOperation, oro-api.md §10.1): its status,
// progress, summary and errors.

// Operation statuses (AsyncOperation::STATUS_*).
const (
	opNew     = "new"
	opRunning = "running"
	opSuccess = "success"
	opFailed  = "failed"
	// Oro also has "cancelled" (a cancelled MQ job's); the stand-in never
	// cancels.
)

// Titles of whole-operation errors.
const (
	// titleAsyncOperation is how AsyncOperationManager::markAsFailed names
	// a failure of the whole file.
	titleAsyncOperation = "async operation exception"
	// titleSyncOperation is what ProcessSynchronousOperation::getErrorTitle
	// renames it to in a synchronous answer.
	titleSyncOperation = "operation exception"
	// titleRuntime is an unexpected error of a chunk (500).
	titleRuntime = "runtime exception"
)

// operationFileIndex is the file index of errors that belong to the whole
// operation rather than to a chunk: AsyncOperationManager writes them with
// ChunkFile(dataFileName, -1, 0), so their ids read "{op}-0-{n}".
const operationFileIndex = -1

// operation is one asynchronous operation.
type operation struct {
	id         int
	entityType string
	body       []byte // the request body, stored raw and parsed by the consumer
	sync       bool   // processed as a synchronous operation: one chunk, all or nothing

	status               string
	progress             *float64 // nil until the file is split
	createdAt, updatedAt time.Time
	summary              *opSummary // nil until the operation ends
	errFiles             []errFile  // errors by the file they belong to
	result               *syncResult
	done                 chan struct{} // closed when the operation ends
}

// opSummary is the summary of a finished operation (JobListener::getTotalSummary).
type opSummary struct {
	AggregateTime int `json:"aggregateTime"` // milliseconds
	ReadCount     int `json:"readCount"`
	WriteCount    int `json:"writeCount"`
	ErrorCount    int `json:"errorCount"`
	CreateCount   int `json:"createCount"`
	UpdateCount   int `json:"updateCount"`
}

func (a *opSummary) add(b opSummary) {
	a.AggregateTime += b.AggregateTime
	a.ReadCount += b.ReadCount
	a.WriteCount += b.WriteCount
	a.ErrorCount += b.ErrorCount
	a.CreateCount += b.CreateCount
	a.UpdateCount += b.UpdateCount
}

// errFile is the errors Oro's ErrorManager keeps for one file: the chunk
// file with that index, or the whole operation (operationFileIndex).
type errFile struct {
	fileIndex int
	errs      []*apiError
}

// syncResult is what a successful synchronous operation answers: the
// primary records in request order and the included records it wrote.
type syncResult struct {
	data     []resultItem
	included []resultItem
}

// resultItem is one written record and the id the request gave it, if any
// (meta.dataId / meta.includeId).
type resultItem struct {
	ref    Ref
	sentID string
	hasID  bool
}

func newOperation(id int, entityType string, body []byte, sync bool, now time.Time) *operation {
	return &operation{id: id, entityType: entityType, body: body, sync: sync, status: opNew,
		createdAt: now, updatedAt: now, done: make(chan struct{})}
}

// setProgress records the fraction of the job done, rounded to four
// decimals as Oro's job progress is (UpdateListTest expects 0.3333).
func (op *operation) setProgress(done, total int, now time.Time) {
	p := math.Round(float64(done)/float64(total)*10000) / 10000
	op.progress = &p
	op.updatedAt = now
}

// addErrors appends errors to the file fileIndex; errors of the whole
// operation all go to one file, as ErrorManager::writeErrors merges them.
func (op *operation) addErrors(fileIndex int, errs []*apiError) {
	if len(errs) == 0 {
		return
	}
	for i := range op.errFiles {
		if op.errFiles[i].fileIndex == fileIndex {
			op.errFiles[i].errs = append(op.errFiles[i].errs, errs...)
			return
		}
	}
	op.errFiles = append(op.errFiles, errFile{fileIndex: fileIndex, errs: errs})
}

// opError is a stored error with the id Oro gives it.
type opError struct {
	id string
	*apiError
}

// errorList returns the errors in the order and with the ids Oro's
// ErrorManager::readErrors gives them: files sorted by file index, each
// error "{operation}-{file index + 1}-{file position + 1 + error position}".
func (op *operation) errorList() []opError {
	files := slices.Clone(op.errFiles)
	slices.SortStableFunc(files, func(a, b errFile) int { return a.fileIndex - b.fileIndex })
	var out []opError
	for key, f := range files {
		for i, e := range f.errs {
			out = append(out, opError{id: fmt.Sprintf("%d-%d-%d", op.id, f.fileIndex+1, key+1+i), apiError: e})
		}
	}
	return out
}

// fail ends the operation because its file could not be processed at all
// (AsyncOperationManager::markAsFailed): one pointer-less error, status
// failed, the progress left as it was.
func (op *operation) fail(detail string, now time.Time) {
	op.addErrors(operationFileIndex, []*apiError{{Status: 400, Title: titleAsyncOperation, Detail: detail}})
	op.summary = &opSummary{ErrorCount: 1}
	op.end(opFailed, now)
}

// end sets the final status and releases whoever waits for the operation.
func (op *operation) end(status string, now time.Time) {
	op.status = status
	op.updatedAt = now
	if status == opSuccess {
		p := 1.0
		op.progress = &p
	}
	close(op.done)
}

// attributes renders the operation's attributes as Oro's asyncoperations
// resource does (api.yml of ApiBundle; get_async_operation*.yml).
func (op *operation) attributes() map[string]any {
	var summary any
	if op.summary != nil {
		summary = op.summary
	}
	var progress any
	if op.progress != nil {
		progress = *op.progress
	}
	return map[string]any{
		"status":      op.status,
		"progress":    progress,
		"createdAt":   op.createdAt.UTC().Format(timeLayout),
		"updatedAt":   op.updatedAt.UTC().Format(timeLayout),
		"elapsedTime": int(op.updatedAt.Sub(op.createdAt) / time.Second),
		"entityType":  op.entityType,
		"summary":     summary,
	}
}
