INSERT INTO ${db}.qa_disputes (dispute_id, contact_id, reviewer, review_version, agent_id, month, status, reason, opened_by, opened_at, resolution, resolved_by, resolved_at, new_version, seq)
