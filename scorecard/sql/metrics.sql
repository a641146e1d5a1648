-- The metrics a policy reads, per agent, for one month. ${columns} is the list of
-- ", CAST(<column> AS Nullable(Float64))" expressions the policy needs, built from column names
-- checked against system.columns. Parameter: the month's first day.
SELECT agent_id${columns}
FROM ${db}.agent_metrics_month
WHERE month = toDate(?) AND agent_id != ''
ORDER BY agent_id
