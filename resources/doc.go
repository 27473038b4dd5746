// Package resources is orosync's one table of the Oro back-office API
// resources it knows: their attributes and relationships, the actions Oro
// enables for them, the filters their lists accept (and which of those take
// comma lists), the fields meta.upsert can match on, whether the Batch API
// (update_list) is enabled, and the child records a resource owns.
//
// The mapping validator (package mappings), the engine and the in-process
// Oro stand-in (package sandbox) all read this table, so that they cannot
// disagree about what Oro supports. Every rule comes from Oro itself; the
// comments cite the source, either the notes in
// shared/reference/oro-api.md (section numbers, "§12.6") or the Oro code
// they were taken from (oroinc/platform, oroinc/customer-portal,
// oroinc/orocommerce: entity classes, Resources/config/oro/api.yml and
// Resources/doc/api). Where Oro's behaviour could not be confirmed, the
// table takes the reading that is safe for a client and says so.
//
// Resources that are not in the table may still exist on an instance
// (custom entities get API resources too): callers treat an unknown type as
// "supports only what every resource supports" (get, list, the id filter),
// never as an error by itself. Only a name no Oro resource can have
// (ValidType: Oro's types are lower-case entity aliases) is always wrong;
// Unmodeled lists the community types the table does not describe, and
// Suggest finds the known type a misspelt one stands for.
package resources
