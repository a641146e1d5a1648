-- The current state of every dispute of a contact. Parameter: contact_id.
SELECT dispute_id, contact_id, reviewer, review_version, agent_id, month, status, reason, opened_by, opened_at, resolution, resolved_by, resolved_at, new_version
FROM ${db}.qa_disputes_current
WHERE contact_id = ?
ORDER BY opened_at, dispute_id
