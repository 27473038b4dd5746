package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/orosync/orosync/mappings"
)

// This file is the resolve stage: every ref() and lookup() placeholder of a
// document becomes an Oro id.

// errNotFound marks a ref() or lookup() that found no Oro record.
var errNotFound = errors.New("not found")

// errDeferred marks a ref() to a record of the same mapping that is not
// written yet: the record waits until its parent is.
var errDeferred = errors.New("parent not written yet")

// errDryRunLookup keeps a lookup() unresolved in a dry run, which sends no
// request to Oro.
var errDryRunLookup = errors.New("lookup is not resolved in a dry run")

// missingError says which ref() or lookup() found nothing.
type missingError struct{ what string }

func (e *missingError) Error() string { return "no Oro record found" }
func (e *missingError) Unwrap() error { return errNotFound }

// skipError skips a record deliberately (on_missing: skip, write: update of
// an unknown record).
type skipError struct{ reason string }

func (e *skipError) Error() string { return "skipped: " + e.reason }

// resolve replaces every placeholder of d by an Oro id and encodes the
// document. A missing id follows target.on_missing: the error is then a
// *skipError (skip), or the relationship is left empty (empty).
func (mr *mappingRun) resolve(ctx context.Context, d *document) error {
	if mr.placeholders && len(mappings.Placeholders(d.doc)) > 0 {
		var skip error
		out, err := d.doc.Resolve(func(p mappings.Placeholder) (any, error) {
			id, err := mr.resolveOne(ctx, p)
			if mr.traceOn() {
				mr.traceResolve(d, p, id, err)
			}
			switch {
			case err == nil:
				return id, nil
			case errors.Is(err, errDryRunLookup) || mr.r.opts.DryRun && p.Kind == mappings.KindRef && errors.Is(err, errNotFound):
				d.unresolved = true // the id is Oro's to tell: the outcome depends on it
				return dryRunPlaceholder(p), nil
			case !errors.Is(err, errNotFound):
				return nil, err
			}
			switch mr.m.Target.OnMissing {
			case "skip":
				skip = fmt.Errorf("%s: %w", p, err)
				return nil, nil
			case "empty":
				return nil, nil
			}
			return nil, fmt.Errorf("%w (target.on_missing is fail; skip or empty would go on without it)", err)
		})
		if err != nil {
			return err
		}
		if skip != nil {
			return &skipError{reason: skip.Error()}
		}
		dropNullLinks(out.Data)
		d.doc = out
		d.filterSet = false // target.match may read what resolve replaced
	}
	if d.body == nil {
		return d.encode()
	}
	return nil
}

// resolveOne finds the Oro id of one placeholder.
func (mr *mappingRun) resolveOne(ctx context.Context, p mappings.Placeholder) (string, error) {
	switch p.Kind {
	case mappings.KindRef:
		e, ok, err := mr.r.ids.lookup(p.Mapping, p.Key)
		switch {
		case err != nil:
			return "", err
		case ok:
			return e.ID, nil
		case p.Mapping == mr.m.Name && !mr.finalPass:
			// A parent later in the same source: wait until it is written.
			return "", errDeferred
		}
		return "", &missingError{what: p.String()}
	case mappings.KindLookup:
		if mr.r.lookups == nil { // a dry run that does not ask Oro
			return "", errDryRunLookup
		}
		return mr.r.lookups.find(ctx, mr.oro, p.Type, p.Filter)
	}
	return "", fmt.Errorf("unknown placeholder kind %q", p.Kind)
}

// dryRunPlaceholder is what a dry run shows for an id it cannot know
// without asking Oro.
func dryRunPlaceholder(p mappings.Placeholder) string {
	if p.Kind == mappings.KindRef {
		return fmt.Sprintf("<ref %s %s>", p.Mapping, p.Key)
	}
	_, desc, err := filterQuery(p.Filter)
	if err != nil {
		desc = "?"
	}
	return fmt.Sprintf("<lookup %s %s>", p.Type, desc)
}

