-- An agent's row of agent_metrics_month. Parameters: agent_id, month.
SELECT contacts, asa_seconds, asa_n, aht_seconds, aht_n, csat, csat_mean, csat_n
FROM ${db}.agent_metrics_month
WHERE agent_id = ? AND month = toDate(?)
