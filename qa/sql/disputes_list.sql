-- The current state of disputes, open first, then newest. Parameter: status ('' for all).
SELECT dispute_id, contact_id, reviewer, review_version, agent_id, month, status, reason, opened_by, opened_at, resolution, resolved_by, resolved_at, new_version
FROM ${db}.qa_disputes_current
WHERE (? = '' OR status = ?)
ORDER BY status != 'open', opened_at DESC, dispute_id
