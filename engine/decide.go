package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/orosync/orosync/engine/state"
)

// This file is the decide stage: from the id map and the natural key
// (target.match), whether a document is unchanged, skipped, POSTed or
// PATCHed.

// actionKind is what a document needs.
type actionKind int

const (
	actUnchanged actionKind = iota // the id map holds the same document
	actSkip                        // deliberately not written (write mode)
	actPost                        // create it (POST)
	actUpsert                      // create or update it with Oro's meta.upsert (POST)
	actPatch                       // update Oro record id (PATCH)
	actGone                        // Oro record id no longer exists: find it again or create it
)

// action is the decision for one document.
type action struct {
	kind   actionKind
	id     string // the Oro id to PATCH
	reason string // why it is skipped
	// uncertain marks a dry run's guess: without asking Oro it cannot know
	// whether the record changed or exists (Options.Oro unset).
	uncertain bool
	// why says how the decision was made, for traces.
	why string
}

// decide chooses the action for a resolved document:
//
//	key in the id map, same hash         → unchanged
//	key in the id map, document changed  → PATCH (write: create skips)
//	native_upsert                        → POST with meta.upsert
//	target.match finds one record        → PATCH, remembered (write: create remembers and skips)
//	target.match finds several           → conflict (an error)
//	nothing found                        → POST (write: update skips)
func (mr *mappingRun) decide(ctx context.Context, d *document) (action, Stage, error) {
	mode := mr.m.Target.Write
	typ := mr.m.Target.Type
	if d.key != "" {
		e, ok, err := mr.r.ids.lookup(mr.m.Name, d.key)
		switch {
		case err != nil:
			return action{}, StageState, err
		case ok && e.Hash == d.hashOf() && !mr.r.opts.Force:
			a, stage, err := mr.unchanged(ctx, d, e)
			a.why = fmt.Sprintf("the id map has key %q as %s %s, written with the same document", d.key, typ, e.ID)
			return a, stage, err
		case ok && mode == "create":
			return action{kind: actSkip, reason: fmt.Sprintf("already created as %s %s and write is create, which never updates", typ, e.ID)}, "", nil
		case ok:
			why := fmt.Sprintf("the id map has key %q as %s %s; the document changed since it was written", d.key, typ, e.ID)
			if mr.r.opts.Force {
				why = fmt.Sprintf("the id map has key %q as %s %s; --force sends it whatever its hash", d.key, typ, e.ID)
			}
			return action{kind: actPatch, id: e.ID, uncertain: d.unresolved, why: why}, "", nil
		}
	}
	if len(mr.m.Target.NativeUpsert) > 0 {
		return action{kind: actUpsert, why: "target.native_upsert: Oro creates or updates it (meta.upsert)"}, "", nil
	}
	if len(mr.m.Target.Match) > 0 && mr.oro != nil {
		id, err := mr.match(ctx, d)
		if err != nil {
			return action{}, stageOfLookup(err), err
		}
		switch {
		case id != "" && mode == "create":
			if err := mr.r.ids.remember(mr.m.Name, d.key, id, d.hashOf()); err != nil {
				return action{}, StageState, err
			}
			return action{kind: actSkip, reason: fmt.Sprintf("%s %s already exists (found by target.match) and write is create, which never updates", typ, id)}, "", nil
		case id != "":
			return action{kind: actPatch, id: id, why: fmt.Sprintf("not in the id map; target.match finds %s %s", typ, id)}, "", nil
		}
	}
	guess := mr.oro == nil && len(mr.m.Target.Match) > 0 // a dry run would ask Oro by natural key
	if mode == "update" {
		if guess {
			return mr.dryRunMatchedPatch(ctx, d)
		}
		return action{kind: actSkip, reason: "no Oro record found for it and write is update, which never creates"}, "", nil
	}
	why := "not in the id map, and the mapping has no target.match"
	switch {
	case guess:
		why = "not in the id map; a real run would first look it up by target.match (this dry run does not ask Oro)"
	case len(mr.m.Target.Match) > 0:
		why = "not in the id map, and target.match finds no Oro record"
	}
	return action{kind: actPost, uncertain: guess || d.unresolved && mr.oro == nil, why: why}, "", nil
}

