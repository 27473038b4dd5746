package pgstate

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/orosync/orosync/engine/state"
)

// Holder describes the run that holds a mapping's lock.
type Holder struct {
	Host    string
	PID     int
	Started time.Time
	Version string
}

// String describes the holder for messages, e.g.
// "host ci-7 pid 4242, started 2025-01-02T03:04:05Z, orosync v1.2.0".
func (h Holder) String() string {
	return fmt.Sprintf("host %s pid %d, started %s, orosync %s", h.Host, h.PID, h.Started.UTC().Format(time.RFC3339), h.Version)
}

// lockKey is the advisory lock key of a mapping on an instance.
func lockKey(instance, mapping string) int64 {
	sum := sha256.Sum256([]byte("orosync\x00" + instance + "\x00" + mapping))
	return int64(binary.BigEndian.Uint64(sum[:8]))
}

// DefaultLockCheck is how often a held run lock's session is checked.
const DefaultLockCheck = 2 * time.Second

// Lock takes the run lock of a mapping on an instance: a session-level
// PostgreSQL advisory lock held on a dedicated connection until unlock is
// called (or the process dies and its connection ends). It does not wait:
// when another run holds the lock it returns an error wrapping ErrLocked
// that names the holder. Different mappings lock independently.
//
// The lock lives as long as its database session: a session ended by the
// server (a restart, a failover, an administrator, an idle timeout) or by
// the network releases it, and another run may take it. While the lock is
// held, its session is checked every Options.LockCheck; when a check fails,
// lost (if not nil) is called once with the reason, so that the caller stops
// writing what another run may now write too.
func (s *Store) Lock(ctx context.Context, instance, mapping string, lost func(error)) (unlock func(), err error) {
	if err := state.CheckScope(instance, mapping, false); err != nil {
		return nil, fmt.Errorf("lock mapping: %w", err)
	}
	what := "lock mapping " + mapping + " on " + instance
	if err := s.checkWrite(what); err != nil {
		return nil, err
	}
	key := lockKey(instance, mapping)
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	// A connection of its own, not one of the pool's: a lock holds its
	// connection until unlock, and a run or a reset may hold the locks of
	// more mappings than the pool has connections.
	conn, err := pgx.ConnectConfig(cctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return nil, s.wrap(what, err)
	}
	closeConn := func() {
		// Closing ends the session, which releases its advisory lock.
		c, cancel := context.WithTimeout(context.Background(), s.timeout)
		defer cancel()
		_ = conn.Close(c)
	}
	var got bool
	if err := conn.QueryRow(cctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&got); err != nil {
		closeConn()
		return nil, s.wrap(what, err)
	}
	if !got {
		closeConn()
		return nil, s.lockedError(ctx, instance, mapping, key)
	}
	host, _ := os.Hostname()
	me := Holder{Host: host, PID: os.Getpid(), Started: time.Now().UTC(), Version: s.version}
	_, err = conn.Exec(cctx, `INSERT INTO orosync_locks (lock_key, backend_pid, instance, mapping, host, pid, started, version)
		VALUES ($1, pg_backend_pid(), $2, $3, $4, $5, $6, $7)
		ON CONFLICT (lock_key) DO UPDATE SET backend_pid = EXCLUDED.backend_pid, instance = EXCLUDED.instance, mapping = EXCLUDED.mapping,
			host = EXCLUDED.host, pid = EXCLUDED.pid, started = EXCLUDED.started, version = EXCLUDED.version`,
		key, instance, mapping, me.Host, me.PID, me.Started, me.Version)
	if err != nil {
		// Without the holder row a second run could not say who holds it;
		// give the lock back rather than run anonymously.
		closeConn()
		return nil, s.wrap("record the holder of the lock of mapping "+mapping+" on "+instance, err)
	}
	stopWatch := s.watchLock(conn, what, lost)
	return func() {
		stopWatch() // the connection is the watcher's until it returns
		uctx, cancel := context.WithTimeout(context.Background(), s.timeout)
		defer cancel()
		_, _ = conn.Exec(uctx, `DELETE FROM orosync_locks WHERE lock_key = $1 AND backend_pid = pg_backend_pid()`, key)
		closeConn() // ends the session and with it the lock
	}, nil
}

// watchLock checks, every s.lockCheck until the returned stop is called,
// that the session holding a lock is still alive. A pgx connection never
// reconnects by itself, so a statement that succeeds on it ran in the
// session that took the lock, which therefore still holds it (a session's
// advisory lock ends only with pg_advisory_unlock or the session). A failed
// or timed-out check is reported to lost once: the session may be gone.
func (s *Store) watchLock(conn *pgx.Conn, what string, lost func(error)) (stop func()) {
	done := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		tick := time.NewTicker(s.lockCheck)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			cctx, cancel := context.WithTimeout(context.Background(), min(s.timeout, max(s.lockCheck, time.Second)))
			_, err := conn.Exec(cctx, `SELECT 1`)
			cancel()
			if err != nil {
				if lost != nil {
					lost(fmt.Errorf("%s: the database session that holds the lock no longer answers, so another run may hold it now: %w",
						what, s.scrub(err)))
				}
				return
			}
		}
	}()
	return func() {
		close(done)
		<-exited
	}
}

// lockedError says who holds the lock. The holder writes its row right
// after taking the lock, so the row is awaited briefly; a row left by a
// crashed run (its backend holds no advisory lock) is not the holder.
func (s *Store) lockedError(ctx context.Context, instance, mapping string, key int64) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var h Holder
	var err error
	for range 25 {
		err = s.pool.QueryRow(ctx, `SELECT l.host, l.pid, l.started, l.version FROM orosync_locks l
			WHERE l.lock_key = $1 AND EXISTS (SELECT 1 FROM pg_locks p
				WHERE p.locktype = 'advisory' AND p.granted AND p.pid = l.backend_pid)`, key).
			Scan(&h.Host, &h.PID, &h.Started, &h.Version)
		if !errors.Is(err, pgx.ErrNoRows) {
			break
		}
		time.Sleep(40 * time.Millisecond)
	}
	who := "a run that has not recorded itself yet"
	if err == nil {
		who = "the run on " + h.String()
	}
	return fmt.Errorf("mapping %s on %s is %w: %s holds its lock in state database %s; wait for that run to finish "+
		"(the lock ends with its database session, so a crashed run releases it)", mapping, instance, ErrLocked, who, s.where)
}
