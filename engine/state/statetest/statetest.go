// Package statetest is the contract test suite every orosync state backend
// passes: the embedded bbolt store (package state) and PostgreSQL (package
// pgstate) run the same tests through Run.
package statetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orosync/orosync/engine/state"
)

// Backend is the method set a state backend offers the engine and the CLI.
type Backend interface {
	state.Exporter
	state.Importer
	Lookup(instance, mapping, key string) (state.Entry, bool, error)
	LookupMany(instance, mapping string, keys []string) (map[string]state.Entry, error)
	Forget(instance, mapping string, keys ...string) error
	KeyOf(instance, mapping, id string) (string, bool, error)
	Checkpoint(instance, mapping string) (json.RawMessage, bool, error)
	Known(instance, mapping string) (bool, error)
	Reset(instance, mapping string, what state.ResetWhat) error
	Close() error
}

// Instances the tests use.
const (
	InstA = "https://a.example.com/admin/api"
	InstB = "https://b.example.com/api"
)

// Run runs the contract tests; open returns a fresh, empty backend per
// call (closed by the test).
func Run(t *testing.T, open func(t *testing.T) Backend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s Backend)
	}{
		{"RememberLookup", testRememberLookup},
		{"ReverseIndex", testReverseIndex},
		{"Forget", testForget},
		{"Checkpoint", testCheckpoint},
		{"KnownResetSummary", testKnownResetSummary},
		{"ResetEveryMapping", testResetEveryMapping},
		{"SameValidation", testSameValidation},
		{"ExportImport", func(t *testing.T, s Backend) { testExportImport(t, s, open(t)) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { _ = s.Close() })
			tc.fn(t, s)
		})
	}
}

