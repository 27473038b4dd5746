package pgstate

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orosync/orosync/engine/state"
)

// DefaultTimeout bounds each statement of a state call (the engine's
// StateStore methods take no context).
const DefaultTimeout = 30 * time.Second

// ErrLocked is wrapped by Lock when another run holds the mapping's lock.
// It is state.ErrLocked, so errors.Is works the same for both stores.
var ErrLocked = state.ErrLocked

// ErrReadOnly is wrapped by write methods of a store opened read-only. It
// is state.ErrReadOnly, so errors.Is works the same for both stores.
var ErrReadOnly = state.ErrReadOnly

// Options configures Open.
type Options struct {
	// ReadOnly opens the store without writing (used by --dry-run): no
	// migration runs, writes fail with ErrReadOnly, and a database without
	// orosync's tables reads as empty state.
	ReadOnly bool
	// Version is the orosync version recorded with a lock holder.
	Version string
	// Timeout bounds each call; zero means DefaultTimeout.
	Timeout time.Duration
	// LockCheck is how often a held run lock's session is checked (see
	// Store.Lock); zero means DefaultLockCheck.
	LockCheck time.Duration
}

// Store is the PostgreSQL state store. It is safe for concurrent use.
type Store struct {
	pool      *pgxpool.Pool
	where     string   // the redacted URL, for messages
	secrets   []string // passwords in the URL, scrubbed from errors
	readOnly  bool
	empty     bool // read-only and the schema does not exist yet
	version   string
	timeout   time.Duration
	lockCheck time.Duration
}

// IsURL reports whether s selects the PostgreSQL backend (a postgres:// or
// postgresql:// URL).
func IsURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Open connects to the database at url (postgres://user:pass@host/db?...),
// checks it answers and, unless opts.ReadOnly, applies pending migrations.
func Open(ctx context.Context, rawURL string, opts Options) (*Store, error) {
	s := &Store{where: Redact(rawURL), secrets: passwords(rawURL), readOnly: opts.ReadOnly, version: opts.Version, timeout: opts.Timeout}
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}
	s.lockCheck = opts.LockCheck
	if s.lockCheck <= 0 {
		s.lockCheck = DefaultLockCheck
	}
	if s.version == "" {
		s.version = "unknown"
	}
	cfg, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		return nil, fmt.Errorf("state URL %s is not a valid PostgreSQL URL: %w; expected postgres://user:password@host:5432/database",
			s.where, s.scrub(err))
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "orosync"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to state database %s: %w", s.where, s.scrub(err))
	}
	s.pool = pool
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := pool.Ping(cctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to state database %s: %w; check that PostgreSQL runs and the URL's host, user and password", s.where, s.scrub(err))
	}
	if opts.ReadOnly {
		v, err := s.SchemaVersion(ctx)
		if err != nil {
			pool.Close()
			return nil, err
		}
		if v == 0 {
			s.empty = true
		} else if v > latest() {
			pool.Close()
			return nil, fmt.Errorf("state database %s has schema version %d, newer than this orosync knows (%d); upgrade orosync", s.where, v, latest())
		}
		return s, nil
	}
	if _, err := s.Migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the connections. Closing twice is harmless.
func (s *Store) Close() error {
	if s.pool != nil {
		s.pool.Close()
	}
	return nil
}

// Where returns the database URL with the password redacted.
func (s *Store) Where() string { return s.where }

// ctx returns a context bounded by the store's timeout.
func (s *Store) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), s.timeout)
}

// wrap adds what failed and where to err, the password scrubbed.
func (s *Store) wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s in state database %s: %w", what, s.where, s.scrub(err))
}

// checkWrite refuses writes to a read-only store.
func (s *Store) checkWrite(what string) error {
	if s.readOnly {
		return fmt.Errorf("%s in %s: %w", what, s.where, ErrReadOnly)
	}
	return nil
}

// scrub removes the URL's passwords (the user's, sslpassword's) from an
// error's text (drivers may repeat connection settings); errors without
// them keep their chain.
func (s *Store) scrub(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for _, p := range s.secrets {
		msg = strings.ReplaceAll(msg, p, "xxxxx")
	}
	if msg == err.Error() {
		return err
	}
	return errors.New(msg)
}

// isSecretParam reports whether a connection parameter holds a secret:
// password, sslpassword and any other *password*.
func isSecretParam(name string) bool {
	return strings.Contains(strings.ToLower(name), "password")
}

// kvPassword matches a password-like key=value pair of a connection string
// (password=, sslpassword=).
var kvPassword = regexp.MustCompile(`(?i)(\b\w*password\s*=\s*)('[^']*'|\S+)`)

// Redact returns a PostgreSQL URL or key=value connection string with its
// passwords (the user's, sslpassword and any other *password* parameter)
// replaced by xxxxx, for messages.
func Redact(raw string) string {
	if IsURL(raw) {
		u, err := url.Parse(raw)
		if err != nil {
			return "postgres://(unparsable URL)"
		}
		q := u.Query()
		changed := false
		for name := range q {
			if isSecretParam(name) {
				q.Set(name, "xxxxx")
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
		return u.Redacted()
	}
	return kvPassword.ReplaceAllString(raw, "${1}xxxxx")
}

// passwords returns the non-empty passwords in a connection string: the
// user's and those of password-like parameters, as written and decoded.
func passwords(raw string) []string {
	var out []string
	add := func(p string) {
		if p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	if IsURL(raw) {
		u, err := url.Parse(raw)
		if err != nil {
			return nil
		}
		if p, ok := u.User.Password(); ok {
			add(p)
		}
		for name, vs := range u.Query() {
			if isSecretParam(name) {
				for _, v := range vs {
					add(v)
					add(url.QueryEscape(v))
				}
			}
		}
		return out
	}
	for _, m := range kvPassword.FindAllStringSubmatch(raw, -1) {
		add(strings.Trim(m[2], "'"))
	}
	return out
}
