package sandbox

import (
	"encoding/json"
	"slices"
	"strconv"

	"github.com/orosync/orosync/resources"
)

// renderer turns stored records into response objects.
type renderer struct {
	st     *store
	base   string              // absolute API base URL, for links
	links  bool                // HATEOAS links (off with X-Include: noHateoas)
	fields map[string][]string // sparse fieldsets by type
}

// keep reports whether a field is in the sparse fieldset of typ.
func (rd *renderer) keep(typ, name string) bool {
	f, ok := rd.fields[typ]
	return !ok || slices.Contains(f, name)
}

// resource renders r as a JSON:API resource object.
func (rd *renderer) resource(r *Resource) map[string]any {
	sp := rd.st.spec(r.Type)
	out := map[string]any{"type": r.Type, "id": r.ID}
	attrs := map[string]any{}
	for _, as := range sp.Attrs {
		if !as.Hidden && rd.keep(r.Type, as.Name) {
			attrs[as.Name] = r.Attributes[as.Name]
		}
	}
	if len(attrs) > 0 {
		out["attributes"] = attrs
	}
	rels := map[string]any{}
	for _, rs := range sp.Rels {
		if rd.keep(r.Type, rs.Name) {
			rels[rs.Name] = map[string]any{"data": relData(&rs, r.Relationships[rs.Name])}
		}
	}
	if len(rels) > 0 {
		out["relationships"] = rels
	}
	if rd.links {
		out["links"] = map[string]string{"self": rd.base + "/" + r.Type + "/" + r.ID}
	}
	return out
}

func relData(rs *resources.Rel, refs []Ref) any {
	if rs.ToMany {
		return append([]Ref{}, refs...)
	}
	if len(refs) == 0 {
		return nil
	}
	return refs[0]
}

// plain renders r in Oro's "plain" REST format: a flat object with numeric
// ids where the id is a number, attributes and related ids side by side.
func (rd *renderer) plain(r *Resource) map[string]any {
	sp := rd.st.spec(r.Type)
	out := map[string]any{"id": plainID(r.ID)}
	for _, as := range sp.Attrs {
		if !as.Hidden {
			out[as.Name] = r.Attributes[as.Name]
		}
	}
	for _, rs := range sp.Rels {
		refs := r.Relationships[rs.Name]
		switch {
		case rs.ToMany:
			ids := []any{}
			for _, ref := range refs {
				ids = append(ids, plainID(ref.ID))
			}
			out[rs.Name] = ids
		case len(refs) == 0:
			out[rs.Name] = nil
		default:
			out[rs.Name] = plainID(refs[0].ID)
		}
	}
	return out
}

func plainID(id string) any {
	if _, err := strconv.ParseInt(id, 10, 64); err == nil {
		return json.Number(id)
	}
	return id
}

// related renders the records the named relationships of rows point at,
// once each, for the top-level "included" member.
func (rd *renderer) related(rows []*Resource, rels []string) []any {
	seen := map[Ref]bool{}
	out := []any{}
	for _, r := range rows {
		for _, name := range rels {
			for _, ref := range r.Relationships[name] {
				if rel := rd.st.get(ref.Type, ref.ID); rel != nil && !seen[ref] {
					seen[ref] = true
					out = append(out, rd.resource(rel))
				}
			}
		}
	}
	return out
}
