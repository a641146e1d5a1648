-- Auto-QA per agent for a month, with the agent's name. Parameter: month.
SELECT a.agent_id, name, chats_scanned, chats_with_findings, findings, finding_rate
FROM ${db}.qa_autoqa_agent_month AS a
ALL LEFT JOIN (SELECT agent_id, name FROM ${db}.agents_latest) USING (agent_id)
WHERE month = toDate(?)
ORDER BY agent_id
