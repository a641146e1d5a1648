-- Mean points per rubric section over the current reviews of a team's agents' contacts that
-- started in a month (N/A sections are not in qa_section_scores). A double-scored contact
-- counts once per reviewer. Parameters: month (YYYY-MM-DD), team.
SELECT section_id, avg(score) AS mean, count() AS n
FROM ${db}.qa_section_scores
WHERE month = toDate(?)
  AND agent_id IN (SELECT agent_id FROM ${db}.agents_latest WHERE team = ?)
GROUP BY section_id
ORDER BY section_id