// unchanged decides for a document the id map holds with the same hash:
// nothing to send, unless a check finds that the Oro record no longer
// exists (Options.Verify, or VerifyOlderThan for records Oro has not
// confirmed for that long).
func (mr *mappingRun) unchanged(ctx context.Context, d *document, e state.Entry) (action, Stage, error) {
	opts := mr.r.opts
	due := opts.Verify || opts.VerifyOlderThan > 0 && time.Since(e.LastSeen()) > opts.VerifyOlderThan
	if !due || opts.DryRun {
		return action{kind: actUnchanged}, "", nil
	}
	_, err := mr.r.lookups.find(ctx, mr.oro, mr.m.Target.Type, map[string]any{"id": e.ID})
	switch {
	case errors.Is(err, errNotFound):
		return action{kind: actGone, id: e.ID}, "", nil
	case err != nil:
		return action{}, StageLookup, fmt.Errorf("verify that %s %s still exists: %w", mr.m.Target.Type, e.ID, err)
	}
	e.Verified = time.Now().UTC()
	if err := mr.r.ids.touch(mr.m.Name, d.key, e); err != nil {
		return action{}, StageState, err
	}
	return action{kind: actUnchanged}, "", nil
}

// match looks the document up in Oro by its natural key (target.match). It
// returns "" when nothing matches, and a *conflictError on several matches.
func (mr *mappingRun) match(ctx context.Context, d *document) (string, error) {
	return mr.matchWith(ctx, d, true)
}

// matchAfterLoss is match after a write whose answer was lost, or an
// asynchronous operation, which tells no ids: the key index cannot know
// what Oro stored, so Oro is asked, unless fresh says the index caught up
// with Oro since (catchUpKeys) and knows the natural key.
func (mr *mappingRun) matchAfterLoss(ctx context.Context, d *document, fresh bool) (string, error) {
	if fresh {
		if id, err := mr.matchWith(ctx, d, true); err != nil || id != "" {
			return id, err
		}
	}
	return mr.matchWith(ctx, d, false)
}

// catchUpKeys brings the mapping's key index up to date with the records
// Oro created since it was read (one paged GET of the new records instead
// of one per record) and reports whether it did.
func (mr *mappingRun) catchUpKeys(ctx context.Context) bool {
	return mr.keys != nil && mr.keys.catchUp(ctx, mr.oro)
}

func (mr *mappingRun) matchWith(ctx context.Context, d *document, indexOK bool) (string, error) {
	filter, err := mr.matchFilter(ctx, d)
	if err != nil || filter == nil {
		return "", err
	}
	_, desc, err := filterQuery(filter)
	if err != nil {
		return "", fmt.Errorf("target.match: %w", err)
	}
	typ := mr.m.Target.Type
	ids, err := mr.findByKey(ctx, filter, indexOK)
	if err != nil {
		return "", fmt.Errorf("find %s by %s: %w", typ, desc, err)
	}
	switch len(ids) {
	case 0:
		return "", nil
	case 1:
		return ids[0], mr.claim(d, ids[0], desc)
	}
	return "", &conflictError{msg: fmt.Sprintf("conflict: several %s match %s (ids %s and %s at least); orosync never guesses: make the records unique in Oro or fix target.match", typ, desc, ids[0], ids[1])}
}

// findByKey returns the ids of up to two records a natural key finds: from
// the mapping's key index when it holds the collection, else from Oro
// (batched where the filter takes comma lists).
func (mr *mappingRun) findByKey(ctx context.Context, filter map[string]any, indexOK bool) ([]string, error) {
	if x := mr.keys; x != nil && indexOK {
		if v, err := filterValue(filter[x.field]); err == nil {
			if ids, ok := x.lookup(ctx, mr.oro, v); ok {
				return ids, nil
			}
		}
	}
	return mr.r.lookups.match(ctx, mr.oro, mr.m.Target.Type, filter)
}

// written records that Oro confirmed writing document d as record id: the
// key index learns its natural key, the id map its id (durable before the
// record is reported written), and the log says so at debug level.
func (mr *mappingRun) written(ctx context.Context, d *document, id string, st Status) error {
	mr.noteWritten(ctx, d, id)
	if mr.log.Enabled(ctx, slog.LevelDebug) {
		mr.log.Debug(fmt.Sprintf("%s %s %s", st, mr.m.Target.Type, id), "key", d.key, "id", id)
	}
	if mr.traceOn() {
		mr.trace(StageWrite, d.origin, fmt.Sprintf("Oro answered: %s %s %s", st, mr.m.Target.Type, id), nil)
	}
	if d.key == "" {
		return nil
	}
	return mr.r.ids.remember(mr.m.Name, d.key, id, d.hashOf())
}

