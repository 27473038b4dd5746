package engine

// This file exists for memory: a key index of a million customer names held
// as Go maps of strings took about 250 bytes per record, and the batched
// run of 1,000,000 customers in bench/throughput grew past 180 MB of heap.
// keySet keeps about 50 bytes per record (BenchmarkKeySet: "keySet"
// against "maps", the obvious index with ids as numbers: 204 bytes), in
// sorted slices without pointers, which the garbage collector does not
// scan.

import (
	"cmp"
	"hash/maphash"
	"slices"
	"strings"
)

// keySet maps the values of one field (a customer's name) to the ids of
// the records that have them, as a key index needs: find prefers records
// whose value is exactly the one asked, and otherwise returns those whose
// value differs only in case (Oro may compare without case). It holds
// hashes, not the values: the value in lower case under two independent
// hashes (96 bits: with a million values, a false match is about 10^-23
// likely per lookup) and the exact value under a third, which only chooses
// among records whose values differ in case.
//
// Records live in two sorted slices (by value hash, to find; by id, to move
// a record whose value changes); the run's writes go to small maps first
// and are merged in when those grow past a sixteenth of the slices. Ids
// are Oro's integer ids.
type keySet struct {
	seeds [3]maphash.Seed

	byFold []keyRec // sorted by (fold, id)
	moved  []uint64 // a bit per byFold record: set when the record moved (it is in recent now)
	byID   []idFold // sorted by id; fold is the record's current value

	recent     map[uint64][]recentRec // by fold, not merged yet
	recentByID map[int64]uint64       // id → fold, for the records in recent
}

// recentRec is a record not merged yet; inByID says byID has its id.
type recentRec struct {
	keyRec
	inByID bool
}

// keyRec is one record: its id and its value's hashes.
type keyRec struct {
	fold  uint64 // the value in lower case
	id    int64
	check uint32 // the value in lower case, another hash
	exact uint32 // the value as it is
}

// idFold says which value (by its fold hash) a record has.
type idFold struct {
	id   int64
	fold uint64
}

// keySetMergeMin is the smallest number of recent records merged at once.
const keySetMergeMin = 1024

func newKeySet() *keySet {
	return &keySet{seeds: [3]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed(), maphash.MakeSeed()},
		recent: map[uint64][]recentRec{}, recentByID: map[int64]uint64{}}
}

// rec returns the record of id with value.
func (s *keySet) rec(id int64, value string) keyRec {
	lower := strings.ToLower(value)
	return keyRec{fold: maphash.String(s.seeds[0], lower), id: id,
		check: uint32(maphash.String(s.seeds[1], lower)), exact: uint32(maphash.String(s.seeds[2], value))}
}

// len returns the number of records.
func (s *keySet) len() int {
	n := len(s.byID)
	for _, rs := range s.recent {
		for _, r := range rs {
			if !r.inByID {
				n++
			}
		}
	}
	return n
}

// set records that record id has value, moving it if it had another.
func (s *keySet) set(id int64, value string) {
	r := recentRec{keyRec: s.rec(id, value)}
	if fold, ok := s.recentByID[id]; ok {
		old := s.recent[fold]
		k := slices.IndexFunc(old, func(o recentRec) bool { return o.id == id })
		if old[k].keyRec == r.keyRec {
			return // the same value
		}
		if r.inByID = old[k].inByID; r.inByID {
			i, _ := s.idPos(id)
			s.byID[i].fold = r.fold
		}
		if old = slices.Delete(old, k, k+1); len(old) == 0 {
			delete(s.recent, fold)
		} else {
			s.recent[fold] = old
		}
	} else if i, ok := s.idPos(id); ok {
		if j, ok := s.findRec(s.byID[i].fold, id); ok {
			if s.byFold[j] == r.keyRec {
				return // the same value
			}
			s.moved[j/64] |= 1 << (j % 64) // dropped at the next merge
		}
		s.byID[i].fold = r.fold
		r.inByID = true
	}
	s.recent[r.fold] = append(s.recent[r.fold], r)
	s.recentByID[id] = r.fold
	if len(s.recentByID) >= max(keySetMergeMin, len(s.byID)/16) {
		s.merge()
	}
}

// idPos returns the position of id in byID.
func (s *keySet) idPos(id int64) (int, bool) {
	return slices.BinarySearchFunc(s.byID, id, func(e idFold, id int64) int { return cmp.Compare(e.id, id) })
}

// findRec returns the position of id's record under fold in byFold.
func (s *keySet) findRec(fold uint64, id int64) (int, bool) {
	return slices.BinarySearchFunc(s.byFold, keyRec{fold: fold, id: id}, compareRec)
}

func compareRec(a, b keyRec) int {
	if c := cmp.Compare(a.fold, b.fold); c != 0 {
		return c
	}
	return cmp.Compare(a.id, b.id)
}

// find returns the ids of the records whose value is value, or, when none
// is, of those whose value differs only in case.
func (s *keySet) find(value string) []int64 {
	want := s.rec(0, value)
	var cands []keyRec
	i, _ := slices.BinarySearchFunc(s.byFold, keyRec{fold: want.fold, id: -1 << 63}, compareRec)
	for ; i < len(s.byFold) && s.byFold[i].fold == want.fold; i++ {
		if r := s.byFold[i]; s.moved[i/64]&(1<<(i%64)) == 0 && r.check == want.check {
			cands = append(cands, r)
		}
	}
	for _, r := range s.recent[want.fold] {
		if r.check == want.check {
			cands = append(cands, r.keyRec)
		}
	}
	var exact, all []int64
	for _, r := range cands {
		if r.exact == want.exact {
			exact = append(exact, r.id)
		}
		all = append(all, r.id)
	}
	if len(exact) > 0 {
		return exact
	}
	return all
}

// merge moves the recent records into the sorted slices, in place from
// the back (the slices grow once, by what is merged), and drops the
// deleted records.
func (s *keySet) merge() {
	add := make([]keyRec, 0, len(s.recentByID))
	var ids []idFold
	for _, rs := range s.recent {
		for _, r := range rs {
			add = append(add, r.keyRec)
			if !r.inByID {
				ids = append(ids, idFold{id: r.id, fold: r.fold})
			}
		}
	}
	slices.SortFunc(add, compareRec)
	kept := s.byFold[:0]
	for i, r := range s.byFold {
		if s.moved[i/64]&(1<<(i%64)) == 0 {
			kept = append(kept, r)
		}
	}
	s.byFold = mergeSorted(kept, add, compareRec)
	s.moved = make([]uint64, (len(s.byFold)+63)/64)

	slices.SortFunc(ids, func(a, b idFold) int { return cmp.Compare(a.id, b.id) })
	s.byID = mergeSorted(s.byID, ids, func(a, b idFold) int { return cmp.Compare(a.id, b.id) })

	clear(s.recent)
	clear(s.recentByID)
}

// mergeSorted merges the sorted add into the sorted dst in place, from the
// back, and returns the result.
func mergeSorted[T any](dst, add []T, compare func(a, b T) int) []T {
	n := len(dst)
	dst = slices.Grow(dst, len(add))[:n+len(add)]
	i, j := n-1, len(add)-1
	for k := len(dst) - 1; j >= 0; k-- {
		if i >= 0 && compare(dst[i], add[j]) > 0 {
			dst[k] = dst[i]
			i--
		} else {
			dst[k] = add[j]
			j--
		}
	}
	return dst
}
