package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/orosync/orosync/sandbox"
)

// explainFixture writes groups and customers mappings: a customer's group
// comes from ref("groups"; …), its parent company's id from a lookup().
func explainFixture(t *testing.T, dir string) (groups, customers string) {
	t.Helper()
	writeFile(t, filepath.Join(dir, "groups.jsonl"), `{"code":"W","name":"Wholesale"}`+"\n")
	groups = filepath.Join(dir, "groups.yaml")
	writeFile(t, groups, `version: 1
name: groups
source: {file: groups.jsonl}
target: {type: customergroups, key: .code, write: upsert, match: {name: .attributes.name}}
transform: '{type: "customergroups", attributes: {name: .name}}'
`)
	writeFile(t, filepath.Join(dir, "customers.jsonl"), `{"id":"C1","name":"Acme","group":"W"}
{"id":"C2","name":"Globex","group":"W"}
`)
	customers = filepath.Join(dir, "customers.yaml")
	writeFile(t, customers, `version: 1
name: customers
after: [groups]
source: {file: customers.jsonl}
target: {type: customers, key: .id, write: upsert, match: {name: .attributes.name}}
transform: |
  {type: "customers", attributes: {name: .name},
   relationships: {group: {data: {type: "customergroups", id: ref("groups"; .group)}},
     owner: {data: {type: "users", id: lookup("users"; {username: "admin"})}}}}
`)
	return groups, customers
}

func TestExplainShowsOneRecordEndToEnd(t *testing.T) {
	t.Setenv("ORO_CLIENT_SECRET", testSecret)
	oro := newStandIn(t, sandbox.Options{})
	dir := t.TempDir()
	groups, customers := explainFixture(t, dir)
	if r := runCLI(t, "", oro.runArgs(dir, groups)...); r.code != 0 {
		t.Fatalf("groups: exit %d\n%s", r.code, r.stderr)
	}
	explain := func(args ...string) result {
		a := oro.runArgs(dir, args...)
		a[0] = "explain"
		return runCLI(t, "", a...)
	}
	before := len(oro.Requests())
	r := explain("--key", "C2", customers)
	if r.code != 0 {
		t.Fatalf("explain: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"Oro was read (GET requests only), nothing was sent",
		"read      read from customers.jsonl:2",
		`"name":"Globex"`,
		`key       target.key .id → "C2"`,
		"transform the transform made 1 document(s)",
		`"$ref"`,
		`ref("groups"; "W") → `, "(the id map of mapping groups)",
		`lookup("users"; {"username":"admin"}) → 1 (GET `,
		"decide    POST: create a new customers record (not in the id map, and target.match finds no Oro record)",
		"write     request PATCH " + oro.URL + "/admin/api/customers (Oro's Batch API, X-Mode: sync): item 1 of a batch of 1",
		`"header":{"X-Mode":"sync"}`,
		"outcome   would be created (a dry run sends nothing)\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("explain lacks %q:\n%s", want, r.stdout)
		}
	}
	if !strings.HasSuffix(strings.TrimSpace(r.stdout), "outcome   would be created (a dry run sends nothing)") {
		t.Errorf("explain does not end with the outcome:\n%s", r.stdout)
	}
	for _, req := range oro.Requests()[before:] {
		if req.Method != "GET" && req.Path != sandbox.TokenPath {
			t.Errorf("explain without --send sent %s %s", req.Method, req.Path)
		}
	}

	// Sent, then explained again: unchanged.
	r = explain("--key", "C2", "--send", customers)
	if r.code != 0 || !strings.Contains(r.stdout, "write     request PATCH "+oro.URL+"/admin/api/customers (Oro's Batch API, X-Mode: sync)") ||
		!strings.Contains(r.stdout, "Oro answered: created customers ") || !strings.Contains(r.stdout, "outcome   created") {
		t.Fatalf("explain --send: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if n := len(oro.Records("customers")); n != 1 {
		t.Errorf("Oro has %d customers after explain --send of one record, want 1", n)
	}
	r = explain("--key", "C2", customers)
	if !strings.Contains(r.stdout, `decide    unchanged: nothing to send (the id map has key "C2" as customers `) || !strings.Contains(r.stdout, "outcome   unchanged") {
		t.Errorf("explain of a written record:\n%s", r.stdout)
	}
}

func TestExplainWithoutOroShowsWhatItCannotKnow(t *testing.T) {
	clearOroEnv(t)
	dir := t.TempDir()
	_, customers := explainFixture(t, dir)
	r := runCLI(t, "", "explain", "--record", "1", "--state-dir", filepath.Join(dir, "state"), customers)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"Oro was not asked", "not resolved: this dry run does not ask Oro (--read-oro asks)", "a guess: it depends on what Oro holds"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("explain lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"explain", customers}, "--key KEY (its target.key) or --record N"},
		{[]string{"explain", "--key", "NOPE", customers}, `no record with key "NOPE" in the source of customers (2 record(s) read)`},
		{[]string{"explain", "--record", "0", customers}, "--record counts from 1"},
		{[]string{"explain", "--key", "C1", customers, customers}, "explain takes one mapping file"},
	} {
		r := runCLI(t, "", append(tc.args[:1], append([]string{"--state-dir", filepath.Join(dir, "state")}, tc.args[1:]...)...)...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("orosync %v: exit %d, stderr %q; want 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}
