package sandbox

// kind is the JSON type of an attribute and how it is stored and rendered.
type kind int

const (
	kindString   kind = iota // JSON string
	kindInt                  // JSON integer, kept as json.Number
	kindNumber               // JSON number (or numeric string), kept as json.Number
	kindDecimal              // number or numeric string, rendered as a string as sent
	kindMoney                // number or numeric string, rendered as a string with 4 decimals
	kindBool                 // JSON boolean
	kindDateTime             // ISO-8601 UTC string, set by the server
	kindEnum                 // string out of attrSpec.enum
	kindStrings              // array of strings
	kindJSON                 // any JSON value (checked by a domain hook)
)

// action is one JSON:API operation that a resource may enable.
type action int

const (
	actGet action = 1 << iota
	actList
	actCreate
	actUpdate
	actDelete
	actDeleteList

	actRead = actGet | actList
	actAll  = actRead | actCreate | actUpdate | actDelete | actDeleteList
)

// idKind says how a resource gets its ids.
type idKind int

const (
	idAuto   idKind = iota // server-assigned integers "1", "2", ...
	idClient               // chosen by the client (productunits "item"); upsert by id works
)

// attrSpec declares one attribute of a resource.
type attrSpec struct {
	name       string
	kind       kind
	required   bool     // not blank on create (and when sent on update)
	readOnly   bool     // a sent value is ignored
	createOnly bool     // writable on create only, ignored on update
	hidden     bool     // never rendered (passwords)
	def        any      // default on create when not sent
	enum       []string // allowed values for kindEnum
}

// relSpec declares one relationship of a resource.
type relSpec struct {
	name       string
	target     string // type of the related resources
	toMany     bool
	required   bool   // at least one related resource on create
	readOnly   bool   // a sent value is ignored
	createOnly bool   // writable on create only, ignored on update
	def        string // id used on create when not sent (owner, organization)
}

// filterSpec declares one filter a resource accepts.
type filterSpec struct {
	field      string // "id", an attribute or a relationship name
	allowArray bool   // comma lists are split into values (always for id and relationships)
}

// resourceSpec is the declarative description of one resource type.
type resourceSpec struct {
	typ            string
	ids            idKind
	actions        action
	attrs          []attrSpec
	rels           []relSpec
	filters        []filterSpec
	sorts          []string // sortable fields besides id
	timestamps     bool     // server-managed createdAt/updatedAt attributes
	requiredFilter string   // list and delete-list need filter[requiredFilter]
	upsertFields   []string // fields usable in meta.upsert besides id (for idClient)
	hooks          hooks
}

// hooks are resource-specific rules that a schema table cannot express.
type hooks struct {
	// normalize adjusts a built record before validation (e.g. adds the primary
	// unit precision to unitPrecisions).
	normalize func(t *tx, r *Resource)
	// validate adds domain errors for a record about to be written.
	validate func(t *tx, w *write)
	// finalID turns the provisional id of a new record into its real id.
	finalID func(r *Resource) string
	// afterCommit runs after the record was stored (with the store locked).
	afterCommit func(s *store, r *Resource)
	// beforeDelete runs before a record is deleted (cascades).
	beforeDelete func(s *store, r *Resource)
}

func (sp *resourceSpec) attr(name string) *attrSpec {
	for i := range sp.attrs {
		if sp.attrs[i].name == name {
			return &sp.attrs[i]
		}
	}
	return nil
}

func (sp *resourceSpec) rel(name string) *relSpec {
	for i := range sp.rels {
		if sp.rels[i].name == name {
			return &sp.rels[i]
		}
	}
	return nil
}

func (sp *resourceSpec) filter(name string) *filterSpec {
	for i := range sp.filters {
		if sp.filters[i].field == name {
			return &sp.filters[i]
		}
	}
	return nil
}

func (sp *resourceSpec) allows(a action) bool { return sp.actions&a != 0 }

// complete adds what every spec gets implicitly: read-only createdAt and
// updatedAt when the resource has server-managed timestamps, the id filter,
// and a filter on every to-one relationship (Oro enables association
// filters automatically).
func (sp *resourceSpec) complete() {
	if sp.timestamps {
		sp.attrs = append(sp.attrs,
			attrSpec{name: "createdAt", kind: kindDateTime, readOnly: true},
			attrSpec{name: "updatedAt", kind: kindDateTime, readOnly: true})
	}
	if sp.filter("id") == nil {
		sp.filters = append([]filterSpec{{field: "id"}}, sp.filters...)
	}
	for _, r := range sp.rels {
		if !r.toMany && sp.filter(r.name) == nil {
			sp.filters = append(sp.filters, filterSpec{field: r.name, allowArray: true})
		}
	}
}
