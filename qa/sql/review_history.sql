-- Every stored version of the reviews of a contact, oldest first per reviewer.
-- Parameter: contact_id.
SELECT contact_id, reviewer, version, rubric_version, section_ids, section_scores, section_na, section_comments, deduction_ids, deduction_counts, deduction_comments, critical_ids, critical_comments, finding_ids, finding_decisions, comment, sections_points, possible_points, base, deducted, critical, total, agent_id, channel, contact_start, written_by, written_at, written_ns, reason, write_id
FROM ${db}.qa_reviews
WHERE contact_id = ?
ORDER BY reviewer, version, written_ns
