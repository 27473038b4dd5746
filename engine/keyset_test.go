package engine

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// keyModel is what keySet must answer, kept the obvious way: every value
// as a string (the key index before keySet).
type keyModel struct {
	ids     map[string][]int64 // value in lower case → ids
	valueOf map[int64]string
}

func newKeyModel() *keyModel {
	return &keyModel{ids: map[string][]int64{}, valueOf: map[int64]string{}}
}

func (m *keyModel) set(id int64, value string) {
	if old, ok := m.valueOf[id]; ok {
		k := strings.ToLower(old)
		m.ids[k] = slices.DeleteFunc(m.ids[k], func(o int64) bool { return o == id })
	}
	k := strings.ToLower(value)
	m.ids[k] = append(m.ids[k], id)
	m.valueOf[id] = value
}

func (m *keyModel) find(value string) []int64 {
	var exact, all []int64
	for _, id := range m.ids[strings.ToLower(value)] {
		if m.valueOf[id] == value {
			exact = append(exact, id)
		}
		all = append(all, id)
	}
	if len(exact) > 0 {
		return exact
	}
	return all
}

// TestKeySetAnswersAsTheModel applies random writes (new records, renames,
// values that differ only in case, duplicates) to a keySet and the model,
// across many merges, and compares every answer.
func TestKeySetAnswersAsTheModel(t *testing.T) {
	for seed := range uint64(5) {
		rng := rand.New(rand.NewPCG(seed, 7))
		s, m := newKeySet(), newKeyModel()
		pool := make([]string, 400)
		for i := range pool {
			v := fmt.Sprintf("Customer %d", i)
			switch i % 5 {
			case 1:
				v = strings.ToUpper(v)
			case 2:
				v = fmt.Sprintf("Customer %d", i-1) // a duplicate value
			case 3:
				v = fmt.Sprintf("customer %d", i-3) // differs in case only
			}
			pool[i] = v
		}
		for op := range 20000 {
			id := int64(rng.IntN(3000) + 1)
			if op < 2000 {
				id = int64(op + 1) // a first read of the collection
			}
			v := pool[rng.IntN(len(pool))]
			s.set(id, v)
			m.set(id, v)
			if op%997 == 0 || op == 19999 {
				for _, q := range append(pool, "nobody", "CUSTOMER 5") {
					got, want := s.find(q), m.find(q)
					slices.Sort(got)
					slices.Sort(want)
					if !slices.Equal(got, want) {
						t.Fatalf("seed %d op %d: find(%q) = %v, want %v", seed, op, q, got, want)
					}
				}
			}
		}
		if got, want := s.len(), len(m.valueOf); got != want {
			t.Errorf("seed %d: len = %d, want %d", seed, got, want)
		}
	}
}

func TestKeySetMovesARenamedRecord(t *testing.T) {
	s := newKeySet()
	for i := range 3000 { // past a merge
		s.set(int64(i+1), fmt.Sprintf("Customer %d", i))
	}
	s.set(5, "Renamed") // merged before: its old place is dropped
	s.set(5, "Renamed again")
	if got := s.find("Customer 4"); len(got) != 0 {
		t.Errorf("the old name still finds %v", got)
	}
	if got := s.find("Renamed"); len(got) != 0 {
		t.Errorf("the intermediate name still finds %v", got)
	}
	if got := s.find("renamed AGAIN"); !slices.Equal(got, []int64{5}) {
		t.Errorf("find(renamed AGAIN) = %v, want [5]", got)
	}
}

// BenchmarkKeySet measures the memory of a key index of n customer names,
// keySet against the map-based index it replaced (keyModel, which kept ids
// as numbers: the old one kept them as strings, which cost more).
//
//	go test ./engine -run '^$' -bench KeySet -benchtime 1x
func BenchmarkKeySet(b *testing.B) {
	const n = 1_000_000
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	measure := func(name string, build func() any) {
		b.Run(name, func(b *testing.B) {
			for range b.N {
				h := heap()
				index := build()
				b.ReportMetric(float64(heap()-h)/n, "bytes/record")
				runtime.KeepAlive(index)
			}
		})
	}
	measure("keySet", func() any {
		s := newKeySet()
		for i := range n {
			s.set(int64(i+1), fmt.Sprintf("Customer %07d", i))
		}
		return s
	})
	measure("maps", func() any {
		m := newKeyModel()
		for i := range n {
			m.set(int64(i+1), fmt.Sprintf("Customer %07d", i))
		}
		return m
	})
}
