-- One call by id, latest delivery (the calls_latest rule, read by key). Parameter: call_id.
SELECT call_id, agent_id, customer_id, queue, direction, offered_at, answered_at, ended_at,
       hold_seconds, acw_seconds, resolved, resolved_at, inquiry, complaint, transferred, recording_url,
       toDate(offered_at, '${tz}') AS day
FROM ${db}.calls
WHERE call_id = ?
ORDER BY version DESC
LIMIT 1
