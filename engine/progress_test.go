package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orosync/orosync/engine/source"
	"github.com/orosync/orosync/mappings"
)

// slowSource hands out n records, one every delay.
type slowSource struct {
	n, i  int
	delay time.Duration
}

func (s *slowSource) Next(ctx context.Context) (source.Record, error) {
	if s.i == s.n {
		return source.Record{}, io.EOF
	}
	s.i++
	time.Sleep(s.delay)
	return source.Record{Value: map[string]any{"n": json.Number(fmt.Sprint(s.i))}, Origin: fmt.Sprint("slow:", s.i)}, nil
}

func (s *slowSource) Close() error { return nil }

func TestProgressIsReportedWhileAMappingRunsAndAtItsEnd(t *testing.T) {
	tr := newTestRun(t)
	m := parseMapping(t, `version: 1
name: groups
source: {file: x.json}
target: {type: customergroups, key: .n}
transform: '{type: "customergroups", attributes: {name: (.n|tostring)}}'
`)
	var mu sync.Mutex
	var got []Progress
	var log syncBuffer
	_, err := Run(context.Background(), []*mappings.Mapping{m}, Options{
		APIURL: "https://oro.test/admin/api", Oro: tr.oro, State: tr.store, DeadLetter: NewDeadLetterFile(tr.dl),
		Logger:        slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		ProgressEvery: 20 * time.Millisecond,
		Progress: func(p Progress) {
			mu.Lock()
			got = append(got, p)
			mu.Unlock()
		},
		OpenSource: func(ctx context.Context, m *mappings.Mapping, cursor any, limit int) (Source, error) {
			return &slowSource{n: 30, delay: 5 * time.Millisecond}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) < 3 {
		t.Fatalf("%d progress calls for a run of about 150 ms every 20 ms", len(got))
	}
	last := got[len(got)-1]
	if !last.Done || last.Counts.Read != 30 || last.Counts.Created != 30 || last.Mapping != "groups" {
		t.Errorf("last progress = %+v; want done with 30 read and created", last)
	}
	for i, p := range got[:len(got)-1] {
		if p.Done || i > 0 && p.Counts.Read < got[i-1].Counts.Read {
			t.Errorf("progress %d = %+v after %+v: only the last is done, and counts only grow", i, p, got[i-1])
		}
	}
	if last.Rate() <= 0 {
		t.Errorf("rate %v", last.Rate())
	}
	// Every write is logged at debug level with the mapping, key and id.
	if n := strings.Count(log.String(), "level=DEBUG msg=\"created customergroups"); n != 30 {
		t.Errorf("%d debug lines for 30 writes:\n%s", n, log.String())
	}
	if !strings.Contains(log.String(), "mapping=groups key=1 id=") {
		t.Errorf("the write log lacks the mapping, key and id:\n%s", log.String())
	}
}
