package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orosync/orosync/resources"
)

// TestInitEveryWritableType: for every resource of the table that Oro lets
// orosync write, init writes a new file, without a sample and from JSON,
// JSON Lines and CSV samples, that orosync validate passes (with no
// warning but the one about resources without a natural key) and whose
// test case orosync test passes.
func TestInitEveryWritableType(t *testing.T) {
	dir := t.TempDir()
	for _, r := range resources.All() {
		if !r.Writable() {
			continue
		}
		for _, sample := range []string{"", "init-items.json", "init-items.jsonl", "init-items.csv"} {
			out := filepath.Join(dir, r.Type+"-"+strings.ReplaceAll(sample, ".", "-")+".yaml")
			args := []string{"init", r.Type, "-o", out}
			if sample != "" {
				args = append(args, "--from", filepath.Join("testdata", "contract", sample))
			}
			if res := runCLI(t, "", args...); res.code != 0 {
				t.Errorf("orosync %s: exit %d\n%s", strings.Join(args, " "), res.code, res.stderr)
				continue
			}
			res := runCLI(t, "", "validate", out)
			if res.code != 0 {
				t.Errorf("validate of init %s --from %q: exit %d\n%s", r.Type, sample, res.code, res.stderr)
			}
			for _, line := range strings.Split(strings.TrimSpace(res.stderr), "\n") {
				if line != "" && (!strings.Contains(line, "target.match is not set") || len(r.NaturalKey) > 0) {
					t.Errorf("validate of init %s --from %q: %s", r.Type, sample, line)
				}
			}
			if res := runCLI(t, "", "test", out); res.code != 0 {
				t.Errorf("test of init %s --from %q: exit %d\n%s%s", r.Type, sample, res.code, res.stdout, res.stderr)
			}
		}
	}
}

// TestInitSourcePath: source.file is the sample's path relative to the
// mapping file's directory, so the mapping runs wherever it is written.
func TestInitSourcePath(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "sub", "products.yaml")
	if err := os.Mkdir(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	sample := filepath.Join(dir, "data", "items.json")
	if err := os.Mkdir(filepath.Dir(sample), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sample, []byte(`[{"sku": "A-1", "name": "Widget"}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	if res := runCLI(t, "", "init", "--from", sample, "products", "-o", out); res.code != 0 {
		t.Fatalf("init: exit %d\n%s", res.code, res.stderr)
	}
	body, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(body), "  file: ../data/items.json\n") {
		t.Errorf("source.file is not relative to the mapping:\n%s", body)
	}
	res := runCLI(t, "", "run", "--dry-run", "--state-dir", t.TempDir(), out)
	if res.code != 0 || !strings.Contains(res.stdout, `"sku":"A-1"`) {
		t.Errorf("dry run of the written mapping: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

func TestInitArguments(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"init"}, "name the Oro resource type"},
		{[]string{"init", "products", "customers"}, `unexpected argument "customers"`},
		{[]string{"init", "products", "--nope"}, "flag provided but not defined: -nope"},
		{[]string{"init", "products", "--name", "Bad Name"}, `--name "Bad Name" is not a valid mapping name`},
		{[]string{"init", "brands"}, `orosync has no rules for "brands"`},
		{[]string{"init", "countries"}, "countries is read-only in Oro"},
		{[]string{"init", "products", "--from", "testdata/contract/nosuchfile.json"}, "--from testdata/contract/nosuchfile.json: no such file or directory"},
		{[]string{"init", "products", "--from", "testdata/contract/stdin.yaml"}, "--from testdata/contract/stdin.yaml:"},
	} {
		res := runCLI(t, "", tc.args...)
		if res.code != 2 || !strings.Contains(res.stderr, tc.want) {
			t.Errorf("orosync %s: exit %d, stderr %q; want 2 and %q", strings.Join(tc.args, " "), res.code, res.stderr, tc.want)
		}
	}
}
