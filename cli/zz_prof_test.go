package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/orosync/orosync/sandbox"
)

func TestZZProf(t *testing.T) {
	mode := os.Getenv("PROF_MODE")
	if mode == "" {
		t.Skip()
	}
	t.Setenv("ORO_CLIENT_SECRET", testSecret)
	oro := newStandIn(t, sandbox.Options{Latency: 20 * time.Millisecond})
	dir := t.TempDir()
	n := 2000
	writeJSONL(t, filepath.Join(dir, "c.jsonl"), n, func(i int) string { return fmt.Sprintf(`{"id":"C%07d","name":"Customer %07d"}`, i, i) })
	write, match := "create", ""
	if os.Getenv("PROF_WRITE") == "upsert" {
		write, match = "upsert", ", match: {name: .attributes.name}"
	}
	if os.Getenv("PROF_TYPE") == "products" {
		writeJSONL(t, filepath.Join(dir, "c.jsonl"), n, func(i int) string {
			return fmt.Sprintf(`{"sku":"P%07d","name":"Product %07d","unit":"item","decimals":0}`, i, i)
		})
		if match != "" {
			match = ", match: {sku: .attributes.sku}"
		}
		writeFile(t, filepath.Join(dir, "c.yaml"), fmt.Sprintf(`version: 1
name: products
source: {file: c.jsonl}
target: {type: products, key: .sku, write: %s%s, batch: %s}
transform: |
  {data: {type: "products", attributes: {sku: .sku, status: "enabled"},
     relationships: {
       names: {data: [{type: "productnames", id: "name"}]},
       attributeFamily: {data: {type: "attributefamilies", id: lookup("attributefamilies"; {code: "default_family"})}},
       primaryUnitPrecision: {data: {type: "productunitprecisions", id: "precision"}},
       inventory_status: {data: {type: "prodinventorystatuses", id: "in_stock"}}}},
   included: [
     {type: "productnames", id: "name", attributes: {fallback: null, string: .name}},
     {type: "productunitprecisions", id: "precision", attributes: {precision: .decimals, conversionRate: 1, sell: true},
      relationships: {unit: {data: {type: "productunits", id: .unit}}}}]}
`, write, match, mode))
	} else {
		writeFile(t, filepath.Join(dir, "c.yaml"), fmt.Sprintf(`version: 1
name: customers
source: {file: c.jsonl}
target: {type: customers, key: .id, write: %s%s, batch: %s}
transform: '{type: "customers", attributes: {name: .name}}'
`, write, match, mode))
	}
	start := time.Now()
	r := runCLI(t, "", oro.runArgs(dir, "--concurrency", "8", filepath.Join(dir, "c.yaml"))...)
	took := time.Since(start)
	t.Logf("exit %d in %v: %.0f/s %v\n%s", r.code, took, float64(n)/took.Seconds(), oro.Stats().Requests, tail(r.stderr, 5))
}
