-- The month's sample as stored (current assignment of each contact). Parameter: month.
SELECT contact_id, channel, agent_id, start_at, toDate(start_at, '${tz}') AS day, reasons, reviewers, double_scored
FROM ${db}.qa_samples_latest
WHERE month = toDate(?)
ORDER BY agent_id, start_at, contact_id
