package sandbox

import (
	"strings"

	"github.com/orosync/orosync/resources"
)

// This file decides which sent fields the form of a create or an update has,
// as Oro's api.yml configures them per action.

// fieldUse is what a write does with a sent field.
type fieldUse int

const (
	// fieldApplied fields are in the action's form and change the record.
	fieldApplied fieldUse = iota
	// fieldIgnored fields are in the form but not mapped: Oro accepts them
	// and ignores the value ("a passed value will be ignored", oro-api.md
	// §4; api.yml "form_options: mapped: false").
	fieldIgnored
	// fieldExtra fields are not in the action's form: Oro answers 400
	// "extra fields constraint" (api.yml "exclude: true" for the action).
	fieldExtra
)

// attrUse says what a write does with the sent attribute as. Seeds
// (trusted) apply every known field.
func (t *tx) attrUse(w *write, as *resources.Attr) fieldUse {
	switch {
	case t.trusted:
		return fieldApplied
	case as.OutputOnly, as.CreateOnly && !w.creating():
		return fieldExtra
	case as.ReadOnly:
		return fieldIgnored
	}
	return fieldApplied
}

// relUse says what a write does with the sent relationship rs. A
// relationship fixed after create is in the update form but not mapped
// (a price's price list: PricingBundle api.yml, oro-api.md §12.8).
func (t *tx) relUse(w *write, rs *resources.Rel) fieldUse {
	switch {
	case t.trusted:
		return fieldApplied
	case rs.CreateOnly && !w.creating():
		return fieldExtra
	case rs.ReadOnly, rs.FixedAfterCreate && !w.creating():
		return fieldIgnored
	}
	return fieldApplied
}

// extraFields is Oro's answer to fields the form does not have: one error
// for the object listing all of them, as Symfony's form validator words it
// ('This form should not contain extra fields: "a", "b".'). The error
// belongs to the root form, which has no property path, so for the primary
// data it carries no source at all (platform ApiBundle
// Request/JsonApi/ErrorCompleter::completeSource sets a pointer only from a
// property path), and for an included object it points at the object
// (ErrorCompleter::fixIncludedEntityPath; AddressBundle
// UnchangeableAddressOwnerTestTrait expects pointer "/included/0").
// Oro's tests never show a pointer for primary data, so the stand-in takes
// that reading: a client must not rely on one.
func extraFields(o *object, names []string) *apiError {
	e := badPointer(titleExtraFields,
		`This form should not contain extra fields: "`+strings.Join(names, `", "`)+`".`, "")
	if o.pointer != "/data" {
		e.Pointer = o.pointer
	}
	return e
}
