-- The current reviews of contacts that started in a month (business time zone), for
-- calibration and listings. Parameter: month.
SELECT contact_id, reviewer, version, rubric_version, section_ids, section_scores, section_na, section_comments, deduction_ids, deduction_counts, deduction_comments, critical_ids, critical_comments, finding_ids, finding_decisions, comment, sections_points, possible_points, base, deducted, critical, total, agent_id, channel, contact_start, written_by, written_at, written_ns, reason, write_id
FROM ${db}.qa_reviews_current
WHERE toStartOfMonth(contact_start, '${tz}') = toDate(?)
ORDER BY contact_id, reviewer
