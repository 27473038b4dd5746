package resources

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is an Oro release number such as 6.1.3. The zero Version means
// "unknown".
type Version struct{ Major, Minor, Patch int }

// ParseVersion reads "6.1.3", "v6.1", "6.0.4-rc1" (the suffix is ignored).
func ParseVersion(s string) (Version, error) {
	var n [3]int
	parts := strings.SplitN(strings.TrimPrefix(strings.TrimSpace(s), "v"), ".", 3)
	for i, p := range parts {
		p, _, _ = strings.Cut(p, "-")
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 {
			return Version{}, fmt.Errorf("%q is not an Oro version such as 6.1.3", s)
		}
		n[i] = v
	}
	if n == [3]int{} {
		return Version{}, fmt.Errorf("%q is not an Oro version such as 6.1.3", s)
	}
	return Version{n[0], n[1], n[2]}, nil
}

// MustVersion parses a version known to be valid (table entries).
func MustVersion(s string) Version {
	v, err := ParseVersion(s)
	if err != nil {
		panic(err)
	}
	return v
}

// IsZero reports whether the version is unknown.
func (v Version) IsZero() bool { return v == Version{} }

// Less reports whether v is older than w.
func (v Version) Less(w Version) bool {
	if v.Major != w.Major {
		return v.Major < w.Major
	}
	if v.Minor != w.Minor {
		return v.Minor < w.Minor
	}
	return v.Patch < w.Patch
}

// String renders the version as "6.1.3" ("unknown" for the zero value).
func (v Version) String() string {
	if v.IsZero() {
		return "unknown"
	}
	return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
}

// Feature is an API feature that not every Oro version has.
type Feature struct {
	// Name says what it is, for messages ("meta.upsert").
	Name string
	// Since is the first release that has it.
	Since Version
	// Note qualifies Since when a feature was backported (5.1.2 has upsert
	// but 5.1.0 and 5.1.1 do not).
	Note string
}

// Features whose availability depends on the version (oro-api.md §14).
var (
	// Upsert is meta.upsert on create (§7): 5.1.2 and every release from
	// 6.0.0 on.
	Upsert = Feature{Name: "meta.upsert", Since: Version{5, 1, 2}}
	// SyncBatch is the synchronous Batch API, X-Mode: sync (§10.2): 6.0.4+.
	SyncBatch = Feature{Name: "the synchronous Batch API (X-Mode: sync)", Since: Version{6, 0, 4}}
	// AsyncBatch is the asynchronous Batch API (§10.1): 4.1.3+.
	AsyncBatch = Feature{Name: "the Batch API", Since: Version{4, 1, 3}}
)

// In reports whether the feature exists in version v; an unknown version
// is assumed to have it (the instance then answers for itself).
func (f Feature) In(v Version) bool { return v.IsZero() || !v.Less(f.Since) }
