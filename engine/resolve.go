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

// errNotFound marks a ref() or lookup() that found no Oro record.
var errNotFound = errors.New("not found")

// errDeferred marks a ref() to a record of the same mapping that is not
// written yet: the record waits until its parent is.
var errDeferred = errors.New("parent not written yet")

// missingError says which ref() or lookup() found nothing.
type missingError struct{ what string }

func (e *missingError) Error() string { return "no Oro record found" }
func (e *missingError) Unwrap() error { return errNotFound }

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

// resolve replaces every lookup() and ref() placeholder of doc by an Oro id.
func (run *mappingRun) resolve(ctx context.Context, doc mappings.Document) (mappings.Document, error) {
	if !run.placeholders || len(mappings.Placeholders(doc)) == 0 {
		return doc, nil
	}
	var skip error
	out, err := doc.Resolve(func(p mappings.Placeholder) (any, error) {
		id, err := run.resolveOne(ctx, p)
		if err == nil {
			return id, nil
		}
		if run.opts.DryRun && (errors.Is(err, errDryRunLookup) || errors.Is(err, errNotFound)) {
			return dryRunPlaceholder(p), nil
		}
		if !errors.Is(err, errNotFound) {
			return nil, err
		}
		switch run.m.Target.OnMissing {
		case "skip":
			skip = fmt.Errorf("%s: %w", p, err)
			return nil, nil
		case "empty":
			return nil, nil
		}
		return nil, fmt.Errorf("%w (target.on_missing is fail; skip or empty would go on without it)", err)
	})
	if err != nil {
		return doc, err
	}
	if skip != nil {
		return doc, &skipError{reason: skip.Error()}
	}
	dropNullLinks(out.Data)
	return out, nil
}

func (run *mappingRun) resolveOne(ctx context.Context, p mappings.Placeholder) (string, error) {
	switch p.Kind {
	case "ref":
		e, ok, err := run.ids.lookup(p.Mapping, p.Key)
		if err != nil {
			return "", err
		}
		if p.Mapping == run.m.Name && !run.pendingPass && (!ok || !e.Updated.Before(run.started)) {
			// A parent in the same source that is new in this run: wait for
			// it, so that children follow their parents whatever the
			// concurrency (and dry-run output is deterministic).
			return "", errDeferred
		}
		if ok {
			return e.ID, nil
		}
		if p.Mapping == run.m.Name && !run.finalPass {
			return "", errDeferred
		}
		return "", &missingError{what: fmt.Sprintf("ref(%q; %q)", p.Mapping, p.Key)}
	case "lookup":
		if run.opts.DryRun || run.lookups == nil {
			return "", errDryRunLookup
		}
		return run.lookups.find(ctx, p.Type, p.Filter)
	}
	return "", fmt.Errorf("unknown placeholder kind %q", p.Kind)
}

// dryRunPlaceholder is what a dry run shows for an id it cannot know
// without asking Oro.
func dryRunPlaceholder(p mappings.Placeholder) string {
	if p.Kind == "ref" {
		return fmt.Sprintf("<ref %s %s>", p.Mapping, p.Key)
	}
	_, desc, err := filterQuery(p.Filter)
	if err != nil {
		desc = "?"
	}
	return fmt.Sprintf("<lookup %s %s>", p.Type, desc)
}

// errDryRunLookup keeps a lookup() unresolved in a dry run, which sends no
// request to Oro.
var errDryRunLookup = errors.New("lookup is not resolved in a dry run")

// skipError skips a record deliberately (on_missing: skip, write: update of
// an unknown record).
type skipError struct{ reason string }

func (e *skipError) Error() string { return "skipped: " + e.reason }

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
