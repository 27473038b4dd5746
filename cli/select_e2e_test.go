package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/orosync/orosync/sandbox"
)

// TestRunWhatYouSelect: --select +customers over the examples runs the
// customer groups and customers only; later customers.yaml alone (its
// after: mapping not in the run) resolves its ref()s from the id map the
// earlier run left; a ref() to a mapping that never ran is said once.
func TestRunWhatYouSelect(t *testing.T) {
	t.Setenv("ORO_CLIENT_SECRET", testSecret)
	oro := newStandIn(t, sandbox.Options{})
	dir := copyDir(t, "../examples")

	r := runCLI(t, "", oro.runArgs(dir, "--select", "+customers", dir)...)
	if r.code != 0 {
		t.Fatalf("--select +customers: exit %d\n%s", r.code, r.stderr)
	}
	ran := map[string]bool{}
	for _, l := range strings.Split(r.stderr, "\n") {
		if i := strings.Index(l, ": reading "); i > 0 {
			ran[l[strings.LastIndex(l[:i], " ")+1:i]] = true
		}
	}
	if len(ran) != 2 || !ran["customer-groups"] || !ran["customers"] {
		t.Errorf("--select +customers ran %v; want customer-groups and customers", ran)
	}
	if n := len(oro.Records("customerusers")); n != 0 {
		t.Errorf("mappings that were not selected wrote %d customer users", n)
	}
	groups := len(oro.Records("customergroups"))

	// A rerun of customers.yaml alone, its data changed: the group ids
	// come from the id map of customer-groups, which is not in this run.
	r = runCLI(t, "", oro.runArgs(dir, "--force", filepath.Join(dir, "customers.yaml"))...)
	if r.code != 0 || !strings.Contains(r.stderr, "customers: 7 read") {
		t.Fatalf("customers.yaml alone: exit %d\n%s", r.code, r.stderr)
	}
	if n := len(oro.Records("customergroups")); n != groups {
		t.Errorf("customer groups went from %d to %d", groups, n)
	}

	// customer-users refers to customers, which ran: fine. A mapping whose
	// ref() target never ran stops with one message.
	r = runCLI(t, "", oro.runArgs(dir, "--select", "customer-addresses", dir)...)
	if r.code != 0 {
		t.Errorf("customer-addresses after customers ran: exit %d\n%s", r.code, r.stderr)
	}
	fresh := newStandIn(t, sandbox.Options{})
	r = runCLI(t, "", fresh.runArgs(t.TempDir(), filepath.Join(dir, "customers.yaml"))...)
	if r.code != 3 || strings.Count(r.stderr, "mapping customer-groups has never run against this Oro") < 1 || strings.Contains(r.stderr, "no Oro record found") {
		t.Errorf("customers without customer-groups ever run: exit %d, want 3 and one clear message\n%s", r.code, r.stderr)
	}
}

func TestSelectOnValidateAndTest(t *testing.T) {
	clearOroEnv(t)
	r := runCLI(t, "", "test", "--select", "products+", "../examples")
	if r.code != 0 || strings.Contains(r.stdout, "customers:") || !strings.Contains(r.stdout, "products:") || !strings.Contains(r.stdout, "inventory-levels:") {
		t.Errorf("test --select products+: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "", "validate", "--select", "customers", "../examples")
	if r.code != 0 || !strings.Contains(r.stdout, "ok: 1 mapping file(s) valid") {
		t.Errorf("validate --select customers: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "", "run", "--dry-run", "--select", "custmers", "../examples")
	if r.code != 2 || !strings.Contains(r.stderr, `did you mean "customers"?`) {
		t.Errorf("an unknown selection: exit %d\n%s", r.code, r.stderr)
	}
}
