package mappings

import (
	"strings"
	"testing"

	"github.com/orosync/orosync/resources"
)

// FuzzCheckTransform: reading any transform's output and lining its tree
// up with its text neither panics nor locates a problem outside the file.
func FuzzCheckTransform(f *testing.F) {
	f.Add(`{type: "products", attributes: {sku: .sku}}`)
	f.Add(`. as {a: $a} | "x\({b: 1})" as $s | {type: "x", attributes: ({} + if .a then {a: 1} else {} end)}`)
	f.Add(`{data: {type: "products", relationships: {x: {data: {id: lookup("Products"; {nmae: .x})}}}}, included: []}`)
	f.Add(`def f: {a: 1}; # { comment
reduce .[] as $x ({}; . + {($x): ref("m"; $x)})`)
	f.Fuzz(func(t *testing.T, transform string) {
		if strings.ContainsAny(transform, "\r\t") {
			return // keep the block scalar valid
		}
		src := "version: 1\nname: t\nsource: {file: x.json}\ntarget: {type: products, key: .id, write: upsert, match: {sku: .attributes.sku, sku2: .x}}\ntransform: |\n  " +
			strings.ReplaceAll(transform, "\n", "\n  ") + "\n"
		m, err := Parse("f.yaml", []byte(src), nil)
		if err != nil {
			return
		}
		e := m.Transform
		pos := locateJQ(e.Src, e.query, "lookup", "ref")
		for o, off := range pos.objects {
			if e.Src[off] != '{' {
				t.Fatalf("object %v located at %d, not at a {", o, off)
			}
		}
		for f, args := range pos.args {
			for _, off := range args {
				if off < 0 || off >= len(e.Src) {
					t.Fatalf("argument of %s located at %d", f.Name, off)
				}
			}
		}
		lines := strings.Count(src, "\n") + 1
		all := append(m.Check(resources.Version{}), CheckRefs([]*Mapping{m}, true)...)
		for _, p := range all {
			if p.Line < 1 || p.Col < 1 || p.Line > lines || p.Msg == "" {
				t.Fatalf("problem outside the file: %v", p)
			}
		}
	})
}
