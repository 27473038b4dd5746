package engine

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/orosync/orosync/engine/state"
	"github.com/orosync/orosync/engine/state/pgstate"
	"github.com/orosync/orosync/engine/state/statetest"
	"github.com/orosync/orosync/mappings"
)

// BenchmarkStateBackends measures what the state store costs a run: 3,000
// records written to an Oro that answers at once (first), and the same
// records again, unchanged (rerun: the id map is all that is read), with
// postgres-per-key (one query per record's entry) as the baseline of the
// entry loader. Run with OROSYNC_TEST_POSTGRES set to include the
// PostgreSQL store:
//
//	OROSYNC_TEST_POSTGRES=postgres://… go test ./engine -run '^$' -bench StateBackends
func BenchmarkStateBackends(b *testing.B) {
	const n = 3000
	lines := make([]string, n)
	for i := range lines {
		lines[i] = fmt.Sprintf(`{"code":"G%05d","name":"Group %05d"}`, i, i)
	}
	recs := benchRecords(b, strings.Join(lines, "\n"))
	m, err := mappings.Parse("groups.yaml", []byte(`version: 1
name: groups
source: {file: groups.json}
target: {type: customergroups, key: .code, write: upsert}
transform: '{type: "customergroups", attributes: {name: .name}}'
`), func(string) (string, bool) { return "", false })
	if err != nil {
		b.Fatal(err)
	}
	stores := map[string]func(b *testing.B) StateStore{
		"bolt": func(b *testing.B) StateStore {
			st, err := state.Open(b.TempDir(), state.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { st.Close() })
			return st
		},
		"postgres": func(b *testing.B) StateStore {
			u, _ := statetest.PostgresURL(b)
			st, err := pgstate.Open(context.Background(), u, pgstate.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { st.Close() })
			return st
		},
	}
	run := func(b *testing.B, st StateStore, oro *fakeOro, instance int, want func(Counts) bool) {
		rep, err := Run(context.Background(), []*mappings.Mapping{m}, Options{
			APIURL: fmt.Sprintf("https://oro%d.test/admin/api", instance), Oro: oro, State: st, Concurrency: 8,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), DeadLetter: NewDeadLetterFile(b.TempDir() + "/dead.jsonl"),
			OpenSource: func(ctx context.Context, m *mappings.Mapping, cursor any, limit int) (Source, error) {
				return &sliceSource{recs: recs}, nil
			},
		})
		if err != nil || !want(rep.Mappings[0].Counts) {
			b.Fatalf("run: %v %+v", err, rep.Mappings[0])
		}
	}
	// The baseline: the PostgreSQL store behind an interface that hides
	// LookupMany, so that every record reads its own entry.
	stores["postgres-per-key"] = func(b *testing.B) StateStore {
		return perKeyStore{stores["postgres"](b)}
	}
	for _, name := range []string{"bolt", "postgres", "postgres-per-key"} {
		b.Run(name+"/first", func(b *testing.B) {
			st := stores[name](b)
			b.ResetTimer()
			for i := range b.N {
				run(b, st, newFakeOro(), i, func(c Counts) bool { return c.Created == n })
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/record")
		})
		b.Run(name+"/rerun", func(b *testing.B) {
			st := stores[name](b)
			oro := newFakeOro()
			run(b, st, oro, 0, func(c Counts) bool { return c.Created == n })
			b.ResetTimer()
			for range b.N {
				run(b, st, oro, 0, func(c Counts) bool { return c.Unchanged == n })
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/record")
		})
	}
}

// perKeyStore hides a store's LookupMany.
type perKeyStore struct{ StateStore }

// benchRecords is records for benchmarks.
func benchRecords(b *testing.B, jsonl string) []any {
	var out []any
	for _, line := range strings.Split(jsonl, "\n") {
		v, err := decodeJSON([]byte(line))
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}
