package engine

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/orosync/orosync/mappings"
)

// nativeUpsertKeys lists, per resource, the meta.upsert keys Oro supports
// out of the box (reference: Oro's CompleteUpsertConfig; "id" means
// upsert: true). Resources listed with no keys are known to support none.
var nativeUpsertKeys = map[string][]string{
	"users":                 {"username", "email"},
	"taxes":                 {"code"},
	"taxjurisdictions":      {"code"},
	"productunits":          {"id"},
	"weightunits":           {"id"},
	"lengthunits":           {"id"},
	"products":              nil,
	"customers":             nil,
	"customergroups":        nil,
	"customerusers":         nil,
	"customeraddresses":     nil,
	"customeruseraddresses": nil,
	"pricelists":            nil,
	"productprices":         nil,
	"inventorylevels":       nil,
	"organizations":         nil,
	"customeruserroles":     nil,
}

// minUpsertVersion is the first Oro release with meta.upsert.
var minUpsertVersion = [3]int{5, 1, 2}

// CheckCapabilities checks that the Oro features a mapping asks for exist
// for its resource and, when the Oro version is known (e.g. "6.1.3"), in
// that version. It returns a problem to report as an invalid mapping, and
// warnings for what it cannot verify.
func CheckCapabilities(m *mappings.Mapping, oroVersion string) (warnings []string, err error) {
	fields := m.Target.NativeUpsert
	if len(fields) == 0 {
		return nil, nil
	}
	if oroVersion != "" {
		v, err := parseVersion(oroVersion)
		if err != nil {
			return nil, err
		}
		if less(v, minUpsertVersion) {
			return nil, fmt.Errorf("%s: target.native_upsert: Oro %s has no meta.upsert (added in 5.1.2): remove native_upsert and use target.match to find existing records", m.File, oroVersion)
		}
	}
	keys, known := nativeUpsertKeys[m.Target.Type]
	if !known {
		return []string{fmt.Sprintf("target.native_upsert: orosync does not know whether Oro supports upsert by %s for %q; check with `php bin/console oro:api:dump --upsert` on the instance", strings.Join(fields, ","), m.Target.Type)}, nil
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s: target.native_upsert: Oro offers no meta.upsert for %q (its natural keys are not unique on their own); remove native_upsert and use target.match, e.g. match: {name: .attributes.name}", m.File, m.Target.Type)
	}
	for _, f := range fields {
		if !slices.Contains(keys, f) {
			return nil, fmt.Errorf("%s: target.native_upsert: Oro upserts %q only by %s, not by %q", m.File, m.Target.Type, strings.Join(keys, " or "), f)
		}
	}
	return nil, nil
}

// Warnings returns advice about a valid mapping that may not behave as the
// user expects on reruns.
func Warnings(m *mappings.Mapping) []string {
	var w []string
	t := m.Target
	if t.Key == nil && len(t.NativeUpsert) == 0 {
		w = append(w, "target.key is not set: orosync cannot recognise records it already wrote, so every run creates them again")
	}
	if t.Key != nil && len(t.Match) == 0 && len(t.NativeUpsert) == 0 && t.Write != "update" {
		w = append(w, "target.match is not set: if the id map is lost, or a POST's answer is lost, orosync cannot find the Oro record and may create a duplicate")
	}
	records := m.Source.Records
	if m.Source.HTTP != nil {
		records = m.Source.HTTP.Records
	}
	if records.IsPath() {
		w = append(w, fmt.Sprintf("records: %s yields one record per output, so an array there is ONE record; write %s[] for its elements", records.Src, strings.TrimSpace(records.Src)))
	}
	return w
}

func parseVersion(s string) ([3]int, error) {
	var v [3]int
	parts := strings.SplitN(strings.TrimPrefix(s, "v"), ".", 3)
	for i, p := range parts {
		p, _, _ = strings.Cut(p, "-")
		n, err := strconv.Atoi(p)
		if err != nil {
			return v, fmt.Errorf("--oro-version %q is not a version like 6.1.3", s)
		}
		v[i] = n
	}
	return v, nil
}

func less(a, b [3]int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}
