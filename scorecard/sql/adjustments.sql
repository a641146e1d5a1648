-- Manager entries of one month, optionally of one agent (empty = all), oldest first.
-- Parameters: the month's first day, agent_id, agent_id.
SELECT id, agent_id, month, item, points_micro, reason, user, created_at, reverses
FROM ${db}.adjustments
WHERE month = toDate(?) AND (? = '' OR agent_id = ?)
ORDER BY agent_id, created_at, id
