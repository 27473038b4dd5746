// Command throughput measures how fast orosync writes to Oro, against the
// in-process stand-in with an added latency per request:
//
//	go run ./bench/throughput                   # 20,000 customers + 20,000 products, 20 ms
//	go run ./bench/throughput -records 2000 -rss-records 0
//	go run ./bench/throughput -rss-state postgres://…   # the peak-memory runs with PostgreSQL state
//
// Each scenario runs the real orosync binary (built first with go build)
// as its own process against a fresh stand-in, with fresh state and
// dead-letter files, and reports records/s, requests per record, token
// requests and the process's peak RSS; the peak-memory runs also report
// the peak of its anonymous memory, apart from the state file's pages that
// the kernel maps in. The baseline is the flow Oro's
// integration guide shows: a token request and one POST per record,
// serial. Every scenario checks that Oro ends with each record once; a
// wrong result stops the benchmark instead of printing a number.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/orosync/orosync/sandbox"
)

// config is what one benchmark run measures.
type config struct {
	records     int           // customers, and as many products
	latency     time.Duration // added to every request of the stand-in
	concurrency int           // --concurrency of orosync
	baseline    int           // records of the baseline flow (half customers, half products)
	rssRecords  int           // customers of the peak-RSS runs (0: skip them)
	rssState    string        // --state of the peak-RSS runs ("": a fresh state directory)
	verbose     bool          // print the requests of each scenario by kind
	out         io.Writer
}

func main() {
	cfg := config{out: os.Stdout}
	flag.IntVar(&cfg.records, "records", 20000, "customers, and as many products, per scenario")
	flag.DurationVar(&cfg.latency, "latency", 20*time.Millisecond, "latency the stand-in adds to every request")
	flag.IntVar(&cfg.concurrency, "concurrency", 8, "orosync --concurrency")
	flag.IntVar(&cfg.baseline, "baseline", 500, "records of the baseline flow (token + POST per record, serial)")
	flag.IntVar(&cfg.rssRecords, "rss-records", 1000000, "customers of the peak-RSS runs, dry and batched, without latency (0 skips them)")
	flag.StringVar(&cfg.rssState, "rss-state", "", "--state of the peak-RSS runs, e.g. a postgres:// URL (default: a fresh state directory)")
	flag.BoolVar(&cfg.verbose, "v", false, "print each scenario's requests by method and type")
	flag.Parse()
	if err := run(context.Background(), cfg); err != nil {
		fmt.Fprintln(os.Stderr, "throughput:", err)
		os.Exit(1)
	}
}

// result is one scenario's measurement.
type result struct {
	name     string
	records  int
	took     time.Duration
	requests int // API requests, the token endpoint not included
	tokens   int
	rssKB    int64
}

func (r result) perSecond() float64 { return float64(r.records) / r.took.Seconds() }

func run(ctx context.Context, cfg config) error {
	work, err := os.MkdirTemp("", "orosync-throughput-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	bin := filepath.Join(work, "orosync")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/orosync/orosync").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	data := filepath.Join(work, "data")
	if err := writeData(data, cfg.records); err != nil {
		return err
	}
	fmt.Fprintf(cfg.out, "orosync throughput: %d customers + %d products, stand-in latency %v per request, --concurrency %d\n\n",
		cfg.records, cfg.records, cfg.latency, cfg.concurrency)

	base, err := baseline(ctx, cfg, data)
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	results := []result{base}
	for _, sc := range []struct{ name, write, batch string }{
		{"per-record create", "create", "off"},
		{"per-record upsert", "upsert", "off"},
		{"sync batches (upsert)", "upsert", "sync"},
		{"async batches (upsert)", "upsert", "async"},
	} {
		rs, err := scenario(ctx, cfg, bin, data, sc.name, sc.write, sc.batch)
		if err != nil {
			return fmt.Errorf("%s: %w", sc.name, err)
		}
		results = append(results, rs...)
	}
	printResults(cfg.out, results)

	if cfg.rssRecords > 0 {
		fmt.Fprintf(cfg.out, "\npeak RSS of the orosync process, %d customers, no added latency:\n", cfg.rssRecords)
		if err := peakRSS(ctx, cfg, bin, work); err != nil {
			return fmt.Errorf("peak RSS: %w", err)
		}
	}
	return nil
}

