-- Every agent of the reference data (agents.csv), current version: the pickers, names and the
-- head count of each team. No parameters.
SELECT agent_id, name, team, level
FROM ${db}.agents_latest
ORDER BY team, agent_id
