package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestTestCommandComparesNumbersByValue: `orosync test` uses the one test
// runner of package mappings, which compares numbers by value (1.0 = 1),
// as the README promises.
func TestTestCommandComparesNumbersByValue(t *testing.T) {
	clearOroEnv(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "m.yaml"), `version: 1
name: m
source: {file: x.json}
target: {type: productprices}
transform: '{type: "productprices", attributes: {quantity: (.q | tonumber), value: .v}}'
tests:
  - name: one point zero is one
    input: {q: "1", v: "2.50"}
    want: [{data: {type: productprices, attributes: {quantity: 1.0, value: "2.50"}}}]
`)
	r := runCLI(t, "", "test", filepath.Join(dir, "m.yaml"))
	if r.code != 0 || !strings.Contains(r.stdout, "1 passed, 0 failed") {
		t.Fatalf("exit %d, want 0:\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestFailingCaseShowsPositionAndDiff(t *testing.T) {
	clearOroEnv(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "m.yaml")
	writeFile(t, file, `version: 1
name: m
source: {file: x.json}
target: {type: customers}
transform: '{type: "customers", attributes: {name: .n, vat: .v}}'
tests:
  - name: wrong name
    input: {n: B, v: X1}
    want: [{data: {type: customers, attributes: {name: A, vat: X1}}}]
`)
	r := runCLI(t, "", "test", file)
	for _, want := range []string{
		file + ":9:11: tests[0].want: the documents differ from want",
		`-         "name": "A",`, `+         "name": "B",`, `          "vat": "X1"`,
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestLineDiff(t *testing.T) {
	got := lineDiff("a\nb\nc\n", "a\nx\nc\n")
	want := "--- want\n+++ got\n  a\n- b\n+ x\n  c\n"
	if got != want {
		t.Errorf("lineDiff = %q, want %q", got, want)
	}
	if got := lineDiff("same", "same"); got != "--- want\n+++ got\n  same\n" {
		t.Errorf("lineDiff(equal) = %q", got)
	}
}
