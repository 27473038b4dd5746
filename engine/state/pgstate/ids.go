package pgstate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/orosync/orosync/engine/state"
)

// unlinkReverseSQL deletes the reverse entries of the current ids of the
// keys $3 of mapping $2 on instance $1, where they still point at the key
// (another key may have taken the id since).
const unlinkReverseSQL = `DELETE FROM orosync_rev r USING unnest($3::text[]) AS k(key)
	JOIN orosync_ids i ON i.instance = $1 AND i.mapping = $2 AND i.key = k.key
	WHERE r.instance = $1 AND r.mapping = $2 AND r.oro_id = i.oro_id AND r.key = i.key`

// Lookup returns the entry of one source key and whether it exists.
func (s *Store) Lookup(instance, mapping, key string) (state.Entry, bool, error) {
	m, err := s.LookupMany(instance, mapping, []string{key})
	if err != nil {
		return state.Entry{}, false, err
	}
	e, ok := m[key]
	return e, ok, nil
}

// LookupMany returns the entries of the given keys in one query. Keys
// without an entry are absent from the result, which is never nil.
func (s *Store) LookupMany(instance, mapping string, keys []string) (map[string]state.Entry, error) {
	if err := state.CheckScope(instance, mapping, false); err != nil {
		return nil, fmt.Errorf("look up ids: %w", err)
	}
	out := make(map[string]state.Entry, len(keys))
	if s.empty || len(keys) == 0 {
		return out, nil
	}
	ctx, cancel := s.ctx()
	defer cancel()
	rows, err := s.pool.Query(ctx, `SELECT key, oro_id, hash, updated, verified FROM orosync_ids
		WHERE instance = $1 AND mapping = $2 AND key = ANY($3)`, instance, mapping, keys)
	if err != nil {
		return nil, s.wrap("look up ids of mapping "+mapping+" on "+instance, err)
	}
	defer rows.Close()
	for rows.Next() {
		k, e, err := scanEntry(rows)
		if err != nil {
			return nil, s.wrap("look up ids of mapping "+mapping+" on "+instance, err)
		}
		out[k] = e
	}
	return out, s.wrap("look up ids of mapping "+mapping+" on "+instance, rows.Err())
}

// scanEntry reads key, oro_id, hash, updated, verified.
func scanEntry(rows pgx.Rows) (string, state.Entry, error) {
	var k string
	var e state.Entry
	var verified *time.Time
	if err := rows.Scan(&k, &e.ID, &e.Hash, &e.Updated, &verified); err != nil {
		return "", e, err
	}
	e.Updated = e.Updated.UTC()
	if verified != nil {
		e.Verified = verified.UTC()
	}
	return k, e, nil
}

// Remember stores entries (source key → entry) in one transaction and one
// round trip. Entries with a zero Updated get the current time; times are
// stored in UTC (to the microsecond). Call it only after Oro acknowledged
// the writes.
func (s *Store) Remember(instance, mapping string, entries map[string]state.Entry) error {
	if err := state.CheckScope(instance, mapping, false); err != nil {
		return fmt.Errorf("remember ids: %w", err)
	}
	what := "remember ids of mapping " + mapping + " on " + instance
	if err := s.checkWrite(what); err != nil {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	keys, es, err := state.PrepareEntries(instance, mapping, entries)
	if err != nil {
		return err
	}
	ids, hashes := make([]string, len(keys)), make([]string, len(keys))
	updated, verified := make([]time.Time, len(keys)), make([]*time.Time, len(keys))
	for i, e := range es {
		ids[i], hashes[i], updated[i] = e.ID, e.Hash, e.Updated
		if !e.Verified.IsZero() {
			verified[i] = &e.Verified
		}
	}
	b := &pgx.Batch{}
	// The reverse entries of the keys' old ids, where they still point
	// at the key.
	b.Queue(unlinkReverseSQL, instance, mapping, keys)
	b.Queue(`INSERT INTO orosync_ids (instance, mapping, key, oro_id, hash, updated, verified)
			SELECT $1, $2, t.* FROM unnest($3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[]) AS t
			ON CONFLICT (instance, mapping, key) DO UPDATE SET oro_id = EXCLUDED.oro_id, hash = EXCLUDED.hash,
				updated = EXCLUDED.updated, verified = EXCLUDED.verified`,
		instance, mapping, keys, ids, hashes, updated, verified)
	// One key per id: as in the embedded store, the last key in key
	// order wins.
	b.Queue(`INSERT INTO orosync_rev (instance, mapping, oro_id, key)
			SELECT DISTINCT ON (t.oro_id) $1, $2, t.oro_id, t.key FROM unnest($3::text[], $4::text[]) AS t(key, oro_id)
			ORDER BY t.oro_id, t.key COLLATE "C" DESC
			ON CONFLICT (instance, mapping, oro_id) DO UPDATE SET key = EXCLUDED.key`, instance, mapping, keys, ids)
	b.Queue(`INSERT INTO orosync_meta (instance, mapping) VALUES ($1, $2) ON CONFLICT DO NOTHING`, instance, mapping)
	return s.batch(what, b)
}

// KeyOf returns the source key the id map assigns Oro record id to, if any.
func (s *Store) KeyOf(instance, mapping, id string) (string, bool, error) {
	if err := state.CheckScope(instance, mapping, false); err != nil {
		return "", false, fmt.Errorf("look up the key of id %s: %w", id, err)
	}
	if s.empty {
		return "", false, nil
	}
	ctx, cancel := s.ctx()
	defer cancel()
	var key string
	err := s.pool.QueryRow(ctx, `SELECT key FROM orosync_rev WHERE instance = $1 AND mapping = $2 AND oro_id = $3`,
		instance, mapping, id).Scan(&key)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, s.wrap("look up the key of id "+id+" of mapping "+mapping+" on "+instance, err)
	}
	return key, true, nil
}

