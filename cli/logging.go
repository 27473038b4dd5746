package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/orosync/orosync/engine"
)

// logFlags are the flags of commands that log while they work.
func logFlags() []ucli.Flag {
	return []ucli.Flag{
		&ucli.StringFlag{Name: "log-format", EnvVars: []string{"OROSYNC_LOG_FORMAT"}, Value: "text", Usage: "log as `text` (one readable line per entry) or json (one JSON object per line, for log collectors)"},
		&ucli.StringFlag{Name: "log-level", EnvVars: []string{"OROSYNC_LOG_LEVEL"}, Value: "info", Usage: "least important entries logged: debug (also every write), info, warn or error"},
		&ucli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "log warnings and errors only, show no progress, and print the summary only when something failed"},
	}
}

// logSettings are the logging flags as given.
type logSettings struct {
	json  bool
	level slog.Level
	quiet bool
}

// readLogSettings checks the logging flags.
func readLogSettings(c *ucli.Context) (logSettings, error) {
	ls := logSettings{quiet: c.Bool("quiet")}
	switch f := c.String("log-format"); f {
	case "text":
	case "json":
		ls.json = true
	default:
		return ls, usageError("--log-format %q: use text or json", f)
	}
	if err := ls.level.UnmarshalText([]byte(c.String("log-level"))); err != nil {
		return ls, usageError("--log-level %q: use debug, info, warn or error", c.String("log-level"))
	}
	if ls.quiet && ls.level < slog.LevelWarn {
		ls.level = slog.LevelWarn
	}
	return ls, nil
}

// logger returns the logger of the settings, writing to w.
func (ls logSettings) logger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: ls.level}
	if ls.json {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(&textHandler{w: w, level: ls.level})
}

// textHandler writes one readable line per entry:
//
//	14:03:07 customers: reading data/customers.jsonl
//	14:03:09 WARN oro: PATCH https://…/customers → 503 …; retrying in 1s (attempt 2 of 15)
//
// The mapping (or component) an entry is about comes first, info entries
// carry no level, other attributes follow as key=value.
type textHandler struct {
	w     io.Writer
	level slog.Level
	attrs []slog.Attr
}

// Enabled implements slog.Handler.
func (h *textHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

// WithAttrs implements slog.Handler.
func (h *textHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), attrs...)
	return &c
}

// WithGroup implements slog.Handler; groups are flattened.
func (h *textHandler) WithGroup(string) slog.Handler { return h }

// Handle implements slog.Handler.
func (h *textHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	t := r.Time
	if t.IsZero() {
		t = time.Now()
	}
	b.WriteString(t.Format("15:04:05"))
	b.WriteByte(' ')
	if r.Level != slog.LevelInfo {
		b.WriteString(r.Level.String())
		b.WriteByte(' ')
	}
	var prefix string
	var rest []slog.Attr
	take := func(a slog.Attr) bool {
		if (a.Key == "mapping" || a.Key == "component") && prefix == "" {
			prefix = a.Value.String()
		} else {
			rest = append(rest, a)
		}
		return true
	}
	for _, a := range h.attrs {
		take(a)
	}
	r.Attrs(take)
	if prefix != "" {
		b.WriteString(prefix)
		b.WriteString(": ")
	}
	b.WriteString(r.Message)
	for _, a := range rest {
		if a.Key == "key" || a.Key == "id" || a.Key == "record" {
			continue // already in the message
		}
		b.WriteByte(' ')
		b.WriteString(a.Key)
		b.WriteByte('=')
		v := a.Value.String()
		if strings.ContainsAny(v, " \"=\n") || v == "" {
			v = strconv.Quote(v)
		}
		b.WriteString(v)
	}
	b.WriteByte('\n')
	_, err := io.WriteString(h.w, b.String())
	return err
}

// isTerminal reports whether w is a terminal that can redraw a line.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("TERM") == "dumb" {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// statusLine is stderr with a progress line at the bottom of a terminal:
// every write of a log line first clears it and then draws it again.
type statusLine struct {
	mu   sync.Mutex
	w    io.Writer
	line string // shown now ("" none)
}

// Write implements io.Writer for whole lines.
func (s *statusLine) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.line != "" {
		io.WriteString(s.w, "\r\033[K")
	}
	n, err := s.w.Write(p)
	if s.line != "" {
		io.WriteString(s.w, s.line)
	}
	return n, err
}

// show replaces the progress line ("" clears it).
func (s *statusLine) show(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	io.WriteString(s.w, "\r\033[K"+line)
	s.line = line
}

// progressPrinter shows engine progress: a line redrawn every second on a
// terminal, an info entry every interval otherwise.
type progressPrinter struct {
	status   *statusLine // nil when not a terminal
	log      *slog.Logger
	interval time.Duration

	mu   sync.Mutex
	last map[string]time.Time // last entry per mapping
}

// progressLine renders a mapping's counts.
func progressLine(name string, c countsView, elapsed time.Duration, rate float64) string {
	return fmt.Sprintf("%s: %d read, %d written, %d unchanged, %d skipped, %d failed, %.0f records/s, %s",
		name, c.Read, c.Created+c.Updated, c.Unchanged, c.Skipped, c.Failed, rate, elapsed.Round(time.Second))
}

// countsView is what a progress line shows.
type countsView struct{ Read, Created, Updated, Unchanged, Skipped, Failed int }

// newProgressPrinter returns a printer that draws on status (a terminal)
// or, when status is nil, logs every interval.
func newProgressPrinter(status *statusLine, log *slog.Logger, interval time.Duration) *progressPrinter {
	return &progressPrinter{status: status, log: log, interval: interval, last: map[string]time.Time{}}
}

// report shows one progress snapshot (engine.Options.Progress).
func (p *progressPrinter) report(pr engine.Progress) {
	c := pr.Counts
	view := countsView{Read: c.Read, Created: c.Created, Updated: c.Updated, Unchanged: c.Unchanged, Skipped: c.Skipped, Failed: c.Failed}
	if p.status != nil {
		if pr.Done {
			p.status.show("")
			return
		}
		p.status.show(progressLine(pr.Mapping, view, pr.Elapsed, pr.Rate()))
		return
	}
	if pr.Done {
		return // the mapping's last log entry has the final counts
	}
	p.mu.Lock()
	due := time.Since(p.last[pr.Mapping]) >= p.interval && pr.Elapsed >= p.interval
	if due {
		p.last[pr.Mapping] = time.Now()
	}
	p.mu.Unlock()
	if due {
		line := progressLine(pr.Mapping, view, pr.Elapsed, pr.Rate())
		p.log.Info(strings.TrimPrefix(line, pr.Mapping+": "), "mapping", pr.Mapping)
	}
}
