-- Calls and chats in one shape, bucketed in the business time zone (${tz}) by their start:
-- offered_at for calls, started_at for chats (SPEC §5 attribution). `handled` marks answered
-- calls and chats with an agent; wait_seconds and handle_seconds are meaningful only when
-- handled = 1.

CREATE VIEW ${db}.contacts AS
SELECT
    'call' AS channel,
    call_id AS contact_id,
    agent_id,
    customer_id,
    queue,
    offered_at AS start_at,
    toDate(offered_at, '${tz}') AS day,
    toMonday(offered_at, '${tz}') AS week,
    toStartOfMonth(offered_at, '${tz}') AS month,
    toUInt8(isNotNull(answered_at) AND agent_id != '') AS handled,
    toInt64(ifNull(answered_at, offered_at)) - toInt64(offered_at) AS wait_seconds,
    toFloat64(toInt64(ended_at) - toInt64(ifNull(answered_at, ended_at))) + if(isNull(answered_at), 0., acw_seconds) AS handle_seconds,
    resolved,
    resolved_at,
    inquiry,
    complaint,
    transferred
FROM ${db}.calls_latest
UNION ALL
SELECT
    'chat' AS channel,
    chat_id AS contact_id,
    agent_id,
    customer_id,
    queue,
    started_at AS start_at,
    toDate(started_at, '${tz}') AS day,
    toMonday(started_at, '${tz}') AS week,
    toStartOfMonth(started_at, '${tz}') AS month,
    toUInt8(agent_id != '') AS handled,
    toInt64(0) AS wait_seconds,
    toFloat64(toInt64(ended_at) - toInt64(started_at)) AS handle_seconds,
    resolved,
    resolved_at,
    inquiry,
    complaint,
    transferred
FROM ${db}.chats_latest;
