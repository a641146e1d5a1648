-- Mean points per rubric section over one agent's current reviews of contacts that started in
-- a month. Parameters: month (YYYY-MM-DD), agent_id.
SELECT section_id, avg(score) AS mean, count() AS n
FROM ${db}.qa_section_scores
WHERE month = toDate(?) AND agent_id = ?
GROUP BY section_id
ORDER BY section_id
