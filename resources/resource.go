package resources

import (
	"slices"
	"sort"
)

// Kind is the JSON type of an attribute as Oro reads and renders it.
type Kind int

// The attribute kinds.
const (
	String   Kind = iota // JSON string
	Int                  // JSON integer
	Number               // JSON number (or numeric string), rendered as a number
	Decimal              // number or numeric string, rendered as a string as sent
	Money                // number or numeric string, rendered as a string with 4 decimals
	Bool                 // JSON boolean
	DateTime             // ISO-8601 UTC string
	Enum                 // one string of Attr.Enum
	Strings              // array of strings
	JSON                 // any JSON value (an array of objects such as address types)
)

// Action is one JSON:API operation Oro may enable for a resource.
type Action uint

// The actions, as Oro names them in api.yml.
const (
	Get Action = 1 << iota
	List
	Create
	Update
	Delete
	DeleteList
	// UpdateList is the Batch API: PATCH on the collection (oro-api.md §10).
	UpdateList

	// Read is get and get_list.
	Read = Get | List
	// CRUD is every single-record action plus delete_list.
	CRUD = Read | Create | Update | Delete | DeleteList
)

var actionNames = []struct {
	a    Action
	name string
}{{Get, "get"}, {List, "get_list"}, {Create, "create"}, {Update, "update"}, {Delete, "delete"},
	{DeleteList, "delete_list"}, {UpdateList, "update_list"}}

// String names the action as Oro's api.yml does ("get_list", "update").
func (a Action) String() string {
	for _, n := range actionNames {
		if a == n.a {
			return n.name
		}
	}
	return "action"
}

// IDKind says who chooses a resource's ids.
type IDKind int

// The id kinds.
const (
	// AutoID ids are assigned by Oro (integers rendered as strings).
	AutoID IDKind = iota
	// ClientID ids are chosen by the client (product units such as "item",
	// countries such as "US"); only they can be upserted by id (§7).
	ClientID
)

// Attr is one attribute of a resource.
type Attr struct {
	Name string
	Kind Kind
	// Required attributes must not be blank on create (and when sent on
	// update).
	Required bool
	// ReadOnly attributes are ignored when sent ("a passed value will be
	// ignored", §4).
	ReadOnly bool
	// CreateOnly attributes exist only in the create action: Oro answers
	// 400 "extra fields constraint" when an update sends them (api.yml
	// excludes them from update).
	CreateOnly bool
	// OutputOnly attributes are rendered but excluded from both the create
	// and the update form (api.yml "exclude: true" under both actions), so
	// Oro answers 400 "extra fields constraint" whenever a write sends them.
	OutputOnly bool
	// Hidden attributes are accepted but never rendered (passwords).
	Hidden bool
	// Default is the value a create without the attribute gets.
	Default any
	// Enum lists the allowed values of an Enum attribute.
	Enum []string
	// MinLen and MaxLen, when not 0, bound the length in characters of a
	// String attribute (Symfony Length constraints of the entity's
	// validation.yml).
	MinLen, MaxLen int
	// Email is set for String attributes that must be an email address
	// (Symfony Email constraint).
	Email bool
}

// Rel is one relationship of a resource.
type Rel struct {
	Name string
	// Target is the resource type of the related records.
	Target string
	ToMany bool
	// Required relationships need a related record on create.
	Required bool
	// ReadOnly relationships are ignored when sent.
	ReadOnly bool
	// CreateOnly relationships exist only in the create action (see
	// Attr.CreateOnly).
	CreateOnly bool
	// Unmapped relationships are ReadOnly ones the forms still hold (api.yml
	// "form_options: mapped: false" for the field, in every action): a write
	// may send them, the value must name an existing record of the target
	// type, and it is then ignored (an inventory level's product).
	Unmapped bool
	// FixedAfterCreate relationships are in the update form but not mapped
	// (api.yml "form_options: mapped: false" under actions.update): an
	// update may send them, the value must still name an existing record,
	// and it is ignored (a price's price list, §12.8).
	FixedAfterCreate bool
	// Default is the id a create without the relationship gets (owner and
	// organization default to the token's user and organization, §4).
	Default string
	// Owned is set for to-many relationships whose records belong to this
	// one (a product's names and unit precisions): a PATCH that sends the
	// relationship replaces the set, and the records left out are deleted
	// (§4, §12.6, §13 pitfall 9; Doctrine orphanRemoval=true on
	// Product::$names, $shortDescriptions and $unitPrecisions in
	// oroinc/orocommerce ProductBundle/Entity/Product.php).
	Owned bool
	// ChildKey identifies an owned record among its siblings: the
	// relationship (or attribute) of the child that is unique within the
	// parent, e.g. a product name's "localization" or a unit precision's
	// "unit". Empty for relationships to independent records, which are
	// identified by their id.
	ChildKey string
}

