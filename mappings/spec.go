package mappings

// This file defines the version 1 mapping file format: one Go type per YAML
// section. Decoding is strict (unknown keys are errors) and positions are kept
// on every jq expression so that problems can be reported as file:line:col.

// Mapping is one decoded, validated and compiled mapping file.
type Mapping struct {
	// Version is the format version; only 1 exists.
	Version int `yaml:"version"`
	// Name identifies the mapping in logs, state, reports and `after:` lists.
	// Lower case letters, digits, '-' and '_'.
	Name string `yaml:"name"`
	// After lists mappings that must run before this one in a batch run.
	After []string `yaml:"after"`
	// Source says where records come from.
	Source Source `yaml:"source"`
	// Target says which Oro resource type is written and how.
	Target Target `yaml:"target"`
	// Transform is the jq program run once per source record. Each output is
	// a JSON:API resource object (wrapped into {"data": ...}) or a full
	// document with "data" and optionally "included". No output skips the
	// record.
	Transform *Expr `yaml:"transform"`
	// Incremental, when set, makes the mapping fetch only records changed
	// since the last successful run.
	Incremental *Incremental `yaml:"incremental"`
	// Tests are fixture cases run by `orosync test`.
	Tests []TestCase `yaml:"tests"`

	// File is the path the mapping was loaded from ("" for in-memory).
	File string `yaml:"-"`
	// Dir is the directory relative paths in the mapping resolve against.
	Dir string `yaml:"-"`

	// nodes locates every setting in the file, for positioned problems
	// found after loading (Errorf, Warnf); raw locates positions inside
	// jq expressions.
	nodes *nodeIndex
	raw   *rawText
}

// Source describes where the records of a mapping come from. Exactly one of
// File and HTTP is set.
type Source struct {
	// File is a path, a directory, or a glob of local files; "-" is standard
	// input. Relative paths resolve against the mapping file's directory.
	File *Text `yaml:"file"`
	// Format is auto (by extension: .json, .jsonl/.ndjson, .csv, each
	// optionally .gz), json, jsonl or csv.
	Format string `yaml:"format"`
	// CSV holds CSV reading options.
	CSV *CSVOptions `yaml:"csv"`
	// Records is a jq expression over each top-level JSON value of a file,
	// yielding one output per record. Default: the elements of a top-level
	// array, or the value itself.
	Records *Expr `yaml:"records"`
	// HTTP reads records from an HTTP API.
	HTTP *HTTPSource `yaml:"http"`
}

// CSVOptions configures CSV sources. Values arrive as strings.
type CSVOptions struct {
	// Delimiter is one character; default ",".
	Delimiter string `yaml:"delimiter"`
}

// HTTPSource fetches records from an HTTP API, optionally page by page.
type HTTPSource struct {
	// URL of the first request. ${ENV} references are expanded at load.
	URL *Text `yaml:"url"`
	// Method is GET (default) or POST.
	Method string `yaml:"method"`
	// Headers are sent with every request.
	Headers map[string]*Text `yaml:"headers"`
	// Query holds static query parameters added to the URL.
	Query map[string]*Text `yaml:"query"`
	// QueryJQ holds query parameters computed by jq from the run's state
	// object ({"cursor": <last checkpoint or null>}); a null output omits
	// the parameter.
	QueryJQ map[string]*Expr `yaml:"query_jq"`
	// Body is a jq expression over the run's state object whose output is
	// sent as the JSON request body (for POST search endpoints).
	Body *Expr `yaml:"body"`
	// Auth authenticates against the source.
	Auth *Auth `yaml:"auth"`
	// Records is a jq expression over each response body yielding one
	// output per record. Default: the body if it is an array's elements, or
	// the body itself.
	Records *Expr `yaml:"records"`
	// Timeout bounds each request; default 30s.
	Timeout *Duration `yaml:"timeout"`
	// Retry configures retries on 429, 5xx and network errors.
	Retry *Retry `yaml:"retry"`
	// Paginate, when set, follows pages.
	Paginate *Paginate `yaml:"paginate"`
}

// Auth authenticates source requests. At most one field is set.
type Auth struct {
	// Bearer sends "Authorization: Bearer <token>".
	Bearer *Text `yaml:"bearer"`
	// Basic sends HTTP Basic credentials.
	Basic *BasicAuth `yaml:"basic"`
	// APIKey sends a key in a header or a query parameter.
	APIKey *APIKeyAuth `yaml:"api_key"`
	// OAuth2 uses the client credentials grant against the source's own
	// token endpoint.
	OAuth2 *OAuth2Auth `yaml:"oauth2"`
}

