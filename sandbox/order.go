package sandbox

import (
	"cmp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// This file keeps each table's ids in list order (integer ids numerically,
// then other ids as text, compareIDs), so that lists never sort a whole
// table and a page is found without reading the records before it.

// idKey is an id with its integer value, parsed once.
type idKey struct {
	id  string
	n   int64
	num bool // id is an integer (n)
}

func newIDKey(id string) idKey {
	n, err := strconv.ParseInt(id, 10, 64)
	return idKey{id: id, n: n, num: err == nil}
}

// compare orders keys as compareIDs orders their ids. Ids compareIDs finds
// equal (one integer written two ways, such as 7 and 07) are ordered as
// text, so that the order is total.
func (a idKey) compare(b idKey) int {
	switch {
	case a.num && b.num:
		if c := cmp.Compare(a.n, b.n); c != 0 {
			return c
		}
	case a.num:
		return -1
	case b.num:
		return 1
	}
	return strings.Compare(a.id, b.id)
}

// orderBlock is the size blocks of an idOrder are split to and merged up
// to; a block never holds more than twice as many keys.
const orderBlock = 512

// idOrder is a sorted set of ids kept in blocks, so that an insert or a
// delete moves at most one block and the list of blocks, not the whole
// table, and position p is found by walking the block lengths.
// Auto-increment ids, which arrive in increasing order, are appended.
type idOrder struct {
	blocks [][]idKey
	n      int
}

func (o *idOrder) len() int { return o.n }

// block returns the index of the block k belongs in: the first whose last
// key is not below k, else the last block. There is at least one block.
func (o *idOrder) block(k idKey) int {
	b := sort.Search(len(o.blocks), func(i int) bool {
		blk := o.blocks[i]
		return blk[len(blk)-1].compare(k) >= 0
	})
	return min(b, len(o.blocks)-1)
}

// insert adds k, which must not be in o yet.
func (o *idOrder) insert(k idKey) {
	o.n++
	if len(o.blocks) == 0 {
		o.blocks = [][]idKey{{k}}
		return
	}
	b := o.block(k)
	blk := o.blocks[b]
	i, _ := slices.BinarySearchFunc(blk, k, idKey.compare)
	switch {
	case i == len(blk) && b == len(o.blocks)-1 && len(blk) >= 2*orderBlock:
		// An append to a full last block starts a new one, so that
		// increasing ids fill blocks completely.
		o.blocks = append(o.blocks, []idKey{k})
	case len(blk) >= 2*orderBlock:
		blk = slices.Insert(blk, i, k)
		half := len(blk) / 2
		o.blocks[b] = slices.Clone(blk[:half])
		o.blocks = slices.Insert(o.blocks, b+1, slices.Clone(blk[half:]))
	default:
		o.blocks[b] = slices.Insert(blk, i, k)
	}
}

// delete removes k; it reports whether k was there.
func (o *idOrder) delete(k idKey) bool {
	if len(o.blocks) == 0 {
		return false
	}
	b := o.block(k)
	blk := o.blocks[b]
	i, found := slices.BinarySearchFunc(blk, k, idKey.compare)
	if !found {
		return false
	}
	o.n--
	blk = slices.Delete(blk, i, i+1)
	switch {
	case len(blk) == 0:
		o.blocks = slices.Delete(o.blocks, b, b+1)
	case b+1 < len(o.blocks) && len(blk)+len(o.blocks[b+1]) <= orderBlock:
		o.blocks[b] = append(blk, o.blocks[b+1]...)
		o.blocks = slices.Delete(o.blocks, b+1, b+2)
	default:
		o.blocks[b] = blk
	}
	return true
}

// seek returns the position of the first key not below k as a block and
// an index in it (len(o.blocks), 0 when there is none).
func (o *idOrder) seek(k idKey) (int, int) {
	if len(o.blocks) == 0 {
		return 0, 0
	}
	b := o.block(k)
	i, _ := slices.BinarySearchFunc(o.blocks[b], k, idKey.compare)
	if i == len(o.blocks[b]) {
		return b + 1, 0
	}
	return b, i
}

// at returns position p (0 <= p <= len) as a block and an index in it.
func (o *idOrder) at(p int) (int, int) {
	for b, blk := range o.blocks {
		if p < len(blk) {
			return b, p
		}
		p -= len(blk)
	}
	return len(o.blocks), 0
}

// from yields the keys from block b, index i on, in order, until yield
// returns false.
func (o *idOrder) from(b, i int, yield func(idKey) bool) {
	for ; b < len(o.blocks); b, i = b+1, 0 {
		for _, k := range o.blocks[b][i:] {
			if !yield(k) {
				return
			}
		}
	}
}

// each yields every key in order until yield returns false.
func (o *idOrder) each(yield func(idKey) bool) { o.from(0, 0, yield) }

// integer yields the ids whose integer value is n (normally at most one:
// 7, but also 07 or +7 for client-chosen ids).
func (o *idOrder) integer(n int64, yield func(idKey) bool) {
	b, i := o.seek(idKey{n: n, num: true})
	o.from(b, i, func(k idKey) bool { return k.num && k.n == n && yield(k) })
}
