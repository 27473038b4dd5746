package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/orosync/orosync/sandbox"
)

// api sends one request to the stand-in's API with a fresh token, as an
// administrator working in Oro would, and returns the status.
func (s *oroStandIn) api(t *testing.T, method, path string) int {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"test-client"}, "client_secret": {testSecret}}
	res, err := http.PostForm(s.URL+sandbox.TokenPath, form)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(res.Body).Decode(&tok)
	res.Body.Close()
	req, _ := http.NewRequest(method, s.URL+sandbox.DefaultAPIPrefix+"/"+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Accept", "application/vnd.api+json")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// TestVerifyRestoresRecordsDeletedInOro: 10 records deleted in Oro stay
// missing on a plain rerun, which says how to find drift; run --verify
// writes exactly those 10 again. After the stand-in lost everything (a
// restore from an empty backup), --verify restores every record.
func TestVerifyRestoresRecordsDeletedInOro(t *testing.T) {
	t.Setenv("ORO_CLIENT_SECRET", testSecret)
	oro := newStandIn(t, sandbox.Options{})
	dir := t.TempDir()
	var lines []string
	for i := range 30 {
		lines = append(lines, fmt.Sprintf(`{"code":"G%02d","name":"Group %02d"}`, i, i))
	}
	mapping := groupsMapping(t, dir, "key: .code, write: upsert, match: {name: .attributes.name}", strings.Join(lines, "\n")+"\n")
	if r := runCLI(t, "", oro.runArgs(dir, mapping)...); r.code != 0 {
		t.Fatalf("first run: exit %d\n%s", r.code, r.stderr)
	}
	groups := oro.Records("customergroups")
	for _, g := range groups[:10] {
		if st := oro.api(t, "DELETE", "customergroups/"+g.ID); st != http.StatusNoContent {
			t.Fatalf("DELETE customergroups/%s: %d", g.ID, st)
		}
	}
	posts := oro.Stats().Requests["POST customergroups"]
	logged := len(oro.Requests())
	r := runCLI(t, "", oro.runArgs(dir, mapping)...)
	if r.code != 0 || oro.Stats().Requests["POST customergroups"] != posts || !strings.Contains(r.stderr, "orosync run --verify") {
		t.Fatalf("rerun without --verify: exit %d, wrote %d; want nothing written and a hint\n%s", r.code, oro.Stats().Requests["POST customergroups"]-posts, r.stderr)
	}
	r = runCLI(t, "", oro.runArgs(dir, "--verify", mapping)...)
	if got := oro.Stats().Requests["POST customergroups"] - posts; r.code != 0 || got != 10 {
		t.Fatalf("--verify: exit %d, %d POSTs; want exactly the 10 deleted groups\n%s", r.code, got, r.stderr)
	}
	if n := len(oro.Records("customergroups")); n != 30 {
		t.Errorf("Oro has %d groups, want 30", n)
	}
	// The check asks for ids only, 100 at most per request.
	checks := 0
	for _, req := range oro.Requests()[logged:] {
		q, err := url.ParseQuery(req.Query)
		if req.Method != http.MethodGet || err != nil || q.Get("filter[id]") == "" {
			continue
		}
		checks++
		ids := strings.Split(q.Get("filter[id]"), ",")
		if q.Get("fields[customergroups]") != "id" || len(ids) > 100 {
			t.Errorf("verification GET ?%s: want fields[customergroups]=id and at most 100 ids", req.Query)
		}
	}
	if checks == 0 {
		t.Error("no verification GET by filter[id] was logged")
	}

	// Oro restored from an empty backup: a fresh stand-in, same state.
	fresh := newStandIn(t, sandbox.Options{})
	r = runCLI(t, "", fresh.runArgs(dir, "--verify", mapping)...)
	if r.code != 0 || len(fresh.Records("customergroups")) != 30 {
		t.Errorf("--verify against an empty Oro: exit %d, %d groups; want all 30 back\n%s", r.code, len(fresh.Records("customergroups")), r.stderr)
	}
}

// TestUnsupportedMatchFilterStopsTheMapping: a target.match on a filter Oro
// does not support is a configuration error: the mapping stops after the
// first answers (exit 3) with one clear message, not a dead letter per
// record.
func TestUnsupportedMatchFilterStopsTheMapping(t *testing.T) {
	t.Setenv("ORO_CLIENT_SECRET", testSecret)
	oro := newStandIn(t, sandbox.Options{})
	dir := t.TempDir()
	var lines []string
	for i := range 500 {
		lines = append(lines, fmt.Sprintf(`{"code":"G%03d","name":"Group %03d"}`, i, i))
	}
	mapping := groupsMapping(t, dir, "key: .code, write: upsert, match: {name: .attributes.name}", strings.Join(lines, "\n")+"\n")
	b, _ := os.ReadFile(mapping)
	os.WriteFile(mapping, []byte(strings.Replace(string(b), "match: {name: .attributes.name}", "match: {code: .attributes.name}", 1)), 0o644)
	r := runCLI(t, "", oro.runArgs(dir, mapping)...)
	if r.code != 3 || !strings.Contains(r.stderr, `Oro refuses the query parameter filter[code] (filter constraint: The filter is not supported.)`) {
		t.Fatalf("exit %d, want 3 with the refused parameter\n%s", r.code, r.stderr)
	}
	if n := oro.Stats().Requests["GET customergroups"]; n > 8 {
		t.Errorf("%d lookups were sent; want the mapping stopped at the first answers", n)
	}
	if n := len(oro.Records("customergroups")); n != 0 {
		t.Errorf("%d groups were written", n)
	}
}
