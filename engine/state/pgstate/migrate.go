package pgstate

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one embedded SQL file, NNNN_name.sql.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in version order.
func migrations() []migration {
	entries, _ := fs.ReadDir(migrationFiles, "migrations")
	var out []migration
	for _, e := range entries {
		n, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(n)
		if !ok || err != nil {
			panic("pgstate: migration file without a version prefix: " + e.Name())
		}
		b, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			panic(err)
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(b)})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	return out
}

// latest is the schema version this orosync writes.
func latest() int {
	ms := migrations()
	return ms[len(ms)-1].version
}

// migrateLockKey is the advisory lock that serialises migrations of
// concurrent first runs ("orosync" in ASCII).
const migrateLockKey = 0x6f726f73796e63

// SchemaVersion returns the applied schema version (0: none).
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var v int
	err := s.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM orosync_schema_version`).Scan(&v)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P01" { // undefined_table
		return 0, nil
	}
	if err != nil {
		return 0, s.wrap("read schema version", err)
	}
	return v, nil
}

// Migrate applies the migrations the database lacks, each in its own
// transaction, and returns the schema version. Concurrent callers wait for
// each other. It refuses a database whose schema is newer than this
// orosync.
func (s *Store) Migrate(ctx context.Context) (int, error) {
	if err := s.checkWrite("migrate"); err != nil {
		return 0, err
	}
	current := 0
	for _, m := range migrations() {
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			// The lock first: concurrent first runs create the version
			// table and apply migrations one after the other.
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrateLockKey)); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS orosync_schema_version (
				version integer PRIMARY KEY, name text NOT NULL, applied timestamptz NOT NULL DEFAULT now())`); err != nil {
				return fmt.Errorf("create the schema_version table (may the database user create tables?): %w", err)
			}
			if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM orosync_schema_version`).Scan(&current); err != nil {
				return err
			}
			if current >= m.version {
				return nil
			}
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO orosync_schema_version (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
				return err
			}
			current = m.version
			return nil
		})
		if err != nil {
			return 0, s.wrap("migrate schema", err)
		}
	}
	if current > latest() {
		return current, fmt.Errorf("state database %s has schema version %d, newer than this orosync knows (%d); upgrade orosync", s.where, current, latest())
	}
	return current, nil
}
