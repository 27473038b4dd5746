package pgstate

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

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
	_, err = s.Lock(ctx, inst, "m")
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
		unlock, err = s.Lock(ctx, inst, "m")
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
