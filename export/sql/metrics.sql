-- Every agent's SPEC §5 metrics for a month, with their sample sizes (agent_metrics_month).
-- Parameter: the month's first day.
SELECT *
FROM ${db}.agent_metrics_month
WHERE month = toDate(?)
ORDER BY team, agent_id
