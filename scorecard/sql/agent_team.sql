-- One agent's team from the reference data ("" when unknown). Parameter: agent_id.
SELECT team
FROM ${db}.agents_latest
WHERE agent_id = ?