// Filter is one filter a resource's list accepts.
type Filter struct {
	// Field is "id", an attribute or a relationship name.
	Field string
	// AllowArray is set when filter[field]=a,b,c means a OR b OR c. Oro
	// splits comma lists only for ids, associations and fields configured
	// with allow_array (§8); other string filters take the comma literally.
	AllowArray bool
	// Path is set when the filter works on a property that is not a field
	// of the resource (api.yml property_path: an address's addressType is
	// types.type; a region's combinedCode is its id).
	Path bool
	// Operators, when set, are the only operators the filter accepts
	// (api.yml "operators"; "eq" is the operator of filter[f]=v). Nil
	// means the defaults for the field's data type (oro-api.md §8).
	Operators []string
}

// Resource describes one resource type of the back-office API.
type Resource struct {
	// Type is the JSON:API type, the plural lower-case entity alias.
	Type string
	// IDs says who chooses the ids.
	IDs IDKind
	// Actions are the enabled actions.
	Actions Action
	Attrs   []Attr
	Rels    []Rel
	// Filters are the filters of the list action. The id filter and a
	// filter per to-one relationship are always present.
	Filters []Filter
	// Sorts are the sortable fields besides id.
	Sorts []string
	// Timestamps is set for resources with read-only createdAt and
	// updatedAt attributes.
	Timestamps bool
	// TimestampsExcluded makes createdAt and updatedAt OutputOnly instead
	// of ReadOnly: the resource's api.yml excludes them from the create and
	// update actions.
	TimestampsExcluded bool
	// NoSubresources is set when api.yml disables get_subresource and
	// get_relationship: GET {type}/{id}/{association} and
	// {type}/{id}/relationships/{association} answer 404 "Unsupported
	// subresource." (a price's product, price list and unit).
	NoSubresources bool
	// RequiredFilter is a filter the list action refuses to run without
	// (productprices need filter[priceList], §8).
	RequiredFilter string
	// UpsertKeys are the fields besides id that meta.upsert can match on,
	// one field each: unique columns of the entity (§7). Upsert by id
	// (meta.upsert: true) depends on IDs instead.
	UpsertKeys []string
	// NaturalKey are the filters that together find the one record a
	// source record stands for (a product's sku, a price's price list,
	// product and unit): what target.match should use. Empty when Oro has
	// none (addresses) or the id is the key (client ids).
	NaturalKey []string
	// WritesUnconfirmed is set on resources whose missing create and
	// update actions are Oro's default for their kind (enums) rather than
	// an api.yml line: validate warns about writes instead of refusing.
	WritesUnconfirmed bool
	// Since gives the first Oro version in which an action exists for this
	// resource when it is younger than 4.2 (e.g. update_list of addresses:
	// 5.1.2, §10).
	Since map[Action]Version
	// SinceInNextLine gives, for an action whose Since is a patch release
	// of an older line (a backport), the first release of the next line
	// that has it, when that line's first releases lack it: update_list of
	// inventory levels is in 5.1.7 and 6.0.1 but not in 6.0.0 (§10, §14).
	SinceInNextLine map[Action]Version
}

// Lookup returns the resource of type typ.
func Lookup(typ string) (*Resource, bool) {
	r, ok := byType[typ]
	return r, ok
}

