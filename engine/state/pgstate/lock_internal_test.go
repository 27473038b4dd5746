package pgstate

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/orosync/orosync/engine/state"
	"github.com/orosync/orosync/engine/state/statetest"
)

// TestLockIgnoresTheRowOfACrashedRun: a holder row whose session is gone
// (a crashed run) is not named as the holder of a lock someone else holds.
func TestLockIgnoresTheRowOfACrashedRun(t *testing.T) {
	u, _ := statetest.PostgresURL(t)
	ctx := context.Background()
	s, err := Open(ctx, u, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	inst := "https://crash.example.com/api/" + t.Name()
	key := lockKey(inst, "m")
	_, err = s.pool.Exec(ctx, `INSERT INTO orosync_locks (lock_key, backend_pid, instance, mapping, host, pid, started, version)
		VALUES ($1, -1, $2, 'm', 'crashed-host', 99, now(), 'v0')`, key, inst)
	if err != nil {
		t.Fatal(err)
	}
	other, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(ctx)
	if _, err := other.Exec(ctx, `SELECT pg_advisory_lock($1)`, key); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = s.Lock(ctx, inst, "m", nil)
	if !errors.Is(err, ErrLocked) || strings.Contains(err.Error(), "crashed-host") || !strings.Contains(err.Error(), "not recorded itself yet") {
		t.Fatalf("Lock = %v; want ErrLocked without the crashed run's host", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the locked error took %s", d)
	}
	// The session ends: the lock is free, the stale row is replaced.
	_ = other.Close(ctx)
	// The server ends the session a moment after the client closed it.
	var unlock func()
	for deadline := time.Now().Add(5 * time.Second); ; {
		unlock, err = s.Lock(ctx, inst, "m", nil)
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("Lock after the holder's session ended: %v", err)
	}
	unlock()
}

// TestLockLostWhenItsSessionEnds: a run lock whose database session is
// ended by the server (a restart, a failover, pg_terminate_backend) is
// reported lost within a few checks, and another run can then take it.
func TestLockLostWhenItsSessionEnds(t *testing.T) {
	u, _ := statetest.PostgresURL(t)
	ctx := context.Background()
	s, err := Open(ctx, u, Options{LockCheck: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	inst := "https://lost.example.com/api/" + t.Name()
	lost := make(chan error, 2)
	unlock, err := s.Lock(ctx, inst, "m", func(err error) { lost <- err })
	if err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-lost:
		t.Fatalf("lock reported lost while its session is alive: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	var ended bool
	if err := s.pool.QueryRow(ctx, `SELECT pg_terminate_backend(backend_pid) FROM orosync_locks WHERE lock_key = $1`,
		lockKey(inst, "m")).Scan(&ended); err != nil || !ended {
		t.Fatalf("terminate the lock's session: %v, %v", ended, err)
	}
	select {
	case err := <-lost:
		if !strings.Contains(err.Error(), "lock mapping m on "+inst) || !strings.Contains(err.Error(), "another run may hold it now") {
			t.Errorf("lost: %v; want the mapping and what it means", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the lost lock was not reported")
	}
	other, err := Open(ctx, u, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	u2, err := other.Lock(ctx, inst, "m", nil)
	if err != nil {
		t.Fatalf("Lock after the holder's session ended: %v", err)
	}
	u2()
	unlock() // on a dead session: returns, and reports nothing more
	if len(lost) != 0 {
		t.Errorf("lost was called more than once: %v", <-lost)
	}
}

// TestLocksDoNotUseThePool: each lock holds a connection of its own, so a
// store can hold the locks of more mappings than its pool has connections
// (`state reset` of every mapping takes them all) and still read and
// write. With the locks on pool connections this hung until the timeout.
func TestLocksDoNotUseThePool(t *testing.T) {
	u, _ := statetest.PostgresURL(t)
	ctx := context.Background()
	s, err := Open(ctx, u, Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	inst := "https://many.example.com/api/" + t.Name()
	n := int(s.pool.Config().MaxConns) + 2
	if n < 6 {
		n = 6
	}
	var unlocks []func()
	for i := range n {
		m := fmt.Sprintf("m%d", i)
		if err := s.Remember(inst, m, map[string]state.Entry{"k": {ID: "1"}}); err != nil {
			t.Fatal(err)
		}
		unlock, err := s.Lock(ctx, inst, m, nil)
		if err != nil {
			t.Fatalf("Lock of mapping %d of %d (pool of %d): %v", i+1, n, s.pool.Config().MaxConns, err)
		}
		unlocks = append(unlocks, unlock)
	}
	if got := s.pool.Stat().AcquiredConns(); got != 0 {
		t.Errorf("%d locks hold %d pool connections; want none", n, got)
	}
	if err := s.Reset(inst, "", state.ResetAll); err != nil {
		t.Fatalf("Reset of every mapping while holding %d locks: %v", n, err)
	}
	if rows, err := s.Summary(); err != nil {
		t.Fatal(err)
	} else {
		for _, r := range rows {
			if r.Instance == inst {
				t.Errorf("after Reset the state still has %s", r.Mapping)
			}
		}
	}
	other, err := Open(ctx, u, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.Lock(ctx, inst, "m0", nil); !errors.Is(err, ErrLocked) {
		t.Fatalf("Lock of a held mapping by another store: %v; want ErrLocked", err)
	}
	for _, u := range unlocks {
		u()
	}
	// Unlock closed the lock's session: the lock is free at once.
	u0, err := other.Lock(ctx, inst, "m0", nil)
	if err != nil {
		t.Fatalf("Lock after unlock: %v", err)
	}
	u0()
}
