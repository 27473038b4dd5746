package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/orosync/orosync/engine"
	"github.com/orosync/orosync/engine/oro"
	"github.com/orosync/orosync/engine/source"
	"github.com/orosync/orosync/mappings"
	"github.com/orosync/orosync/sandbox"
)

// connectionFlags are the Oro connection settings shared by run and state.
func connectionFlags() []ucli.Flag {
	return []ucli.Flag{
		&ucli.StringFlag{Name: "api-url", EnvVars: []string{"ORO_API_URL"}, Usage: "Oro API base URL, e.g. https://shop.example.com/admin/api"},
		&ucli.StringFlag{Name: "token-url", EnvVars: []string{"ORO_TOKEN_URL"}, Usage: "OAuth2 token URL (default: scheme and host of the API URL + /oauth2-token)"},
		&ucli.StringFlag{Name: "client-id", EnvVars: []string{"ORO_CLIENT_ID"}, Usage: "OAuth2 client id of a back-office client-credentials application"},
		&ucli.StringFlag{Name: "client-secret", EnvVars: []string{"ORO_CLIENT_SECRET"}, Usage: "OAuth2 client secret (prefer the environment variable: flags show in process lists)"},
		&ucli.StringFlag{Name: "state-dir", EnvVars: []string{"OROSYNC_STATE_DIR"}, Value: ".orosync", Usage: "directory of the embedded state store (id map, checkpoints)"},
		stateURLFlag(),
	}
}

func (s *streams) runCommand() *ucli.Command {
	flags := append(append(connectionFlags(), logFlags()...),
		&ucli.BoolFlag{Name: "dry-run", Usage: "print one JSON line per request a real run would send; send nothing to Oro, change no state"},
		&ucli.BoolFlag{Name: "read-oro", Usage: "with --dry-run: ask Oro (GET requests only, never a write) for lookup() ids, records found by target.match and related records, so that the preview is what a real run would send"},
		&ucli.IntFlag{Name: "limit", Usage: "read at most `N` records per mapping (0 = all)"},
		&ucli.IntFlag{Name: "concurrency", Usage: "requests to Oro in flight at once (default 4); lowered on 429/503 and raised again when answers are clean"},
		&ucli.Float64Flag{Name: "max-rps", Usage: "at most `N` requests to Oro per second (0 = no limit)"},
		&ucli.DurationFlag{Name: "timeout", Value: 30 * time.Second, Usage: "timeout of each request to Oro"},
		&ucli.DurationFlag{Name: "retry-max-wait", Value: oro.DefaultMaxWait, Usage: "how long one request may keep retrying 429, 502/503/504, timeouts and lost connections before the mapping stops (Oro is down)"},
		&ucli.DurationFlag{Name: "retry-backoff", Value: oro.DefaultBackoff, Usage: "the first wait before retrying a request, doubled each time (with jitter) up to 30s; a Retry-After answer wins"},
		&ucli.DurationFlag{Name: "record-timeout", Value: 5 * time.Second, Usage: "time limit of the transform of one record"},
		&ucli.StringFlag{Name: "dead-letter", EnvVars: []string{"OROSYNC_DEAD_LETTER"}, Value: "orosync-dead-letter.jsonl", Usage: "JSON Lines `FILE` for records that could not be written (created only when one fails)"},
		&ucli.StringFlag{Name: "report", Usage: "write the machine-readable JSON run report to `FILE` (- for stdout)"},
		&ucli.BoolFlag{Name: "full-refresh", Usage: "ignore incremental checkpoints and read everything (the checkpoint still moves on success)"},
		&ucli.BoolFlag{Name: "verify", Usage: "check that the Oro records of unchanged documents still exist (batched GETs by id) and write again what was deleted in Oro"},
		&ucli.DurationFlag{Name: "verify-older-than", Usage: "like --verify, for the records Oro last confirmed longer ago than `DURATION` (e.g. 168h)"},
		&ucli.BoolFlag{Name: "force", Usage: "write every document, also those the id map says are unchanged"},
		&ucli.IntFlag{Name: "stop-after-errors", Value: 10, Usage: "stop a mapping whose first `N` records all fail with the same answer from Oro (a configuration error); 0 never stops"},
		&ucli.StringFlag{Name: "oro-version", EnvVars: []string{"ORO_VERSION"}, Usage: "Oro version of the instance, e.g. 6.1.3: version-dependent features are checked and chosen by it (meta.upsert needs 5.1.2+, synchronous batches 6.0.4+; before 6.0.4 target.batch: auto sends asynchronous batches)"},
		&ucli.IntFlag{Name: "batch-size", Value: 100, Usage: "at most `N` primary records per Batch API request (Oro's synchronous limit is 100 unless the instance raised it)"},
		&ucli.IntFlag{Name: "batch-included", Value: 50, Usage: "at most `N` included records per Batch API request (Oro's synchronous limit is 50)"},
		&ucli.DurationFlag{Name: "batch-deadline", Value: 30 * time.Minute, Usage: "how long to wait for an asynchronous batch operation before the mapping stops (its records are then unknown: a rerun looks them up by natural key)"},
		selectFlag(),
		&ucli.StringFlag{Name: "metrics-addr", EnvVars: []string{"OROSYNC_METRICS_ADDR"}, Usage: "serve Prometheus metrics of the run at http://`ADDR`/metrics, e.g. :9464 (records by outcome, Oro requests, retries, batches in flight)"},
		&ucli.BoolFlag{Name: "sandbox", Usage: "run against a fresh in-process Oro stand-in (not Oro; data is discarded) with a temporary state store"},
	)
	return &ucli.Command{
		Name:      "run",
		Usage:     "run mapping files: fetch, map and write to Oro",
		ArgsUsage: "PATH...",
		Description: "PATH is a mapping file or a directory of them; mappings run in dependency order (after:).\n\n" +
			"   orosync run --dry-run --limit 5 mappings/customers.yaml\n" +
			"   ORO_API_URL=https://shop.example.com/admin/api orosync run mappings/\n" +
			"   orosync run --sandbox examples/",
		Flags:  flags,
		Action: s.run,
	}
}

