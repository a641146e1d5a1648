-- The current version of one reviewer's review of a contact (the qa_reviews_current rule, read
-- by key). Parameters: contact_id, reviewer.
SELECT contact_id, reviewer, version, rubric_version, section_ids, section_scores, section_na, section_comments, deduction_ids, deduction_counts, deduction_comments, critical_ids, critical_comments, finding_ids, finding_decisions, comment, sections_points, possible_points, base, deducted, critical, total, agent_id, channel, contact_start, written_by, written_at, written_ns, reason, write_id
FROM ${db}.qa_reviews
WHERE contact_id = ? AND reviewer = ?
ORDER BY version DESC, written_ns DESC
LIMIT 1
