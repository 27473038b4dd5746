package engine

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// Status is the final outcome of one source record.
type Status int

// The outcomes a record can end in. Their order is their severity: a record
// that produced several documents takes the most severe outcome of them.
const (
	Unchanged Status = iota
	Skipped
	Updated
	Created
	Failed
)

var statusNames = [...]string{"unchanged", "skipped", "updated", "created", "failed"}

func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("status(%d)", int(s))
}

// Counts adds up the outcomes of a mapping's records.
// Read = Created + Updated + Unchanged + Skipped + Failed always holds.
type Counts struct {
	Read      int `json:"read"`
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Skipped   int `json:"skipped"`
	Failed    int `json:"failed"`
	// Documents counts the JSON:API documents the transform produced.
	Documents int `json:"documents"`
}

func (c *Counts) add(s Status) {
	c.Read++
	switch s {
	case Created:
		c.Created++
	case Updated:
		c.Updated++
	case Unchanged:
		c.Unchanged++
	case Skipped:
		c.Skipped++
	case Failed:
		c.Failed++
	}
}

// Written is the number of records Oro acknowledged in this run.
func (c Counts) Written() int { return c.Created + c.Updated }

// MappingStatus says how the run of one mapping ended.
type MappingStatus string

// The mapping statuses.
const (
	// StatusOK: every record was written, unchanged or skipped.
	StatusOK MappingStatus = "ok"
	// StatusFailed: the mapping ran, some records failed.
	StatusFailed MappingStatus = "failed"
	// StatusFatal: the mapping could not proceed (Error says why).
	StatusFatal MappingStatus = "fatal"
	// StatusNotRun: a mapping it runs after could not proceed, or the run
	// was interrupted before it started.
	StatusNotRun MappingStatus = "not-run"
)

// MappingReport is the result of running one mapping.
type MappingReport struct {
	Mapping string `json:"mapping"`
	File    string `json:"file"`
	Counts
	// Status says how the mapping's run ended.
	Status MappingStatus `json:"status"`
	// Error is the fatal error, if any.
	Error string `json:"error,omitempty"`
	// FirstErrors are the first few distinct errors of failed records
	// ("stage: message"), so that a run's causes show without opening the
	// dead-letter file.
	FirstErrors []string `json:"first_errors,omitempty"`
	// DependsOnOro counts the records of a dry run that did not ask Oro
	// whose POST or PATCH is a guess: they may be unchanged, or found in
	// Oro by their natural key (their lines say "depends_on_oro").
	DependsOnOro int `json:"depends_on_oro,omitempty"`
	// Checkpoint is the incremental cursor committed by this run, if any.
	Checkpoint json.RawMessage `json:"checkpoint,omitempty"`
	Duration   Duration        `json:"duration"`
}

// Report is the machine-readable result of a run.
type Report struct {
	DryRun bool `json:"dry_run"`
	// Verified is set when unchanged records were checked in Oro
	// (Options.Verify).
	Verified   bool            `json:"verified,omitempty"`
	Started    time.Time       `json:"started"`
	Duration   Duration        `json:"duration"`
	Mappings   []MappingReport `json:"mappings"`
	Total      Counts          `json:"total"`
	DeadLetter string          `json:"dead_letter,omitempty"`
	// PreviousDeadLetter is where the dead-letter file of an earlier run
	// was moved, so that the file at DeadLetter is this run's.
	PreviousDeadLetter string `json:"previous_dead_letter,omitempty"`
	// Oro sums up the requests to Oro, when a client was used.
	Oro *OroTotals `json:"oro,omitempty"`
	// Error says what went wrong after the mappings ran (the dry-run
	// output could not be written).
	Error string `json:"error,omitempty"`
	// ExitCode is the process exit code the run maps to (see README).
	ExitCode int `json:"exit_code"`
}

