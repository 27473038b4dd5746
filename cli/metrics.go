package cli

import (
	"context"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/orosync/orosync/engine"
	"github.com/orosync/orosync/engine/oro"
)

// runMetrics serves a run's numbers to Prometheus (--metrics-addr): records
// by mapping and outcome, Oro requests by method and answer, retries, the
// concurrency limit, batch operations in flight and the run's duration. It
// reads the engine's progress and the Oro client's counters when scraped,
// so the run pays nothing between scrapes.
type runMetrics struct {
	started time.Time

	mu       sync.Mutex
	progress map[string]engine.Progress // latest per mapping
	client   *oro.Client                // nil until connected, and in a dry run
}

func newRunMetrics() *runMetrics {
	return &runMetrics{started: time.Now(), progress: map[string]engine.Progress{}}
}

// observe keeps a mapping's latest progress (engine.Options.Progress).
func (m *runMetrics) observe(p engine.Progress) {
	m.mu.Lock()
	m.progress[p.Mapping] = p
	m.mu.Unlock()
}

// setClient names the client whose counters are served.
func (m *runMetrics) setClient(c *oro.Client) {
	m.mu.Lock()
	m.client = c
	m.mu.Unlock()
}

var (
	descRecords   = prometheus.NewDesc("orosync_records_total", "Source records recorded, by mapping and outcome (created, updated, unchanged, skipped, failed).", []string{"mapping", "outcome"}, nil)
	descBatches   = prometheus.NewDesc("orosync_batches_in_flight", "Batch API requests and asynchronous operations sent and not answered yet, by mapping.", []string{"mapping"}, nil)
	descMapping   = prometheus.NewDesc("orosync_mapping_duration_seconds", "Time since the mapping started (its whole run once it ended), by mapping.", []string{"mapping"}, nil)
	descRequests  = prometheus.NewDesc("orosync_oro_requests_total", "Requests to Oro's API (retries included), by method and answer class (2xx, 4xx, 5xx, none).", []string{"method", "class"}, nil)
	descRetries   = prometheus.NewDesc("orosync_oro_retries_total", "Requests to Oro sent again, by reason.", []string{"reason"}, nil)
	descGaveUp    = prometheus.NewDesc("orosync_oro_gave_up_total", "Requests that ran out of retry budget (Oro down or hung).", nil, nil)
	descTokens    = prometheus.NewDesc("orosync_oro_token_requests_total", "OAuth2 token requests, retries included.", nil, nil)
	descLimit     = prometheus.NewDesc("orosync_oro_concurrency_limit", "The adaptive limit of requests in flight (lowered on 429/503).", nil, nil)
	descInFlight  = prometheus.NewDesc("orosync_oro_requests_in_flight", "Requests to Oro being sent now.", nil, nil)
	descRetryWait = prometheus.NewDesc("orosync_oro_retry_wait_seconds_total", "Time spent waiting before retries.", nil, nil)
	descDuration  = prometheus.NewDesc("orosync_run_duration_seconds", "Time since the run started.", nil, nil)
)

// Describe implements prometheus.Collector.
func (m *runMetrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRecords, descBatches, descMapping, descRequests, descRetries, descGaveUp,
		descTokens, descLimit, descInFlight, descRetryWait, descDuration} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (m *runMetrics) Collect(ch chan<- prometheus.Metric) {
	m.mu.Lock()
	progress := make([]engine.Progress, 0, len(m.progress))
	for _, p := range m.progress {
		progress = append(progress, p)
	}
	client := m.client
	m.mu.Unlock()
	sort.Slice(progress, func(i, j int) bool { return progress[i].Mapping < progress[j].Mapping })
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for _, p := range progress {
		c := p.Counts
		for outcome, n := range map[string]int{"created": c.Created, "updated": c.Updated, "unchanged": c.Unchanged,
			"skipped": c.Skipped, "failed": c.Failed} {
			counter(descRecords, float64(n), p.Mapping, outcome)
		}
		gauge(descBatches, float64(p.BatchesInFlight), p.Mapping)
		gauge(descMapping, p.Elapsed.Seconds(), p.Mapping)
	}
	gauge(descDuration, time.Since(m.started).Seconds())
	if client == nil {
		return
	}
	s := client.Stats()
	for method, byClass := range s.Requests {
		for class, n := range byClass {
			counter(descRequests, float64(n), method, class)
		}
	}
	for reason, n := range s.Retries {
		counter(descRetries, float64(n), string(reason))
	}
	counter(descGaveUp, float64(s.GaveUp))
	counter(descTokens, float64(s.TokenRequests))
	counter(descRetryWait, s.RetryWait.Seconds())
	gauge(descLimit, float64(s.Limit))
	gauge(descInFlight, float64(s.InFlight))
}

// serve starts the metrics endpoint on addr (GET /metrics) and returns the
// function that stops it. A port that cannot be listened on is a usage
// error: the run does not start without the metrics asked for.
func (m *runMetrics) serve(addr string) (stop func(), err error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(m, collectors.NewGoCollector())
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, usageError("--metrics-addr %s: %v", addr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // returns when Shutdown closes it
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(ctx) //nolint:errcheck // the run is over
	}, nil
}

// oroTotals is the report's summary of the client's counters.
func oroTotals(c *oro.Client) *engine.OroTotals {
	if c == nil {
		return nil
	}
	s := c.Stats()
	t := &engine.OroTotals{Requests: s.Requests, Retries: map[string]int{}, GaveUp: s.GaveUp,
		TokenRequests: s.TokenRequests, RetryWait: engine.Duration(s.RetryWait), LimitDecreases: s.LimitDecreases}
	for r, n := range s.Retries {
		t.Retries[string(r)] = n
	}
	return t
}
