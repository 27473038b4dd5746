package sandbox

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/orosync/orosync/resources"
)

// This file holds the rules of the "included" section of a write: included
// objects are created with temporary ids or update existing records, and
// every one must be linked to the primary data (oro-api.md §6).

// planIncluded registers an included object: a create with a temporary id
// (also when the id is that of an existing record: without meta the id is
// only a temporary one, oro-api.md §6, §7), or an update of an existing
// record with meta.update (see planIncludedUpdate).
func (t *tx) planIncluded(o *object) {
	sp := t.st.spec(o.typ)
	if sp == nil {
		t.fail(badPointer(titleEntityType, fmt.Sprintf("Unknown entity type: %s.", o.typ), o.pointer+"/type"))
		return
	}
	ops, err := parseMeta(o, o.pointer+"/meta", metaIncluded)
	if err != nil {
		t.fail(err)
		return
	}
	if ops.upsert != nil {
		// Oro upserts included objects (NormalizeIncludedData::
		// loadIncludedEntity; oro-api.md §6, UpsertInIncludedDataTest); the
		// stand-in does not emulate it and refuses rather than guess.
		t.fail(badPointer(titleValue, "The sandbox does not emulate meta.upsert in included data.", o.pointer+"/meta/upsert"))
		return
	}
	if !ops.update {
		t.checkAllowed(sp, resources.Create, o)
		t.plan(sp, o, nil)
		return
	}
	t.planIncludedUpdate(sp, o)
}

// planIncludedUpdate registers an included object with meta.update: its id
// must be a valid id of an existing record of its type. Oro refuses
// otherwise with 400, not 404 (platform ApiBundle
// Processor/Shared/JsonApi/NormalizeIncludedData::loadIncludedEntity and
// normalizeEntityId):
//   - an id that is not an id of the type (e.g. not an integer): "entity
//     identifier constraint" pointing at /included/N/id, the detail being
//     the id transformer's message;
//   - no such record: "entity constraint", "The entity does not exist.",
//     pointing at /included/N.
//
// The record must also be linked to the primary data, which checkConnected
// verifies for every included object.
func (t *tx) planIncludedUpdate(sp *resourceSpec, o *object) {
	if !validID(sp, o.id) {
		t.fail(&apiError{Status: http.StatusBadRequest, Title: titleEntityID,
			Detail: fmt.Sprintf("Expected integer value. Given %q.", o.id), Pointer: o.pointer + "/id"})
		return
	}
	old := t.st.get(o.typ, o.id)
	if old == nil {
		t.fail(badPointer(titleEntity, detailNoEntity, o.pointer))
		return
	}
	t.checkAllowed(sp, resources.Update, o)
	t.plan(sp, o, old)
}

// validID reports whether id can be an id of sp: an integer for
// auto-generated ids, anything for client-chosen and composite ids (a
// price's "<uuid>-<priceListId>").
func validID(sp *resourceSpec, id string) bool {
	if sp.IDs == resources.ClientID || sp.hooks.finalID != nil {
		return true
	}
	_, err := strconv.ParseInt(id, 10, 64)
	return err == nil
}

// checkAllowed refuses an included create or update of a resource whose
// action is disabled: 405 "action not allowed exception", "The action is
// not allowed.", pointing at the included object (platform ApiBundle
// CreateWithIncludedTest::testTryToCreateIncludedEntityWhenCreateActionForItIsDisabled).
func (t *tx) checkAllowed(sp *resourceSpec, a resources.Action, o *object) {
	if !t.trusted && !sp.Allows(a) {
		t.fail(&apiError{Status: http.StatusMethodNotAllowed, Title: titleActionNotAllowed,
			Detail: "The action is not allowed.", Pointer: o.pointer})
	}
}

// checkConnected requires every included object to be linked to the primary
// object, directly or through other included objects, in either direction,
// by what the request sent: Oro reads the relationships of the request
// document only, never those of stored records, so an update that sends
// just attributes cannot carry an included record (platform ApiBundle
// Processor/Shared/JsonApi/ValidateIncludedDataDependencies: an object is
// known by its type and id as sent, and the primary object without an id
// can only link to others). Oro checks this before it loads any included
// record.
func (t *tx) checkConnected(doc *document) {
	objs := append([]*object{doc.data}, doc.included...)
	reached := map[int]bool{0: true}
	for changed := true; changed; {
		changed = false
		for i := range objs {
			for j := range objs {
				if reached[i] && !reached[j] && (links(objs[i], objs[j]) || links(objs[j], objs[i])) {
					reached[j], changed = true, true
				}
			}
		}
	}
	for i, o := range doc.included {
		if !reached[i+1] {
			t.fail(badPointer(titleRequestData, "The entity should have a relationship with the primary entity "+
				"and this should be explicitly specified in the request", o.pointer))
		}
	}
}

// links reports whether the relationships sent with from name to.
func links(from, to *object) bool {
	return to.hasID && slices.Contains(relatedKeys(map[string]any{"relationships": from.rels}), Ref{Type: to.typ, ID: to.id})
}
