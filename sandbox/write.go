package sandbox

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/orosync/orosync/resources"
)

// tx is one write request: the primary record and its included records are
// built and validated together and stored only if nothing failed.
type tx struct {
	st       *store
	now      time.Time
	trusted  bool           // Seed: read-only fields and disabled actions allowed
	temp     map[Ref]string // temporary id sent by the client -> real id
	reserved map[string]int // auto ids handed out per type in this tx
	writes   []*write       // primary first, then included in request order
	orphans  []*Resource    // owned records that updates left out (orphans.go)
	errs     []*apiError
}

// write is one record being created or updated.
type write struct {
	obj  *object
	spec *resourceSpec
	rec  *Resource // the record as it will be stored
	old  *Resource // the stored record for updates; nil for creates
	// mergedInto is set when a domain rule merged this new record into an
	// existing one (a product's unit precision of a unit it already has):
	// this record is then not stored.
	mergedInto *write
}

func (w *write) creating() bool { return w.old == nil }

// sent reports whether the request carried the attribute or relationship.
func (w *write) sent(name string) bool { return w.obj.sent(name) }

func newTx(st *store, now time.Time, trusted bool) *tx {
	return &tx{st: st, now: now, trusted: trusted, temp: map[Ref]string{}, reserved: map[string]int{}}
}

func (t *tx) fail(e *apiError) { t.errs = append(t.errs, e) }

// get finds a record among the pending writes first, then in the store.
func (t *tx) get(typ, id string) *Resource {
	for _, w := range t.writes {
		if w.rec.Type == typ && w.rec.ID == id {
			return w.rec
		}
	}
	return t.st.get(typ, id)
}

// pending returns the write of the record ref in this request: a create
// when creating is true, an update otherwise; nil when there is none.
func (t *tx) pending(ref Ref, creating bool) *write {
	for _, w := range t.writes {
		if w.rec.ref() == ref && w.creating() == creating {
			return w
		}
	}
	return nil
}

// reserveID hands out an auto id without touching the store until commit.
func (t *tx) reserveID(typ string) string {
	t.reserved[typ]++
	return strconv.Itoa(t.st.tables[typ].next + t.reserved[typ])
}

// create runs a create of the primary record (and included records).
func (t *tx) create(sp *resourceSpec, doc *document) (*Resource, []*apiError) {
	return t.run(sp, doc, nil)
}

// run plans, builds, validates and commits all writes of doc. old is the
// record the primary data updates, nil to create it.
func (t *tx) run(sp *resourceSpec, doc *document, old *Resource) (*Resource, []*apiError) {
	if t.checkConnected(doc); len(t.errs) > 0 {
		return nil, t.errs
	}
	t.plan(sp, doc.data, old)
	for _, o := range doc.included {
		t.planIncluded(o)
	}
	if len(t.errs) > 0 {
		return nil, t.errs
	}
	for _, w := range t.writes {
		t.build(w)
	}
	for _, w := range t.writes {
		t.finish(w)
	}
	if len(t.errs) > 0 {
		return nil, t.errs
	}
	t.collectOrphans()
	t.commit()
	return t.writes[0].rec, nil
}

// plan registers a write and assigns the id of a new record.
func (t *tx) plan(sp *resourceSpec, o *object, old *Resource) {
	w := &write{obj: o, spec: sp, old: old}
	if old != nil {
		w.rec = old.clone()
		t.writes = append(t.writes, w)
		return
	}
	w.rec = &Resource{Type: sp.Type, Attributes: map[string]any{}, Relationships: map[string][]Ref{}}
	switch {
	case sp.IDs == resources.ClientID && !o.hasID:
		t.fail(badPointer(titleRequestData, "The 'id' property is required", o.pointer+"/id"))
	case sp.IDs == resources.ClientID && t.get(sp.Type, o.id) != nil:
		t.fail(badPointer(titleUnique, "This value is already used.", o.pointer+"/id"))
	case sp.IDs == resources.ClientID:
		w.rec.ID = o.id
	default:
		w.rec.ID = t.reserveID(sp.Type)
		if o.hasID {
			t.temp[Ref{Type: sp.Type, ID: o.id}] = w.rec.ID
		}
	}
	t.writes = append(t.writes, w)
}

