package state

import (
	"testing"
	"time"
)

func TestSummary(t *testing.T) {
	s, _ := openTemp(t)
	start := time.Date(2025, 6, 1, 10, 0, 0, 0, time.FixedZone("CEST", 7200))
	run := RunInfo{Started: start, Finished: start.Add(time.Minute), Read: 10, Written: 7, Unchanged: 1, Skipped: 1, Failed: 1}
	mustRemember(t, s, instB, "products", map[string]Entry{"a": {ID: "1"}, "b": {ID: "2"}, "c": {ID: "3"}})
	if err := s.SetCheckpoint(instB, "products", []byte(`"2025-06-01"`)); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordRun(instB, "products", run); err != nil {
		t.Fatal(err)
	}
	mustRemember(t, s, instA, "customers", map[string]Entry{"x": {ID: "9"}})
	if err := s.RecordRun(instA, "groups", RunInfo{Started: start, Finished: start}); err != nil {
		t.Fatal(err)
	}

	sum, err := s.Summary()
	if err != nil {
		t.Fatal(err)
	}
	if len(sum) != 3 {
		t.Fatalf("Summary has %d rows, want 3: %+v", len(sum), sum)
	}
	want := []struct {
		inst, mapping string
		ids           int
		cp            string
		run           bool
	}{
		{instA, "customers", 1, "", false},
		{instA, "groups", 0, "", true},
		{instB, "products", 3, `"2025-06-01"`, true},
	}
	for i, w := range want {
		g := sum[i]
		if g.Instance != w.inst || g.Mapping != w.mapping || g.IDs != w.ids || string(g.Checkpoint) != w.cp || (g.LastRun != nil) != w.run {
			t.Errorf("row %d = %+v (checkpoint %s), want %+v", i, g, g.Checkpoint, w)
		}
	}
	got := sum[2].LastRun
	if got == nil || !got.Started.Equal(run.Started) || !got.Finished.Equal(run.Finished) ||
		got.Read != 10 || got.Written != 7 || got.Unchanged != 1 || got.Skipped != 1 || got.Failed != 1 {
		t.Errorf("LastRun = %+v, want %+v", got, run)
	}
	if err := s.Reset(instB, "", ResetAll); err != nil {
		t.Fatal(err)
	}
	if sum, _ := s.Summary(); len(sum) != 2 {
		t.Errorf("after resetting instance B: %+v, want 2 rows", sum)
	}
}
