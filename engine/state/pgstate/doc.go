// Package pgstate is orosync's PostgreSQL state store: the same id map,
// reverse index, checkpoints and run summaries as the embedded store of
// package state, kept in a database that several machines share.
//
// Open connects, applies the embedded migrations (versioned SQL files,
// recorded in orosync_schema_version) and returns a *Store with the method
// set of *state.Store. Every write runs in one transaction; Remember writes
// any number of entries in one batch (one round trip).
//
// Lock serialises runs of one mapping on one Oro instance across processes
// and machines with a session-level advisory lock held on a dedicated
// connection; the holder (host, pid, start time, orosync version) is
// recorded in orosync_locks so that a second run can say who holds it.
// The lock's session is checked while it is held, and its loss reported to
// the caller, which stops writing.
//
// Times are stored as timestamptz, which keeps microseconds: an Entry's
// times come back truncated to the microsecond.
//
// The connection URL may carry a password: it never appears in errors (see
// Redact).
package pgstate