// writeData writes customers.jsonl and products.jsonl with n records each.
func writeData(dir string, n int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := writeLines(filepath.Join(dir, "customers.jsonl"), n, func(i int) string {
		return fmt.Sprintf(`{"id":"C%07d","name":"Customer %07d"}`, i, i)
	}); err != nil {
		return err
	}
	return writeLines(filepath.Join(dir, "products.jsonl"), n, func(i int) string {
		unit, decimals := "item", 0
		if i%3 == 0 {
			unit, decimals = "kg", 3
		}
		return fmt.Sprintf(`{"sku":"P%07d","name":"Product %07d","unit":%q,"decimals":%d}`, i, i, unit, decimals)
	})
}

func writeLines(path string, n int, line func(i int) string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	var b strings.Builder
	for i := range n {
		b.WriteString(line(i))
		b.WriteByte('\n')
		if b.Len() > 1<<20 {
			if _, err := io.WriteString(f, b.String()); err != nil {
				f.Close()
				return err
			}
			b.Reset()
		}
	}
	if _, err := io.WriteString(f, b.String()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// standIn is a fresh stand-in served over loopback TCP.
type standIn struct {
	*sandbox.Server
	srv *httptest.Server
}

func newStandIn(latency time.Duration) *standIn {
	s := sandbox.New(sandbox.Options{Latency: latency})
	return &standIn{Server: s, srv: httptest.NewServer(s.Handler())}
}

func (s *standIn) apiURL() string { return s.srv.URL + sandbox.DefaultAPIPrefix }

// counts returns the API requests and the tokens issued so far.
func (s *standIn) counts() (requests, tokens int) {
	st := s.Stats()
	for k, n := range st.Requests {
		if !strings.HasSuffix(k, " oauth2-token") {
			requests += n
		}
	}
	return requests, st.TokensIssued
}

// writes returns the API requests that change Oro (POST, PATCH, DELETE)
// so far.
func (s *standIn) writes() int {
	n := 0
	for k, c := range s.Stats().Requests {
		method, _, _ := strings.Cut(k, " ")
		if (method == http.MethodPost || method == http.MethodPatch || method == http.MethodDelete) && !strings.HasSuffix(k, " oauth2-token") {
			n += c
		}
	}
	return n
}

// checkOnce fails unless Oro holds want records of typ, each with a
// distinct value of attr.
func (s *standIn) checkOnce(typ, attr string, want int) error {
	recs := s.Records(typ)
	seen := make(map[any]bool, len(recs))
	for _, r := range recs {
		seen[r.Attributes[attr]] = true
	}
	if len(recs) != want || len(seen) != want {
		return fmt.Errorf("the stand-in holds %d %s with %d distinct %s; want %d, each once", len(recs), typ, len(seen), attr, want)
	}
	return nil
}

// mappings writes the two mapping files of a scenario to dir.
func mappings(dir, data, write, batch string, customersOnly bool) ([]string, error) {
	custMatch, prodMatch := "", ""
	if write == "upsert" {
		custMatch, prodMatch = ", match: {name: .attributes.name}", ", match: {sku: .attributes.sku}"
	}
	files := map[string]string{
		"customers.yaml": fmt.Sprintf(`version: 1
name: customers
source: {file: %q}
target: {type: customers, key: .id, write: %s%s, batch: %s}
transform: '{type: "customers", attributes: {name: .name}}'
`, filepath.Join(data, "customers.jsonl"), write, custMatch, batch),
		"products.yaml": fmt.Sprintf(`version: 1
name: products
source: {file: %q}
target: {type: products, key: .sku, write: %s%s, batch: %s}
transform: |
  {data: {type: "products", attributes: {sku: .sku, status: "enabled"},
     relationships: {
       names: {data: [{type: "productnames", id: "name"}]},
       attributeFamily: {data: {type: "attributefamilies", id: lookup("attributefamilies"; {code: "default_family"})}},
       primaryUnitPrecision: {data: {type: "productunitprecisions", id: "precision"}},
       inventory_status: {data: {type: "prodinventorystatuses", id: "in_stock"}}}},
   included: [
     {type: "productnames", id: "name", attributes: {fallback: null, string: .name}},
     {type: "productunitprecisions", id: "precision", attributes: {precision: .decimals, conversionRate: 1, sell: true},
      relationships: {unit: {data: {type: "productunits", id: .unit}}}}]}
`, filepath.Join(data, "products.jsonl"), write, prodMatch, batch),
	}
	var paths []string
	for _, name := range []string{"customers.yaml", "products.yaml"} {
		if customersOnly && name != "customers.yaml" {
			continue
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(files[name]), 0o644); err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// usage is what one orosync process took.
type usage struct {
	took   time.Duration
	rssKB  int64 // peak resident set (getrusage), file pages mapped included
	anonKB int64 // peak anonymous memory (RssAnon, sampled; 0 where /proc has none)
}

// orosync runs the binary and returns its wall time and peak memory.
func orosync(ctx context.Context, bin, dir string, env []string, args ...string) (usage, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stdout = io.Discard
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return usage{}, err
	}
	done := make(chan struct{})
	anon := make(chan int64, 1)
	go func() { anon <- sampleAnon(cmd.Process.Pid, done) }()
	err := cmd.Wait()
	u := usage{took: time.Since(start)}
	close(done)
	u.anonKB = <-anon
	if err != nil {
		return u, fmt.Errorf("orosync %s: %v\n%s", strings.Join(args, " "), err, tailLines(stderr.String(), 15))
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		u.rssKB = ru.Maxrss // KB on Linux
	}
	return u, nil
}

// sampleAnon reads the process's RssAnon from /proc every 50 ms until done
// and returns the highest value (KB): the memory orosync itself holds, as
// opposed to the pages of the state file that the kernel maps in, which
// getrusage counts too.
func sampleAnon(pid int, done <-chan struct{}) int64 {
	var peak int64
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				var kb int64
				if _, err := fmt.Sscanf(line, "RssAnon: %d kB", &kb); err == nil {
					peak = max(peak, kb)
				}
			}
		}
		select {
		case <-done:
			return peak
		case <-tick.C:
		}
	}
}

