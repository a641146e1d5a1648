-- QA review views (package qa). Every table behind them is append-only; these pick the current
-- row of each thing, and bucket contacts in the business time zone (${tz}) by their start, like
-- the contacts view.

-- The current sample row of each contact (its latest reviewer assignment).
CREATE VIEW ${db}.qa_samples_latest AS
SELECT contact_id, month, channel, agent_id, start_at, reasons, reviewers, double_scored, seed,
       run_id, sampled_by, sampled_at, version
FROM ${db}.qa_samples
ORDER BY contact_id, version DESC
LIMIT 1 BY contact_id;

-- One row per (contact, reviewer) assigned.
CREATE VIEW ${db}.qa_assignments AS
SELECT contact_id, month, channel, agent_id, start_at, reasons, reviewer, double_scored
FROM ${db}.qa_samples_latest
ARRAY JOIN reviewers AS reviewer;

-- The current version of each reviewer's review of each contact. Two versions with the same
-- number (two edits racing from two servers) are both kept in qa_reviews; the later write wins.
CREATE VIEW ${db}.qa_reviews_current AS
SELECT *
FROM ${db}.qa_reviews
ORDER BY contact_id, reviewer, version DESC, written_ns DESC
LIMIT 1 BY contact_id, reviewer;

-- Per reviewed contact: its QA score (0-100), the mean of its reviewers' current reviews (one
-- review, or two for a contact double-scored for calibration). The metrics read qa_score from
-- here: qa_scores(agent_id, contact_id, day, week, month, score).
CREATE VIEW ${db}.qa_scores AS
SELECT
    agent_id,
    contact_id,
    channel,
    toDate(contact_start, '${tz}') AS day,
    toMonday(contact_start, '${tz}') AS week,
    toStartOfMonth(contact_start, '${tz}') AS month,
    score,
    reviews
FROM
(
    SELECT contact_id, any(agent_id) AS agent_id, any(channel) AS channel,
           any(contact_start) AS contact_start, avg(total) AS score, count() AS reviews
    FROM ${db}.qa_reviews_current
    GROUP BY contact_id
);

-- Per current review and section: the points given, for a section breakdown (N/A sections are
-- left out).
CREATE VIEW ${db}.qa_section_scores AS
SELECT
    agent_id,
    contact_id,
    reviewer,
    toDate(contact_start, '${tz}') AS day,
    toMonday(contact_start, '${tz}') AS week,
    toStartOfMonth(contact_start, '${tz}') AS month,
    section_id,
    section_score AS score
FROM ${db}.qa_reviews_current
ARRAY JOIN section_ids AS section_id, section_scores AS section_score, section_na AS na
WHERE na = 0;

-- The current state of each dispute.
CREATE VIEW ${db}.qa_disputes_current AS
SELECT dispute_id, contact_id, reviewer, review_version, agent_id, month, status, reason,
       opened_by, opened_at, resolution, resolved_by, resolved_at, new_version, seq
FROM ${db}.qa_disputes
ORDER BY dispute_id, seq DESC
LIMIT 1 BY dispute_id;

-- Disputes still waiting for a QA lead, for the monthly rollup to see.
CREATE VIEW ${db}.qa_disputes_open AS
SELECT dispute_id, contact_id, reviewer, review_version, agent_id, month, reason, opened_by, opened_at
FROM ${db}.qa_disputes_current
WHERE status = 'open';

-- The latest auto-QA scan of each chat.
CREATE VIEW ${db}.qa_scans_latest AS
SELECT contact_id, scan_key, rubric_version, agent_id, start_at, findings, scanned_at
FROM ${db}.qa_scans
ORDER BY contact_id, version DESC
LIMIT 1 BY contact_id;

-- The findings of each chat's latest scan.
CREATE VIEW ${db}.qa_findings_current AS
SELECT contact_id, scan_key, finding_id, item_id, kind, pattern, matched, msg_index, msg_at,
       text, agent_id
FROM ${db}.qa_findings
WHERE (contact_id, scan_key) IN (SELECT contact_id, scan_key FROM ${db}.qa_scans_latest)
ORDER BY contact_id, finding_id, version DESC
LIMIT 1 BY contact_id, finding_id;

-- Auto-QA per agent and month: chats scanned, chats with at least one finding, findings, and
-- the finding rate (chats with findings / chats scanned; NULL without scanned chats).
CREATE VIEW ${db}.qa_autoqa_agent_month AS
SELECT
    month,
    agent_id,
    chats_scanned,
    chats_with_findings,
    findings_sum AS findings,
    if(chats_scanned = 0, NULL, chats_with_findings / chats_scanned) AS finding_rate,
    if(chats_scanned = 0, NULL, findings_sum / chats_scanned) AS findings_per_chat
FROM
(
    SELECT
        toStartOfMonth(start_at, '${tz}') AS month,
        agent_id,
        count() AS chats_scanned,
        countIf(findings > 0) AS chats_with_findings,
        sum(findings) AS findings_sum
    FROM ${db}.qa_scans_latest
    GROUP BY month, agent_id
);
