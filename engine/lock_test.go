package engine

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/orosync/orosync/mappings"
)

// lockingStore is the embedded store with a Locker that refuses one mapping
// and records which mappings were locked and unlocked.
type lockingStore struct {
	StateStore
	refuse string

	mu     sync.Mutex
	events []string
}

func (l *lockingStore) Lock(ctx context.Context, instance, mapping string) (func(), error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if mapping == l.refuse {
		return nil, errors.New("mapping " + mapping + " on " + instance + " is locked by another orosync run: the run on host other pid 7 holds its lock")
	}
	l.events = append(l.events, "lock "+mapping)
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
