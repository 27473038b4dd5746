package source

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orosync/orosync/mappings"
)

// mustExpr compiles a jq expression for a test.
func mustExpr(t testing.TB, src string) *mappings.Expr {
	t.Helper()
	e, err := mappings.NewExpr(src)
	if err != nil {
		t.Fatalf("NewExpr(%q): %v", src, err)
	}
	return e
}

// txt returns a literal Text.
func txt(s string) *mappings.Text { return &mappings.Text{Raw: s, Value: s} }

// secretText returns a Text that came from the environment.
func secretText(s string) *mappings.Text {
	return &mappings.Text{Raw: "${SECRET}", Value: s, FromEnv: true}
}

// writeFile writes a test file under dir.
func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// gz compresses data.
func gz(t testing.TB, data string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(data))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// result is what readAll saw: records and per-record errors, in order.
type result struct {
	values  []string // canonical JSON of each record
	origins []string
	bad     []*RecordError
	order   []string // "ok" or "bad" per Next call
}

// readAll drains r; a fatal error fails the test unless wantErr.
func readAll(t testing.TB, r Reader) (result, error) {
	t.Helper()
	defer r.Close()
	var res result
	for {
		rec, err := r.Next(context.Background())
		var re *RecordError
		switch {
		case err == io.EOF:
			return res, nil
		case errors.As(err, &re):
			res.bad = append(res.bad, re)
			res.order = append(res.order, "bad")
			continue
		case err != nil:
			return res, err
		}
		v, dErr := rec.Decode()
		if errors.As(dErr, &re) {
			res.bad = append(res.bad, re)
			res.order = append(res.order, "bad")
			continue
		}
		b, mErr := json.Marshal(v)
		if mErr != nil {
			t.Fatalf("marshal %v: %v", v, mErr)
		}
		res.values = append(res.values, string(b))
		res.origins = append(res.origins, rec.Origin)
		res.order = append(res.order, "ok")
	}
}

// openFile opens a file source for a test.
func openFile(t testing.TB, src *mappings.Source, opts Options) Reader {
	t.Helper()
	r, err := Open(context.Background(), src, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return r
}

// mustRead opens and drains a source; any fatal error fails the test.
func mustRead(t testing.TB, src *mappings.Source, opts Options) result {
	t.Helper()
	res, err := readAll(t, openFile(t, src, opts))
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return res
}

// join shows a list compactly in messages.
func join(s []string) string { return strings.Join(s, " | ") }
