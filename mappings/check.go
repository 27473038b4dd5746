package mappings

import (
	"fmt"
	"strings"

	"github.com/orosync/orosync/resources"
)

// Check reports what loading alone cannot know about a valid mapping,
// using orosync's table of Oro resources: Oro features the mapping asks for
// that its resource type, or the given Oro version, lacks (errors), and
// settings that may not behave as their author expects (warnings). A zero
// version means unknown: version-dependent features are then assumed
// present. Every problem is located in the mapping file.
//
// The checks against the table: resource type names (target.type and
// lookup()), writes the resource refuses, target.match and lookup()
// filters the resource lacks or needs, target.match paths the transform
// never sets, and required fields a create lacks. The last two read the
// transform's output from its syntax tree and say nothing where it is too
// dynamic to read. ref() names are checked against the other mappings by
// CheckRefs.
func (m *Mapping) Check(oro resources.Version) ErrorList {
	var out ErrorList
	out = append(out, m.checkTargetType()...)
	if r, known := resources.Lookup(m.Target.Type); known {
		out = append(out, m.checkWrite(r)...)
		out = append(out, m.checkMatch(r)...)
		out = append(out, m.checkRequired(r)...)
	}
	out = append(out, m.checkMatchSet()...)
	out = append(out, m.checkLookups()...)
	out = append(out, m.checkNativeUpsert(oro)...)
	out = append(out, m.checkBatch(oro)...)
	out = append(out, m.rerunWarnings()...)
	return out.sort()
}

// checkNativeUpsert checks target.native_upsert against the resource's
// upsert keys (Oro's CompleteUpsertConfig) and the version.
func (m *Mapping) checkNativeUpsert(oro resources.Version) ErrorList {
	t := m.Target
	if len(t.NativeUpsert) == 0 {
		return nil
	}
	const at = "target.native_upsert"
	if !resources.Upsert.In(oro) {
		return ErrorList{m.Errorf(at, "Oro %s has no meta.upsert (added in %s): remove native_upsert and use target.match to find existing records",
			oro, resources.Upsert.Since)}
	}
	r, known := resources.Lookup(t.Type)
	if !known {
		return ErrorList{m.Warnf(at, "orosync does not know whether Oro supports upsert by %s for %q; check with `php bin/console oro:api:dump --upsert` on the instance",
			strings.Join(t.NativeUpsert, ","), t.Type)}
	}
	fields := r.UpsertFields()
	if len(fields) == 0 {
		return ErrorList{m.Errorf(at, "Oro offers no meta.upsert for %q (its natural keys are not unique on their own); remove native_upsert and use target.match, e.g. match: {name: .attributes.name}", t.Type)}
	}
	var out ErrorList
	for i, f := range t.NativeUpsert {
		if !r.CanUpsertBy(f) {
			out = append(out, m.Errorf(fmt.Sprintf("%s[%d]", at, i), "Oro upserts %q only by %s, not by %q", t.Type, strings.Join(fields, " or "), f))
		}
	}
	return out
}

// rerunWarnings warns about mappings that cannot recognise what they wrote
// on a rerun, and about a records selector that yields whole arrays.
func (m *Mapping) rerunWarnings() ErrorList {
	var out ErrorList
	t := m.Target
	if t.Key == nil && len(t.NativeUpsert) == 0 {
		out = append(out, m.Warnf("target", "target.key is not set: orosync cannot recognise records it already wrote, so every run creates them again"))
	}
	if t.Key != nil && len(t.Match) == 0 && len(t.NativeUpsert) == 0 && t.Write != "update" {
		out = append(out, m.Warnf("target.key", "target.match is not set: if the id map is lost, or a POST's answer is lost, orosync cannot find the Oro record and may create a duplicate"))
	}
	records, at := m.Source.Records, "source.records"
	if m.Source.HTTP != nil {
		records, at = m.Source.HTTP.Records, "source.http.records"
	}
	if records.IsPath() {
		out = append(out, m.Warnf(at, "%s yields one record per output, so an array there is ONE record; write %s[] for its elements",
			records.Src, strings.TrimSpace(records.Src)))
	}
	return out
}

// checkBatch checks target.batch against the resource and the version: an
// explicit sync or async needs the Batch API (update_list) for the
// resource, sync needs Oro 6.0.4, and async needs a natural key, since the
// asynchronous Batch API does not tell the ids of the records it creates
// (oro-api.md §10.1): orosync finds them again by target.match.
func (m *Mapping) checkBatch(oro resources.Version) ErrorList {
	const at = "target.batch"
	mode := m.Target.Batch
	if mode != BatchSync && mode != BatchAsync {
		return nil
	}
	var out ErrorList
	r, known := resources.Lookup(m.Target.Type)
	switch {
	case known && !r.Allows(resources.UpdateList):
		out = append(out, m.Errorf(at, "Oro has no Batch API (update_list) for %q: use batch: off (or auto)", m.Target.Type))
	case known && !r.AllowsIn(resources.UpdateList, oro):
		out = append(out, m.Errorf(at, "Oro %s has no Batch API for %q yet: use batch: off (or auto)", oro, m.Target.Type))
	case !known:
		out = append(out, m.Warnf(at, "orosync does not know whether Oro has the Batch API (update_list) for %q; a 405 answer makes orosync write one record at a time", m.Target.Type))
	}
	if mode == BatchSync && !resources.SyncBatch.In(oro) {
		out = append(out, m.Errorf(at, "Oro %s has no synchronous Batch API (added in %s): use batch: async or auto", oro, resources.SyncBatch.Since))
	}
	if mode == BatchAsync && len(m.Target.Match) == 0 && m.Target.Write != "update" {
		out = append(out, m.Errorf(at, "async needs target.match: the asynchronous Batch API does not tell the ids of the records it creates, so orosync finds them again by their natural key"))
	}
	return out
}
