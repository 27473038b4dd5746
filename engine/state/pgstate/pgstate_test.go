package pgstate_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/orosync/orosync/engine/state"
	"github.com/orosync/orosync/engine/state/pgstate"
	"github.com/orosync/orosync/engine/state/statetest"
)

func testURL(t *testing.T) string {
	t.Helper()
	u, _ := statetest.PostgresURL(t)
	return u
}

func open(t *testing.T, u string, opts pgstate.Options) *pgstate.Store {
	t.Helper()
	s, err := pgstate.Open(context.Background(), u, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestContract runs the backend contract suite against PostgreSQL.
func TestContract(t *testing.T) {
	testURL(t) // skip early
	statetest.Run(t, func(t *testing.T) statetest.Backend {
		return open(t, testURL(t), pgstate.Options{})
	})
}

// TestExportFromBoltImportIntoPostgres moves a laptop's state into
// PostgreSQL and back.
func TestExportFromBoltImportIntoPostgres(t *testing.T) {
	pg := open(t, testURL(t), pgstate.Options{})
	bb, err := state.Open(t.TempDir(), state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer bb.Close()
	statetest.Fill(t, bb)
	out := statetest.Dump(t, bb)
	if _, err := state.Import(strings.NewReader(out), pg); err != nil {
		t.Fatal(err)
	}
	back, err := state.Open(t.TempDir(), state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	if _, err := state.Import(strings.NewReader(statetest.Dump(t, pg)), back); err != nil {
		t.Fatal(err)
	}
	if got := statetest.Dump(t, back); got != out {
		t.Errorf("bbolt → postgres → bbolt changed the state:\n%.1500s\n---\n%.1500s", got, out)
	}
}

func TestMigrateIsIdempotentAndReadOnlyOpenCreatesNothing(t *testing.T) {
	u := testURL(t)
	ro := open(t, u, pgstate.Options{ReadOnly: true})
	if v, err := ro.SchemaVersion(context.Background()); v != 0 || err != nil {
		t.Fatalf("a read-only open migrated: version %d, %v", v, err)
	}
	if _, ok, err := ro.Lookup(statetest.InstA, "m", "k"); ok || err != nil {
		t.Errorf("Lookup on an empty read-only store = %v, %v", ok, err)
	}
	if err := ro.Remember(statetest.InstA, "m", map[string]state.Entry{"k": {ID: "1"}}); !errors.Is(err, pgstate.ErrReadOnly) {
		t.Errorf("Remember on a read-only store: %v, want ErrReadOnly", err)
	}
	if err := ro.Remember(statetest.InstA, "m", map[string]state.Entry{"k": {ID: "1"}}); !errors.Is(err, state.ErrReadOnly) {
		t.Errorf("Remember on a read-only store: %v, want state.ErrReadOnly (one error for both stores)", err)
	}
	s := open(t, u, pgstate.Options{})
	for range 2 {
		v, err := s.Migrate(context.Background())
		if err != nil || v != 1 {
			t.Fatalf("Migrate = %d, %v; want 1", v, err)
		}
	}
}

func TestLockNamesTheHolder(t *testing.T) {
	u := testURL(t)
	a := open(t, u, pgstate.Options{Version: "v9.9.9-a"})
	b := open(t, u, pgstate.Options{Version: "v9.9.9-b"})
	inst := statetest.InstA + "/" + t.Name() // lock keys are database-wide
	ctx := context.Background()
	unlock, err := a.Lock(ctx, inst, "products", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Lock(ctx, inst, "products", nil)
	host, _ := os.Hostname()
	if !errors.Is(err, pgstate.ErrLocked) || !strings.Contains(err.Error(), "host "+host+" pid ") || !strings.Contains(err.Error(), "orosync v9.9.9-a") {
		t.Fatalf("second Lock: %v; want ErrLocked naming host %s and version v9.9.9-a", err, host)
	}
	if !errors.Is(err, state.ErrLocked) {
		t.Errorf("second Lock: %v; want state.ErrLocked (one error for both stores)", err)
	}
	// Another mapping locks independently.
	u2, err := b.Lock(ctx, inst, "customers", nil)
	if err != nil {
		t.Fatalf("Lock of another mapping: %v", err)
	}
	u2()
	unlock()
	u3, err := b.Lock(ctx, inst, "products", nil)
	if err != nil {
		t.Fatalf("Lock after unlock: %v", err)
	}
	u3()
}

func TestRedactHidesThePassword(t *testing.T) {
	for _, in := range []string{
		"postgres://orosync:s3cr3t@db.example.com:5432/state?sslmode=require",
		"postgresql://orosync@db/state?password=s3cr3t",
		"host=db user=orosync password=s3cr3t dbname=state",
		"postgres://orosync@db/state?sslkey=/k.pem&sslpassword=s3cr3t",
		"host=db user=orosync sslkey=/k.pem sslpassword=s3cr3t dbname=state",
	} {
		if got := pgstate.Redact(in); strings.Contains(got, "s3cr3t") {
			t.Errorf("Redact(%q) = %q", in, got)
		}
	}
	_, err := pgstate.Open(context.Background(), "postgres://orosync:s3cr3t@127.0.0.1:1/state?connect_timeout=1", pgstate.Options{})
	if err == nil || strings.Contains(err.Error(), "s3cr3t") || !strings.Contains(err.Error(), "127.0.0.1") {
		t.Errorf("Open of an unreachable database: %v; want an error naming the host, without the password", err)
	}
	_, err = pgstate.Open(context.Background(), "postgres://orosync@127.0.0.1:1/state?connect_timeout=1&sslpassword=t0psecret", pgstate.Options{})
	if err == nil || strings.Contains(err.Error(), "t0psecret") || !strings.Contains(err.Error(), "127.0.0.1") {
		t.Errorf("Open of an unreachable database: %v; want an error naming the host, without the sslpassword", err)
	}
	var buf bytes.Buffer
	buf.WriteString(pgstate.Redact("postgres://u:p%40ss@h/db"))
	if strings.Contains(buf.String(), "p%40ss") || strings.Contains(buf.String(), "p@ss") {
		t.Errorf("Redact kept an escaped password: %s", buf.String())
	}
}

// TestRememberIsAtomic: a batch whose second statement fails leaves the
// first one's change undone (the reverse index still knows the old id).
func TestRememberIsAtomic(t *testing.T) {
	s := open(t, testURL(t), pgstate.Options{})
	if err := s.Remember(statetest.InstA, "m", map[string]state.Entry{"a": {ID: "1"}}); err != nil {
		t.Fatal(err)
	}
	// PostgreSQL text cannot hold NUL: the id map insert fails after the
	// reverse entry of a's old id was deleted in the same batch.
	err := s.Remember(statetest.InstA, "m", map[string]state.Entry{"a": {ID: "bad\x00id"}})
	if err == nil || !strings.Contains(err.Error(), "22021") {
		t.Fatalf("Remember of an id with a NUL byte: %v; want the server's refusal (SQLSTATE 22021)", err)
	}
	if k, ok, err := s.KeyOf(statetest.InstA, "m", "1"); err != nil || !ok || k != "a" {
		t.Errorf("after a failed Remember KeyOf(1) = %q, %v, %v; want a (the batch is one transaction)", k, ok, err)
	}
}

// TestConcurrentFirstOpensMigrateOnce: runs starting together on an empty
// database all get the schema, applied once.
func TestConcurrentFirstOpensMigrateOnce(t *testing.T) {
	u := testURL(t)
	errs := make(chan error, 6)
	for range cap(errs) {
		go func() {
			s, err := pgstate.Open(context.Background(), u, pgstate.Options{})
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Errorf("concurrent first Open: %v", err)
		}
	}
	s := open(t, u, pgstate.Options{ReadOnly: true})
	if v, err := s.SchemaVersion(context.Background()); v != 1 || err != nil {
		t.Errorf("schema version %d, %v; want 1", v, err)
	}
}

// TestNewerSchemaIsRefused: a database migrated by a newer orosync is
// refused by Open, read-only or not, and by Migrate, naming both versions.
func TestNewerSchemaIsRefused(t *testing.T) {
	u := testURL(t)
	s := open(t, u, pgstate.Options{})
	conn, err := pgx.Connect(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), `INSERT INTO orosync_schema_version (version, name) VALUES (999, '0999_future.sql')`); err != nil {
		t.Fatal(err)
	}
	const want = "has schema version 999, newer than this orosync knows (1); upgrade orosync"
	for _, ro := range []bool{false, true} {
		if _, err := pgstate.Open(context.Background(), u, pgstate.Options{ReadOnly: ro}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Open (read-only %v) of a newer schema: %v; want %q", ro, err, want)
		}
	}
	if v, err := s.Migrate(context.Background()); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Migrate of a newer schema = %d, %v; want %q", v, err, want)
	}
}
