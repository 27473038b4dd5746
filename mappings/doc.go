// Package mappings implements the orosync mapping file format, version 1:
// strict decoding, positioned errors, ${ENV} expansion, jq compilation, and
// applying a mapping to one source record to get JSON:API documents.
//
// The package is pure: apart from reading the mapping file in Load it does
// no I/O. A complete mapping:
//
//	version: 1
//	name: customers
//	after: [customer-groups]            # run order inside a batch run
//	source:
//	  http:
//	    url: ${ERP_URL}/api/customers     # ${NAME} / ${NAME:-default}, expanded at load
//	    auth: {bearer: "${ERP_TOKEN}"}
//	    records: .items[]                 # jq: one output per record
//	    paginate:
//	      next: .links.next               # jq over each page; null ends paging
//	      stop: {max_pages: 100}
//	target:
//	  type: customers                     # the Oro resource type
//	  key: .code                          # jq: the record's identity in the source
//	  write: upsert                       # create | update | upsert
//	  on_missing: fail                    # lookup()/ref() without a match: fail | skip | empty
//	transform: |                          # jq: record -> resource object (or full document)
//	  select(.active) | {
//	    type: "customers",
//	    attributes: {name: .company},
//	    relationships: {
//	      group: {data: {type: "customergroups", id: lookup("customergroups"; {name: .group})}},
//	      parent: {data: (if .parent then {type: "customers", id: ref("customers"; .parent)} else null end)}
//	    }
//	  }
//	tests:
//	  - name: inactive customers are skipped
//	    input: {code: C2, active: false}
//	    want: []
//
// Load (or Parse) decodes the file with unknown keys rejected, expands the
// ${NAME} references of string settings (jq expressions are never expanded,
// and jq's $ENV is empty), compiles every jq expression once, validates the
// whole and reports every problem as an ErrorList of *Error, each printed as
// "file:line:col: field: message", sorted by position.
//
// Apply runs the transform on a record (decoded with json.Decoder.UseNumber
// so numbers stay exact) and returns Documents. lookup($type; $filter) and
// ref($mapping; $key) leave Placeholder values in them, which the engine
// resolves with Document.Resolve before writing.
package mappings
