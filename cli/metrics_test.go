package cli

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orosync/orosync/engine"
	"github.com/orosync/orosync/sandbox"
)

// freeAddr returns a loopback address with a free port.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestMetricsAreServedWhileARunGoes(t *testing.T) {
	m := newRunMetrics()
	addr := freeAddr(t)
	stop, err := m.serve(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	m.observe(engine.Progress{Mapping: "customers", Counts: engine.Counts{Read: 12, Created: 10, Failed: 2}, Elapsed: time.Second, BatchesInFlight: 3})
	res, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{
		`orosync_records_total{mapping="customers",outcome="created"} 10`,
		`orosync_records_total{mapping="customers",outcome="failed"} 2`,
		`orosync_batches_in_flight{mapping="customers"} 3`,
		"orosync_run_duration_seconds ",
		"go_goroutines ",
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if _, err := m.serve(addr); err == nil {
		t.Error("a second server on the same address started")
	}
}

// TestReportCountsTheRequestsToOro: the JSON report has the same totals as
// the metrics: requests by method and answer, retries, token requests.
func TestReportCountsTheRequestsToOro(t *testing.T) {
	t.Setenv("ORO_CLIENT_SECRET", testSecret)
	oro := newStandIn(t, sandbox.Options{})
	dir := t.TempDir()
	oro.InjectFault(sandbox.Fault{Method: "GET", Type: "customergroups", Status: 503, HTML: true})
	m := groupsSource(t, dir, 5, false)
	report := filepath.Join(dir, "report.json")
	r := runCLI(t, "", oro.runArgs(dir, "--retry-backoff", "1ms", "--metrics-addr", freeAddr(t), "--report", report, m)...)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	b, _ := os.ReadFile(report)
	var rep engine.Report
	if err := json.Unmarshal(b, &rep); err != nil || rep.Oro == nil {
		t.Fatalf("report %s (%v): want Oro totals", b, err)
	}
	if rep.Oro.TokenRequests != 1 || rep.Oro.Requests["POST"]["2xx"] != 5 || rep.Oro.Requests["GET"]["5xx"] != 1 || len(rep.Oro.Retries) == 0 {
		t.Errorf("Oro totals %+v: want 1 token, 5 POSTs answered 2xx, the one 503 and its retry", rep.Oro)
	}
}
