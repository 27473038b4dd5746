// Package engine is the orosync runtime: it reads the records of a mapping's
// source, applies the mapping's jq transform, resolves relationships, and
// writes the resulting JSON:API documents to Oro (or, in a dry run, prints the
// requests it would send).
//
// The flow for one mapping is
//
//	source.Reader ──records──▶ workers (key, transform, resolve, write) ──outcomes──▶ collector
//
// Records are processed concurrently but their outcomes are collected in
// source order, so dry-run output, dead-letter files and incremental
// checkpoints are deterministic. Every record ends in exactly one outcome:
// created, updated, unchanged, skipped or failed; failed records are written
// to the dead-letter file with the source record, the document and Oro's
// answer. A fatal error (authentication, an unreachable source or Oro, a
// misconfigured request that every record would hit) stops the mapping.
//
// State (the source key → Oro id map, document hashes and incremental
// checkpoints) lives in an embedded store (package engine/state) and moves only
// after Oro acknowledged the writes.
package engine