func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// runEnv is the environment of a run against s.
func runEnv(s *standIn) []string {
	return []string{"ORO_API_URL=" + s.apiURL(), "ORO_CLIENT_ID=" + sandbox.DefaultClientID,
		"ORO_CLIENT_SECRET=" + sandbox.DefaultClientSecret}
}

// scenario runs both mappings into an empty stand-in, then (for batches)
// once more with nothing changed.
func scenario(ctx context.Context, cfg config, bin, data, name, write, batch string) ([]result, error) {
	s := newStandIn(cfg.latency)
	defer s.srv.Close()
	dir, err := os.MkdirTemp(filepath.Dir(data), "scenario-")
	if err != nil {
		return nil, err
	}
	paths, err := mappings(dir, data, write, batch, false)
	if err != nil {
		return nil, err
	}
	args := append([]string{"run", "--concurrency", fmt.Sprint(cfg.concurrency), "--state-dir", filepath.Join(dir, "state"),
		"--dead-letter", filepath.Join(dir, "dead.jsonl")}, paths...)
	u, err := orosync(ctx, bin, dir, runEnv(s), args...)
	if err != nil {
		return nil, err
	}
	if err := s.checkOnce("customers", "name", cfg.records); err != nil {
		return nil, err
	}
	if err := s.checkOnce("products", "sku", cfg.records); err != nil {
		return nil, err
	}
	req, tok := s.counts()
	if cfg.verbose {
		fmt.Fprintf(cfg.out, "%s: %v\n", name, s.Stats().Requests)
	}
	out := []result{{name: name, records: 2 * cfg.records, took: u.took, requests: req, tokens: tok, rssKB: u.rssKB}}
	if batch != "sync" {
		return out, nil
	}
	// A rerun with nothing changed: every record is unchanged in the id map,
	// so nothing is written and Oro still holds each record once.
	writes := s.writes()
	u, err = orosync(ctx, bin, dir, runEnv(s), args...)
	if err != nil {
		return nil, err
	}
	if err := s.checkOnce("customers", "name", cfg.records); err != nil {
		return nil, fmt.Errorf("after the rerun: %w", err)
	}
	if err := s.checkOnce("products", "sku", cfg.records); err != nil {
		return nil, fmt.Errorf("after the rerun: %w", err)
	}
	if n := s.writes() - writes; n != 0 {
		return nil, fmt.Errorf("the rerun with nothing changed sent %d writes; want none", n)
	}
	req2, tok2 := s.counts()
	return append(out, result{name: "rerun, nothing changed", records: 2 * cfg.records, took: u.took,
		requests: req2 - req, tokens: tok2 - tok, rssKB: u.rssKB}), nil
}

