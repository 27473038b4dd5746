package cli

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// BenchmarkDryRun100k measures the whole `orosync run --dry-run` code path
// (read JSON Lines, transform, encode request lines) over 100,000 records
// of the 10-field benchmark mapping in bench/. Compare with jq using
// bench/dryrun.sh, which times both processes in one sitting.
func BenchmarkDryRun100k(b *testing.B) {
	dir := b.TempDir()
	input := filepath.Join(dir, "customers.jsonl")
	f, err := os.Create(input)
	if err != nil {
		b.Fatal(err)
	}
	gen := exec.Command("go", "run", "../bench/gen.go", "100000")
	gen.Stdout = f
	if err := gen.Run(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	b.Setenv("BENCH_INPUT", input)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var out countingWriter
		code := Run(b.Context(), []string{"orosync", "run", "--dry-run", "--state-dir", dir, "../bench/customers-10.yaml"}, nil, &out, io.Discard)
		if code != 0 || out.lines != 100000 {
			b.Fatalf("exit %d, %d lines", code, out.lines)
		}
	}
}

type countingWriter struct{ lines int }

func (w *countingWriter) Write(p []byte) (int, error) {
	for _, c := range p {
		if c == '\n' {
			w.lines++
		}
	}
	return len(p), nil
}
