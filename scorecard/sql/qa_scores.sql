-- The QA score of each agent for one month when agent_metrics_month has no qa_score column:
-- the mean of the agent's reviewed contacts' scores (SPEC §5 qa_score). Parameter: the month's
-- first day.
SELECT agent_id, avg(score) AS qa_score, count() AS qa_n
FROM ${db}.qa_scores
WHERE month = toDate(?) AND agent_id != ''
GROUP BY agent_id
ORDER BY agent_id
