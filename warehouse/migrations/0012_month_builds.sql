-- Month builds.
--
-- contact_metrics holds, per business month, one row per contact (de-duplicated) with its
-- contact_facts values, its FCR repeat flag and its surveys: everything of the metrics that
-- costs seconds per query on a year of traffic (de-duplication of ~1M rows, the 7-day repeat
-- search over every customer's contacts, the survey join). `ccqa metrics` (metrics.Rows)
-- rebuilds a month before reading it whenever data that can change it was stored since its last
-- build, with the same SQL the views use, into a scratch table that it swaps in atomically
-- (REPLACE PARTITION): a read is never stale and never sees half a month.
--
-- Staleness is decided by the server's clock at insert time, not by event versions (which come
-- from the clocks of many ingest replicas): insert_marks keeps, per source and UTC month, the
-- last time (server now()) a row was inserted; survey_facts keeps each survey's insert time.
-- A build records seen_until = its start minus a margin (metrics.buildMargin) and is current
-- while nothing relevant was inserted after seen_until.

CREATE TABLE IF NOT EXISTS ${db}.contact_metrics (
    month Date,
    contact_id String,
    contact_key UInt64,
    channel String,
    agent_id String,
    customer_id String,
    queue String,
    inbound UInt8,
    start_at DateTime('UTC'),
    handled UInt8,
    answered UInt8,
    wait_seconds Int64,
    handle_seconds Float64,
    c_frt_n UInt8,
    c_frt_seconds Int64,
    c_art_n UInt32,
    c_art_sum Int64,
    c_res_n UInt8,
    c_res_seconds Int64,
    resolved UInt8,
    inquiry UInt8,
    complaint UInt8,
    repeated UInt8,
    s_n UInt64,
    s_satisfied UInt64,
    s_score_sum UInt64
) ENGINE = MergeTree
PARTITION BY month
ORDER BY (agent_id, start_at, contact_id)
SETTINGS index_granularity = 1024;

-- One row per build (or re-check) of a month; the latest (greatest version) counts.
CREATE TABLE IF NOT EXISTS ${db}.contact_metrics_builds (
    month Date,
    tz String,
    seen_until DateTime('UTC'),
    built_at DateTime('UTC'),
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY month;

CREATE TABLE IF NOT EXISTS ${db}.insert_marks (
    source String,
    utc_month UInt32,
    last_insert AggregateFunction(max, DateTime('UTC'))
) ENGINE = AggregatingMergeTree
ORDER BY (source, utc_month);

CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.insert_marks_from_calls TO ${db}.insert_marks AS
SELECT 'contacts' AS source, toYYYYMM(offered_at) AS utc_month, maxState(toDateTime(now(), 'UTC')) AS last_insert
FROM ${db}.calls
GROUP BY source, utc_month;

CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.insert_marks_from_chats TO ${db}.insert_marks AS
SELECT 'contacts' AS source, toYYYYMM(started_at) AS utc_month, maxState(toDateTime(now(), 'UTC')) AS last_insert
FROM ${db}.chats
GROUP BY source, utc_month;

CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.insert_marks_from_surveys TO ${db}.insert_marks AS
SELECT 'surveys' AS source, toUInt32(0) AS utc_month, maxState(toDateTime(now(), 'UTC')) AS last_insert
FROM ${db}.surveys
GROUP BY source, utc_month;

-- survey_facts: surveys keyed by a 64-bit hash of the contact they rate, so that the surveys of
-- a month's contacts are found with an integer set; the hash only narrows the search (surveys
-- join contacts by the full id, so a collision cannot misattribute one). inserted_at is the
-- server time of the insert. Re-deliveries collapse (latest version of a survey_id wins).
CREATE TABLE IF NOT EXISTS ${db}.survey_facts (
    interaction_key UInt64,
    interaction_id String,
    survey_id String,
    score UInt8,
    inserted_at DateTime('UTC'),
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (interaction_key, survey_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.survey_facts_from_surveys TO ${db}.survey_facts AS
SELECT cityHash64(interaction_id) AS interaction_key, interaction_id, survey_id, score,
       toDateTime(now(), 'UTC') AS inserted_at, version
FROM ${db}.surveys;

-- Backfill from what is stored.
INSERT INTO ${db}.survey_facts (interaction_key, interaction_id, survey_id, score, inserted_at, version)
SELECT cityHash64(interaction_id) AS interaction_key, interaction_id, survey_id, score,
       toDateTime(now(), 'UTC') AS inserted_at, version
FROM ${db}.surveys;

INSERT INTO ${db}.insert_marks (source, utc_month, last_insert)
SELECT 'contacts' AS source, toYYYYMM(start_at) AS utc_month, maxState(toDateTime(now(), 'UTC')) AS last_insert
FROM ${db}.contact_facts
GROUP BY source, utc_month;

INSERT INTO ${db}.insert_marks (source, utc_month, last_insert)
SELECT 'surveys' AS source, toUInt32(0) AS utc_month, maxState(inserted_at) AS last_insert
FROM ${db}.survey_facts;
