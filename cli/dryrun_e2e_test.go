package cli

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orosync/orosync/sandbox"
)

// TestDryRunPredictsTheRealRun: after a real run, one source record
// changes. A dry run that does not ask Oro cannot resolve lookup() ids, so
// it cannot tell unchanged records from changed ones: it marks every guess
// "depends_on_oro" instead of passing them off as PATCHes. With --read-oro
// (GET requests only) it prints exactly the one PATCH the real run sends.
func TestDryRunPredictsTheRealRun(t *testing.T) {
	t.Setenv("ORO_CLIENT_SECRET", testSecret)
	oro := newStandIn(t, sandbox.Options{})
	dir := t.TempDir()
	if _, err := oro.Seed("customergroups", map[string]any{"name": "Retail"}, nil); err != nil {
		t.Fatal(err)
	}
	const n = 50
	records := func(changed int) {
		writeJSONL(t, filepath.Join(dir, "customers.jsonl"), n, func(i int) string {
			name := fmt.Sprintf("Customer %02d", i)
			if i == changed {
				name += " (renamed)"
			}
			return fmt.Sprintf(`{"id":"C%02d","name":%q}`, i, name)
		})
	}
	records(-1)
	m := filepath.Join(dir, "customers.yaml")
	writeFile(t, m, `version: 1
name: customers
source: {file: customers.jsonl}
target: {type: customers, key: .id, write: upsert, match: {name: .attributes.name}, batch: off}
transform: |
  {type: "customers", attributes: {name: .name},
   relationships: {group: {data: {type: "customergroups", id: lookup("customergroups"; {name: "Retail"})}}}}
`)
	if r := runCLI(t, "", oro.runArgs(dir, m)...); r.code != 0 {
		t.Fatalf("first run: exit %d\n%s", r.code, r.stderr)
	}
	records(7)

	before := len(oro.Requests())
	r := runCLI(t, "", oro.runArgs(dir, "--dry-run", m)...)
	if r.code != 0 {
		t.Fatalf("dry run: exit %d\n%s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != n || strings.Count(r.stdout, `"depends_on_oro":true`) != n || !strings.Contains(r.stderr, fmt.Sprintf("%d of these writes depend on what Oro holds", n)) {
		t.Errorf("a dry run without Oro: %d lines, %d marked; want all %d marked as guesses\n%s", len(lines), strings.Count(r.stdout, "depends_on_oro"), n, r.stderr)
	}
	if reqs := requestsSince(oro, before); len(reqs) != 0 {
		t.Errorf("a dry run without --read-oro sent %v", reqs)
	}

	before = len(oro.Requests())
	r = runCLI(t, "", oro.runArgs(dir, "--dry-run", "--read-oro", m)...)
	if r.code != 0 {
		t.Fatalf("dry run --read-oro: exit %d\n%s", r.code, r.stderr)
	}
	lines = strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], `{"method":"PATCH"`) || !strings.Contains(lines[0], "Customer 07 (renamed)") ||
		strings.Contains(lines[0], "depends_on_oro") || strings.Contains(lines[0], "<lookup") {
		t.Errorf("dry run --read-oro printed %d lines, want the one PATCH a real run sends:\n%s", len(lines), r.stdout)
	}
	for _, req := range oro.Requests()[before:] {
		if req.Method != "GET" && req.Path != sandbox.TokenPath {
			t.Errorf("a dry run sent %s %s", req.Method, req.Path)
		}
	}
	if names := len(oro.Records("customers")); names != n {
		t.Errorf("Oro has %d customers after the dry runs, want %d", names, n)
	}

	// The real run sends that one PATCH.
	before = len(oro.Requests())
	if r := runCLI(t, "", oro.runArgs(dir, m)...); r.code != 0 || !strings.Contains(r.stderr, "1 updated, 49 unchanged") {
		t.Fatalf("second run: exit %d\n%s", r.code, r.stderr)
	}
	patches := 0
	for _, req := range requestsSince(oro, before) {
		if strings.HasPrefix(req, "PATCH") {
			patches++
		}
	}
	if patches != 1 {
		t.Errorf("the real run sent %d PATCHes, want 1", patches)
	}
}
