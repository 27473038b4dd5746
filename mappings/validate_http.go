package mappings

import (
	"net/http"
	"strings"
)

func (p *parser) validateAuth(a *Auth, headers map[string]*Text) {
	const at = "source.http.auth"
	set := setKeys(map[string]bool{"bearer": a.Bearer != nil, "basic": a.Basic != nil, "api_key": a.APIKey != nil, "oauth2": a.OAuth2 != nil})
	if len(set) == 0 {
		p.errKey(at, "set one authentication method: bearer, basic, api_key or oauth2 (or remove auth)")
	}
	if len(set) > 1 {
		p.errKey(at+"."+set[1], "choose one authentication method, not %s", strings.Join(set, " and "))
	}
	for name := range headers {
		if http.CanonicalHeaderKey(name) == "Authorization" && (a.Bearer != nil || a.Basic != nil || a.OAuth2 != nil) {
			p.errKey("source.http.headers."+name, "conflicts with source.http.auth, which sets Authorization: remove one")
		}
	}
	p.requireText(at+".bearer", a.Bearer, a.Bearer != nil, "the token, e.g. ${ERP_TOKEN}")
	if b := a.Basic; b != nil {
		p.requireText(at+".basic.username", b.Username, true, "the user name")
		if b.Password == nil {
			p.errAt(at+".basic.password", "missing: the password, e.g. ${ERP_PASSWORD}")
		}
	}
	if k := a.APIKey; k != nil {
		switch {
		case k.Header == "" && k.Query == "":
			p.errKey(at+".api_key", "set exactly one of header and query (where the key is sent)")
		case k.Header != "" && k.Query != "":
			p.errKey(at+".api_key.query", "set exactly one of header and query, not both")
		case k.Header != "" && !reHeaderName.MatchString(k.Header):
			p.errAt(at+".api_key.header", "%q is not a valid HTTP header name", k.Header)
		}
		p.requireText(at+".api_key.value", k.Value, true, "the key, e.g. ${ERP_API_KEY}")
	}
	if o := a.OAuth2; o != nil {
		p.checkURL(at+".oauth2.token_url", o.TokenURL, true)
		p.requireText(at+".oauth2.client_id", o.ClientID, true, "the client id")
		p.requireText(at+".oauth2.client_secret", o.ClientSecret, true, "the client secret, e.g. ${ERP_CLIENT_SECRET}")
	}
}

// requireText reports a missing or empty Text when need is set. Values are
// never quoted: they may be secrets.
func (p *parser) requireText(path string, t *Text, need bool, what string) {
	switch {
	case !need:
	case t == nil:
		p.errAt(path, "missing: %s", what)
	case t.Line > 0 && t.Value == "" && !t.bad:
		p.errAt(path, "empty: %s (an environment variable may be set to \"\")", what)
	}
}

// setKeys returns the names whose flag is true, sorted.
func setKeys(m map[string]bool) []string {
	var out []string
	for _, k := range []string{"next", "link_header", "page", "offset", "cursor", "bearer", "basic", "api_key", "oauth2"} {
		if set, ok := m[k]; ok && set {
			out = append(out, k)
		}
	}
	return out
}

func (p *parser) validatePaginate(pg *Paginate) {
	const at = "source.http.paginate"
	styles := setKeys(map[string]bool{"next": pg.Next != nil, "link_header": pg.LinkHeader, "page": pg.Page != nil, "offset": pg.Offset != nil, "cursor": pg.Cursor != nil})
	switch len(styles) {
	case 0:
		p.errKey(at, "choose one paging style: next, link_header, page, offset or cursor")
	case 1:
	default:
		p.errKey(at+"."+styles[1], "choose one paging style, not %s", strings.Join(styles, " and "))
	}
	if pg.Page != nil {
		p.validatePage(pg.Page)
	}
	if o := pg.Offset; o != nil {
		if o.Limit <= 0 {
			p.errAt(at+".offset.limit", "must be a positive number of records per page, e.g. 100")
		}
		if o.Start < 0 {
			p.errAt(at+".offset.start", "must not be negative")
		}
		o.Param, o.LimitParam = or(o.Param, "offset"), or(o.LimitParam, "limit")
	}
	if c := pg.Cursor; c != nil {
		if c.Param == "" {
			p.errAt(at+".cursor.param", "missing: the query parameter the cursor is sent back in")
		}
		if (c.From == nil) == (c.Header == "") {
			p.errKey(at+".cursor", "set exactly one of from (jq over the body) and header")
		}
	}
	if pg.Stop != nil {
		p.validateStop(pg)
	}
}

func (p *parser) validatePage(pn *PageNumber) {
	const at = "source.http.paginate.page"
	if pn.Start < 0 {
		p.errAt(at+".start", "must not be negative")
	}
	if pn.Size < 0 {
		p.errAt(at+".size", "must not be negative")
	}
	if pn.SizeParam != "" && pn.Size == 0 {
		p.errKey(at+".size_param", "needs size (the page size to send)")
	}
	pn.Param = or(pn.Param, "page")
	if pn.Start == 0 && p.tree.value[at+".start"] == nil {
		pn.Start = 1
	}
}

func (p *parser) validateStop(pg *Paginate) {
	const at = "source.http.paginate.stop"
	s := pg.Stop
	if s.MaxPages < 0 {
		p.errAt(at+".max_pages", "must not be negative (0 means no limit)")
	}
	if s.MaxRecords < 0 {
		p.errAt(at+".max_records", "must not be negative (0 means no limit)")
	}
	if s.ShortPage && pg.Offset == nil && (pg.Page == nil || pg.Page.Size == 0) {
		p.errAt(at+".short_page", "needs a known page size: use offset paging, or page paging with page.size")
	}
	if s.EmptyPage != nil && !*s.EmptyPage && (pg.Page != nil || pg.Offset != nil) {
		p.errAt(at+".empty_page", "false is not possible with page or offset paging: an empty page always ends them (remove the setting)")
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