// Forget removes the entries of the given keys; missing keys are ignored.
func (s *Store) Forget(instance, mapping string, keys ...string) error {
	if err := state.CheckScope(instance, mapping, false); err != nil {
		return fmt.Errorf("forget ids: %w", err)
	}
	what := "forget ids of mapping " + mapping + " on " + instance
	if err := s.checkWrite(what); err != nil {
		return err
	}
	if len(keys) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	b.Queue(unlinkReverseSQL, instance, mapping, keys)
	b.Queue(`DELETE FROM orosync_ids WHERE instance = $1 AND mapping = $2 AND key = ANY($3)`, instance, mapping, keys)
	return s.batch(what, b)
}

// Checkpoint returns the incremental cursor of a mapping and whether one is
// stored.
func (s *Store) Checkpoint(instance, mapping string) (json.RawMessage, bool, error) {
	if err := state.CheckScope(instance, mapping, false); err != nil {
		return nil, false, fmt.Errorf("read checkpoint: %w", err)
	}
	if s.empty {
		return nil, false, nil
	}
	ctx, cancel := s.ctx()
	defer cancel()
	var cp *string
	err := s.pool.QueryRow(ctx, `SELECT checkpoint FROM orosync_meta WHERE instance = $1 AND mapping = $2`, instance, mapping).Scan(&cp)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && cp == nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, s.wrap("read checkpoint of mapping "+mapping+" on "+instance, err)
	}
	return json.RawMessage(*cp), true, nil
}

// SetCheckpoint stores the incremental cursor of a mapping, one JSON value
// stored compacted with its exact digits. Call it only after Oro
// acknowledged every write up to it.
func (s *Store) SetCheckpoint(instance, mapping string, cursor json.RawMessage) error {
	if err := state.CheckScope(instance, mapping, false); err != nil {
		return fmt.Errorf("set checkpoint: %w", err)
	}
	compact, err := state.CompactCursor(instance, mapping, cursor)
	if err != nil {
		return err
	}
	what := "set checkpoint of mapping " + mapping + " on " + instance
	if err := s.checkWrite(what); err != nil {
		return err
	}
	return s.exec(what, `INSERT INTO orosync_meta (instance, mapping, checkpoint) VALUES ($1, $2, $3)
		ON CONFLICT (instance, mapping) DO UPDATE SET checkpoint = EXCLUDED.checkpoint`, instance, mapping, string(compact))
}

// RecordRun stores r as the last run of a mapping (times in UTC).
func (s *Store) RecordRun(instance, mapping string, r state.RunInfo) error {
	if err := state.CheckScope(instance, mapping, false); err != nil {
		return fmt.Errorf("record run: %w", err)
	}
	what := "record run of mapping " + mapping + " on " + instance
	if err := s.checkWrite(what); err != nil {
		return err
	}
	v, err := json.Marshal(r.UTC())
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return s.exec(what, `INSERT INTO orosync_meta (instance, mapping, last_run) VALUES ($1, $2, $3)
		ON CONFLICT (instance, mapping) DO UPDATE SET last_run = EXCLUDED.last_run`, instance, mapping, string(v))
}

// Known reports whether the store holds id-map entries, a checkpoint or a
// recorded run of a mapping on an instance.
func (s *Store) Known(instance, mapping string) (bool, error) {
	if err := state.CheckScope(instance, mapping, false); err != nil {
		return false, fmt.Errorf("known: %w", err)
	}
	if s.empty {
		return false, nil
	}
	ctx, cancel := s.ctx()
	defer cancel()
	var known bool
	err := s.pool.QueryRow(ctx, `SELECT
		EXISTS (SELECT 1 FROM orosync_ids WHERE instance = $1 AND mapping = $2)
		OR EXISTS (SELECT 1 FROM orosync_meta WHERE instance = $1 AND mapping = $2 AND (checkpoint IS NOT NULL OR last_run IS NOT NULL))`,
		instance, mapping).Scan(&known)
	return known, s.wrap("known: mapping "+mapping+" on "+instance, err)
}

