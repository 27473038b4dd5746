package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/orosync/orosync/engine/source"
	"github.com/orosync/orosync/mappings"
)

// lockingStore is the embedded store with a Locker that refuses one mapping
// and records which mappings were locked and unlocked.
type lockingStore struct {
	StateStore
	refuse string

	mu     sync.Mutex
	events []string
	lost   func(error) // of the last lock taken
}

func (l *lockingStore) Lock(ctx context.Context, instance, mapping string, lost func(error)) (func(), error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if mapping == l.refuse {
		return nil, errors.New("mapping " + mapping + " on " + instance + " is locked by another orosync run: the run on host other pid 7 holds its lock")
	}
	l.events = append(l.events, "lock "+mapping)
	l.lost = lost
	return func() {
		l.mu.Lock()
		l.events = append(l.events, "unlock "+mapping)
		l.mu.Unlock()
	}, nil
}

func TestRunTakesTheLockOfEachMappingAndStopsWhenItIsHeld(t *testing.T) {
	tr := newTestRun(t)
	ls := &lockingStore{StateStore: tr.store, refuse: "customers"}
	tr.srcs["groups"] = records(t, `{"code":"W","name":"Wholesale"}`)
	tr.srcs["customers"] = records(t, `{"id":1,"name":"C","active":true,"group":"W"}`)
	groups, customers := parseMapping(t, groupsYAML), parseMapping(t, customersYAML)
	var log syncBuffer
	rep, err := Run(context.Background(), []*mappings.Mapping{groups, customers}, Options{
		APIURL: "https://oro.test/admin/api", Oro: tr.oro, State: ls, Logger: testLogger(&log), DeadLetter: NewDeadLetterFile(tr.dl),
		OpenSource: func(ctx context.Context, m *mappings.Mapping, cursor any, limit int) (Source, error) {
			if m.Name == "customers" {
				t.Error("the source of a locked mapping was opened")
			}
			return &sliceSource{recs: tr.srcs[m.Name]}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(ls.events, ", "); got != "lock groups, unlock groups" {
		t.Errorf("lock events = %s, want the groups lock taken and released", got)
	}
	if g := rep.Mappings[0]; g.Status == StatusFatal || g.Counts.Created != 1 {
		t.Errorf("groups = %+v, want it written", g)
	}
	c := rep.Mappings[1]
	if c.Status != StatusFatal || !strings.Contains(c.Error, "take the run lock: mapping customers on") || !strings.Contains(c.Error, "host other pid 7") {
		t.Errorf("customers = %s %q, want fatal naming the lock holder", c.Status, c.Error)
	}
	if rep.ExitCode != ExitCannotProceed {
		t.Errorf("exit code %d, want %d", rep.ExitCode, ExitCannotProceed)
	}
	if tr.oro.count("customers") != 0 {
		t.Error("a locked mapping wrote to Oro")
	}
}

func TestDryRunTakesNoLock(t *testing.T) {
	tr := newTestRun(t)
	ls := &lockingStore{StateStore: tr.store, refuse: "groups"}
	tr.srcs["groups"] = records(t, `{"code":"W","name":"Wholesale"}`)
	rep, err := Run(context.Background(), []*mappings.Mapping{parseMapping(t, groupsYAML)}, Options{
		DryRun: true, APIURL: "https://oro.test/admin/api", State: ls,
		OpenSource: func(ctx context.Context, m *mappings.Mapping, cursor any, limit int) (Source, error) {
			return &sliceSource{recs: tr.srcs[m.Name]}, nil
		},
	})
	if err != nil || rep.Mappings[0].Status == StatusFatal {
		t.Fatalf("dry run = %+v, %v; a dry run writes nothing and needs no lock", rep.Mappings[0], err)
	}
}

// loseLockSource calls the lock's lost callback before its third record, as
// the PostgreSQL store does when the lock's session ends mid-run.
type loseLockSource struct {
	sliceSource
	ls *lockingStore
}

func (s *loseLockSource) Next(ctx context.Context) (source.Record, error) {
	if s.i == 2 {
		s.ls.mu.Lock()
		lost := s.ls.lost
		s.ls.mu.Unlock()
		lost(errors.New("lock mapping groups: the database session that holds the lock no longer answers"))
	}
	return s.sliceSource.Next(ctx)
}

func TestLostLockStopsTheMapping(t *testing.T) {
	tr := newTestRun(t)
	ls := &lockingStore{StateStore: tr.store}
	var lines []string
	for i := range 50 {
		lines = append(lines, fmt.Sprintf(`{"code":"G%02d","name":"Group %02d"}`, i, i))
	}
	tr.srcs["groups"] = records(t, strings.Join(lines, "\n"))
	var log syncBuffer
	rep, err := Run(context.Background(), []*mappings.Mapping{parseMapping(t, groupsYAML)}, Options{
		APIURL: "https://oro.test/admin/api", Oro: tr.oro, State: ls, Logger: testLogger(&log), DeadLetter: NewDeadLetterFile(tr.dl),
		Concurrency: 1,
		OpenSource: func(ctx context.Context, m *mappings.Mapping, cursor any, limit int) (Source, error) {
			return &loseLockSource{sliceSource: sliceSource{recs: tr.srcs[m.Name]}, ls: ls}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	g := rep.Mappings[0]
	if g.Status != StatusFatal || !strings.Contains(g.Error, "lost the run lock") || !strings.Contains(g.Error, "no longer answers") {
		t.Errorf("groups = %s %q, want fatal saying the lock was lost", g.Status, g.Error)
	}
	if rep.ExitCode != ExitCannotProceed {
		t.Errorf("exit code %d, want %d", rep.ExitCode, ExitCannotProceed)
	}
	if n := tr.oro.count("customergroups"); n >= 50 {
		t.Errorf("%d groups written; want the mapping stopped when its lock was lost", n)
	}
	if got := strings.Join(ls.events, ", "); got != "lock groups, unlock groups" {
		t.Errorf("lock events = %s", got)
	}
}