// build applies the sent attributes and relationships to the record. The
// fields the action's form does not have are reported together, as Oro's
// form reports them (see extraFields).
func (t *tx) build(w *write) {
	var extra []string
	for _, name := range slices.Sorted(maps.Keys(w.obj.attrs)) {
		if !t.buildAttr(w, name, w.obj.attrs[name]) {
			extra = append(extra, name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(w.obj.rels)) {
		if !t.buildRel(w, name, w.obj.rels[name]) {
			extra = append(extra, name)
		}
	}
	if len(extra) > 0 {
		t.fail(extraFields(w.obj, extra))
	}
}

// buildAttr applies one sent attribute; it returns false when the
// attribute is not part of the action's form (an extra field).
func (t *tx) buildAttr(w *write, name string, v any) bool {
	as := w.spec.Attr(name)
	if as == nil {
		return false
	}
	switch t.attrUse(w, as) {
	case fieldExtra:
		return false
	case fieldIgnored:
		return true
	}
	val, err := coerce(as, v)
	if err != nil {
		err.Pointer = w.obj.pointer + "/attributes/" + name
		t.fail(err)
		return true
	}
	w.rec.Attributes[name] = val
	return true
}

// buildRel applies one sent relationship; it returns false when the
// relationship is not part of the action's form (an extra field).
func (t *tx) buildRel(w *write, name string, v any) bool {
	ptr := w.obj.pointer + "/relationships/" + name
	rs := w.spec.Rel(name)
	if rs == nil {
		return false
	}
	use := t.relUse(w, rs)
	if use == fieldExtra {
		return false
	}
	refs, err := parseRelData(rs, v, ptr)
	if err != nil {
		t.fail(err)
		return true
	}
	if use == fieldIgnored && !rs.FixedAfterCreate && !rs.Unmapped {
		return true
	}
	resolved := make([]Ref, 0, len(refs))
	for i, ref := range refs {
		p := ptr + "/data"
		if rs.ToMany {
			p += "/" + strconv.Itoa(i)
		}
		if r, ok := t.resolve(rs, ref, p); ok {
			resolved = append(resolved, r)
		}
	}
	if use == fieldApplied {
		w.rec.Relationships[name] = resolved
	}
	return true
}

// resolve maps a temporary id to the real one and checks that the related
// record exists and has the right type.
func (t *tx) resolve(rs *resources.Rel, ref Ref, ptr string) (Ref, bool) {
	if t.st.spec(ref.Type) == nil {
		t.fail(badPointer(titleEntityType, fmt.Sprintf("Unknown entity type: %s.", ref.Type), ptr))
		return ref, false
	}
	if ref.Type != rs.Target {
		t.fail(badPointer(titleForm, fmt.Sprintf("The %q entity type is not acceptable for this relationship; expected %q.",
			ref.Type, rs.Target), ptr))
		return ref, false
	}
	if real, ok := t.temp[ref]; ok {
		return Ref{Type: ref.Type, ID: real}, true
	}
	if t.get(ref.Type, ref.ID) == nil {
		t.fail(badPointer(titleForm, detailNoEntity, ptr))
		return ref, false
	}
	return ref, true
}

// finish applies defaults on create, then runs the normalize hook, the
// required checks and the validate hook.
func (t *tx) finish(w *write) {
	if w.creating() {
		applyDefaults(w.spec, w.rec)
	}
	if h := w.spec.hooks.normalize; h != nil {
		h(t, w)
	}
	t.checkRequired(w)
	t.checkFormats(w)
	if h := w.spec.hooks.validate; h != nil {
		h(t, w)
	}
}

func applyDefaults(sp *resourceSpec, r *Resource) {
	for _, as := range sp.Attrs {
		if _, ok := r.Attributes[as.Name]; !ok && as.Default != nil {
			r.Attributes[as.Name] = cloneValue(as.Default)
		}
	}
	for _, rs := range sp.Rels {
		if len(r.Relationships[rs.Name]) == 0 && rs.Default != "" {
			r.Relationships[rs.Name] = []Ref{{Type: rs.Target, ID: rs.Default}}
		}
	}
}

// checkRequired reports blank required fields: all of them on create, the
// sent ones on update.
func (t *tx) checkRequired(w *write) {
	for _, as := range w.spec.Attrs {
		if as.Required && (w.creating() || w.sent(as.Name)) && blank(w.rec.Attributes[as.Name]) {
			t.fail(badPointer(titleNotBlank, detailNotBlank, w.obj.pointer+"/attributes/"+as.Name))
		}
	}
	for _, rs := range w.spec.Rels {
		if !rs.Required || len(w.rec.Relationships[rs.Name]) > 0 || t.failedAt(w.obj.pointer+"/relationships/"+rs.Name) {
			continue
		}
		ptr := w.obj.pointer + "/relationships/" + rs.Name + "/data"
		switch {
		case rs.ToMany && w.creating():
			// A required collection is a Count(min: 1) of the create form
			// (ProductBundle api.yml for names; ProductTest::testCreateWithEmptyNames).
			t.fail(badPointer(titleCount, "This collection should contain 1 element or more.", ptr))
		case !rs.ToMany && (w.creating() || w.sent(rs.Name)):
			t.fail(badPointer(titleNotBlank, detailNotBlank, ptr))
		}
	}
}

// failedAt reports whether an error was already reported under ptr.
// checkFormats applies the Length and Email constraints of the table to the
// string attributes a write sets (all on create, the sent ones on update),
// with Symfony's titles and messages: Length counts characters and passes
// null; Email passes null and "".
func (t *tx) checkFormats(w *write) {
	for _, as := range w.spec.Attrs {
		s, ok := w.rec.Attributes[as.Name].(string)
		if !ok || !(w.creating() || w.sent(as.Name)) {
			continue
		}
		ptr := w.obj.pointer + "/attributes/" + as.Name
		n := utf8.RuneCountInString(s)
		switch {
		case as.MaxLen > 0 && n > as.MaxLen:
			t.fail(badPointer(titleLength, fmt.Sprintf("This value is too long. It should have %d %s or less.",
				as.MaxLen, characters(as.MaxLen)), ptr))
		case as.MinLen > 0 && n < as.MinLen:
			t.fail(badPointer(titleLength, fmt.Sprintf("This value is too short. It should have %d %s or more.",
				as.MinLen, characters(as.MinLen)), ptr))
		}
		if as.Email && s != "" && !emailPattern.MatchString(s) {
			t.fail(badPointer(titleEmail, "This value is not a valid email address.", ptr))
		}
	}
}

func characters(n int) string {
	if n == 1 {
		return "character"
	}
	return "characters"
}

// emailPattern is Symfony's Email constraint in html5 mode (Symfony
// Component/Validator/Constraints/EmailValidator::PATTERN_HTML5), the
// strictest of its modes: every address it accepts is also accepted by the
// loose mode older Symfony versions default to.
var emailPattern = regexp.MustCompile("^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$")

func (t *tx) failedAt(ptr string) bool {
	for _, e := range t.errs {
		if len(e.Pointer) >= len(ptr) && e.Pointer[:len(ptr)] == ptr {
			return true
		}
	}
	return false
}

// commit deletes the orphaned records, then stores every write, stamping
// ids and timestamps. Orphans go first, while the stored parents still list
// them, so that their delete hooks can find what hangs on them.
func (t *tx) commit() {
	for _, r := range t.orphans {
		t.st.remove(r)
	}
	now := t.now.UTC().Format(timeLayout)
	for _, w := range t.writes {
		if w.mergedInto != nil {
			continue
		}
		if w.creating() && w.spec.hooks.finalID != nil {
			w.rec.ID = w.spec.hooks.finalID(w.rec)
		}
		if w.spec.Timestamps {
			if w.creating() && !(t.trusted && w.sent("createdAt")) {
				w.rec.Attributes["createdAt"] = now
			}
			if !(t.trusted && w.sent("updatedAt")) {
				w.rec.Attributes["updatedAt"] = now
			}
		}
		t.st.put(w.rec)
	}
	for _, w := range t.writes {
		if h := w.spec.hooks.afterCommit; h != nil && w.mergedInto == nil {
			h(t.st, w.rec)
		}
	}
}
