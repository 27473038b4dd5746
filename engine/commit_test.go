package engine

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/orosync/orosync/engine/state"
)

// slowStore counts Remember calls, each taking a while like an fsync.
type slowStore struct {
	StateStore
	mu      sync.Mutex
	calls   int
	entries map[string]state.Entry
	err     error
}

func (s *slowStore) Remember(_, _ string, entries map[string]state.Entry) error {
	time.Sleep(2 * time.Millisecond)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	for k, e := range entries {
		s.entries[k] = e
	}
	return s.err
}

func TestCommitterGroupsEntries(t *testing.T) {
	st := &slowStore{entries: map[string]state.Entry{}}
	c := newCommitter(st, "https://oro.test/admin/api")
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.put("m", fmt.Sprint(i), state.Entry{ID: fmt.Sprint(i)}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	c.close()
	if len(st.entries) != 64 {
		t.Errorf("%d entries stored, want 64", len(st.entries))
	}
	if st.calls >= 64 {
		t.Errorf("%d transactions for 64 entries: nothing was grouped", st.calls)
	}
	if err := c.put("m", "late", state.Entry{ID: "1"}); err == nil {
		t.Error("put after close succeeded")
	}

	failing := &slowStore{entries: map[string]state.Entry{}, err: errors.New("disk full")}
	c = newCommitter(failing, "https://oro.test/admin/api")
	defer c.close()
	if err := c.put("m", "k", state.Entry{ID: "1"}); err == nil || !errors.Is(err, failing.err) {
		t.Errorf("put = %v, want the store's error", err)
	}
}
