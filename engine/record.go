package engine

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/orosync/orosync/engine/source"
	"github.com/orosync/orosync/mappings"
)

// Stage names the step of the record pipeline where a record failed; it is
// the "stage" of its dead-letter entry.
type Stage string

// The stages, in pipeline order (see run.go).
const (
	// StageRead: the record could not be read or decoded (its raw text is
	// kept).
	StageRead Stage = "read"
	// StageKey: target.key failed.
	StageKey Stage = "key"
	// StageCursor: incremental.cursor failed.
	StageCursor Stage = "cursor"
	// StageTransform: the jq transform failed, ran past its time limit or
	// produced an invalid document.
	StageTransform Stage = "transform"
	// StageResolve: a ref() or lookup() could not be resolved.
	StageResolve Stage = "resolve"
	// StageLookup: finding the Oro record by target.match failed.
	StageLookup Stage = "lookup"
	// StageConflict: several Oro records match the natural key; orosync
	// never guesses.
	StageConflict Stage = "conflict"
	// StageWrite: Oro refused the write, or its outcome is unknown.
	StageWrite Stage = "write"
	// StageState: the id map could not be read or saved.
	StageState Stage = "state"
	// StageAborted: the record was read but the run stopped before it was
	// written.
	StageAborted Stage = "aborted"
	// StageDecide and StageOutcome name steps of a trace (Options.Trace):
	// what orosync decided to send, and how the record ended.
	StageDecide  Stage = "decide"
	StageOutcome Stage = "outcome"
)

// record is one source record on its way through the pipeline. The prepare
// stage fills it on a worker goroutine; from then on one goroutine at a
// time owns it (the planner, then its writer, then the recorder, handed on
// through channels and the done channel).
type record struct {
	src     source.Record
	readErr *source.RecordError // the source could not read it

	origin string
	value  any    // the decoded source record
	key    string // target.key ("" when the mapping has none)
	cursor any    // incremental.cursor (nil when none)
	docs   []*document
	// prepared is set when key, cursor and transform succeeded; otherwise
	// the outcome is already final.
	prepared bool

	// waitFor are earlier records this one must wait for before it is
	// planned: the previous record with the same key, and records of this
	// mapping that its ref()s point at and that are still being written.
	waitFor []*record
	// tracked are the keys (source keys, natural keys) under which the
	// planner knows the record until it is settled.
	tracked []string

	out outcome
	// done is closed when out is final. A dry run, which plans records
	// inline and never waits, does without it (nil).
	done chan struct{}
}

// document is one output of a record's transform.
type document struct {
	doc  mappings.Document // placeholders resolved by the resolve stage
	key  string            // the id-map key: the record's key, "#i" appended when a record has several documents
	body []byte            // the encoded document, once resolved
	hash string            // hash of body, computed by hashOf
	// parents are the keys of records of the same mapping the document
	// refers to with ref() (read before the placeholders are resolved).
	parents []string
	// origin is the record's origin, for traces.
	origin string
	// unresolved is set in a dry run that does not ask Oro when an id of
	// the document is Oro's to tell (a lookup(), a ref() to a record not
	// written yet): whether it changed cannot be known.
	unresolved bool
	// filter and filterErr are target.match over doc (matchFilter),
	// evaluated once: by the prepare stage, and again only when resolve
	// replaced placeholders. filterSet says they are.
	filter    map[string]any
	filterErr error
	filterSet bool
}

// outcome is what became of a record.
type outcome struct {
	status Status
	// deferred records wait for a parent in the same source that is not
	// written yet; they are planned again after the source ends.
	deferred bool
	lines    [][]byte // dry-run request lines
	dead     *DeadLetter
	// uncertain marks a dry run's guess: the record's outcome depends on
	// what Oro holds, which the dry run did not ask.
	uncertain bool
}

// finish sets the record's outcome and releases those waiting for it.
func (r *record) finish(o outcome) {
	r.out = o
	if r.done != nil {
		close(r.done)
	}
}

// wait waits until the record's outcome is final.
func (r *record) wait() {
	if r.done != nil {
		<-r.done
	}
}

// deadLetter starts the dead-letter entry of the record.
func (r *record) deadLetter(mapping string, stage Stage, err error) *DeadLetter {
	return &DeadLetter{Time: time.Now().UTC(), Mapping: mapping, Origin: r.origin, Key: r.key, Record: r.value,
		Error: FailInfo{Stage: stage, Message: err.Error()}}
}

// failed is the outcome of a record that failed at stage.
func (r *record) failed(mapping string, stage Stage, err error) outcome {
	return outcome{status: Failed, dead: r.deadLetter(mapping, stage, err)}
}

// readFailed is the outcome of a record the source could not read.
func readFailed(mapping string, re *source.RecordError) outcome {
	d := &DeadLetter{Time: time.Now().UTC(), Mapping: mapping, Origin: re.Origin,
		Raw: string(re.Raw), Error: FailInfo{Stage: StageRead, Message: re.Err.Error()}}
	if !utf8.Valid(re.Raw) {
		d.RawBase64 = re.Raw // exactly as read: JSON would replace the bad bytes in raw
	}
	return outcome{status: Failed, dead: d}
}

// aborted is the outcome of a record that was read but not written because
// the run stopped: it is dead-lettered, so nothing read is lost silently.
func (r *record) aborted(ctx context.Context, mapping string) outcome {
	return r.failed(mapping, StageAborted, fmt.Errorf("not written: the run stopped (%v)", context.Cause(ctx)))
}