// baseline writes cfg.baseline records the way Oro's integration guide
// does: for each record a token request, then one POST with the record's
// document, one after the other.
func baseline(ctx context.Context, cfg config, data string) (result, error) {
	s := newStandIn(cfg.latency)
	defer s.srv.Close()
	client := &http.Client{Timeout: 30 * time.Second}
	start := time.Now()
	for i := range cfg.baseline {
		token, err := fetchToken(ctx, client, s.srv.URL+sandbox.TokenPath)
		if err != nil {
			return result{}, err
		}
		typ, body := "customers", fmt.Sprintf(`{"data":{"type":"customers","attributes":{"name":"Customer %07d"}}}`, i/2)
		if i%2 == 1 {
			typ = "products"
			body = fmt.Sprintf(`{"data":{"type":"products","attributes":{"sku":"P%07d","status":"enabled"},"relationships":{`+
				`"names":{"data":[{"type":"productnames","id":"name"}]},`+
				`"attributeFamily":{"data":{"type":"attributefamilies","id":"1"}},`+
				`"primaryUnitPrecision":{"data":{"type":"productunitprecisions","id":"precision"}},`+
				`"inventory_status":{"data":{"type":"prodinventorystatuses","id":"in_stock"}}}},`+
				`"included":[{"type":"productnames","id":"name","attributes":{"fallback":null,"string":"Product %07d"}},`+
				`{"type":"productunitprecisions","id":"precision","attributes":{"precision":0,"conversionRate":1,"sell":true},`+
				`"relationships":{"unit":{"data":{"type":"productunits","id":"item"}}}}]}`, i/2, i/2)
		}
		if err := post(ctx, client, s.apiURL()+"/"+typ, token, body); err != nil {
			return result{}, err
		}
	}
	took := time.Since(start)
	if err := s.checkOnce("customers", "name", (cfg.baseline+1)/2); err != nil {
		return result{}, err
	}
	if err := s.checkOnce("products", "sku", cfg.baseline/2); err != nil {
		return result{}, err
	}
	req, tok := s.counts()
	return result{name: "baseline: token + POST per record, serial", records: cfg.baseline, took: took, requests: req, tokens: tok}, nil
}

