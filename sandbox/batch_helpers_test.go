package sandbox

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// customerItem is a batch item creating a customer named name (extra is
// spliced into the object, e.g. `"id":"c1",`).
func customerItem(name, extra string) string {
	return fmt.Sprintf(`{"type":"customers",%s"attributes":{"name":%q}}`, extra, name)
}

// batchBody joins items (and included objects, when given) into a batch
// document.
func batchBody(items []string, included ...string) string {
	body := `{"data":[` + strings.Join(items, ",") + `]`
	if len(included) > 0 {
		body += `,"included":[` + strings.Join(included, ",") + `]`
	}
	return body + `}`
}

// customers returns n customer items named prefix-0, prefix-1, ...
func customers(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = customerItem(fmt.Sprintf("%s-%d", prefix, i), "")
	}
	return out
}

// opID returns the id of the operation a 202 answer carries, checking that
// Content-Location points at it.
func (e *env) opID(t *testing.T, rp reply) string {
	t.Helper()
	id := rp.str("data", "id")
	want := e.srv.URL + DefaultAPIPrefix + "/asyncoperations/" + id
	if rp.str("data", "type") != "asyncoperations" || rp.header.Get("Content-Location") != want {
		t.Fatalf("202 without an operation: Content-Location %q, body %s", rp.header.Get("Content-Location"), rp.raw)
	}
	return id
}

// waitOp polls an operation until it has ended and returns the last answer.
func (e *env) waitOp(t *testing.T, id string) reply {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		rp := e.req("GET", "/asyncoperations/"+id, "").must(t, 200)
		switch rp.str("data", "attributes", "status") {
		case opSuccess, opFailed:
			return rp
		}
		if time.Now().After(deadline) {
			t.Fatalf("operation %s did not end: %s", id, rp.raw)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// summary returns the summary of an operation answer as "read/write/error/create/update".
func (rp reply) summary() string {
	s := func(k string) string { return rp.str("data", "attributes", "summary", k) }
	return strings.Join([]string{s("readCount"), s("writeCount"), s("errorCount"), s("createCount"), s("updateCount")}, "/")
}

// opErrors returns "id|status|title|detail|pointer" for every error of a
// page of asyncoperations/{id}/errors.
func (rp reply) opErrors(t *testing.T) []string {
	t.Helper()
	data, _ := rp.get("data").([]any)
	var out []string
	for i := range data {
		if rp.str("data", i, "type") != "asyncoperationerrors" {
			t.Errorf("error item type %q", rp.str("data", i, "type"))
		}
		if _, isNumber := rp.get("data", i, "attributes", "status").(json.Number); !isNumber {
			t.Errorf("error status %v is not a number", rp.get("data", i, "attributes", "status"))
		}
		attr := func(k ...any) string { return rp.str(append([]any{"data", i, "attributes"}, k...)...) }
		out = append(out, strings.Join([]string{rp.str("data", i, "id"), attr("status"), attr("title"),
			attr("detail"), attr("source", "pointer")}, "|"))
	}
	return out
}

// names returns the names of the stored records of typ.
func names(e *env, typ string) []string {
	var out []string
	for _, r := range e.s.Records(typ) {
		out = append(out, r.str("name"))
	}
	return out
}