// testSameValidation: every store refuses what the embedded one cannot
// hold (so that state exported from one imports into the other) and an
// invalid reset selection, with the same errors.
func testSameValidation(t *testing.T, s Backend) {
	long := strings.Repeat("k", 32769) // longer than bbolt's keys
	prepare := func(entries map[string]state.Entry) error {
		_, _, err := state.PrepareEntries(InstA, "m", entries)
		return err
	}
	cases := []struct {
		what      string
		err, want error
	}{
		{"a too long key", s.Remember(InstA, "m", map[string]state.Entry{long: {ID: "1"}}),
			prepare(map[string]state.Entry{long: {ID: "1"}})},
		{"an empty key", s.Remember(InstA, "m", map[string]state.Entry{"": {ID: "1"}}),
			prepare(map[string]state.Entry{"": {ID: "1"}})},
		{"an entry without id", s.Remember(InstA, "m", map[string]state.Entry{"k": {}}),
			prepare(map[string]state.Entry{"k": {}})},
		{"a too long mapping name", s.Remember(InstA, long, map[string]state.Entry{"k": {ID: "1"}}),
			state.CheckScope(InstA, long, false)},
		{"a too long instance", s.Reset(long, "", state.ResetAll), state.CheckScope(long, "", true)},
		{"an invalid reset selection", s.Reset(InstA, "m", state.ResetAll+1), (state.ResetAll + 1).Check(InstA)},
	}
	for _, c := range cases {
		if c.err == nil || c.want == nil || !strings.Contains(c.err.Error(), c.want.Error()) {
			t.Errorf("%s: %v; want an error saying %v", c.what, c.err, c.want)
		}
	}
	if known, err := s.Known(InstA, "m"); err != nil || known {
		t.Errorf("after refused writes Known = %v, %v; want nothing stored", known, err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func testRememberLookup(t *testing.T, s Backend) {
	when := time.Date(2024, 1, 2, 3, 4, 5, 6000, time.FixedZone("X", 3600))
	before := time.Now().Add(-time.Second)
	must(t, s.Remember(InstA, "products", map[string]state.Entry{
		"SKU-1":  {ID: "101", Hash: "sha256:aa", Updated: when, Verified: when.Add(time.Hour)},
		"SKU-2":  {ID: "102"},
		"ключ ü": {ID: "103", Hash: "x"},
	}))
	e, ok, err := s.Lookup(InstA, "products", "SKU-1")
	if err != nil || !ok || e.ID != "101" || e.Hash != "sha256:aa" || !e.Updated.Equal(when) || e.Updated.Location() != time.UTC ||
		!e.Verified.Equal(when.Add(time.Hour)) {
		t.Fatalf("Lookup(SKU-1) = %+v, %v, %v; want id 101, hash, times %v in UTC", e, ok, err, when)
	}
	e, _, _ = s.Lookup(InstA, "products", "SKU-2")
	if e.Updated.Before(before) || e.Updated.After(time.Now().Add(time.Second)) || !e.Verified.IsZero() {
		t.Errorf("SKU-2 = %+v; want Updated about now, Verified zero", e)
	}
	got, err := s.LookupMany(InstA, "products", []string{"SKU-1", "ключ ü", "missing"})
	if err != nil || len(got) != 2 || got["ключ ü"].ID != "103" {
		t.Errorf("LookupMany = %v, %v; want 2 entries", got, err)
	}
	if _, ok, _ := s.Lookup(InstB, "products", "SKU-1"); ok {
		t.Error("an entry leaked into another instance")
	}
	if _, ok, _ := s.Lookup(InstA, "other", "SKU-1"); ok {
		t.Error("an entry leaked into another mapping")
	}
	must(t, s.Remember(InstA, "products", map[string]state.Entry{"SKU-1": {ID: "101", Hash: "new"}}))
	if e, _, _ := s.Lookup(InstA, "products", "SKU-1"); e.Hash != "new" {
		t.Errorf("after a second Remember hash = %q, want new", e.Hash)
	}
	if err := s.Remember(InstA, "products", map[string]state.Entry{"k": {}}); err == nil {
		t.Error("Remember of an entry without id succeeded")
	}
	if err := s.Remember("", "products", map[string]state.Entry{"k": {ID: "1"}}); err == nil {
		t.Error("Remember without instance succeeded")
	}
}

func testReverseIndex(t *testing.T, s Backend) {
	must(t, s.Remember(InstA, "m", map[string]state.Entry{"a": {ID: "1"}, "b": {ID: "2"}}))
	if k, ok, err := s.KeyOf(InstA, "m", "2"); err != nil || !ok || k != "b" {
		t.Fatalf("KeyOf(2) = %q, %v, %v; want b", k, ok, err)
	}
	// a's record changes id: its old id no longer points at it.
	must(t, s.Remember(InstA, "m", map[string]state.Entry{"a": {ID: "3"}}))
	if _, ok, _ := s.KeyOf(InstA, "m", "1"); ok {
		t.Error("KeyOf(1) still found after a moved to id 3")
	}
	if k, _, _ := s.KeyOf(InstA, "m", "3"); k != "a" {
		t.Errorf("KeyOf(3) = %q, want a", k)
	}
	// Two keys on one id in one call: the last key in key order wins.
	must(t, s.Remember(InstA, "m", map[string]state.Entry{"x": {ID: "9"}, "y": {ID: "9"}}))
	if k, _, _ := s.KeyOf(InstA, "m", "9"); k != "y" {
		t.Errorf("KeyOf(9) = %q, want y", k)
	}
	if _, ok, _ := s.KeyOf(InstA, "other", "3"); ok {
		t.Error("KeyOf found an id of another mapping")
	}
}

func testForget(t *testing.T, s Backend) {
	must(t, s.Remember(InstA, "m", map[string]state.Entry{"a": {ID: "1"}, "b": {ID: "2"}}))
	must(t, s.Forget(InstA, "m", "a", "missing", ""))
	if _, ok, _ := s.Lookup(InstA, "m", "a"); ok {
		t.Error("a still found after Forget")
	}
	if _, ok, _ := s.KeyOf(InstA, "m", "1"); ok {
		t.Error("KeyOf(1) still found after Forget")
	}
	if _, ok, _ := s.Lookup(InstA, "m", "b"); !ok {
		t.Error("b lost by Forget of a")
	}
	must(t, s.Forget(InstB, "never", "x"))
}

func testCheckpoint(t *testing.T, s Backend) {
	if _, ok, err := s.Checkpoint(InstA, "m"); ok || err != nil {
		t.Fatalf("Checkpoint before Set = %v, %v; want none", ok, err)
	}
	for _, c := range []struct{ in, want string }{
		{`12345678901234567890`, `12345678901234567890`},
		{`19.990`, `19.990`},
		{" {\"page\": 3,\n \"since\": 1.10} ", `{"page":3,"since":1.10}`},
		{`null`, `null`},
	} {
		must(t, s.SetCheckpoint(InstA, "m", json.RawMessage(c.in)))
		got, ok, err := s.Checkpoint(InstA, "m")
		if err != nil || !ok || string(got) != c.want {
			t.Errorf("Checkpoint after Set(%s) = %s, %v, %v; want %s", c.in, got, ok, err, c.want)
		}
	}
	if err := s.SetCheckpoint(InstA, "m", json.RawMessage(`{`)); err == nil {
		t.Error("an invalid cursor was accepted")
	}
	if _, ok, _ := s.Checkpoint(InstB, "m"); ok {
		t.Error("checkpoint leaked into another instance")
	}
}

func testKnownResetSummary(t *testing.T, s Backend) {
	if k, err := s.Known(InstA, "m"); k || err != nil {
		t.Fatalf("Known before anything = %v, %v", k, err)
	}
	run := state.RunInfo{Started: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Finished: time.Date(2025, 1, 1, 0, 1, 0, 0, time.UTC), Read: 3, Written: 2, Failed: 1}
	must(t, s.Remember(InstA, "m", map[string]state.Entry{"a": {ID: "1"}, "b": {ID: "2"}}))
	must(t, s.SetCheckpoint(InstA, "m", json.RawMessage(`42`)))
	must(t, s.RecordRun(InstA, "m", run))
	must(t, s.Remember(InstA, "b-first", map[string]state.Entry{"z": {ID: "7"}}))
	must(t, s.RecordRun(InstB, "m", run))
	rows, err := s.Summary()
	must(t, err)
	var names []string
	for _, r := range rows {
		names = append(names, r.Instance+" "+r.Mapping)
	}
	want := []string{InstA + " b-first", InstA + " m", InstB + " m"}
	if !slices.Equal(names, want) {
		t.Fatalf("Summary = %v, want %v", names, want)
	}
	if r := rows[1]; r.IDs != 2 || string(r.Checkpoint) != "42" || r.LastRun == nil || *r.LastRun != run {
		t.Errorf("Summary row = %+v, want 2 ids, checkpoint 42, the run", r)
	}
	if r := rows[0]; r.IDs != 1 || r.Checkpoint != nil || r.LastRun != nil {
		t.Errorf("Summary row = %+v, want 1 id, nothing else", r)
	}

	must(t, s.Reset(InstA, "m", state.ResetCheckpoint))
	if _, ok, _ := s.Checkpoint(InstA, "m"); ok {
		t.Error("checkpoint survived ResetCheckpoint")
	}
	if _, ok, _ := s.Lookup(InstA, "m", "a"); !ok {
		t.Error("ResetCheckpoint dropped the id map")
	}
	must(t, s.Reset(InstA, "m", state.ResetIDs))
	if _, ok, _ := s.Lookup(InstA, "m", "a"); ok {
		t.Error("id map survived ResetIDs")
	}
	if _, ok, _ := s.KeyOf(InstA, "m", "1"); ok {
		t.Error("reverse index survived ResetIDs")
	}
	if k, _ := s.Known(InstA, "m"); !k {
		t.Error("Known = false while the last run is still recorded")
	}
	must(t, s.Reset(InstA, "m", state.ResetAll))
	if k, _ := s.Known(InstA, "m"); k {
		t.Error("Known = true after ResetAll")
	}
	if k, _ := s.Known(InstB, "m"); !k {
		t.Error("ResetAll of one instance reset another")
	}
	if err := s.Reset(InstA, "m", 0); err == nil {
		t.Error("Reset with an empty selection succeeded")
	}
}

func testResetEveryMapping(t *testing.T, s Backend) {
	for _, m := range []string{"m1", "m2"} {
		must(t, s.Remember(InstA, m, map[string]state.Entry{"a": {ID: "1"}}))
		must(t, s.SetCheckpoint(InstA, m, json.RawMessage(`1`)))
	}
	must(t, s.Remember(InstB, "m1", map[string]state.Entry{"a": {ID: "1"}}))
	must(t, s.Reset(InstA, "", state.ResetIDs))
	for _, m := range []string{"m1", "m2"} {
		if _, ok, _ := s.Lookup(InstA, m, "a"); ok {
			t.Errorf("%s: id survived Reset of every mapping", m)
		}
		if _, ok, _ := s.Checkpoint(InstA, m); !ok {
			t.Errorf("%s: ResetIDs dropped the checkpoint", m)
		}
	}
	must(t, s.Reset(InstA, "", state.ResetAll))
	if k, _ := s.Known(InstA, "m1"); k {
		t.Error("Known after ResetAll of every mapping")
	}
	if _, ok, _ := s.Lookup(InstB, "m1", "a"); !ok {
		t.Error("Reset of one instance reset another")
	}
}

// Fill stores a little of everything, for export tests.
func Fill(t *testing.T, s Backend) {
	t.Helper()
	when := time.Date(2024, 5, 6, 7, 8, 9, 123000, time.UTC)
	entries := map[string]state.Entry{}
	for i := range 2500 {
		entries[fmt.Sprintf("K-%04d", i)] = state.Entry{ID: fmt.Sprint(i + 1), Hash: "h", Updated: when, Verified: when.Add(time.Minute)}
	}
	entries["ünï"] = state.Entry{ID: "u", Updated: when}
	must(t, s.Remember(InstA, "products", entries))
	must(t, s.SetCheckpoint(InstA, "products", json.RawMessage(`{"since":"2025-01-01","n":1.10}`)))
	must(t, s.RecordRun(InstA, "products", state.RunInfo{Started: when, Finished: when, Read: 5, Written: 4, Unchanged: 1}))
	must(t, s.SetCheckpoint(InstB, "nullcp", json.RawMessage(`null`)))
	must(t, s.Remember(InstB, "groups", map[string]state.Entry{"g": {ID: "10", Updated: when}}))
}

// Dump exports s to a string.
func Dump(t *testing.T, s state.Exporter) string {
	t.Helper()
	var buf bytes.Buffer
	if _, err := state.Export(&buf, s); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func testExportImport(t *testing.T, src, dst Backend) {
	t.Cleanup(func() { _ = dst.Close() })
	Fill(t, src)
	out := Dump(t, src)
	n, err := state.Import(bytes.NewReader([]byte(out)), dst)
	if err != nil || n != 2502 {
		t.Fatalf("Import = %d, %v; want 2502 entries", n, err)
	}
	if again := Dump(t, dst); again != out {
		t.Errorf("export after import differs:\n%.2000s\n---\n%.2000s", again, out)
	}
	if k, _, _ := dst.KeyOf(InstA, "products", "u"); k != "ünï" {
		t.Errorf("imported reverse index: KeyOf(u) = %q", k)
	}
	if _, err := state.Import(bytes.NewReader([]byte(`{"kind":"id"}`)), dst); err == nil {
		t.Error("Import without header succeeded")
	}
}
