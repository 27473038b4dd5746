package sandbox

import (
	"context"
	"slices"
	"strings"
	"testing"
)

func TestLostAnswerToASyncBatchAfterItWasStored(t *testing.T) {
	e := newEnv(t)
	e.s.InjectFault(Fault{Method: "PATCH", Type: "customers", DropAfterStore: true})
	ctx := context.Background()
	o := e.try(ctx, "PATCH", "/customers", batchBody(customers("Lost", 3)), "X-Mode", "sync")
	if o.err == nil {
		t.Fatalf("got %d %s, want a dropped connection", o.status, o.body)
	}
	// Everything was stored: a client must look the records up before it
	// sends them again.
	if got := e.req("GET", "/customers?filter[name]=Lost-1", "").must(t, 200).ids(); len(got) != 1 {
		t.Errorf("lookup after the lost answer = %v, want the stored record", got)
	}
	if n := len(e.s.Records("customers")); n != 3 {
		t.Errorf("%d customers stored, want 3", n)
	}
	st := e.s.Stats()
	if st.Faults[FaultDropAfter] != 1 || st.Batch.SyncRequests != 1 || len(st.Batch.ByStatus) != 0 {
		t.Errorf("stats = %+v", st)
	}
	i := slices.IndexFunc(e.s.Requests(), func(l RequestLog) bool { return l.Method == "PATCH" })
	if l := e.s.Requests()[i]; l.XMode != "sync" || l.Status != 0 {
		t.Errorf("request log = %+v, want X-Mode sync and no answer", l)
	}
}

func TestBatchDroppedBeforeStoreCreatesNothing(t *testing.T) {
	e := newEnv(t)
	e.s.InjectFault(Fault{Method: "PATCH", Type: "customers", DropBeforeStore: true})
	if o := e.try(context.Background(), "PATCH", "/customers", batchBody(customers("C", 2))); o.err == nil {
		t.Fatalf("got %d, want a dropped connection", o.status)
	}
	if st := e.s.Stats().Batch; st.Operations != 0 || len(e.s.Records("customers")) != 0 {
		t.Errorf("batch stats = %+v, customers %d", st, len(e.s.Records("customers")))
	}
}

func TestPollingMeetsFaults(t *testing.T) {
	e := newEnv(t)
	id := e.opID(t, e.req("PATCH", "/customers", batchBody(customers("C", 1))).must(t, 202))
	e.s.InjectFault(Fault{Method: "GET", Type: operationsType, Status: 503, HTML: true})
	o := e.try(context.Background(), "GET", "/asyncoperations/"+id, "")
	if o.status != 503 || !strings.HasPrefix(o.header.Get("Content-Type"), "text/html") {
		t.Errorf("poll = %d %q, want a proxy's 503 page", o.status, o.header.Get("Content-Type"))
	}
	if rp := e.waitOp(t, id); rp.str("data", "attributes", "status") != opSuccess {
		t.Errorf("operation = %s", rp.raw)
	}
}

func TestBatchChunkCrash(t *testing.T) {
	e := newEnv(t)
	e.s.InjectBatchFault(BatchFault{Crash: true})
	group := `{"type":"customergroups","id":"g1","attributes":{"name":"G"}}`
	items := customers("C", 2)
	items[1] = `{"type":"customers","attributes":{"name":"D"},"relationships":{"group":{"data":{"type":"customergroups","id":"g1"}}}}`
	id := e.opID(t, e.req("PATCH", "/customers", batchBody(items, group)).must(t, 202))
	rp := e.waitOp(t, id)
	if rp.str("data", "attributes", "status") != opFailed || rp.str("data", "attributes", "progress") != "1" ||
		rp.summary() != "2/0/1/0/0" {
		t.Errorf("operation = %s", rp.str("data", "attributes"))
	}
	errs := e.req("GET", "/asyncoperations/"+id+"/errors", "").must(t, 200).opErrors(t)
	if len(errs) != 1 || !strings.HasPrefix(errs[0], id+"-1-1|500|runtime exception|") || !strings.HasSuffix(errs[0], "|") {
		t.Errorf("errors = %v, want one pointer-less 500 (the included group was reached, not unlinked)", errs)
	}
	e.s.InjectBatchFault(BatchFault{Crash: true})
	e.req("PATCH", "/customers", batchBody(customers("C", 2)), "X-Mode", "sync").must(t, 500).
		hasError(t, titleRuntime, "batch fault", "")
	if n := len(e.s.Records("customers")); n != 0 {
		t.Errorf("%d customers stored by crashed chunks", n)
	}
	if st := e.s.Stats(); st.Faults[FaultBatch] != 2 {
		t.Errorf("batch faults counted = %d, want 2", st.Faults[FaultBatch])
	}
}