// BasicAuth holds HTTP Basic credentials.
type BasicAuth struct {
	// Username is the user name; required.
	Username *Text `yaml:"username"`
	// Password is the password; required (may be "").
	Password *Text `yaml:"password"`
}

// APIKeyAuth sends an API key in a header or in a query parameter (exactly
// one of Header and Query).
type APIKeyAuth struct {
	// Header is the header name the key is sent in, e.g. X-Api-Key.
	Header string `yaml:"header"`
	// Query is the query parameter name the key is sent in, e.g. api_key.
	Query string `yaml:"query"`
	// Value is the key; required.
	Value *Text `yaml:"value"`
}

// OAuth2Auth is an OAuth2 client credentials configuration for a source.
type OAuth2Auth struct {
	// TokenURL is the absolute URL of the token endpoint; required.
	TokenURL *Text `yaml:"token_url"`
	// ClientID identifies the client; required.
	ClientID *Text `yaml:"client_id"`
	// ClientSecret is the client's secret; required.
	ClientSecret *Text `yaml:"client_secret"`
	// Scopes are requested with the token, if any.
	Scopes []string `yaml:"scopes"`
	// Params are extra token request parameters (e.g. audience).
	Params map[string]*Text `yaml:"params"`
}

// Retry configures source request retries.
type Retry struct {
	// MaxAttempts counts the first try; default 4.
	MaxAttempts int `yaml:"max_attempts"`
	// Backoff is the first delay, doubled each time; default 1s.
	Backoff *Duration `yaml:"backoff"`
	// MaxBackoff caps a single delay (also a Retry-After); default 30s.
	MaxBackoff *Duration `yaml:"max_backoff"`
}

// Paginate declares how to get from one page to the next and when to stop.
// Exactly one style is set: Next, LinkHeader, Page, Offset or Cursor.
type Paginate struct {
	// Next is a jq expression over the page body yielding the next URL
	// (absolute or relative to the current one); null or "" ends paging.
	Next *Expr `yaml:"next"`
	// LinkHeader follows the RFC 8288 Link header's rel="next".
	LinkHeader bool `yaml:"link_header"`
	// Page increments a page-number query parameter.
	Page *PageNumber `yaml:"page"`
	// Offset increments an offset query parameter by the limit.
	Offset *OffsetLimit `yaml:"offset"`
	// Cursor sends back an opaque cursor taken from the body or a header.
	Cursor *CursorPaging `yaml:"cursor"`
	// Stop holds the explicit stop rules, combined with OR.
	Stop *StopRules `yaml:"stop"`
}

// PageNumber paging: ?page=1,2,3...
type PageNumber struct {
	Param     string `yaml:"param"`      // default "page"
	Start     int    `yaml:"start"`      // default 1 when absent (the loader fills it in); 0 is kept for zero-based APIs
	SizeParam string `yaml:"size_param"` // optional, e.g. "per_page"
	Size      int    `yaml:"size"`       // page size sent and used by stop.short_page
}

// OffsetLimit paging: ?offset=0&limit=100, offset += limit.
type OffsetLimit struct {
	Param      string `yaml:"param"`       // default "offset"
	LimitParam string `yaml:"limit_param"` // default "limit"
	Limit      int    `yaml:"limit"`       // required
	Start      int    `yaml:"start"`       // default 0
}

// CursorPaging: the next cursor comes from the body (jq) or a response
// header and is sent back as a query parameter.
type CursorPaging struct {
	From   *Expr  `yaml:"from"`   // jq over the body
	Header string `yaml:"header"` // or a response header
	Param  string `yaml:"param"`  // query parameter to send it in; required
}

// StopRules end paging; any rule that matches stops. A style's natural end
// (no next URL, no cursor) always stops too.
type StopRules struct {
	EmptyPage  *bool `yaml:"empty_page"`  // a page with no records; default true for page and offset styles
	ShortPage  bool  `yaml:"short_page"`  // fewer records than the page size
	When       *Expr `yaml:"when"`        // jq over the body, true stops after this page
	MaxPages   int   `yaml:"max_pages"`   // 0 = unlimited
	MaxRecords int   `yaml:"max_records"` // 0 = unlimited
}

