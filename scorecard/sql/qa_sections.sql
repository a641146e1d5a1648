-- Points given per QA rubric section to each agent's reviews of contacts that started in one
-- month (business time zone ${tz}), by rubric version, so that the section's maximum can be
-- taken from the rubric each review used. Sections marked N/A are left out. Parameter: the
-- month's first day.
SELECT agent_id, rubric_version, section_id, toFloat64(sum(section_score)) AS points, count() AS reviews
FROM ${db}.qa_reviews_current
ARRAY JOIN section_ids AS section_id, section_scores AS section_score, section_na AS na
WHERE na = 0 AND agent_id != '' AND toStartOfMonth(contact_start, '${tz}') = toDate(?)
GROUP BY agent_id, rubric_version, section_id
