package engine

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orosync/orosync/mappings"
)

// TestRecordTimeoutBoundsEveryJQEvaluation: the per-record time limit
// covers target.key, incremental.cursor and target.match, not only the
// transform. Each runaway expression fails its record at its own stage.
func TestRecordTimeoutBoundsEveryJQEvaluation(t *testing.T) {
	const spin = `last(range(1e18))`
	for _, tc := range []struct {
		name, target, extra string
		stage               Stage
		what                string
	}{
		{"key", `{type: customergroups, key: 'if .spin then ` + spin + ` else .n end'}`, "", StageKey, "target.key"},
		{"cursor", `{type: customergroups, key: .n}`, "incremental: {cursor: 'if .spin then " + spin + " else .n end'}\n", StageCursor, "incremental.cursor"},
		{"match", `{type: customergroups, key: .n, write: upsert, match: {name: 'if .attributes.name == "2" then ` + spin + ` else .attributes.name end'}}`, "", StageLookup, "target.match"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTestRun(t)
			m := parseMapping(t, "version: 1\nname: slow\nsource: {file: x.json}\ntarget: "+tc.target+"\n"+tc.extra+
				`transform: '{type: "customergroups", attributes: {name: (.n|tostring)}}'`+"\n")
			recs := records(t, `{"n":1}
{"n":2,"spin":true}
{"n":3}`)
			start := time.Now()
			rep, err := Run(context.Background(), []*mappings.Mapping{m}, Options{
				APIURL: "https://oro.test/admin/api", Oro: tr.oro, State: tr.store, RecordTimeout: 100 * time.Millisecond,
				DeadLetter: NewDeadLetterFile(tr.dl),
				OpenSource: func(ctx context.Context, m *mappings.Mapping, cursor any, limit int) (Source, error) {
					return &sliceSource{recs: recs}, nil
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("the run took %s: the time limit did not stop the runaway %s", d, tc.what)
			}
			if c := rep.Mappings[0].Counts; c.Failed != 1 || c.Created != 2 {
				t.Errorf("counts = %+v, want 2 created and 1 failed", c)
			}
			dl := tr.deadLetters()
			if len(dl) != 1 || dl[0].Error.Stage != tc.stage || !strings.Contains(dl[0].Error.Message, tc.what+" took longer than the 100ms limit") {
				t.Errorf("dead letters = %+v, want one %s failure naming %s and the limit", dl, tc.stage, tc.what)
			}
		})
	}
}

// failingWriter fails every write, like a closed stdout.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

// TestOutputErrorIsInTheReport: a dry run whose output cannot be written
// could not proceed (exit code 3), and the report says why.
func TestOutputErrorIsInTheReport(t *testing.T) {
	m := parseMapping(t, groupsYAML)
	recs := records(t, `{"code":"W","name":"Wholesale"}`)
	rep, err := Run(context.Background(), []*mappings.Mapping{m}, Options{DryRun: true, Out: failingWriter{},
		OpenSource: func(ctx context.Context, m *mappings.Mapping, cursor any, limit int) (Source, error) {
			return &sliceSource{recs: recs}, nil
		}})
	if err != nil {
		t.Fatalf("Run returned %v; output errors belong in the report", err)
	}
	if rep.ExitCode != ExitCannotProceed || !strings.Contains(rep.Error, "broken pipe") {
		t.Errorf("report = exit %d, error %q; want exit 3 naming the output error", rep.ExitCode, rep.Error)
	}
}
