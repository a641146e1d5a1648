-- A raw event table: sharded by the event id.
CREATE TABLE IF NOT EXISTS ${db}.calls (
    call_id String,
    version UInt64
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(offered_at)
ORDER BY call_id
