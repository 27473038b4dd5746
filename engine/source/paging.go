package source

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strconv"

	"github.com/orosync/orosync/mappings"
)

// pager computes the next request of a paged source.
type pager struct {
	p     *mappings.Paginate // nil: one request
	base  *url.URL           // the first URL (page, offset, cursor styles)
	page  int                // current page number / offset
	param string             // page or offset parameter
}

// newPager sets the first page's parameters on base. The settings were
// validated by mappings (one style, a positive offset limit, a cursor
// parameter); only a cursor without a source is refused here, because
// paging could not go on without one.
func newPager(p *mappings.Paginate, base *url.URL) (*pager, error) {
	pg := &pager{p: p, base: base}
	switch {
	case p == nil:
		return pg, nil
	case p.Page != nil:
		// The loader defaults an absent start to 1; an explicit 0 is a
		// zero-based API and must be kept.
		pg.param, pg.page = orDefault(p.Page.Param, "page"), p.Page.Start
		if p.Page.SizeParam != "" && p.Page.Size > 0 {
			setParam(pg.base, p.Page.SizeParam, strconv.Itoa(p.Page.Size))
		}
	case p.Offset != nil:
		pg.param, pg.page = orDefault(p.Offset.Param, "offset"), p.Offset.Start
		setParam(pg.base, orDefault(p.Offset.LimitParam, "limit"), strconv.Itoa(p.Offset.Limit))
	case p.Cursor != nil && p.Cursor.From == nil && p.Cursor.Header == "":
		return nil, errors.New("source: http.paginate.cursor has neither from nor header (the mapping was not validated)")
	}
	if pg.param != "" {
		setParam(pg.base, pg.param, strconv.Itoa(pg.page))
	}
	return pg, nil
}

// orDefault returns s, or def when s is empty.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// setParam sets one query parameter of u.
func setParam(u *url.URL, name, value string) {
	q := u.Query()
	q.Set(name, value)
	u.RawQuery = q.Encode()
}

// next returns the URL of the page after cur, or nil at the style's natural
// end. cursor is the cursor that was found (cursor style), for the loop
// guard.
func (pg *pager) next(ctx context.Context, cur *url.URL, body any, h http.Header) (next *url.URL, cursor string, err error) {
	p := pg.p
	switch {
	case p == nil:
		return nil, "", nil
	case p.Next != nil:
		return pg.nextFromBody(ctx, cur, body)
	case p.LinkHeader:
		return resolve(cur, nextLink(h), "the Link header's rel=\"next\"")
	case p.Page != nil:
		pg.page++
	case p.Offset != nil:
		pg.page += p.Offset.Limit
	case p.Cursor != nil:
		return pg.nextCursor(ctx, body, h)
	}
	u := *pg.base
	setParam(&u, pg.param, strconv.Itoa(pg.page))
	return &u, "", nil
}

// nextFromBody evaluates paginate.next.
func (pg *pager) nextFromBody(ctx context.Context, cur *url.URL, body any) (*url.URL, string, error) {
	e := pg.p.Next
	v, ok, err := e.First(ctx, body)
	if err != nil {
		return nil, "", fmt.Errorf("%s %s: %w", exprPos("paginate.next", e), e.Src, err)
	}
	if !ok || v == nil {
		return nil, "", nil
	}
	s, isStr := v.(string)
	if !isStr {
		return nil, "", fmt.Errorf("%s %s: expected a URL string or null, got %s", exprPos("paginate.next", e), e.Src, typeName(v))
	}
	return resolve(cur, s, "paginate.next")
}

// resolve resolves ref against cur; "" means no next page.
func resolve(cur *url.URL, ref, what string) (*url.URL, string, error) {
	if ref == "" {
		return nil, "", nil
	}
	r, err := url.Parse(ref)
	if err != nil {
		return nil, "", fmt.Errorf("%s %q is not a URL: %w", what, ref, err)
	}
	return cur.ResolveReference(r), "", nil
}