// OroTotals sums up a run's requests to Oro (the same numbers
// --metrics-addr serves).
type OroTotals struct {
	// Requests counts API requests, retries included, by method and
	// answer class ("2xx", "4xx", "5xx", "none").
	Requests map[string]map[string]int `json:"requests"`
	// Retries counts requests sent again, by reason.
	Retries map[string]int `json:"retries,omitempty"`
	// GaveUp counts requests that ran out of retry budget.
	GaveUp int `json:"gave_up,omitempty"`
	// TokenRequests counts OAuth2 token requests.
	TokenRequests int `json:"token_requests"`
	// RetryWait is the time spent waiting before retries.
	RetryWait Duration `json:"retry_wait"`
	// LimitDecreases counts the times 429 or 503 lowered the concurrency.
	LimitDecreases int `json:"limit_decreases,omitempty"`
}

// Exit codes of a run, as documented in README.md.
const (
	ExitOK            = 0
	ExitSomeFailed    = 1
	ExitUsage         = 2
	ExitCannotProceed = 3
)

// Duration marshals as seconds with millisecond precision.
type Duration time.Duration

// MarshalJSON implements json.Marshaler.
func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(fmt.Sprintf("%.3f", time.Duration(d).Seconds())), nil
}

// UnmarshalJSON implements json.Unmarshaler: seconds, as MarshalJSON writes.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var secs float64
	if err := json.Unmarshal(b, &secs); err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	*d = Duration(secs * float64(time.Second))
	return nil
}

func (r *Report) finish(start time.Time) {
	r.Duration = Duration(time.Since(start))
	r.Total = Counts{}
	r.ExitCode = ExitOK
	for _, m := range r.Mappings {
		r.Total.Read += m.Read
		r.Total.Created += m.Created
		r.Total.Updated += m.Updated
		r.Total.Unchanged += m.Unchanged
		r.Total.Skipped += m.Skipped
		r.Total.Failed += m.Failed
		r.Total.Documents += m.Documents
		switch m.Status {
		case StatusFatal, StatusNotRun:
			r.ExitCode = ExitCannotProceed
		case StatusFailed:
			if r.ExitCode == ExitOK {
				r.ExitCode = ExitSomeFailed
			}
		}
	}
	if r.Error != "" {
		r.ExitCode = ExitCannotProceed
	}
}

// WriteSummary prints a human-readable table of the report to w.
func (r *Report) WriteSummary(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "mapping\tread\tcreated\tupdated\tunchanged\tskipped\tfailed\tstatus\t")
	for _, m := range r.Mappings {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t\n", m.Mapping, m.Read, m.Created, m.Updated, m.Unchanged, m.Skipped, m.Failed, m.Status)
	}
	t := r.Total
	fmt.Fprintf(tw, "total\t%d\t%d\t%d\t%d\t%d\t%d\t\t\n", t.Read, t.Created, t.Updated, t.Unchanged, t.Skipped, t.Failed)
	tw.Flush()
	for _, m := range r.Mappings {
		if m.Error != "" {
			fmt.Fprintf(w, "%s: %s\n", m.Mapping, m.Error)
		}
		for _, e := range m.FirstErrors {
			fmt.Fprintf(w, "%s: failed record: %s\n", m.Mapping, e)
		}
	}
	if r.Error != "" {
		fmt.Fprintln(w, r.Error)
	}
	if r.Total.Failed > 0 && r.DeadLetter != "" {
		fmt.Fprintf(w, "%d failed record(s) written to %s\n", r.Total.Failed, r.DeadLetter)
	}
	if r.PreviousDeadLetter != "" {
		fmt.Fprintf(w, "the dead-letter file of an earlier run was kept as %s (retry its records with `orosync retry %s`)\n", r.PreviousDeadLetter, r.PreviousDeadLetter)
	}
	depends := 0
	for _, m := range r.Mappings {
		depends += m.DependsOnOro
	}
	if depends > 0 {
		fmt.Fprintf(w, "%d of these writes depend on what Oro holds (lookup() ids, records found by target.match), which this dry run did not ask: "+
			"they may be unchanged or PATCHes; `--dry-run --read-oro` asks Oro (GET requests only)\n", depends)
	}
	if r.DryRun {
		fmt.Fprintln(w, "dry run: nothing was sent to Oro and no state was changed")
	} else if r.Total.Unchanged > 0 && !r.Verified {
		fmt.Fprintf(w, "%d unchanged record(s) were not sent because the id map says Oro has them; `orosync run --verify` checks that they still exist (records deleted in Oro or lost in a restore are written again)\n", r.Total.Unchanged)
	}
}
