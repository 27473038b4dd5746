package state

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// FileName is the name of the store file inside the state directory.
const FileName = "orosync.db"

// DefaultTimeout is how long Open waits for the file lock held by another run.
const DefaultTimeout = time.Second

var (
	// ErrLocked is wrapped by Open when another process (or another Open in
	// this process) holds the store's file lock.
	ErrLocked = errors.New("locked by another orosync run")

	// ErrReadOnly is wrapped by write methods of a store opened read-only.
	ErrReadOnly = errors.New("state store is open read-only")
)

// rootBucket holds every instance bucket; a new format gets a new name.
var rootBucket = []byte("v1")

// Options configures Open.
type Options struct {
	// ReadOnly opens the store without write access (used by --dry-run).
	// If the store file does not exist, Open creates nothing and returns an
	// empty store: lookups find nothing and writes fail with ErrReadOnly.
	ReadOnly bool

	// Timeout is how long to wait for the file lock; zero means
	// DefaultTimeout.
	Timeout time.Duration
}

// Store is the embedded state store. It is safe for concurrent use by
// multiple goroutines.
type Store struct {
	db       *bolt.DB // nil for a read-only view of a store that does not exist
	path     string
	readOnly bool
}

// Open opens (creating if needed) the store file FileName inside dir.
// The directory is created with mode 0700 and the file with mode 0600.
func Open(dir string, opts Options) (*Store, error) {
	path := filepath.Join(dir, FileName)
	s := &Store{path: path, readOnly: opts.ReadOnly}
	if opts.ReadOnly {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return s, nil
		}
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create state directory %s: %w", dir, err)
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout, ReadOnly: opts.ReadOnly})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("state store %s is %w (waited %s); wait for it to finish or use another state directory",
			path, ErrLocked, timeout)
	}
	if err != nil {
		return nil, fmt.Errorf("open state store %s: %w; if the file is damaged, move it away to start with empty state", path, err)
	}
	s.db = db
	return s, nil
}

// Close releases the file and its lock. Closing twice is harmless.
func (s *Store) Close() error {
	if s.db == nil {
		return nil
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close state store %s: %w", s.path, err)
	}
	return nil
}

// Path returns the path of the store file.
func (s *Store) Path() string { return s.path }

// ReadOnly reports whether the store was opened read-only.
func (s *Store) ReadOnly() bool { return s.readOnly }

// view runs fn in a read transaction. fn receives the root bucket, which is
// nil when the store holds no data yet.
func (s *Store) view(fn func(root *bolt.Bucket) error) error {
	if s.db == nil {
		return fn(nil)
	}
	return s.db.View(func(tx *bolt.Tx) error { return fn(tx.Bucket(rootBucket)) })
}

// update runs fn in a write transaction with the root bucket created.
func (s *Store) update(what string, fn func(root *bolt.Bucket) error) error {
	if s.readOnly {
		return fmt.Errorf("%s in %s: %w", what, s.path, ErrReadOnly)
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		root, err := tx.CreateBucketIfNotExists(rootBucket)
		if err != nil {
			return err
		}
		return fn(root)
	})
	if err != nil {
		return fmt.Errorf("%s in state store %s: %w", what, s.path, err)
	}
	return nil
}
