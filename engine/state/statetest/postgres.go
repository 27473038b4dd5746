package statetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// PostgresEnv names the environment variable with the URL of a PostgreSQL
// database the tests may use (they create and drop their own schemas).
const PostgresEnv = "OROSYNC_TEST_POSTGRES"

// PostgresURL returns the URL of a fresh schema in the database named by
// OROSYNC_TEST_POSTGRES (dropped after the test), or skips the test when it
// is not set. It returns the schema name too.
func PostgresURL(t testing.TB) (string, string) {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skip("PostgreSQL state tests skipped: set " + PostgresEnv + " to a PostgreSQL URL, e.g. postgres://postgres@127.0.0.1:5432/postgres (.ci/run starts a throwaway server)")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "orosync_test_" + hex.EncodeToString(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to %s: %v", PostgresEnv, err)
	}
	_, err = conn.Exec(ctx, "CREATE SCHEMA "+schema)
	_ = conn.Close(ctx)
	if err != nil {
		t.Fatalf("create test schema: %v", err)
	}
	t.Cleanup(func() {
		if conn, err := pgx.Connect(ctx, base); err == nil {
			_, _ = conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			_ = conn.Close(ctx)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s is not a URL: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), schema
}
