-- Raw event tables, one per Kafka topic, plus the dead-letter record.
--
-- Every raw table is a ReplacingMergeTree keyed by the event id and versioned by `version` (the
-- ingest time in nanoseconds), so re-delivered events collapse in the background. Queries never
-- rely on background merges: they de-duplicate explicitly (see views/), so a duplicate never
-- reaches a metric even before a merge ran.
--
-- Times are DateTime('UTC') at one-second resolution (DateTime64 is not in the 18.16 subset);
-- fractional seconds are truncated toward the past at ingest. The business time zone is applied
-- by the views, never at storage.

CREATE TABLE IF NOT EXISTS ${db}.calls (
    call_id String,
    agent_id String,
    customer_id String,
    queue String,
    direction String,
    offered_at DateTime('UTC'),
    answered_at Nullable(DateTime('UTC')),
    ended_at DateTime('UTC'),
    hold_seconds Float64,
    acw_seconds Float64,
    resolved UInt8,
    resolved_at Nullable(DateTime('UTC')),
    inquiry UInt8,
    complaint UInt8,
    transferred UInt8,
    recording_url String,
    src_topic String,
    src_partition Int32,
    src_offset Int64,
    ingested_at DateTime('UTC'),
    version UInt64
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(offered_at)
ORDER BY call_id;

CREATE TABLE IF NOT EXISTS ${db}.chats (
    chat_id String,
    agent_id String,
    customer_id String,
    queue String,
    started_at DateTime('UTC'),
    ended_at DateTime('UTC'),
    msg_at Array(DateTime('UTC')),
    msg_from Array(String),
    msg_text Array(String),
    resolved UInt8,
    resolved_at Nullable(DateTime('UTC')),
    inquiry UInt8,
    complaint UInt8,
    transferred UInt8,
    src_topic String,
    src_partition Int32,
    src_offset Int64,
    ingested_at DateTime('UTC'),
    version UInt64
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(started_at)
ORDER BY chat_id;

CREATE TABLE IF NOT EXISTS ${db}.surveys (
    survey_id String,
    interaction_id String,
    channel String,
    score UInt8,
    answered_at DateTime('UTC'),
    comment String,
    src_topic String,
    src_partition Int32,
    src_offset Int64,
    ingested_at DateTime('UTC'),
    version UInt64
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(answered_at)
ORDER BY survey_id;

-- An order has several events; one row per event, keyed by (order_id, at, status) so that a
-- re-delivered event collapses and a status change does not.
CREATE TABLE IF NOT EXISTS ${db}.orders (
    order_id String,
    status String,
    customer_id String,
    agent_id String,
    interaction_id String,
    amount_minor Int64,
    currency String,
    at DateTime('UTC'),
    src_topic String,
    src_partition Int32,
    src_offset Int64,
    ingested_at DateTime('UTC'),
    version UInt64
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(at)
ORDER BY (order_id, at, status);

-- Invalid messages, as also sent to the dead-letter topic. Keyed by their Kafka position so that
-- a message re-delivered after a crash is recorded once.
CREATE TABLE IF NOT EXISTS ${db}.ingest_errors (
    src_topic String,
    src_partition Int32,
    src_offset Int64,
    msg_key String,
    code String,
    field String,
    reason String,
    raw String,
    received_at DateTime('UTC'),
    version UInt64
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(received_at)
ORDER BY (src_topic, src_partition, src_offset);
