-- Every agent's name and team from the reference data (agents.csv).
SELECT agent_id, name, team
FROM ${db}.agents_latest
