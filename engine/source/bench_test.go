package source

import (
	"context"
	"io"
	"runtime"
	"strconv"
	"testing"

	"github.com/orosync/orosync/mappings"
)

// genJSONL produces n JSON Lines records without holding them in memory.
type genJSONL struct {
	n, i int
	buf  []byte
}

func (g *genJSONL) Read(p []byte) (int, error) {
	for len(g.buf) < len(p) && g.i < g.n {
		g.i++
		g.buf = append(g.buf, `{"id":`...)
		g.buf = strconv.AppendInt(g.buf, int64(g.i), 10)
		g.buf = append(g.buf, `,"code":"C-`...)
		g.buf = strconv.AppendInt(g.buf, int64(g.i), 10)
		g.buf = append(g.buf, `","name":"Customer name","email":"someone@example.com","active":true,"price":19.990,"group":"retail"}`+"\n"...)
	}
	if len(g.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, g.buf)
	g.buf = g.buf[:copy(g.buf, g.buf[n:])]
	return n, nil
}

// drain reads every record and calls check every `every` records.
func drain(tb testing.TB, n int, every int, check func(i int)) {
	r, err := Open(context.Background(), &mappings.Source{File: txt("-"), Format: "jsonl"}, Options{Stdin: &genJSONL{n: n}})
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	for i := 1; ; i++ {
		_, err := r.Next(context.Background())
		if err == io.EOF {
			if i-1 != n {
				tb.Fatalf("read %d records; want %d", i-1, n)
			}
			return
		}
		if err != nil {
			tb.Fatal(err)
		}
		if check != nil && i%every == 0 {
			check(i)
		}
	}
}

func BenchmarkJSONLines(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		drain(b, 100000, 0, nil)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100000), "ns/record")
}

func TestJSONLinesMemoryFlat(t *testing.T) {
	n := 1000000
	if raceEnabled || testing.Short() {
		n = 200000
	}
	var peak uint64
	var ms runtime.MemStats
	drain(t, n, n/10, func(i int) {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		if i > n/10 { // after warm-up
			peak = max(peak, ms.HeapInuse)
		}
	})
	if peak > 16<<20 {
		t.Errorf("heap in use reached %d MiB while streaming %d records; want it flat (< 16 MiB)", peak>>20, n)
	}
	t.Logf("peak heap in use: %.1f MiB over %d records", float64(peak)/(1<<20), n)
}