func fetchToken(ctx context.Context, c *http.Client, tokenURL string) (string, error) {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {sandbox.DefaultClientID},
		"client_secret": {sandbox.DefaultClientSecret}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	const field = `"access_token":"`
	i := strings.Index(string(b), field)
	if res.StatusCode != http.StatusOK || i < 0 {
		return "", fmt.Errorf("token request: %s", res.Status)
	}
	tok := string(b[i+len(field):])
	return tok[:strings.IndexByte(tok, '"')], nil
}

func post(ctx context.Context, c *http.Client, u, token, body string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/vnd.api+json")
	req.Header.Set("Accept", "application/vnd.api+json")
	res, err := c.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusCreated {
		return fmt.Errorf("POST %s: %s %s", u, res.Status, b)
	}
	return nil
}

// peakRSS runs a dry run and a batched run of cfg.rssRecords customers and
// prints the peak RSS of each orosync process.
func peakRSS(ctx context.Context, cfg config, bin, work string) error {
	data := filepath.Join(work, "rss")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return err
	}
	if err := writeLines(filepath.Join(data, "customers.jsonl"), cfg.rssRecords, func(i int) string {
		return fmt.Sprintf(`{"id":"C%07d","name":"Customer %07d"}`, i, i)
	}); err != nil {
		return err
	}
	paths, err := mappings(data, data, "upsert", "sync", true)
	if err != nil {
		return err
	}
	stateArgs := []string{"--state-dir", filepath.Join(data, "state")}
	if cfg.rssState != "" {
		stateArgs = []string{"--state", cfg.rssState}
	}
	fmt.Fprintf(cfg.out, "  %-28s %8s  %10s  %s\n", "", "seconds", "peak RSS", "of which anonymous (orosync's own memory)")
	u, err := orosync(ctx, bin, data, nil, append(append([]string{"run", "--dry-run"}, stateArgs...), paths...)...)
	if err != nil {
		return err
	}
	printUsage(cfg.out, "dry run", u, "")

	s := newStandIn(0)
	defer s.srv.Close()
	u, err = orosync(ctx, bin, data, runEnv(s), append(append([]string{"run", "--concurrency", fmt.Sprint(cfg.concurrency),
		"--dead-letter", filepath.Join(data, "dead.jsonl")}, stateArgs...), paths...)...)
	if err != nil {
		return err
	}
	if err := s.checkOnce("customers", "name", cfg.rssRecords); err != nil {
		return err
	}
	printUsage(cfg.out, "sync batches", u, fmt.Sprintf("  (%.0f records/s)", float64(cfg.rssRecords)/u.took.Seconds()))
	return nil
}

// printUsage prints one line of the peak-memory runs.
func printUsage(w io.Writer, name string, u usage, extra string) {
	anon := "-"
	if u.anonKB > 0 {
		anon = fmt.Sprintf("%.1f MB", float64(u.anonKB)/1024)
	}
	fmt.Fprintf(w, "  %-28s %8.1f  %7.1f MB  %s%s\n", name, u.took.Seconds(), float64(u.rssKB)/1024, anon, extra)
}

func printResults(w io.Writer, rs []result) {
	fmt.Fprintf(w, "%-42s %8s %8s %10s %9s %11s %6s %8s\n", "scenario", "records", "seconds", "records/s", "requests", "req/record", "tokens", "RSS MB")
	for _, r := range rs {
		rss := "-"
		if r.rssKB > 0 {
			rss = fmt.Sprintf("%.1f", float64(r.rssKB)/1024)
		}
		fmt.Fprintf(w, "%-42s %8d %8.2f %10.0f %9d %11.3f %6d %8s\n", r.name, r.records, r.took.Seconds(), r.perSecond(),
			r.requests, float64(r.requests)/float64(r.records), r.tokens, rss)
	}
	base := rs[0].perSecond()
	fmt.Fprintln(w)
	for _, r := range rs[1:] {
		fmt.Fprintf(w, "%-42s %6.1fx the baseline\n", r.name, r.perSecond()/base)
	}
}
