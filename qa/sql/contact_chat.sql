-- One chat by id, latest delivery (the chats_latest rule, read by key). Parameter: chat_id.
SELECT chat_id, agent_id, customer_id, queue, started_at, ended_at, msg_at, msg_from, msg_text,
       resolved, resolved_at, inquiry, complaint, transferred, toDate(started_at, '${tz}') AS day
FROM ${db}.chats
WHERE chat_id = ?
ORDER BY version DESC
LIMIT 1
