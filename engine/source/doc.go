// Package source reads the records of a mapping: from local files (a JSON
// array, JSON Lines, a single JSON object or concatenated JSON values, CSV;
// each optionally gzip-compressed; a file, a directory or a glob), from
// standard input ("-"), or from an HTTP API with authentication, retries and
// paging.
//
// [Open] returns a [Reader] whose Next yields one [Record] at a time and
// io.EOF at the end. Every record carries its Origin ("data/customers.jsonl:12",
// "GET https://erp/api/customers?page=2 #3") for dead letters and logs. JSON
// is decoded with UseNumber, so numbers such as 12345678901234567890 and
// 19.990 reach jq as json.Number, unchanged.
//
// # Errors
//
// A *RecordError fails one record and reading goes on with the next call to
// Next; any other error is fatal for the source. Every kind of bad input
// follows that rule, so that nothing is lost silently: each source record
// ends as a Record or a *RecordError carrying its origin and raw text.
// Per-record errors are: a JSON Lines line that is not one JSON value, a
// CSV row with a bad quote, the wrong number of cells or a line over the
// limit (see Files), a records selector failing on a value, and a record
// that is not valid UTF-8. Fatal errors are: a JSON syntax error in a .json
// file (a broken file cannot be resynchronised), a bad CSV header row, I/O
// errors, and the HTTP errors below. Secrets (tokens, passwords, API keys,
// client secrets) never appear in errors or in the request log: they are
// scrubbed, and URLs are logged with userinfo and secret-looking query
// parameters redacted.
//
// Invalid UTF-8 is never replaced by U+FFFD (as encoding/json would): the
// record fails, and the error names the byte and its offset. A JSON Lines
// line fails at Record.Decode (or at Next, with a records selector), a JSON
// array element or top-level value fails alone (with a records selector, the
// top-level value it runs on), a CSV row fails naming the column, and an HTTP
// record as described under HTTP. A \ud800-style
// escape of an unpaired surrogate is valid UTF-8 text and decodes to U+FFFD,
// as in encoding/json.
//
// # Files
//
// The format is taken from source.format, else from the extension (.json,
// .jsonl/.ndjson, .csv, each optionally followed by .gz), else sniffed from the
// first non-space byte: '[' is a JSON array; '{' is JSON Lines when the first
// line is a complete JSON value and a (pretty-printed) JSON object otherwise.
// Gzip is recognised by the .gz extension and by its magic bytes.
//
// Without a records selector, a top-level array is streamed element by
// element (the file is never loaded whole) and any other top-level value is
// one record; a file may hold several concatenated top-level values. With a
// records selector (jq), the selector runs once per top-level value (per line
// for JSON Lines, per row for CSV) and each output is a record: streaming is
// then per top-level value, so a file holding one huge array should not use a
// selector.
//
// CSV files need a header row; every value is a string (an empty cell is "").
// A duplicate, empty or non-UTF-8 header name is an error; a row with a
// different number of cells is a *RecordError. A UTF-8 byte order mark is
// stripped; blank lines are skipped. Quoting follows RFC 4180 as
// encoding/csv reads it: a quote opens a quoted field only at the start of a
// field, "" inside it is a quote, and a quoted field may span lines (the
// record's origin is its first line).
//
// CSV input is cut into records before encoding/csv parses them one at a
// time, so that one bad quote cannot swallow the rows after it. A record
// ends at the first line break outside quotes. A quoted field that does not
// close properly fails the record that started it, at its first line
// (origin and raw text are that line), and reading resumes at the next
// line, whose rows are read as usual: this happens when the field is still
// open at the end of the input, when the record reaches
// Options.CSVMaxRecordLines lines (default 1,000) or
// Options.CSVMaxRecordBytes bytes (default 1 MiB), or when its closing quote
// on a later line is followed by something other than the delimiter, a
// quote or the line end. A closing quote followed by other text on the
// record's first line ("a"b) fails that row as encoding/csv reports it ("bad
// CSV: line L column C: ..."). So does a quote inside an unquoted field (a"b,
// a bare quote): it does not open a quoted field, so it fails its row only.
// A line longer than CSVMaxRecordBytes fails (its *RecordError keeps the
// first CSVMaxRecordBytes bytes) and the rest of it is skipped. Memory is
// bounded by the limits: lines read ahead of a failed record are kept (at
// most CSVMaxRecordBytes) and read again. So every non-blank line after the
// header belongs to exactly one Record or *RecordError, in order.
//
// A directory reads every .json, .jsonl, .ndjson and .csv file (and their .gz
// forms) directly inside it, in lexical order. A pattern with *, ? or [ is a
// glob (filepath.Match syntax, no **); matching nothing is an error.
//
// # HTTP
//
// Each response body is decoded as JSON; the records selector (default: the
// elements of an array body, nothing for a null or empty body, else the body
// itself) yields the records of the page. A body that is not valid UTF-8
// fails per record when the records are the elements of an array body read
// without a selector (each bad element is a *RecordError with its bytes as
// sent; the others are read and paging goes on); otherwise the bad bytes
// cannot be traced to records and the page fails (fatal) with an error
// naming the URL, the byte, its offset and the Content-Type. Requests time out after http.timeout
// (default 30s). 429, 5xx (except 501 and 505) and network errors (refused,
// reset, EOF, timeout) are retried up to retry.max_attempts times in all
// (default 4), waiting retry.backoff (default 1s) doubled each time with
// jitter (between half and all of it), or the Retry-After header; every wait
// is capped by retry.max_backoff (default 30s). Any other status is an error
// naming the URL, the status and the first 200 bytes of the body.
//
// # Paging
//
// Exactly one style follows pages:
//
//   - next: jq over the body gives the next URL (relative URLs resolve against
//     the current one); null, "" or no output ends paging.
//   - link_header: the RFC 8288 Link header's rel="next" target; none ends.
//   - page: the page number parameter counts up from start.
//   - offset: the offset parameter grows by limit.
//   - cursor: the cursor from the body (jq) or a response header is sent back
//     as param; a missing, null or empty cursor ends paging.
//
// The next/link_header styles use the URL they are given as is (the API
// carries the query forward); api_key query auth is always re-applied. The
// page, offset and cursor styles keep the first URL (with query and query_jq)
// and set their parameters on it.
//
// Stop rules (paginate.stop) are combined with OR and checked after each page,
// whose records are always delivered:
//
//   - empty_page: a page without records stops. Default true for page and
//     offset, false otherwise. For page and offset an empty page always stops
//     (there is nothing after it), so empty_page: false is rejected there.
//   - short_page: fewer records than page.size / offset.limit stops. Off by
//     default: many APIs return short pages before the end. It needs a size.
//   - when: jq over the body; true stops, false, null or no output goes on,
//     anything else is an error.
//   - max_pages: stops after that many pages.
//   - max_records: stops once that many records were read; extra records of
//     the last page are dropped.
//
// A loop guard makes sure paging never silently repeats: requesting the same
// URL twice, receiving the same cursor twice, or receiving a byte-identical
// non-empty page body twice is an error "paging loop: page N repeats page M
// (...); add a stop rule", reported before the repeated page's records are
// delivered, so no record is duplicated.
//
// Options.Limit stops reading (and paging) after that many records.
//
// Pages are fetched ahead by one goroutine into a channel of Options.Prefetch
// pages (default 2), so memory is bounded by a few pages; Close stops it and
// waits for it to end.
package source
