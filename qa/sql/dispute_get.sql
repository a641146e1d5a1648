-- The current state of one dispute. Parameter: dispute_id.
SELECT dispute_id, contact_id, reviewer, review_version, agent_id, month, status, reason, opened_by, opened_at, resolution, resolved_by, resolved_at, new_version
FROM ${db}.qa_disputes
WHERE dispute_id = ?
ORDER BY seq DESC
LIMIT 1