// noteWritten tells the mapping's key index that Oro now has record id
// with the document's natural key.
func (mr *mappingRun) noteWritten(ctx context.Context, d *document, id string) {
	if mr.keys == nil {
		return
	}
	filter, err := mr.matchFilter(ctx, d)
	if err != nil || filter == nil {
		return
	}
	if v, err := filterValue(filter[mr.keys.field]); err == nil {
		mr.keys.set(id, v)
	}
}

// claim checks that the Oro record a natural key found is not the record
// of another source key: one Oro record per source key, never a silent
// overwrite of another record's data.
func (mr *mappingRun) claim(d *document, id, desc string) error {
	if d.key == "" {
		return nil
	}
	owner, ok, err := mr.r.ids.keyOf(mr.m.Name, id)
	switch {
	case err != nil:
		return err
	case ok && owner != d.key:
		return &conflictError{msg: fmt.Sprintf("conflict: source keys %q and %q have the same natural key %s: %s %s is already the record of %q, so %q is not written; give them different natural keys in the source or fix target.match",
			owner, d.key, desc, mr.m.Target.Type, id, owner, d.key)}
	}
	return nil
}

// matchFilter evaluates target.match over the document's primary data. It
// returns nil when a value is null or empty: no natural key, nothing to
// find (Oro validates the document itself), and an error when a value is a
// placeholder the resolve stage has not replaced yet.
//
// It is evaluated once per document as long as the document does not
// change: the planner, decide and the key index all ask for it.
func (mr *mappingRun) matchFilter(ctx context.Context, d *document) (map[string]any, error) {
	if !d.filterSet {
		d.filter, d.filterErr = mr.evalMatch(ctx, d)
		d.filterSet = true
	}
	return d.filter, d.filterErr
}

// evalMatch evaluates target.match (see matchFilter).
func (mr *mappingRun) evalMatch(ctx context.Context, d *document) (map[string]any, error) {
	match := mr.m.Target.Match
	names := make([]string, 0, len(match))
	for k := range match {
		names = append(names, k)
	}
	sort.Strings(names)
	ctx, cancel := context.WithTimeout(ctx, mr.r.opts.RecordTimeout)
	defer cancel()
	filter := make(map[string]any, len(names))
	for _, name := range names {
		v, ok, err := match[name].First(ctx, d.doc.Data)
		if err != nil {
			return nil, fmt.Errorf("target.match.%s: %w", name, mr.timeLimit(ctx, "target.match", err))
		}
		if !ok || v == nil || v == "" {
			return nil, nil
		}
		if _, isObj := v.(map[string]any); isObj {
			return nil, fmt.Errorf("target.match.%s: the value is an object, not a string or number", name)
		}
		filter[name] = v
	}
	return filter, nil
}

// dryRunMatchedPatch shows the PATCH an update would send to the record
// target.match finds; a dry run does not look it up, so the id is shown as
// <match type {filter}>.
func (mr *mappingRun) dryRunMatchedPatch(ctx context.Context, d *document) (action, Stage, error) {
	filter, err := mr.matchFilter(ctx, d)
	if err != nil {
		return action{}, StageLookup, err
	}
	desc := "{}"
	if filter != nil {
		if _, desc, err = filterQuery(filter); err != nil {
			return action{}, StageLookup, fmt.Errorf("target.match: %w", err)
		}
	}
	return action{kind: actPatch, id: fmt.Sprintf("<match %s %s>", mr.m.Target.Type, desc), uncertain: true}, "", nil
}

// conflictError is a natural key matching several Oro records.
type conflictError struct{ msg string }

func (e *conflictError) Error() string { return e.msg }

// stageOfLookup is the stage of a failed target.match lookup.
func stageOfLookup(err error) Stage {
	var ce *conflictError
	if errors.As(err, &ce) {
		return StageConflict
	}
	return StageLookup
}
