package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
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