func (s *streams) run(c *ucli.Context) error {
	return s.execute(c, func() (runPlan, error) {
		_, ms, err := loadSelected(c, s.err)
		return runPlan{ms: ms, dryRun: c.Bool("dry-run"), readOro: c.Bool("read-oro")}, err
	})
}

// runPlan is what a command runs and how.
type runPlan struct {
	ms []*mappings.Mapping
	// dryRun sends nothing; readOro lets it read Oro (GETs only).
	dryRun, readOro bool
	// retry holds the records of a dead-letter file to run instead of the
	// sources (orosync retry).
	retry *retrySet
	// explain traces one record instead of running every record (orosync
	// explain).
	explain *explanation
}

// execute runs mappings with the run flags of c; load gives the plan.
func (s *streams) execute(c *ucli.Context, load func() (runPlan, error)) (err error) {
	started := time.Now()
	reported := false
	// The report is written on every exit, also when the run cannot start
	// (bad flags, invalid mappings, bad credentials, Oro down), so that a
	// scheduler reading it always finds one.
	defer func() {
		if err == nil || reported {
			return
		}
		rep := &engine.Report{Started: started.UTC(), Duration: engine.Duration(time.Since(started)),
			Mappings: []engine.MappingReport{}, ExitCode: exitCodeOf(err), Error: err.Error()}
		if werr := s.writeReport(c.String("report"), rep); werr != nil {
			fmt.Fprintf(s.err, "orosync: %v\n", werr)
		}
	}()
	ls, err := readLogSettings(c)
	if err != nil {
		return err
	}
	logw := s.err
	var status *statusLine
	if s.tty && !ls.quiet && !ls.json {
		status = &statusLine{w: s.err}
		logw = status
	}
	logger := ls.logger(logw)
	plan, err := load()
	if err != nil {
		return err
	}
	ms, retry, readOro := plan.ms, plan.retry, plan.readOro
	opts := engine.Options{
		DryRun:              plan.dryRun,
		Limit:               c.Int("limit"),
		Concurrency:         c.Int("concurrency"),
		RecordTimeout:       c.Duration("record-timeout"),
		FullRefresh:         c.Bool("full-refresh"),
		Verify:              c.Bool("verify"),
		VerifyOlderThan:     c.Duration("verify-older-than"),
		Force:               c.Bool("force"),
		StopAfterSameErrors: c.Int("stop-after-errors"),
		BatchSize:           c.Int("batch-size"),
		BatchIncluded:       c.Int("batch-included"),
		BatchDeadline:       c.Duration("batch-deadline"),
		Out:                 s.out,
		Logger:              logger,
	}
	var progress []func(engine.Progress)
	if !ls.quiet {
		progress = append(progress, newProgressPrinter(status, logger, 30*time.Second).report)
	}
	var metrics *runMetrics
	if addr := c.String("metrics-addr"); addr != "" {
		metrics = newRunMetrics()
		stopMetrics, err := metrics.serve(addr)
		if err != nil {
			return err
		}
		defer stopMetrics()
		progress = append(progress, metrics.observe)
	}
	if len(progress) > 0 {
		opts.Progress = func(p engine.Progress) {
			for _, f := range progress {
				f(p)
			}
		}
	}
	if opts.Limit < 0 {
		return usageError("--limit must be 0 or more")
	}
	if err := checkRunFlags(c); err != nil {
		return err
	}
	if readOro && !opts.DryRun {
		return usageError("--read-oro is for dry runs: orosync run --dry-run --read-oro ...")
	}
	switch n := opts.StopAfterSameErrors; {
	case n < 0:
		return usageError("--stop-after-errors must be 0 (never) or more")
	case n == 0:
		opts.StopAfterSameErrors = -1
	}
	if opts.BatchSize < 1 || opts.BatchIncluded < 1 {
		return usageError("--batch-size and --batch-included must be 1 or more")
	}
	if opts.BatchDeadline <= 0 {
		return usageError("--batch-deadline must be more than 0, e.g. 30m")
	}
	v, err := oroVersion(c)
	if err != nil {
		return err
	}
	opts.OroVersion = v
	if err := checkMappings(ms, v, s.err); err != nil {
		return err
	}
	conn, stop, err := s.connection(c, logger, opts.DryRun && !readOro)
	if err != nil {
		return err
	}
	defer stop()
	opts.APIURL = conn.APIURL
	opts.OpenSource = s.sourceOpener(logger)
	if retry != nil {
		opts.OpenSource, opts.Partial = retry.open, true
	}
	if ex := plan.explain; ex != nil {
		opts.OpenSource, opts.Partial = ex.opener(opts.OpenSource), true
		opts.Trace, opts.Out, opts.Progress = ex.step, io.Discard, nil
	}

	stateDir := c.String("state-dir")
	if c.Bool("sandbox") && !c.IsSet("state-dir") {
		tmp, err := os.MkdirTemp("", "orosync-sandbox-state-")
		if err != nil {
			return fatalError(fmt.Errorf("create temporary state directory: %w", err))
		}
		defer os.RemoveAll(tmp)
		stateDir = tmp
	}
	// A dry run opens the store read-only (an absent store reads as empty
	// and is not created), so that a preview never creates or changes state.
	store, _, err := openStateFor(c, stateDir, opts.DryRun)
	if err != nil {
		return err
	}
	defer store.Close()
	opts.State = store

	if !opts.DryRun || readOro {
		client, err := oro.NewClient(conn)
		if err != nil {
			return usageError("%v", err)
		}
		if metrics != nil {
			metrics.setClient(client)
		}
		if err := client.Ping(c.Context); err != nil {
			return fatalError(err)
		}
		opts.Oro = client
	}
	switch {
	case plan.explain != nil:
	case !opts.DryRun:
		dl := engine.NewDeadLetterFile(c.String("dead-letter"))
		defer dl.Close()
		opts.DeadLetter = dl
	case readOro:
		logger.Info("dry run: requests are printed, not sent; Oro is asked with GET requests only (lookup() ids, natural keys, related records); ids this run would create show as <new …>")
	default:
		logger.Info("dry run: requests are printed, not sent. Oro is not asked, so: records not in the id map show as POST (upsert would PATCH one target.match finds), " +
			"write: update shows PATCH <match …>, lookup() ids show as <lookup …>, ids this run would create show as <new …>; such lines say \"depends_on_oro\"")
	}

	// The mappings were ordered when loaded (loadMappings), and a subset
	// of them (--select, retry) orders too: engine.Run's error is never
	// one of the mapping files.
	rep, err := engine.Run(c.Context, ms, opts)
	if err != nil {
		return fatalError(err)
	}
	if client, ok := opts.Oro.(*oro.Client); ok {
		rep.Oro = oroTotals(client)
	}
	if ex := plan.explain; ex != nil {
		return ex.finish(s.out, rep)
	}
	if !ls.quiet || rep.ExitCode != engine.ExitOK {
		rep.WriteSummary(s.err)
	}
	reported = true
	if err := s.writeReport(c.String("report"), rep); err != nil {
		return fatalError(err)
	}
	if rep.ExitCode != engine.ExitOK {
		return &exitError{code: rep.ExitCode}
	}
	return nil
}

