package state

import (
	"fmt"
	"path/filepath"
	"testing"
)

// batches builds n entries split into maps of size per.
func batches(n, per int) []map[string]Entry {
	var out []map[string]Entry
	for i := 0; i < n; i += per {
		m := make(map[string]Entry, per)
		for j := i; j < i+per && j < n; j++ {
			m[fmt.Sprintf("SKU-%08d", j)] = Entry{ID: fmt.Sprint(j + 1), Hash: "sha256:0123456789abcdef0123456789abcdef"}
		}
		out = append(out, m)
	}
	return out
}

// BenchmarkRemember100k writes 100,000 entries in batches of 100 (1,000
// transactions, each with its fsync) into a fresh store per iteration.
func BenchmarkRemember100k(b *testing.B) {
	const total, per = 100_000, 100
	bs := batches(total, per)
	n := 0
	for b.Loop() {
		b.StopTimer()
		s, err := Open(filepath.Join(b.TempDir(), fmt.Sprint(n)), Options{})
		if err != nil {
			b.Fatal(err)
		}
		n++
		b.StartTimer()
		for _, m := range bs {
			if err := s.Remember(instA, "products", m); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		_ = s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*total), "ns/entry")
}

// BenchmarkLookupMany100 looks up batches of 100 keys in a store of 100,000.
func BenchmarkLookupMany100(b *testing.B) {
	const total, per = 100_000, 100
	s, _ := openTemp(b)
	bs := batches(total, per)
	for _, m := range bs {
		if err := s.Remember(instA, "products", m); err != nil {
			b.Fatal(err)
		}
	}
	keys := make([][]string, len(bs))
	for i, m := range bs {
		for k := range m {
			keys[i] = append(keys[i], k)
		}
	}
	i := 0
	for b.Loop() {
		got, err := s.LookupMany(instA, "products", keys[i%len(keys)])
		if err != nil || len(got) != per {
			b.Fatalf("LookupMany: %d found, %v", len(got), err)
		}
		i++
	}
}
