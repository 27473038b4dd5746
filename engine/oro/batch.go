package oro

// BatchAnswer is Oro's answer to a Batch API request (PATCH on a
// collection, oro-api.md §10).
type BatchAnswer struct {
	// Status is 200 for a synchronous batch that was processed, or 202
	// when Oro accepted it as an asynchronous operation (asked for, or a
	// synchronous batch that took longer than Oro waits, or an Oro before
	// 6.0.4, which ignores X-Mode).
	Status int
	// Data holds the primary records of a processed synchronous batch, in
	// request order (Meta["dataId"] is the id the request gave, if any).
	Data []Resource
	// Included holds its included records (Meta["includeId"] is the
	// temporary id the request gave).
	Included []Resource
	// Operation is the id of the asynchronous operation (202).
	Operation string
}

// AsyncOperation is the state of an asynchronous batch operation
// (asyncoperations/{id}).
type AsyncOperation struct {
	ID string
	// Status is new, running, success, failed or cancelled. success can
	// come with ErrorCount > 0: the good records were written.
	Status string
	// Progress is the fraction done, 0..1 (-1 while Oro says null).
	Progress float64
	// The counts of the summary, filled when the operation ends.
	ReadCount, WriteCount, ErrorCount, CreateCount, UpdateCount int
}

// Finished reports whether the operation ended (success, failed or
// cancelled).
func (o AsyncOperation) Finished() bool {
	switch o.Status {
	case "success", "failed", "cancelled":
		return true
	}
	return false
}
