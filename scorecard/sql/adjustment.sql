-- One manager entry by id, and the id of the entry reversing it, if any. Parameters: id, id.
SELECT id, agent_id, month, item, points_micro, reason, user, created_at, reverses,
       (SELECT any(id) FROM ${db}.adjustments WHERE reverses = ?) AS reversed_by
FROM ${db}.adjustments
WHERE id = ?
LIMIT 1
