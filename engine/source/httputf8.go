package source

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// badRecords finds the records of a page whose text is not valid UTF-8:
// encoding/json decoded the body with every such byte replaced by U+FFFD,
// and a record must not change silently. n is the number of records the
// page selected.
//
// A body that is valid UTF-8 (the usual case, one utf8.Valid pass) has no
// bad record and bad is nil. Otherwise the records can be told apart only
// when they are the elements of a top-level array read without a records
// selector: bad[i] then fails the i-th element (with its bytes as sent; the
// caller sets the origin), nil for a good one. With a records selector, or
// a body that is not an array, the bad bytes cannot be traced to records
// and the page fails (err).
func (f *fetcher) badRecords(resp *response, shown string, n int) (bad []*RecordError, err error) {
	if utf8.Valid(resp.body) {
		return nil, nil
	}
	off := invalidUTF8(resp.body)
	var elems []json.RawMessage // the raw bytes of each element, as sent
	if f.cfg.Records != nil || json.Unmarshal(resp.body, &elems) != nil || len(elems) != n {
		why := "the body is not an array"
		if f.cfg.Records != nil {
			why = "http.records selects them"
		}
		return nil, fmt.Errorf("%s %s → %d: the response is not valid UTF-8 (byte 0x%02x at byte offset %d of the body; Content-Type %q), and the records holding the bad bytes cannot be told apart (%s), so the page fails; the API must answer in UTF-8",
			f.method, shown, resp.status, resp.body[off], off, resp.header.Get("Content-Type"), why)
	}
	bad = make([]*RecordError, n)
	for i, raw := range elems {
		if off := invalidUTF8(raw); off >= 0 {
			bad[i] = &RecordError{Raw: raw, Err: fmt.Errorf("invalid UTF-8 at byte offset %d of the record (byte 0x%02x); the API must answer in UTF-8", off, raw[off])}
		}
	}
	return bad, nil
}
