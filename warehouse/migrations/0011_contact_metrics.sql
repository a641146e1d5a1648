-- Pre-computed per-contact rows for fast metrics (README "Metrics", "Speed").
--
-- contact_metrics holds, per business month, one row per contact (de-duplicated) with its
-- contact_facts values and its FCR repeat flag: the two parts of the metrics that cost seconds
-- per query on a year of traffic (de-duplication of ~1M rows, and the 7-day repeat-contact
-- search over every customer's contacts). `ccqa metrics` (metrics.Rows) rebuilds a month here
-- before reading it whenever its inputs changed since the last build (input_marks below), with
-- the same SQL the views use, into a scratch table that it then swaps in atomically (REPLACE
-- PARTITION), so a read is never stale and never sees half a month. The views do not read this
-- table: they compute from contact_facts directly.

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
    repeated UInt8
) ENGINE = MergeTree
PARTITION BY month
ORDER BY (agent_id, start_at, contact_id)
SETTINGS index_granularity = 1024;

-- One row per build of a month: the business time zone it was built in and the input marks it
-- saw. The latest build (greatest version) counts.
CREATE TABLE IF NOT EXISTS ${db}.contact_metrics_builds (
    month Date,
    tz String,
    contacts_mark UInt64,
    built_at DateTime('UTC'),
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY month;

-- input_marks: the greatest version (ingest time in ns) of the calls and chats stored per UTC
-- month of their start, kept by materialized views on every insert. A month's build is current
-- when no UTC month that can hold its contacts or their 7-day repeat window has a greater mark
-- than the build saw. A re-delivery also raises the mark: that costs a rebuild, never a stale
-- answer.
CREATE TABLE IF NOT EXISTS ${db}.input_marks (
    source String,
    utc_month UInt32,
    max_version AggregateFunction(max, UInt64)
) ENGINE = AggregatingMergeTree
ORDER BY (source, utc_month);

CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.input_marks_from_calls TO ${db}.input_marks AS
SELECT 'contacts' AS source, toYYYYMM(offered_at) AS utc_month, maxState(version) AS max_version
FROM ${db}.calls
GROUP BY source, utc_month;

CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.input_marks_from_chats TO ${db}.input_marks AS
SELECT 'contacts' AS source, toYYYYMM(started_at) AS utc_month, maxState(version) AS max_version
FROM ${db}.chats
GROUP BY source, utc_month;

INSERT INTO ${db}.input_marks (source, utc_month, max_version)
SELECT 'contacts' AS source, toYYYYMM(start_at) AS utc_month, maxState(version) AS max_version
FROM ${db}.contact_facts
GROUP BY source, utc_month;

-- survey_facts: surveys keyed by a 64-bit hash of the contact they rate, so that the surveys of
-- a month's contacts are found with an integer set instead of a string set. The hash only
-- narrows the search: surveys are joined to contacts by the full id, so a hash collision
-- cannot attribute a survey to the wrong contact. Re-deliveries collapse like in the raw table
-- (latest version of a survey_id wins at read time).
CREATE TABLE IF NOT EXISTS ${db}.survey_facts (
    interaction_key UInt64,
    interaction_id String,
    survey_id String,
    score UInt8,
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (interaction_key, survey_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.survey_facts_from_surveys TO ${db}.survey_facts AS
SELECT cityHash64(interaction_id) AS interaction_key, interaction_id, survey_id, score, version
FROM ${db}.surveys;

INSERT INTO ${db}.survey_facts (interaction_key, interaction_id, survey_id, score, version)
SELECT cityHash64(interaction_id) AS interaction_key, interaction_id, survey_id, score, version
FROM ${db}.surveys;
