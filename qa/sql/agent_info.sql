-- An agent's name and team from the reference data. Parameter: agent_id.
SELECT name, team FROM ${db}.agents_latest WHERE agent_id = ?
