package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orosync/orosync/sandbox"
)

// fastRetries makes a run retry without real waits.
var fastRetries = []string{"--retry-backoff", "2ms", "--concurrency", "8"}

// writeJSONL writes n records made by rec as JSON Lines.
func writeJSONL(t *testing.T, path string, n int, rec func(i int) string) {
	t.Helper()
	var b strings.Builder
	for i := range n {
		b.WriteString(rec(i))
		b.WriteByte('\n')
	}
	writeFile(t, path, b.String())
}

// stormMappings writes customers (every tenth the parent of the nine after
// it) and their customer users.
func stormMappings(t *testing.T, dir string, n int) {
	t.Helper()
	writeJSONL(t, filepath.Join(dir, "customers.jsonl"), n, func(i int) string {
		parent := ""
		if i%10 != 0 {
			parent = fmt.Sprintf(`,"parent":"C%05d"`, i-i%10)
		}
		return fmt.Sprintf(`{"id":"C%05d","name":"Customer %05d"%s}`, i, i, parent)
	})
	writeJSONL(t, filepath.Join(dir, "users.jsonl"), n, func(i int) string {
		return fmt.Sprintf(`{"id":"U%05d","customer":"C%05d","email":"user%05d@storm.example","first":"F%d","last":"L%d"}`, i, i, i, i, i)
	})
	writeFile(t, filepath.Join(dir, "customers.yaml"), `version: 1
name: customers
source: {file: customers.jsonl}
target: {type: customers, key: .id, write: upsert, match: {name: .attributes.name}}
transform: |
  {type: "customers", attributes: {name: .name},
   relationships: (if .parent then {parent: {data: {type: "customers", id: ref("customers"; .parent)}}} else {} end)}
`)
	writeFile(t, filepath.Join(dir, "users.yaml"), `version: 1
name: users
after: [customers]
source: {file: users.jsonl}
target: {type: customerusers, key: .id, write: upsert, match: {email: .attributes.email}}
transform: |
  {type: "customerusers", attributes: {email: .email, firstName: .first, lastName: .last},
   relationships: {customer: {data: {type: "customers", id: ref("customers"; .customer)}},
     userRoles: {data: [{type: "customeruserroles", id: lookup("customeruserroles"; {role: "ROLE_FRONTEND_BUYER"})}]}}}
`)
}

// TestFaultStorm: 10% 5xx, 5% 429, 2% connections dropped before and 2%
// after processing, tokens expiring every 2 s; 3,000 customers with
// parents and 3,000 customer users: one run ends with exit 0, every record
// in Oro exactly once, and tokens are asked for about once per lifetime,
// not per record.
func TestFaultStorm(t *testing.T) {
	if testing.Short() {
		t.Skip("the fault storm takes a few seconds")
	}
	t.Setenv("ORO_CLIENT_SECRET", testSecret)
	const n = 3000
	oro := newStandIn(t, sandbox.Options{TokenTTL: 2 * time.Second})
	dir := t.TempDir()
	stormMappings(t, dir, n)
	if err := oro.SetChaos(sandbox.Chaos{Seed: 8, Rate5xx: 0.10, Rate429: 0.05, RateDropBefore: 0.02, RateDropAfter: 0.02}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	report := filepath.Join(dir, "report.json")
	r := runCLI(t, "", oro.runArgs(dir, append(fastRetries, "--report", report, dir)...)...)
	took := time.Since(start)
	if r.code != 0 {
		t.Fatalf("exit %d after %s, want 0\n%s", r.code, took, tail(r.stderr, 40))
	}
	faults := oro.Stats().Faults
	for _, kind := range []sandbox.FaultKind{sandbox.Fault5xx, sandbox.Fault429, sandbox.FaultDropBefore, sandbox.FaultDropAfter} {
		if faults[kind] == 0 {
			t.Errorf("no %s fault happened: %v", kind, faults)
		}
	}
	oro.SetChaos(sandbox.Chaos{})
	customers := map[any]int{}
	byID := map[string]sandbox.Resource{}
	for _, c := range oro.Records("customers") {
		customers[c.Attributes["name"]]++
		byID[c.ID] = c
	}
	users := map[any]int{}
	for _, u := range oro.Records("customerusers") {
		users[u.Attributes["email"]]++
	}
	if len(customers) != n || len(byID) != n || len(users) != n || len(oro.Records("customerusers")) != n {
		t.Errorf("Oro has %d customers (%d names), %d users (%d emails); want %d of each, each once",
			len(byID), len(customers), len(oro.Records("customerusers")), len(users), n)
	}
	for _, c := range byID {
		var i int
		fmt.Sscanf(c.Attributes["name"].(string), "Customer %d", &i)
		parents := c.Relationships["parent"]
		if i%10 == 0 && len(parents) != 0 || i%10 != 0 && (len(parents) != 1 || byID[parents[0].ID].Attributes["name"] != fmt.Sprintf("Customer %05d", i-i%10)) {
			t.Errorf("customer %d has parent %v, want customer %d", i, parents, i-i%10)
			break
		}
	}
	tokens := oro.Stats().TokensIssued
	if want := int(took/(2*time.Second)) + 3; tokens > 2*want {
		t.Errorf("%d tokens for a run of %s with 2 s tokens; want about one per lifetime (≤ %d)", tokens, took.Round(time.Millisecond), 2*want)
	}
	var rep struct {
		Total struct{ Read, Created, Failed int }
	}
	b, _ := os.ReadFile(report)
	json.Unmarshal(b, &rep)
	if rep.Total.Read != 2*n || rep.Total.Failed != 0 {
		t.Errorf("report totals %+v, want %d read, none failed", rep.Total, 2*n)
	}
	t.Logf("storm: %s, %d tokens, faults %v\n%s", took.Round(time.Millisecond), tokens, faults, tail(r.stderr, 8))
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

var _ = atomic.Int64{}
