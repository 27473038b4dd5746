package cli

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// clearOroEnv makes sure no ORO_* setting of the developer's shell leaks in.
func clearOroEnv(t *testing.T) {
	for _, k := range []string{"ORO_API_URL", "ORO_TOKEN_URL", "ORO_CLIENT_ID", "ORO_CLIENT_SECRET", "ORO_VERSION", "OROSYNC_STATE_DIR", "OROSYNC_DEAD_LETTER"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

func TestDryRunGoldenSendsNothing(t *testing.T) {
	clearOroEnv(t)
	dir := t.TempDir()
	r := runCLI(t, "", "run", "--dry-run", "--state-dir", filepath.Join(dir, "state"), "../examples")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	golden(t, "dry-run-examples.jsonl", r.stdout)
	if _, err := os.Stat(filepath.Join(dir, "state")); !os.IsNotExist(err) {
		t.Errorf("a dry run created the state directory (err %v)", err)
	}
	if _, err := os.Stat("orosync-dead-letter.jsonl"); !os.IsNotExist(err) {
		t.Errorf("a dry run created a dead-letter file")
	}
}

func TestDryRunContactsNoServer(t *testing.T) {
	clearOroEnv(t)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	t.Setenv("ORO_API_URL", srv.URL+"/admin/api")
	t.Setenv("ORO_CLIENT_ID", "id")
	t.Setenv("ORO_CLIENT_SECRET", "secret")
	r := runCLI(t, "", "run", "--dry-run", "--limit", "2", "--state-dir", t.TempDir(), "../examples")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if hits.Load() != 0 {
		t.Errorf("the dry run sent %d requests to Oro, want none", hits.Load())
	}
	if !strings.Contains(r.stdout, `"url":"`+srv.URL+`/admin/api/customergroups"`) {
		t.Errorf("dry-run URLs do not use ORO_API_URL:\n%s", r.stdout)
	}
	perType := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var req struct{ URL string }
		if err := json.Unmarshal([]byte(line), &req); err != nil || !strings.HasPrefix(req.URL, srv.URL+"/admin/api/") {
			t.Fatalf("bad dry-run line %s (%v)", line, err)
		}
		typ := strings.Split(strings.TrimPrefix(req.URL, srv.URL+"/admin/api/"), "/")[0]
		if perType[typ]++; perType[typ] > 2 {
			t.Errorf("--limit 2 printed more than 2 requests for %s", typ)
		}
	}
	if len(perType) < 3 {
		t.Errorf("--limit 2 printed requests for %d resource types, want every example mapping:\n%s", len(perType), r.stdout)
	}
}

func TestDryRunFromStdin(t *testing.T) {
	clearOroEnv(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "m.yaml"), `version: 1
name: from-stdin
source: {file: "-"}
target: {type: customergroups}
transform: '{type: "customergroups", attributes: {name: .name, big: .id, price: .price}}'
`)
	r := runCLI(t, `{"name":"A","id":12345678901234567890,"price":19.990}`+"\n", "run", "--dry-run", "--state-dir", dir, filepath.Join(dir, "m.yaml"))
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	want := `{"method":"POST","url":"${ORO_API_URL}/customergroups","body":{"data":{"attributes":{"big":12345678901234567890,"name":"A","price":19.990},"type":"customergroups"}}}` + "\n"
	if r.stdout != want {
		t.Errorf("stdout = %s\nwant     %s", r.stdout, want)
	}
}

func TestValidate(t *testing.T) {
	clearOroEnv(t)
	r := runCLI(t, "", "validate", "../examples")
	if r.code != 0 {
		t.Fatalf("validate examples: exit %d\n%s", r.code, r.stderr)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	writeFile(t, bad, `version: 1
name: bad
source:
  file: ${NOT_SET_ANYWHERE}
target:
  type: customers
  wrtie: upsert
transform: |
  {type: "customers",
   attributes: {name: .name}
   relationships: {}}
`)
	r = runCLI(t, "", "validate", bad)
	if r.code != 2 {
		t.Fatalf("exit %d, want 2\n%s", r.code, r.stderr)
	}
	for _, want := range []string{
		bad + ":4:9: source.file: ",
		"NOT_SET_ANYWHERE",
		bad + ":7:3: target.wrtie: unknown field \"wrtie\"; did you mean \"write\"?",
		bad + ":11:4: transform: jq: ",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}

func TestValidateRefusesCycles(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a", "b"} {
		other := map[string]string{"a": "b", "b": "a"}[n]
		writeFile(t, filepath.Join(dir, n+".yaml"), "version: 1\nname: "+n+"\nafter: ["+other+"]\nsource: {file: x.json}\ntarget: {type: customers}\ntransform: .\n")
	}
	r := runCLI(t, "", "validate", dir)
	if r.code != 2 || !strings.Contains(r.stderr, "dependency cycle") {
		t.Errorf("exit %d, want 2 with a cycle error\n%s", r.code, r.stderr)
	}
}

func TestTestCommand(t *testing.T) {
	clearOroEnv(t)
	r := runCLI(t, "", "test", "../examples")
	if r.code != 0 || !strings.Contains(r.stdout, " 0 failed") {
		t.Fatalf("test examples: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "m.yaml"), `version: 1
name: m
source: {file: x.json}
target: {type: customers}
transform: '{type: "customers", attributes: {name: .n}}'
tests:
  - name: passes
    input: {n: A}
    want: [{data: {type: customers, attributes: {name: A}}}]
  - name: fails
    input: {n: B}
    want: [{data: {type: customers, attributes: {name: A}}}]
  - name: expects an error
    input: 1
    want_error: expected an object
`)
	r = runCLI(t, "", "test", filepath.Join(dir, "m.yaml"))
	if r.code != 1 {
		t.Errorf("exit %d, want 1\n%s", r.code, r.stdout)
	}
	for _, want := range []string{"ok   m: passes", "FAIL m: fails", "ok   m: expects an error", "2 passed, 1 failed"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	clearOroEnv(t)
	for _, args := range [][]string{
		{"run"},
		{"run", "--no-such-flag", "x"},
		{"nosuchcommand"},
		{"run", "does-not-exist.yaml"},
		{"state", "reset", "--state-dir", t.TempDir(), "customers"}, // no ORO_API_URL: which instance?
		{"state", "reset", "customers", "--all"},                    // flags after the argument, still no ORO_API_URL
	} {
		r := runCLI(t, "", args...)
		if r.code != 2 {
			t.Errorf("orosync %v: exit %d, want 2\n%s", args, r.code, r.stderr)
		}
	}
}