// nextCursor reads the cursor from the body or a header; a missing, null or
// empty cursor ends paging.
func (pg *pager) nextCursor(ctx context.Context, body any, h http.Header) (*url.URL, string, error) {
	c := pg.p.Cursor
	var cursor string
	if c.Header != "" {
		cursor = h.Get(c.Header)
	} else {
		v, ok, err := c.From.First(ctx, body)
		if err != nil {
			return nil, "", fmt.Errorf("%s %s: %w", exprPos("paginate.cursor.from", c.From), c.From.Src, err)
		}
		if ok && v != nil {
			if cursor, err = scalarString(v); err != nil {
				return nil, "", fmt.Errorf("%s %s: %w", exprPos("paginate.cursor.from", c.From), c.From.Src, err)
			}
		}
	}
	if cursor == "" {
		return nil, "", nil
	}
	u := *pg.base
	setParam(&u, c.Param, cursor)
	return &u, cursor, nil
}

// scalarString renders a jq scalar as a query parameter value.
func scalarString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case interface{ String() string }: // json.Number, *big.Int
		return x.String(), nil
	case int:
		return strconv.Itoa(x), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	return "", fmt.Errorf("expected a string or a number, got %s", typeName(v))
}

// typeName names the JSON type of a jq value.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case int, float64, *big.Int, interface{ String() string }:
		return "number"
	}
	return fmt.Sprintf("%T", v)
}

// stopRules are paginate.stop with the defaults applied.
type stopRules struct {
	emptyPage  bool
	shortSize  int // short_page: page size, 0 = off
	when       *mappings.Expr
	maxPages   int
	maxRecords int
}

// newStopRules applies the defaults to settings that mappings has
// validated. An empty page always ends page and offset paging: nothing
// follows it.
func newStopRules(p *mappings.Paginate) stopRules {
	if p == nil {
		return stopRules{}
	}
	counted := p.Page != nil || p.Offset != nil
	s := stopRules{emptyPage: counted}
	st := p.Stop
	if st == nil {
		return s
	}
	s.emptyPage = counted || st.EmptyPage != nil && *st.EmptyPage
	if st.ShortPage {
		switch {
		case p.Page != nil && p.Page.Size > 0:
			s.shortSize = p.Page.Size
		case p.Offset != nil:
			s.shortSize = p.Offset.Limit
		}
	}
	s.when, s.maxPages, s.maxRecords = st.When, st.MaxPages, st.MaxRecords
	return s
}

// check returns why paging stops after a page ("" = go on).
func (s stopRules) check(ctx context.Context, body any, records, pages, total int) (string, error) {
	switch {
	case records == 0 && s.emptyPage:
		return "empty page", nil
	case s.shortSize > 0 && records < s.shortSize:
		return fmt.Sprintf("short page (%d < %d)", records, s.shortSize), nil
	case s.maxPages > 0 && pages >= s.maxPages:
		return fmt.Sprintf("max_pages %d", s.maxPages), nil
	case s.maxRecords > 0 && total >= s.maxRecords:
		return fmt.Sprintf("max_records %d", s.maxRecords), nil
	}
	if s.when == nil {
		return "", nil
	}
	v, ok, err := s.when.First(ctx, body)
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", exprPos("paginate.stop.when", s.when), s.when.Src, err)
	}
	switch v {
	case true:
		return "stop.when", nil
	case false, nil:
		return "", nil
	}
	_ = ok
	return "", fmt.Errorf("%s %s: expected true or false, got %s", exprPos("paginate.stop.when", s.when), s.when.Src, typeName(v))
}

// loopGuard remembers what each page looked like so that a repeat is an
// error instead of an endless loop.
type loopGuard struct {
	urls    map[string]int
	cursors map[string]int
	bodies  map[[16]byte]int
}

// newLoopGuard returns an empty guard.
func newLoopGuard() *loopGuard {
	return &loopGuard{urls: map[string]int{}, cursors: map[string]int{}, bodies: map[[16]byte]int{}}
}

// url records the request of page n; a repeat returns the earlier page.
func (g *loopGuard) url(n int, u string) (int, bool) { return seen(g.urls, u, n) }

// cursor records a cursor received on page n.
func (g *loopGuard) cursor(n int, c string) (int, bool) { return seen(g.cursors, c, n) }

// body records the body of page n.
func (g *loopGuard) body(n int, b []byte) (int, bool) {
	sum := sha256.Sum256(b)
	var k [16]byte
	copy(k[:], sum[:])
	return seen(g.bodies, k, n)
}

// seen records k for page n, or returns the page that had it first.
func seen[K comparable](m map[K]int, k K, n int) (int, bool) {
	if first, ok := m[k]; ok {
		return first, true
	}
	m[k] = n
	return 0, false
}
