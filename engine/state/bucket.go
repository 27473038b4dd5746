package state

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Names of the buckets inside a mapping bucket and of the keys in meta.
var (
	idsBucket     = []byte("ids")
	revBucket     = []byte("rev") // Oro id → source key
	metaBucket    = []byte("meta")
	checkpointKey = []byte("checkpoint")
	runKey        = []byte("run")
)

// maxKeyLen is bbolt's limit on key (and bucket name) length. Every store
// applies it, so that state exported from one imports into the other.
const maxKeyLen = bolt.MaxKeySize

// CheckScope validates an instance and a mapping name (mapping may be empty
// only where allowMappingAll is set), as every state store does.
func CheckScope(instance, mapping string, allowMappingAll bool) error {
	switch {
	case instance == "":
		return errors.New("empty Oro instance; pass the normalised API base URL (see state.Instance)")
	case len(instance) > maxKeyLen:
		return fmt.Errorf("instance %.40q… is longer than %d bytes", instance, maxKeyLen)
	case mapping == "" && !allowMappingAll:
		return fmt.Errorf("empty mapping name for instance %s; every mapping needs a name", instance)
	case len(mapping) > maxKeyLen:
		return fmt.Errorf("mapping name %.40q… is longer than %d bytes", mapping, maxKeyLen)
	}
	return nil
}

// checkKey validates a source key before it is written.
func checkKey(instance, mapping, key string) error {
	switch {
	case key == "":
		return fmt.Errorf("mapping %s on %s: empty source key; check the mapping's target.key expression", mapping, instance)
	case len(key) > maxKeyLen:
		return fmt.Errorf("mapping %s on %s: source key %.40q… is longer than %d bytes", mapping, instance, key, maxKeyLen)
	}
	return nil
}

// mappingBucket returns the bucket of one mapping, or nil if absent.
func mappingBucket(root *bolt.Bucket, instance, mapping string) *bolt.Bucket {
	if root == nil {
		return nil
	}
	inst := root.Bucket([]byte(instance))
	if inst == nil {
		return nil
	}
	return inst.Bucket([]byte(mapping))
}

// child returns a named sub-bucket of b, or nil if b is nil or it is absent.
func child(b *bolt.Bucket, name []byte) *bolt.Bucket {
	if b == nil {
		return nil
	}
	return b.Bucket(name)
}

// createChild returns the sub-bucket instance/mapping/name, creating the path.
func createChild(root *bolt.Bucket, instance, mapping string, name []byte) (*bolt.Bucket, error) {
	b := root
	for _, n := range [][]byte{[]byte(instance), []byte(mapping), name} {
		var err error
		if b, err = b.CreateBucketIfNotExists(n); err != nil {
			return nil, fmt.Errorf("create bucket %q: %w", n, err)
		}
	}
	return b, nil
}

// clone copies a value out of a transaction; bbolt's slices die with it.
func clone(v []byte) []byte {
	if v == nil {
		return nil
	}
	return append(make([]byte, 0, len(v)), v...)
}
