package engine

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/orosync/orosync/engine/oro"
	"github.com/orosync/orosync/mappings"
	"github.com/orosync/orosync/resources"
)

// This file reconciles the document of an update with the record in Oro.
// A PATCH replaces a to-many relationship in Oro, and Oro deletes the
// related records a record owns (a product's names, unit precisions) that
// the new set leaves out (oro-api.md §4, §12.6). So before a PATCH whose
// document sets a to-many relationship, the engine reads the record's
// current related records and sends what the relationship's policy asks:
//
//   - included records whose key (a name's localization, a precision's
//     unit) matches an existing related record become updates of it: its
//     id and meta.update, the safe form on every Oro version;
//   - merge (the default) adds the related records the mapping does not
//     mention, so a translation or a role maintained in Oro survives;
//     replace sends only the mapping's.
//
// Fields Oro accepts on create only, and those the mapping lists in
// target.create_only, are left out of the update.

// relPlan is how one to-many relationship of an update is sent.
type relPlan struct {
	name   string
	target string // type of the related records
	policy string // merge or replace
	key    string // field identifying an owned related record; "" = by id
}

// relPlans returns the plans of the to-many relationships the document
// sets.
func (mr *mappingRun) relPlans(doc mappings.Document) []relPlan {
	rels, _ := doc.Data["relationships"].(map[string]any)
	res := resources.LookupOrGeneric(mr.m.Target.Type)
	var out []relPlan
	for name, r := range rels {
		linkage, _ := r.(map[string]any)
		if _, toMany := linkage["data"].([]any); !toMany {
			continue
		}
		p := relPlan{name: name, policy: mappings.PolicyMerge}
		if spec := res.Rel(name); spec != nil {
			p.target, p.key = spec.Target, spec.ChildKey
		}
		if rp := mr.m.Target.Relationships[name]; rp != nil {
			p.policy = rp.Policy
			if rp.Key != "" {
				p.key = rp.Key
			}
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// forUpdate returns the document to PATCH onto Oro record id: create-only
// fields left out, and to-many relationships reconciled with what Oro
// holds.
func (mr *mappingRun) forUpdate(ctx context.Context, d *document, id string) (mappings.Document, error) {
	doc := cloneDoc(d.doc)
	mr.dropCreateOnly(doc.Data)
	plans := mr.relPlans(doc)
	if len(plans) == 0 || mr.oro == nil {
		return doc, nil // a dry run that does not read Oro shows the mapping's sets
	}
	current, err := mr.readRelated(ctx, id, plans)
	if err != nil {
		return doc, err
	}
	for _, p := range plans {
		if err := reconcile(&doc, current, p); err != nil {
			return doc, fmt.Errorf("relationship %s: %w", p.name, err)
		}
	}
	return doc, nil
}

// readRelated reads the record's current to-many relationships, with the
// related records that are matched by a key.
func (mr *mappingRun) readRelated(ctx context.Context, id string, plans []relPlan) (*oro.Resource, error) {
	typ := mr.m.Target.Type
	var fields, include []string
	for _, p := range plans {
		fields = append(fields, p.name)
		if p.key != "" {
			include = append(include, p.name)
		}
	}
	q := url.Values{"fields[" + typ + "]": {strings.Join(fields, ",")}}
	if len(include) > 0 {
		q.Set("include", strings.Join(include, ","))
	}
	res, err := mr.oro.GetWith(ctx, typ, id, q)
	if err != nil {
		return nil, fmt.Errorf("read the related records of %s %s before updating it: %w", typ, id, err)
	}
	return res, nil
}

// reconcile rewrites relationship p of doc against the record's current
// state.
func reconcile(doc *mappings.Document, current *oro.Resource, p relPlan) error {
	rels := doc.Data["relationships"].(map[string]any)
	linkage := rels[p.name].(map[string]any)
	items := linkage["data"].([]any)
	existing := linkageRefs(current.Relationships[p.name])
	mentioned := map[ref]bool{}
	if p.key != "" {
		byKey, err := existingByKey(current, existing, p)
		if err != nil {
			return err
		}
		claimed := map[string]ref{}
		for _, it := range items {
			r, ok := refOf(it)
			if !ok {
				continue
			}
			inc := includedRecord(doc, r)
			if inc == nil || inc["meta"] != nil {
				mentioned[r] = true // an existing record by id, or already an update
				continue
			}
			k := keyValue(inc, p.key)
			if prev, dup := claimed[k]; dup {
				return fmt.Errorf("included records %s and %s have the same %s %s: give each %s once", prev.ID, r.ID, p.key, k, p.key)
			}
			claimed[k] = r
			if old, ok := byKey[k]; ok {
				renameRef(doc, r, old.ID)
				inc["id"], inc["meta"] = old.ID, map[string]any{"update": true}
				mentioned[old] = true
			}
		}
	} else {
		for _, it := range items {
			if r, ok := refOf(it); ok {
				mentioned[r] = true
			}
		}
	}
	if p.policy == mappings.PolicyMerge {
		items = linkage["data"].([]any) // renameRef may have rewritten it
		for _, e := range existing {
			if !mentioned[e] {
				items = append(items, map[string]any{"type": e.Type, "id": e.ID})
			}
		}
		linkage["data"] = items
	}
	return nil
}

// ref identifies a resource.
type ref struct{ Type, ID string }

// refOf reads a resource identifier object.
func refOf(v any) (ref, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return ref{}, false
	}
	typ, ok1 := m["type"].(string)
	id, ok2 := m["id"].(string)
	return ref{typ, id}, ok1 && ok2
}

// linkageRefs reads the identifiers of a relationship object as Oro
// returns it ({"data": [...]}).
func linkageRefs(rel any) []ref {
	m, _ := rel.(map[string]any)
	list, _ := m["data"].([]any)
	var out []ref
	for _, v := range list {
		if r, ok := refOf(v); ok {
			out = append(out, r)
		}
	}
	return out
}

// existingByKey indexes the record's current related records by their key
// value.
func existingByKey(current *oro.Resource, existing []ref, p relPlan) (map[string]ref, error) {
	out := map[string]ref{}
	for _, e := range existing {
		var rec map[string]any
		for _, inc := range current.Included {
			if inc.Type == e.Type && inc.ID == e.ID {
				rec = map[string]any{"attributes": inc.Attributes, "relationships": inc.Relationships}
			}
		}
		if rec == nil {
			return nil, fmt.Errorf("the answer lists %s %s among the related records but does not include it", e.Type, e.ID)
		}
		k := keyValue(rec, p.key)
		if _, dup := out[k]; dup {
			continue // Oro holds two with one key: neither is matched twice
		}
		out[k] = e
	}
	return out, nil
}

// keyValue is the value of a related record's key field: the id of a
// to-one relationship ("" for null) or an attribute, as text.
func keyValue(rec map[string]any, key string) string {
	if rels, ok := rec["relationships"].(map[string]any); ok {
		if rel, ok := rels[key].(map[string]any); ok {
			if r, ok := refOf(rel["data"]); ok {
				return "rel:" + r.ID
			}
			return "rel:"
		}
	}
	if attrs, ok := rec["attributes"].(map[string]any); ok {
		if v, ok := attrs[key]; ok && v != nil {
			return fmt.Sprint("attr:", v)
		}
	}
	return "rel:" // absent: null, like a default-localization name
}

// includedRecord returns the included resource object r names, or nil.
func includedRecord(doc *mappings.Document, r ref) map[string]any {
	for _, v := range doc.Included {
		m, _ := v.(map[string]any)
		if got, ok := refOf(m); ok && got == r {
			return m
		}
	}
	return nil
}

// renameRef points every reference to r in doc (primary data and included
// records) at id instead.
func renameRef(doc *mappings.Document, r ref, id string) {
	rename := func(obj map[string]any) {
		rels, _ := obj["relationships"].(map[string]any)
		for _, rel := range rels {
			linkage, _ := rel.(map[string]any)
			switch d := linkage["data"].(type) {
			case map[string]any:
				if got, ok := refOf(d); ok && got == r {
					d["id"] = id
				}
			case []any:
				for _, v := range d {
					if got, ok := refOf(v); ok && got == r {
						v.(map[string]any)["id"] = id
					}
				}
			}
		}
	}
	rename(doc.Data)
	for _, v := range doc.Included {
		if m, ok := v.(map[string]any); ok {
			rename(m)
		}
	}
}

// dropCreateOnly removes the fields an update must not send: those Oro
// accepts on create only (the resources table) and those the mapping
// lists in target.create_only.
func (mr *mappingRun) dropCreateOnly(data map[string]any) {
	res := resources.LookupOrGeneric(mr.m.Target.Type)
	attrs, _ := data["attributes"].(map[string]any)
	rels, _ := data["relationships"].(map[string]any)
	for name := range attrs {
		if a := res.Attr(name); a != nil && a.CreateOnly || slices.Contains(mr.m.Target.CreateOnly, "attributes."+name) {
			delete(attrs, name)
		}
	}
	for name := range rels {
		if r := res.Rel(name); r != nil && r.CreateOnly || slices.Contains(mr.m.Target.CreateOnly, "relationships."+name) {
			delete(rels, name)
		}
	}
	// Oro refuses an empty "attributes" or "relationships" object (platform
	// ApiBundle AbstractRequestDataValidator::
	// validateAttributesAndRelationships): drop what is left empty.
	if attrs != nil && len(attrs) == 0 {
		delete(data, "attributes")
	}
	if rels != nil && len(rels) == 0 {
		delete(data, "relationships")
	}
}

// cloneDoc deep-copies a document's objects and arrays, so that an update
// can be rewritten without touching the transform's output.
func cloneDoc(d mappings.Document) mappings.Document {
	data, _ := cloneJSON(d.Data).(map[string]any)
	inc, _ := cloneJSON(d.Included).([]any)
	return mappings.Document{Data: data, Included: inc}
}

func cloneJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = cloneJSON(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = cloneJSON(e)
		}
		return out
	}
	return v
}