// checkRunFlags checks the numbers of the run flags the Oro client and
// the engine take, also for a dry run, before anything starts: each
// message names its flag.
func checkRunFlags(c *ucli.Context) error {
	for _, f := range []struct {
		name string
		zero string // what 0 means, "": 0 is not allowed
		eg   string
	}{
		{"timeout", "", "30s"},
		{"record-timeout", "", "5s"},
		{"retry-max-wait", "the default", "2m"},
		{"retry-backoff", "the default", "500ms"},
		{"verify-older-than", "none", "168h"},
	} {
		if !c.IsSet(f.name) { // a command without the flag reads 0
			continue
		}
		switch d := c.Duration(f.name); {
		case d < 0 && f.zero != "":
			return usageError("--%s %s is negative: use a duration such as %s, or 0 for %s", f.name, d, f.eg, f.zero)
		case d <= 0 && f.zero == "":
			return usageError("--%s %s must be more than 0, e.g. %s", f.name, d, f.eg)
		}
	}
	if n := c.Int("concurrency"); n < 0 {
		return usageError("--concurrency %d is negative: use 1 or more, or leave it out for %d", n, oro.DefaultMaxInFlight)
	}
	if r := c.Float64("max-rps"); r < 0 || math.IsNaN(r) || math.IsInf(r, 0) {
		return usageError("--max-rps %g must be a number of requests per second, 0 or more (0 = no limit)", r)
	}
	return nil
}

