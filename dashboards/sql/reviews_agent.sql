-- One agent's latest current QA reviews (each reviewer's current version), newest contact
-- first, with the reviewer's overall comment. Parameters: agent_id, end of range (exclusive,
-- 'YYYY-MM-DD hh:mm:ss' UTC).
SELECT contact_id, reviewer, version, total, critical, channel, contact_start, written_at, comment
FROM ${db}.qa_reviews_current
WHERE agent_id = ? AND contact_start < toDateTime(?, 'UTC')
ORDER BY contact_start DESC, contact_id, reviewer
LIMIT 20
