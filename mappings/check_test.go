package mappings

import (
	"strings"
	"testing"

	"github.com/orosync/orosync/resources"
)

func TestOrderLocatesProblems(t *testing.T) {
	parseAt := func(file, src string) *Mapping {
		t.Helper()
		m, err := Parse(file, []byte(src), nil)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	const body = "source: {file: x.json}\ntarget: {type: customergroups}\ntransform: .\n"
	a := parseAt("a.yaml", "version: 1\nname: a\nafter: [b]\n"+body)
	b := parseAt("b.yaml", "version: 1\nname: b\nafter:\n  - c\n  - a\n"+body)
	c := parseAt("c.yaml", "version: 1\nname: c\n"+body)
	order, err := Order([]*Mapping{c, a, b})
	if err == nil {
		t.Fatalf("Order(cycle) = %v, want an error", order)
	}
	if got := err.Error(); got != `b.yaml:5:5: after[1]: dependency cycle between mappings: a → b → a: remove one of these after: entries` {
		t.Errorf("Order(cycle) error = %q", got)
	}
	z := parseAt("z.yaml", "version: 1\nname: z\nafter: [c, zzz]\n"+body)
	dup := parseAt("dup.yaml", "version: 1\nname: c\n"+body)
	_, err = Order([]*Mapping{c, z, dup})
	want := "dup.yaml:2:7: name: \"c\" is also the name of c.yaml: names must be unique in a run"
	if err == nil || err.Error() != want {
		t.Errorf("Order = %v\nwant %s", err, want)
	}
	// A mapping it runs after that is not in the run ran before: it orders
	// nothing, and validate warns about it.
	order, err = Order([]*Mapping{z, c})
	if err != nil || names(order) != "c z" {
		t.Errorf("Order = %s, %v; want c z", names(order), err)
	}
	warn := AfterOutside([]*Mapping{c, z})
	if len(warn) != 1 || !warn[0].Warning || warn[0].Error() != `z.yaml:3:12: after[1]: warning: mapping "zzz" is not among the mapping files given: it must have run before against the same Oro (or give its file too)` {
		t.Errorf("AfterOutside = %v", warn)
	}
	order, err = Order([]*Mapping{b.withoutAfter(), c, a})
	if err != nil || names(order) != "b c a" {
		t.Errorf("Order = %s, %v; want b c a", names(order), err)
	}
}

func (m *Mapping) withoutAfter() *Mapping { c := *m; c.After = nil; return &c }

func names(ms []*Mapping) string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Name)
	}
	return strings.Join(out, " ")
}

func TestCheckNativeUpsert(t *testing.T) {
	for _, tc := range []struct {
		typ, fields, version string
		want                 string // "" = no problem
	}{
		{"productunits", "[id]", "6.1.3", ""},
		{"users", "[email]", "", ""},
		{"customers", "[name]", "", `test.yaml:4:85: target.native_upsert: Oro offers no meta.upsert for "customers"`},
		{"users", "[email, firstName]", "", `test.yaml:4:89: target.native_upsert[1]: Oro upserts "users" only by username or email, not by "firstName"`},
		{"productunits", "[id]", "5.1.1", "test.yaml:4:88: target.native_upsert: Oro 5.1.1 has no meta.upsert (added in 5.1.2)"},
		{"extendwidgets", "[code]", "", "test.yaml:4:89: target.native_upsert: warning: orosync does not know whether Oro supports upsert by code"},
	} {
		src := "version: 1\nname: u\nsource: {file: x.json}\ntarget: {type: " + tc.typ + ", write: upsert, key: .id, match: {id: .id}, native_upsert: " + tc.fields + "}\ntransform: .\n"
		m := mustParse(t, src)
		var v resources.Version
		if tc.version != "" {
			v = resources.MustVersion(tc.version)
		}
		got := m.Check(v).Error()
		if tc.want == "" && got != "" || !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s %s on %q: Check = %q, want prefix %q", tc.typ, tc.fields, tc.version, got, tc.want)
		}
	}
}

func TestCheckRerunWarnings(t *testing.T) {
	m := mustParse(t, `version: 1
name: w
source:
  http:
    url: https://erp.test/x
    records: .data
target: {type: customers, key: .id}
transform: .
`)
	got := m.Check(resources.Version{}).Error()
	for _, want := range []string{
		"test.yaml:6:14: source.http.records: warning: .data yields one record per output, so an array there is ONE record; write .data[] for its elements",
		"test.yaml:7:32: target.key: warning: target.match is not set",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("Check = %q, want %q", got, want)
		}
	}
	m = mustParse(t, "version: 1\nname: g\nsource: {file: g.json, records: '.items[]'}\ntarget: {type: customergroups, key: .code, write: upsert, match: {name: .attributes.name}}\ntransform: .\n")
	if got := m.Check(resources.Version{}); len(got) != 0 {
		t.Errorf("Check(a rerunnable mapping) = %v, want nothing", got)
	}
}
