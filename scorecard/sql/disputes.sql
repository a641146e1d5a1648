-- QA disputes (申诉) still open for contacts of one month (package qa's qa_disputes_open view).
-- Parameter: the month's first day.
SELECT dispute_id, contact_id, agent_id, reviewer, opened_by, opened_at, reason
FROM ${db}.qa_disputes_open
WHERE month = toDate(?)
ORDER BY agent_id, opened_at, dispute_id