// Target says where and how documents are written to Oro.
type Target struct {
	// Type is the Oro JSON:API resource type, e.g. "customers".
	Type string `yaml:"type"`
	// Key is a jq expression over the source record giving its identity in
	// the source system (a string or number). Required for update and
	// upsert; used in dead-letter entries and the id map.
	Key *Expr `yaml:"key"`
	// Write is create (POST; default), update (PATCH known records, skip
	// unknown) or upsert (PATCH known, POST unknown).
	Write string `yaml:"write"`
	// Match finds an existing Oro record by natural key: Oro filter name ->
	// jq expression over the produced resource object, e.g.
	// {sku: .attributes.sku}.
	Match map[string]*Expr `yaml:"match"`
	// NativeUpsert asks Oro to upsert with meta.upsert: a list of field
	// names, or ["id"] for resources whose id the client chooses.
	NativeUpsert []string `yaml:"native_upsert"`
	// OnMissing says what to do when a lookup()/ref() finds no Oro record:
	// fail (default), skip, or empty (leave the relationship empty).
	OnMissing string `yaml:"on_missing"`
	// Relationships says how an update treats the to-many relationships of
	// a record that already exists in Oro, by relationship name. A PATCH
	// replaces a to-many set in Oro, so the engine reads the existing
	// related records first and sends what the policy asks for. Unlisted
	// relationships get the defaults: merge, and the child key Oro's
	// resource has (a product name's localization, a unit precision's
	// unit; independent records such as roles by id).
	Relationships map[string]*RelationshipPolicy `yaml:"relationships"`
	// CreateOnly lists fields sent only when a record is created, as
	// "attributes.NAME" or "relationships.NAME" (e.g. a customer user's
	// attributes.password); an update leaves them out. Fields Oro accepts
	// on create only are left out of updates anyway.
	CreateOnly []string `yaml:"create_only"`
	// MaxDocuments caps the documents the transform may produce for one
	// record (default 100); a record that produces more fails.
	MaxDocuments int `yaml:"max_documents"`
	// Batch says how writes are sent: auto (default: Oro's synchronous
	// Batch API where the resource has it and the mapping has a natural
	// key, single requests otherwise), sync, async (the asynchronous Batch
	// API, for large volumes) or off (one request per record).
	Batch string `yaml:"batch"`
}

// Batch modes of target.batch.
const (
	BatchAuto  = "auto"
	BatchSync  = "sync"
	BatchAsync = "async"
	BatchOff   = "off"
)

// RelationshipPolicy is how an update treats one to-many relationship of
// a record that exists in Oro.
type RelationshipPolicy struct {
	// Policy is merge (default: the mapping's items are added or updated,
	// items it does not mention, such as a translation maintained in Oro,
	// are kept) or replace (the mapping owns the whole set: items it does
	// not mention are removed from the relationship, and Oro deletes
	// related records that belong to the record).
	Policy string `yaml:"policy"`
	// Key is the field of a related record that identifies it among the
	// record's related records: a relationship (e.g. localization) or an
	// attribute of the related type. Included records with the same key as
	// an existing related record update it (its id and meta.update are
	// sent) instead of creating a second one. Empty: the resource table's
	// key, or the related record's id.
	Key string `yaml:"key"`
}

// Relationship policies.
const (
	PolicyMerge   = "merge"
	PolicyReplace = "replace"
)

// DefaultMaxDocuments is the documents a transform may produce for one
// record when target.max_documents is not set.
const DefaultMaxDocuments = 100

// Incremental declares a cursor field for incremental syncs.
type Incremental struct {
	// Cursor is a jq expression over each source record giving a value
	// that grows with changes (a timestamp or a sequence number).
	Cursor *Expr `yaml:"cursor"`
	// Start is the cursor value used when no checkpoint exists.
	Start *Text `yaml:"start"`
}

// TestCase is one fixture case of a mapping: a source record in, the
// expected documents (or error) out.
type TestCase struct {
	// Name identifies the case in reports; required and unique.
	Name string `yaml:"name"`
	// Input is the source record.
	Input Value `yaml:"input"`
	// Want is the list of expected documents, each in full {"data": ...}
	// form; an empty list means the record is skipped.
	Want *Value `yaml:"want"`
	// WantError, when set, is a substring the transform error must contain.
	WantError string `yaml:"want_error"`
}
