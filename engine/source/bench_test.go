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

// genRows produces a JSON array ("json") or CSV ("csv") of n customer
// records without holding them in memory.
type genRows struct {
	format string
	n, i   int
	buf    []byte
	closed bool
}

func (g *genRows) Read(p []byte) (int, error) {
	for len(g.buf) < len(p) && !g.closed {
		switch {
		case g.i == 0 && g.format == "json":
			g.buf = append(g.buf, '[')
		case g.i == 0:
			g.buf = append(g.buf, "id,code,name,email,active,price,group\n"...)
		case g.i > g.n && g.format == "json":
			g.buf, g.closed = append(g.buf, "]\n"...), true
		case g.i > g.n:
			g.closed = true
		case g.format == "json":
			if g.i > 1 {
				g.buf = append(g.buf, ",\n"...)
			}
			g.buf = append(g.buf, `{"id":`...)
			g.buf = strconv.AppendInt(g.buf, int64(g.i), 10)
			g.buf = append(g.buf, `,"code":"C-`...)
			g.buf = strconv.AppendInt(g.buf, int64(g.i), 10)
			g.buf = append(g.buf, `","name":"Customer name","email":"someone@example.com","active":true,"price":19.990,"group":"retail"}`...)
		default:
			g.buf = strconv.AppendInt(g.buf, int64(g.i), 10)
			g.buf = append(g.buf, ",C-"...)
			g.buf = strconv.AppendInt(g.buf, int64(g.i), 10)
			g.buf = append(g.buf, ",\"Customer name, Inc\",someone@example.com,true,19.990,retail\n"...)
		}
		g.i++
	}
	if len(g.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, g.buf)
	g.buf = g.buf[:copy(g.buf, g.buf[n:])]
	return n, nil
}

// benchmarkRows reads n generated records of a format per iteration.
func benchmarkRows(b *testing.B, format string, n int) {
	b.ReportAllocs()
	for b.Loop() {
		r, err := Open(context.Background(), &mappings.Source{File: txt("-"), Format: format}, Options{Stdin: &genRows{format: format, n: n}})
		if err != nil {
			b.Fatal(err)
		}
		got := 0
		for ; ; got++ {
			if _, err := r.Next(context.Background()); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
		r.Close()
		if got != n {
			b.Fatalf("read %d records; want %d", got, n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/record")
}

// BenchmarkJSONArray reads a JSON array element by element (decoded by
// the reader, unlike JSON Lines).
func BenchmarkJSONArray(b *testing.B) { benchmarkRows(b, "json", 20000) }

// BenchmarkCSV reads CSV rows.
func BenchmarkCSV(b *testing.B) { benchmarkRows(b, "csv", 20000) }
