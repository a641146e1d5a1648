-- Per-agent metrics of one month (the agent_metrics_month view), with the agent's name and team
-- from the reference data. Parameter: the month's first day (Date).
SELECT
    month,
    agent_id,
    agent_name,
    team,
    contacts,
    asa_seconds,
    asa_n,
    aht_seconds,
    aht_n,
    csat,
    csat_mean,
    csat_n
FROM ${db}.agent_metrics_month
ALL LEFT JOIN
(
    SELECT agent_id, name AS agent_name, team
    FROM ${db}.agents_latest
) USING (agent_id)
WHERE month = toDate(?)
ORDER BY team, agent_id
