-- The current sample row of one contact. Parameter: contact_id.
SELECT contact_id, channel, agent_id, start_at, toDate(start_at, '${tz}') AS day, reasons, reviewers, double_scored
FROM ${db}.qa_samples
WHERE contact_id = ?
ORDER BY version DESC
LIMIT 1
