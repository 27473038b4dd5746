// Package state is orosync's embedded state store.
//
// The store is a single bbolt file, orosync.db, inside a state directory
// (by default .orosync/ in the working directory; the CLI passes the path).
// Per Oro instance and per mapping it keeps:
//
//   - an id map: source key → Oro id, hash of the last document written and
//     the time it was written ([Entry]);
//   - the incremental checkpoint: the cursor value of the last fully
//     acknowledged position, as raw JSON;
//   - a small record of the last run ([RunInfo]).
//
// The engine moves state only after Oro acknowledged the writes: it calls
// [Store.Remember] and [Store.SetCheckpoint] after success, never before.
//
// # Layout
//
// All data lives under one root bucket, "v1" (a future format gets a new
// root bucket, so old files stay readable). Below it:
//
//	v1 / <instance> / <mapping> / ids  / <source key> → {"id","hash","updated","verified"}
//	                            / rev  / <Oro id>     → source key (one record per key)
//	                            / meta / checkpoint   → raw JSON cursor
//	                                   / run          → RunInfo as JSON
//
// Instance is the Oro API base URL, normalised by [Instance]; keys are stored
// exactly as given.
//
// # Concurrency
//
// A *Store is safe for concurrent use by multiple goroutines: bbolt runs read
// transactions in parallel and serialises write transactions. Across
// processes the file is protected by an exclusive flock (a shared one for a
// read-only open); a second orosync run fails after [Options.Timeout] with an
// error wrapping [ErrLocked] instead of hanging.
//
// Each write method runs in one transaction, so callers should batch: one
// Remember call with ~100 entries costs one fsync, not 100.
//
// # Other backends
//
// Package pgstate keeps the same state in PostgreSQL, for runs on several
// machines; package statetest holds the contract tests both pass. [Export]
// and [Import] move state between stores as JSON Lines.
package state
