package sandbox

import (
	"slices"
	"strconv"
	"testing"
)

// TestRequestLogRing checks that the log keeps the newest entries, oldest
// first, as it did when it dropped the oldest entry on every request.
func TestRequestLogRing(t *testing.T) {
	l := requestLog{max: 3}
	if l.list() != nil {
		t.Fatalf("empty log lists %v", l.list())
	}
	var want []RequestLog
	for i := range 8 {
		e := RequestLog{Path: strconv.Itoa(i)}
		l.add(e)
		want = append(want, e)
		if got := l.list(); !slices.Equal(got, want[max(0, len(want)-3):]) {
			t.Fatalf("after %d entries: %v, want the last three of %v", i+1, got, want)
		}
	}
}