// parentsOf returns the keys of this mapping that a document refers to
// with ref(), for waiting on parents still being written.
func (mr *mappingRun) parentsOf(doc mappings.Document) []string {
	if !mr.placeholders {
		return nil
	}
	var keys []string
	for _, p := range mappings.Placeholders(doc) {
		if p.Kind == mappings.KindRef && p.Mapping == mr.m.Name {
			keys = append(keys, p.Key)
		}
	}
	return keys
}

// selfRefs returns the parents of all of a record's documents.
func selfRefs(rec *record) []string {
	var keys []string
	for _, d := range rec.docs {
		keys = append(keys, d.parents...)
	}
	return keys
}

// filterQuery turns a lookup filter into Oro query parameters and a short
// description for messages.
func filterQuery(filter map[string]any) (url.Values, string, error) {
	if len(filter) == 0 {
		return nil, "{}", errors.New("the filter is empty: give at least one field, e.g. {name: .group}")
	}
	keys := make([]string, 0, len(filter))
	for k := range filter {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	q := url.Values{}
	var desc []string
	for _, k := range keys {
		s, err := filterValue(filter[k])
		if err != nil {
			return nil, "", fmt.Errorf("filter field %q: %w", k, err)
		}
		q.Set("filter["+k+"]", s)
		desc = append(desc, k+"="+s)
	}
	return q, "{" + strings.Join(desc, ", ") + "}", nil
}

func filterValue(v any) (string, error) {
	switch v := v.(type) {
	case string:
		if strings.TrimSpace(v) == "" {
			return "", errors.New("the value is empty")
		}
		return v, nil
	case json.Number:
		return v.String(), nil
	case bool:
		if v {
			return "true", nil
		}
		return "false", nil
	case int, int64, float64:
		return fmt.Sprint(v), nil
	case nil:
		return "", errors.New("the value is null")
	}
	return "", fmt.Errorf("the value must be a string, number or boolean, not %T", v)
}

// dropNullLinks turns relationship linkage whose id resolved to null into
// an empty relationship: {"data": null} for to-one, and removes the entry
// from to-many lists.
func dropNullLinks(data map[string]any) {
	rels, _ := data["relationships"].(map[string]any)
	for _, r := range rels {
		rel, _ := r.(map[string]any)
		if rel == nil {
			continue
		}
		switch d := rel["data"].(type) {
		case map[string]any:
			if id, ok := d["id"]; ok && id == nil {
				rel["data"] = nil
			}
		case []any:
			kept := d[:0]
			for _, x := range d {
				if m, ok := x.(map[string]any); ok {
					if id, ok := m["id"]; ok && id == nil {
						continue
					}
				}
				kept = append(kept, x)
			}
			rel["data"] = kept
		}
	}
}

// checkRefsRan makes sure the mappings the transform refers to with ref()
// and that are not part of this run have run against this Oro before:
// their id maps are what ref() reads. One that never ran would fail every
// record with "no Oro record found"; it is said once instead: the mapping
// stops (target.on_missing: fail), or a warning says its ids will be
// missing (skip, empty, and in a dry run).
func (mr *mappingRun) checkRefsRan() error {
	store := mr.r.opts.State
	if store == nil || mr.r.instance == "" {
		return nil
	}
	names, _ := mr.m.Transform.RefMappings()
	for _, name := range names {
		if name == mr.m.Name || mr.r.running[name] {
			continue
		}
		known, err := store.Known(mr.r.instance, name)
		if err != nil {
			return fmt.Errorf("read the state of mapping %s: %w", name, err)
		}
		if known {
			continue
		}
		msg := fmt.Sprintf("ref(%q; …): mapping %s has never run against this Oro (%s), so its ids are unknown: run it first, or run both, e.g. orosync run --select +%s DIR",
			name, name, mr.r.instance, mr.m.Name)
		if mr.m.Target.OnMissing == "fail" && !mr.r.opts.DryRun {
			return errors.New(msg)
		}
		mr.log.Warn(msg)
	}
	return nil
}
