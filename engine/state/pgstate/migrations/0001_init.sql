-- orosync state, version 1: the id map, its reverse index, per-mapping
-- checkpoint and last run, and the holders of the per-mapping run locks.
CREATE TABLE orosync_ids (
    instance text        NOT NULL,
    mapping  text        NOT NULL,
    key      text        NOT NULL,
    oro_id   text        NOT NULL,
    hash     text        NOT NULL DEFAULT '',
    updated  timestamptz NOT NULL,
    verified timestamptz,
    PRIMARY KEY (instance, mapping, key)
);

-- Oro id -> source key; one record per key, the last writer wins.
CREATE TABLE orosync_rev (
    instance text NOT NULL,
    mapping  text NOT NULL,
    oro_id   text NOT NULL,
    key      text NOT NULL,
    PRIMARY KEY (instance, mapping, oro_id)
);

-- One row per mapping that ever had state: checkpoint (raw JSON text, kept
-- exactly as given) and the last run (JSON).
CREATE TABLE orosync_meta (
    instance   text NOT NULL,
    mapping    text NOT NULL,
    checkpoint text,
    last_run   text,
    PRIMARY KEY (instance, mapping)
);

-- Who holds the advisory lock of a mapping's run (read by the loser). A row
-- whose backend no longer holds an advisory lock is stale (a crashed run).
CREATE TABLE orosync_locks (
    lock_key    bigint      PRIMARY KEY,
    backend_pid integer     NOT NULL,
    instance text        NOT NULL,
    mapping  text        NOT NULL,
    host     text        NOT NULL,
    pid      integer     NOT NULL,
    started  timestamptz NOT NULL,
    version  text        NOT NULL
);
