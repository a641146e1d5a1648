-- QA review (SPEC §6, package qa): rubrics, the monthly sample with its reviewer assignment,
-- reviews, disputes and auto-QA findings.
--
-- Reviews and disputes are append-only MergeTree tables: every version and every state change
-- is a row of its own and nothing is ever overwritten; views/20_qa.sql picks the current one.
-- Samples are append-only too (a row per change of a contact's assignment, latest version
-- wins). Auto-QA scans and findings are recomputable from the chats, so they are
-- ReplacingMergeTree tables where a rescan of unchanged chats collapses.

-- Every rubric a review was scored with, by content hash, so an old review can always be shown
-- against the rubric it used.
CREATE TABLE IF NOT EXISTS ${db}.qa_rubrics (
    version String,
    rubric_id String,
    content String,
    loaded_at DateTime('UTC')
) ENGINE = ReplacingMergeTree
ORDER BY version;

-- One row per sampled contact (and per later change of its reviewers). reasons: complaint,
-- low_survey, auto_qa, random. reviewers has two names when the contact is double-scored for
-- calibration.
CREATE TABLE IF NOT EXISTS ${db}.qa_samples (
    contact_id String,
    month Date,
    channel String,
    agent_id String,
    start_at DateTime('UTC'),
    reasons Array(String),
    reviewers Array(String),
    double_scored UInt8,
    seed Int64,
    run_id String,
    sampled_by String,
    sampled_at DateTime('UTC'),
    version UInt64
) ENGINE = MergeTree
PARTITION BY toYYYYMM(month)
ORDER BY (contact_id, version);

-- One row per version of a reviewer's review of a contact. The marks are parallel arrays by
-- rubric item; the computed score is stored beside them so it never changes after the fact.
CREATE TABLE IF NOT EXISTS ${db}.qa_reviews (
    contact_id String,
    reviewer String,
    version UInt32,
    rubric_version String,
    section_ids Array(String),
    section_scores Array(Int32),
    section_na Array(UInt8),
    section_comments Array(String),
    deduction_ids Array(String),
    deduction_counts Array(Int32),
    deduction_comments Array(String),
    critical_ids Array(String),
    critical_comments Array(String),
    finding_ids Array(String),
    finding_decisions Array(String),
    comment String,
    sections_points Int32,
    possible_points Int32,
    base Float64,
    deducted Int32,
    critical UInt8,
    total Float64,
    agent_id String,
    channel String,
    contact_start DateTime('UTC'),
    written_by String,
    written_at DateTime('UTC'),
    written_ns UInt64,
    reason String,
    write_id String
) ENGINE = MergeTree
ORDER BY (contact_id, reviewer, version, written_ns);

-- One row per state of a dispute (申诉): opened by a manager, then accepted or rejected by a QA
-- lead. The latest row (highest seq) is the dispute's current state.
CREATE TABLE IF NOT EXISTS ${db}.qa_disputes (
    dispute_id String,
    contact_id String,
    reviewer String,
    review_version UInt32,
    agent_id String,
    month Date,
    status String,
    reason String,
    opened_by String,
    opened_at DateTime('UTC'),
    resolution String,
    resolved_by String,
    resolved_at Nullable(DateTime('UTC')),
    new_version UInt32,
    seq UInt64
) ENGINE = MergeTree
ORDER BY (dispute_id, seq);

-- The latest auto-QA scan of each chat: which rubric and which messages it looked at
-- (scan_key) and how many findings it made, so a chat without findings is counted too.
CREATE TABLE IF NOT EXISTS ${db}.qa_scans (
    contact_id String,
    scan_key String,
    rubric_version String,
    agent_id String,
    start_at DateTime('UTC'),
    findings UInt32,
    scanned_at DateTime('UTC'),
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY contact_id;

CREATE TABLE IF NOT EXISTS ${db}.qa_findings (
    contact_id String,
    scan_key String,
    finding_id String,
    item_id String,
    kind String,
    pattern String,
    matched String,
    msg_index UInt32,
    msg_at DateTime('UTC'),
    text String,
    agent_id String,
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (contact_id, scan_key, finding_id);