// Summary lists the state of every mapping of every instance, sorted by
// instance, then mapping (byte order).
func (s *Store) Summary() ([]state.MappingState, error) {
	if s.empty {
		return nil, nil
	}
	ctx, cancel := s.ctx()
	defer cancel()
	rows, err := s.pool.Query(ctx, `SELECT m.instance, m.mapping,
			(SELECT count(*) FROM orosync_ids i WHERE i.instance = m.instance AND i.mapping = m.mapping),
			m.checkpoint, m.last_run
		FROM orosync_meta m ORDER BY m.instance COLLATE "C", m.mapping COLLATE "C"`)
	if err != nil {
		return nil, s.wrap("summarise state", err)
	}
	defer rows.Close()
	var out []state.MappingState
	for rows.Next() {
		var ms state.MappingState
		var cp, run *string
		if err := rows.Scan(&ms.Instance, &ms.Mapping, &ms.IDs, &cp, &run); err != nil {
			return nil, s.wrap("summarise state", err)
		}
		if cp != nil {
			ms.Checkpoint = json.RawMessage(*cp)
		}
		if run != nil {
			ms.LastRun = new(state.RunInfo)
			if err := json.Unmarshal([]byte(*run), ms.LastRun); err != nil {
				return nil, fmt.Errorf("summarise state in %s: mapping %s on %s: decode last run: %w", s.where, ms.Mapping, ms.Instance, err)
			}
		}
		out = append(out, ms)
	}
	return out, s.wrap("summarise state", rows.Err())
}

// Reset clears state of one mapping of an instance, or of every mapping of
// the instance when mapping is "". Clearing what does not exist is no error.
func (s *Store) Reset(instance, mapping string, what state.ResetWhat) error {
	if err := state.CheckScope(instance, mapping, true); err != nil {
		return fmt.Errorf("reset state: %w", err)
	}
	if err := what.Check(instance); err != nil {
		return err
	}
	scope := "all mappings"
	if mapping != "" {
		scope = "mapping " + mapping
	}
	desc := "reset " + what.String() + " of " + scope + " on " + instance
	if err := s.checkWrite(desc); err != nil {
		return err
	}
	// $2 = '' selects every mapping of the instance.
	const sel = `instance = $1 AND ($2 = '' OR mapping = $2)`
	b := &pgx.Batch{}
	if what&state.ResetIDs != 0 {
		b.Queue(`DELETE FROM orosync_rev WHERE `+sel, instance, mapping)
		b.Queue(`DELETE FROM orosync_ids WHERE `+sel, instance, mapping)
	}
	switch {
	case what == state.ResetAll:
		b.Queue(`DELETE FROM orosync_meta WHERE `+sel, instance, mapping)
	case what&state.ResetCheckpoint != 0:
		b.Queue(`UPDATE orosync_meta SET checkpoint = NULL WHERE `+sel, instance, mapping)
	}
	return s.batch(desc, b)
}

// ForEachEntry calls fn with every id-map entry of a mapping, in key order,
// until fn returns an error (which it returns).
func (s *Store) ForEachEntry(instance, mapping string, fn func(key string, e state.Entry) error) error {
	if s.empty {
		return nil
	}
	// No statement timeout here: an id map may be large.
	rows, err := s.pool.Query(context.Background(), `SELECT key, oro_id, hash, updated, verified FROM orosync_ids
		WHERE instance = $1 AND mapping = $2 ORDER BY key COLLATE "C"`, instance, mapping)
	if err != nil {
		return s.wrap("read id map of mapping "+mapping+" on "+instance, err)
	}
	defer rows.Close()
	for rows.Next() {
		k, e, err := scanEntry(rows)
		if err != nil {
			return s.wrap("read id map of mapping "+mapping+" on "+instance, err)
		}
		if err := fn(k, e); err != nil {
			return err
		}
	}
	return s.wrap("read id map of mapping "+mapping+" on "+instance, rows.Err())
}

// batch sends the statements of b in one round trip. PostgreSQL runs a
// pipeline of statements up to its Sync in one implicit transaction: they
// all apply or none does.
func (s *Store) batch(what string, b *pgx.Batch) error {
	ctx, cancel := s.ctx()
	defer cancel()
	return s.wrap(what, s.pool.SendBatch(ctx, b).Close())
}

// exec runs one statement (one implicit transaction).
func (s *Store) exec(what, sql string, args ...any) error {
	ctx, cancel := s.ctx()
	defer cancel()
	_, err := s.pool.Exec(ctx, sql, args...)
	return s.wrap(what, err)
}
