package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/orosync/orosync/sandbox"
)

// TestBenchmarkRuns runs the benchmark on a few records without added
// latency, so that it keeps working: every scenario must leave each record
// in the stand-in once (run checks that) and print its row. It measures
// nothing: timings are the benchmark's business, not a test's.
func TestBenchmarkRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the orosync binary")
	}
	var out bytes.Buffer
	err := run(context.Background(), config{records: 30, concurrency: 4, baseline: 6, rssRecords: 50, out: &out})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, row := range []string{"baseline: token + POST per record, serial", "per-record create", "per-record upsert",
		"sync batches (upsert)", "rerun, nothing changed", "async batches (upsert)", "peak RSS", "dry run", "sync batches  "} {
		if !strings.Contains(out.String(), row) {
			t.Errorf("output lacks the %q row:\n%s", row, out.String())
		}
	}
}

// TestChecksCatchDuplicatesAndWrites: the checks every scenario relies on
// fail on a record written twice, a missing one and a write, so that a
// passing run means Oro ends with each record once.
func TestChecksCatchDuplicatesAndWrites(t *testing.T) {
	s := newStandIn(0)
	defer s.srv.Close()
	ctx := context.Background()
	c := s.srv.Client()
	if s.writes() != 0 {
		t.Fatalf("a fresh stand-in counts %d writes", s.writes())
	}
	for _, name := range []string{"A", "B", "B"} {
		token, err := fetchToken(ctx, c, s.srv.URL+sandbox.TokenPath)
		if err != nil {
			t.Fatal(err)
		}
		body := `{"data":{"type":"customers","attributes":{"name":"` + name + `"}}}`
		if err := post(ctx, c, s.apiURL()+"/customers", token, body); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.writes(); n != 3 {
		t.Errorf("writes = %d after 3 POSTs (and 3 tokens); want 3", n)
	}
	if err := s.checkOnce("customers", "name", 3); err == nil {
		t.Error("checkOnce passed with customer B twice")
	}
	if err := s.checkOnce("customers", "name", 2); err == nil {
		t.Error("checkOnce passed with 3 customers for 2 wanted")
	}
	if err := s.checkOnce("products", "sku", 1); err == nil {
		t.Error("checkOnce passed without the product")
	}
}