// exitCodeOf is the exit code an error of a command maps to: anything
// urfave/cli itself rejects (unknown flag or command) is usage.
func exitCodeOf(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return engine.ExitUsage
}

// connection builds the Oro connection settings from flags and the
// environment, or starts the in-process stand-in for --sandbox. A dry run
// needs no settings at all.
func (s *streams) connection(c *ucli.Context, logger *slog.Logger, offline bool) (oro.Config, func(), error) {
	concurrency := c.Int("concurrency")
	if concurrency <= 0 {
		concurrency = oro.DefaultMaxInFlight
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = concurrency + 2 // reuse a connection per request in flight (and the token's)
	cfg := oro.Config{
		APIURL:       c.String("api-url"),
		TokenURL:     c.String("token-url"),
		ClientID:     c.String("client-id"),
		ClientSecret: c.String("client-secret"),
		Timeout:      c.Duration("timeout"),
		UserAgent:    "orosync/" + version(),
		MaxInFlight:  concurrency,
		MaxRPS:       c.Float64("max-rps"),
		HTTPClient:   &http.Client{Transport: transport},
		Logger:       logger,
	}
	cfg.Retry.MaxWait = c.Duration("retry-max-wait")
	cfg.Retry.Backoff = c.Duration("retry-backoff")
	if !c.Bool("sandbox") {
		// A dry run prints the API URL on every line: a URL that carries
		// credentials is refused offline too.
		if err := checkURLFlags(cfg); err != nil {
			return cfg, nil, err
		}
		if offline {
			return cfg, func() {}, nil
		}
		if err := cfg.Validate(); err != nil {
			return cfg, nil, usageError("%v", err)
		}
		return cfg, func() {}, nil
	}
	sb := sandbox.New(sandbox.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return cfg, nil, fatalError(fmt.Errorf("start the sandbox: %w", err))
	}
	srv := &http.Server{Handler: sb.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // Serve returns when the server is closed
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(s.err, "using the built-in Oro stand-in at %s (an in-memory imitation for trying mappings, NOT OroCommerce; its data is discarded at exit)\n", base)
	cfg.APIURL = base + sandbox.DefaultAPIPrefix
	cfg.TokenURL = base + "/oauth2-token"
	cfg.ClientID, cfg.ClientSecret = sandbox.DefaultClientID, sandbox.DefaultClientSecret
	return cfg, func() { srv.Close() }, nil
}

// checkURLFlags checks --api-url and --token-url where set, without ever
// quoting a value that may hold a password or a key: such a value is
// printed by a dry run and kept in the report.
func checkURLFlags(cfg oro.Config) error {
	for _, f := range []struct{ flag, env, raw string }{
		{"--api-url", "ORO_API_URL", cfg.APIURL},
		{"--token-url", "ORO_TOKEN_URL", cfg.TokenURL},
	} {
		if f.raw == "" {
			continue
		}
		u, err := url.Parse(f.raw)
		switch {
		case err != nil:
			return usageError("%s (%s) is not a valid URL: give the full URL, e.g. https://shop.example.com/admin/api", f.flag, f.env)
		case u.User != nil:
			return usageError("%s (%s) must not contain a user name or password: give the credentials in --client-id and --client-secret (ORO_CLIENT_ID, ORO_CLIENT_SECRET)", f.flag, f.env)
		case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
			return usageError("%s (%s) must not have a query or fragment (?… or #…): give the URL without it, e.g. https://shop.example.com/admin/api", f.flag, f.env)
		}
		// The rest (scheme, host, path) is what Validate checks; its
		// messages quote only URLs without credentials, checked above.
		check := oro.Config{APIURL: "https://shop.example.com/admin/api", ClientID: "-", ClientSecret: "-"}
		if f.flag == "--api-url" {
			check.APIURL = f.raw
		} else {
			check.TokenURL = f.raw
		}
		if err := check.Validate(); err != nil {
			return usageError("%s: %v", f.flag, err)
		}
	}
	return nil
}

// sourceOpener opens mapping sources with the command's stdin and stderr.
func (s *streams) sourceOpener(logger *slog.Logger) engine.SourceOpener {
	return func(ctx context.Context, m *mappings.Mapping, cursor any, limit int) (engine.Source, error) {
		return source.Open(ctx, &m.Source, source.Options{
			Dir:    m.Dir,
			Stdin:  s.in,
			Cursor: cursor,
			Limit:  limit,
			Logger: logger.With("mapping", m.Name),
		})
	}
}

// writeReport writes the JSON report to path ("-" = stdout, "" = none).
func (s *streams) writeReport(path string, rep *engine.Report) error {
	if path == "" {
		return nil
	}
	var w io.Writer = s.out
	if path != "-" {
		f, err := os.Create(path)
		if err != nil {
			return fmt.Errorf("write report: %w", err)
		}
		defer f.Close()
		w = f
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	return nil
}
