// Package engine is the orosync runtime: it reads the records of a mapping's
// source, applies the mapping's jq transform, resolves relationships, and
// writes the resulting JSON:API documents to Oro (or, in a dry run, prints the
// requests it would send).
//
// Every record goes through one pipeline, which run.go lays out:
//
//	read → key → cursor → transform → resolve → decide → write → record
//
// The first stages need only CPU and run on every core (prepare.go); resolve
// (ref() and lookup() become Oro ids, resolve.go), decide (POST, PATCH,
// unchanged or skip, from the id map and target.match, decide.go) and write
// (write.go) run per record once the earlier records it depends on are done
// (plan.go); the last stage records outcomes in source order (settle.go), so
// dry-run output, dead-letter files and incremental checkpoints are
// deterministic. Every record ends in exactly one outcome: created, updated,
// unchanged, skipped or failed; failed records are written to the
// dead-letter file with the source record, the document, the stage that
// failed and Oro's answer. A fatal error (authentication, an unreachable
// source or Oro, a request format Oro refuses) stops the mapping; requests
// already sent are given time to answer, so that their outcome is recorded.
//
// State (the source key → Oro id map, document hashes and incremental
// checkpoints) lives in an embedded store (package engine/state) and moves
// only after Oro acknowledged the writes.
package engine
