package mappings

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*/*.yaml")
	more, _ := filepath.Glob("testdata/apply/*/mapping.yaml")
	for _, s := range append(seeds, more...) {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(valid + "tests:\n  - {name: a, input: &x {a: [*x]}, want: []}\n"))
	f.Add([]byte("version: 1\nname: [\n"))
	f.Add([]byte("version: 1\ntransform: |\n  .a |\n  )\n"))
	env := mapEnv(map[string]string{"ERP_TOKEN": "t", "ERP_URL": "https://erp.test"})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse("f.yaml", data, env)
		if err == nil {
			if m == nil || m.Transform == nil || m.Transform.code == nil {
				t.Fatalf("Parse succeeded without a compiled transform")
			}
			return
		}
		var list ErrorList
		if !errors.As(err, &list) || len(list) == 0 {
			t.Fatalf("Parse error is %T, want a non-empty ErrorList", err)
		}
		for _, e := range list {
			if e.Line < 1 || e.Col < 1 || e.Msg == "" {
				t.Errorf("bad problem %+v", e)
			}
		}
	})
}

func FuzzApply(f *testing.F) {
	f.Add(`{type: "customers", attributes: {name: .name}}`, `{"name":"x"}`)
	f.Add(`{data: {type: "customers"}, included: .inc}`, `{"inc":[{"type":"x"}]}`)
	f.Add(`.[]`, `[1, {"type": 2}, {"data": []}]`)
	f.Add(`lookup(.t; .f), ref(.m; .k)`, `{"t":"x","f":{"a":1},"m":"y","k":1.50}`)
	f.Fuzz(func(t *testing.T, prog, input string) {
		e, err := NewExpr(prog)
		if err != nil {
			return
		}
		m := &Mapping{Name: "fuzz", Target: Target{Type: "customers"}, Transform: e}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		docs, err := m.Apply(ctx, decodeJSONOrString([]byte(input)))
		if err != nil {
			var re *RecordError
			if !errors.As(err, &re) {
				t.Fatalf("Apply error is %T, want *RecordError", err)
			}
			return
		}
		for _, d := range docs {
			if _, ok := d.Data["type"].(string); !ok {
				t.Fatalf("document without data.type: %v", d)
			}
			if _, err := d.MarshalJSON(); err != nil {
				t.Logf("MarshalJSON: %v", err) // NaN/Inf from jq arithmetic
			}
		}
	})
}

func decodeJSONOrString(b []byte) any {
	var d Document
	if err := d.UnmarshalJSON(b); err == nil {
		return d.value()
	}
	return string(b)
}
