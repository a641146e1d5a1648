-- The chats of a month (business time zone, by start) with their messages, for auto-QA.
-- Parameter: month.
SELECT chat_id, agent_id, started_at, msg_at, msg_from, msg_text
FROM ${db}.chats_latest
WHERE toStartOfMonth(started_at, '${tz}') = toDate(?)
