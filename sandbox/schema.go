package sandbox

import "github.com/orosync/orosync/resources"

// resourceSpec is one resource type as the stand-in serves it: Oro's rules
// from the shared resources table (attributes, relationships, actions,
// filters, upsert keys) plus the domain rules the table cannot express.
type resourceSpec struct {
	*resources.Resource
	hooks hooks
}

// hooks are resource-specific rules that a schema table cannot express.
type hooks struct {
	// normalize adjusts a built record before validation (e.g. adds the primary
	// unit precision to unitPrecisions).
	normalize func(t *tx, w *write)
	// validate adds domain errors for a record about to be written.
	validate func(t *tx, w *write)
	// finalID turns the provisional id of a new record into its real id.
	finalID func(r *Resource) string
	// afterCommit runs after the record was stored (with the store locked).
	afterCommit func(s *store, r *Resource)
	// beforeDelete runs before a record is deleted (cascades).
	beforeDelete func(s *store, r *Resource)
	// checkList adds resource-specific errors for a parsed list query.
	checkList func(s *store, lq *listQuery) []*apiError
}

// isOrdered reports whether a kind compares by order (numbers, datetimes):
// Oro enables lt/lte/gt/gte on those (oro-api.md §8).
func isOrdered(k resources.Kind) bool {
	switch k {
	case resources.Int, resources.Number, resources.Decimal, resources.Money, resources.DateTime:
		return true
	}
	return false
}