// Types returns every known type, sorted.
func Types() []string {
	out := make([]string, 0, len(byType))
	for t := range byType {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// All returns every known resource, sorted by type. The resources are
// shared: callers must not modify them.
func All() []*Resource {
	out := make([]*Resource, 0, len(byType))
	for _, t := range Types() {
		out = append(out, byType[t])
	}
	return out
}

// Writable reports whether records of the resource can be created or
// updated.
func (r *Resource) Writable() bool { return r.Actions&(Create|Update) != 0 }

// Allows reports whether every action in a is enabled (whatever the
// version; see AllowsIn).
func (r *Resource) Allows(a Action) bool { return r.Actions&a == a }

// AllowsIn reports whether action a exists for the resource in Oro version
// v (a zero v means "unknown": the action is assumed present).
func (r *Resource) AllowsIn(a Action, v Version) bool {
	if !r.Allows(a) {
		return false
	}
	if v.IsZero() {
		return true
	}
	if since, ok := r.Since[a]; ok && v.Less(since) {
		return false
	}
	next, ok := r.SinceInNextLine[a]
	return !ok || v.Major != next.Major || v.Minor != next.Minor || !v.Less(next)
}

// Attr returns the attribute name, or nil.
func (r *Resource) Attr(name string) *Attr {
	for i := range r.Attrs {
		if r.Attrs[i].Name == name {
			return &r.Attrs[i]
		}
	}
	return nil
}

// Rel returns the relationship name, or nil.
func (r *Resource) Rel(name string) *Rel {
	for i := range r.Rels {
		if r.Rels[i].Name == name {
			return &r.Rels[i]
		}
	}
	return nil
}

// Filter returns the filter on field, or nil when the list does not accept
// filter[field].
func (r *Resource) Filter(field string) *Filter {
	for i := range r.Filters {
		if r.Filters[i].Field == field {
			return &r.Filters[i]
		}
	}
	return nil
}

// FilterNames returns the filterable fields, in table order.
func (r *Resource) FilterNames() []string {
	out := make([]string, len(r.Filters))
	for i, f := range r.Filters {
		out[i] = f.Field
	}
	return out
}

// CanUpsertBy reports whether meta.upsert can match on field. By "id"
// (meta.upsert: true) Oro upserts only resources whose ids the client
// chooses; by other fields only unique columns (CompleteUpsertConfig, §7).
// Resources that cannot be created or updated cannot be upserted at all.
func (r *Resource) CanUpsertBy(field string) bool {
	if !r.Allows(Create) || !r.Allows(Update) {
		return false
	}
	if field == "id" {
		return r.IDs == ClientID
	}
	return slices.Contains(r.UpsertKeys, field)
}

// UpsertFields lists the fields meta.upsert can match on ("id" first when
// the resource can be upserted by id); nil when it cannot be upserted.
func (r *Resource) UpsertFields() []string {
	var out []string
	if r.CanUpsertBy("id") {
		out = append(out, "id")
	}
	for _, f := range r.UpsertKeys {
		if r.CanUpsertBy(f) {
			out = append(out, f)
		}
	}
	return out
}

// Generic describes a resource type that is not in the table: it supports
// what every resource supports (get, list, the id filter), as far as
// orosync can tell without asking the instance.
func Generic(typ string) *Resource {
	return &Resource{Type: typ, Actions: Read, Filters: []Filter{{Field: "id", AllowArray: true}}}
}

// LookupOrGeneric returns the resource of type typ, or Generic(typ).
func LookupOrGeneric(typ string) *Resource {
	if r, ok := Lookup(typ); ok {
		return r
	}
	return Generic(typ)
}

// complete adds what every resource gets implicitly: read-only (or, with
// TimestampsExcluded, output-only) createdAt and updatedAt where the
// resource has timestamps, the id filter, and a
// filter on every to-one relationship (Oro enables association filters
// automatically, §8).
func (r *Resource) complete() {
	if r.Timestamps {
		ro, out := !r.TimestampsExcluded, r.TimestampsExcluded
		r.Attrs = append(r.Attrs,
			Attr{Name: "createdAt", Kind: DateTime, ReadOnly: ro, OutputOnly: out},
			Attr{Name: "updatedAt", Kind: DateTime, ReadOnly: ro, OutputOnly: out})
	}
	if r.Filter("id") == nil {
		r.Filters = append([]Filter{{Field: "id", AllowArray: true}}, r.Filters...)
	}
	for _, rel := range r.Rels {
		if !rel.ToMany && r.Filter(rel.Name) == nil {
			r.Filters = append(r.Filters, Filter{Field: rel.Name, AllowArray: true})
		}
	}
}
