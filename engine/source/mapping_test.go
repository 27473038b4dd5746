package source

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/orosync/orosync/mappings"
)

// TestFromMappingFile reads a source declared in a real mapping file, so the
// schema types, env expansion and jq compilation are exercised end to end.
func TestFromMappingFile(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+secret {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		p, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if p > 2 {
			writeJSON(w, map[string]any{"items": []any{}})
			return
		}
		writeJSON(w, map[string]any{"items": items(p*2-1, p*2)})
	}))
	defer srv.Close()
	yml := `version: 1
name: customers
source:
  http:
    url: ${ERP_URL}/customers
    auth: {bearer: "${ERP_TOKEN}"}
    records: .items[]
    timeout: 5s
    retry: {max_attempts: 2, backoff: 10ms}
    paginate:
      page: {param: page, size: 2, size_param: per_page}
target: {type: customers}
transform: '{type: "customers", attributes: {name: .id}}'
`
	env := map[string]string{"ERP_URL": srv.URL, "ERP_TOKEN": secret}
	m, err := mappings.Parse("m.yaml", []byte(yml), func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	log := &syncBuf{}
	r, err := Open(context.Background(), &m.Source, Options{HTTPClient: srv.Client(), Logger: slog.New(slog.NewTextHandler(log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	res, err := readAll(t, r)
	if err != nil || ids(res) != "1 2 3 4" {
		t.Errorf("ids = %q, err %v", ids(res), err)
	}
	if strings.Contains(log.String(), secret) || strings.Count(log.String(), "\n") != 3 {
		t.Errorf("log:\n%s", log)
	}
}
