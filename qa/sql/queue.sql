-- Assigned contacts of a month with their review state, for a reviewer ('' = every reviewer)
-- and teams (empty = every team). version 0 means not reviewed yet (the LEFT JOIN fills in
-- defaults). Parameters: month, reviewer, reviewer, teams, teams.
SELECT contact_id, channel, agent_id, agent_name, team, start_at, reasons, reviewer, double_scored, version, total, written_at
FROM
(
    SELECT contact_id, channel, agent_id, start_at, reasons, reviewer, double_scored, version, total, written_at
    FROM
    (
        SELECT contact_id, channel, agent_id, start_at, reasons, reviewer, double_scored
        FROM ${db}.qa_assignments
        WHERE month = toDate(?) AND (? = '' OR reviewer = ?)
    )
    ALL LEFT JOIN
    (
        SELECT contact_id, reviewer, version, total, written_at
        FROM ${db}.qa_reviews_current
    ) USING (contact_id, reviewer)
)
ALL LEFT JOIN
(
    SELECT agent_id, name AS agent_name, team
    FROM ${db}.agents_latest
) USING (agent_id)
WHERE (empty(CAST(? AS Array(String))) OR has(CAST(? AS Array(String)), team))
ORDER BY start_at, contact_id, reviewer
