-- Every agent's team from the reference data.
SELECT agent_id, team FROM ${db}.agents_latest
