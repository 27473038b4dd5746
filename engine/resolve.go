package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sync/singleflight"

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

// lookups resolves lookup() placeholders against Oro, once per distinct
// query for the whole run.
type lookups struct {
	oro   OroClient
	group singleflight.Group
	mu    sync.Mutex
	cache map[string]lookupResult
}

type lookupResult struct {
	id  string
	err error
}

func newLookups(c OroClient) *lookups {
	return &lookups{oro: c, cache: map[string]lookupResult{}}
}

// find returns the id of the one record of typ matching filter.
func (l *lookups) find(ctx context.Context, typ string, filter map[string]any) (string, error) {
	q, desc, err := filterQuery(filter)
	if err != nil {
		return "", err
	}
	cacheKey := typ + "?" + q.Encode()
	l.mu.Lock()
	r, ok := l.cache[cacheKey]
	l.mu.Unlock()
	if ok {
		return r.id, r.err
	}
	v, err, _ := l.group.Do(cacheKey, func() (any, error) {
		res, err := l.oro.List(ctx, typ, q, 2)
		var r lookupResult
		switch {
		case err != nil:
			return nil, err // not cached: may be transient
		case len(res) == 0:
			r.err = &missingError{what: fmt.Sprintf("lookup(%q; %s)", typ, desc)}
		case len(res) > 1:
			r.err = fmt.Errorf("several Oro records match (%s, %s, …): make the filter unique", res[0].ID, res[1].ID)
		default:
			r.id = res[0].ID
		}
		l.mu.Lock()
		l.cache[cacheKey] = r
		l.mu.Unlock()
		return r, nil
	})
	if err != nil {
		return "", err
	}
	r = v.(lookupResult)
	return r.id, r.err
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
