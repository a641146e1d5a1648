-- contact_facts: one row per call or chat with every per-contact quantity the SPEC §5 metrics
-- need, computed once when the event is inserted (materialized views below) instead of on every
-- query. It is what makes the metrics fast on a year of traffic: the table is sorted by
-- (agent_id, start_at), so one agent's year is a few granules, and a month is one or two
-- partitions.
--
-- Re-delivery: a re-delivered call or chat is inserted into the raw table again, so the
-- materialized view inserts its facts again with the same (agent_id, start_at, contact_id) key.
-- ReplacingMergeTree(version) collapses such rows in the background and every query reads the
-- table with FINAL, which collapses them at read time too, so a duplicate never counts, merged
-- or not. This relies on a re-delivered event carrying the same agent and start time as the
-- first delivery (it is the same CDR or chat session, SPEC §3); see README "Metrics".
--
-- Columns (all durations in whole seconds, times DateTime('UTC')):
--   channel        'call' or 'chat'
--   inbound        1 for chats and for calls whose direction is not 'outbound'
--   start_at       offered_at (calls) or started_at (chats): the attribution time
--   handled        answered call with an agent, or chat with an agent
--   answered       call answered (answered_at present); 0 for chats
--   wait_seconds   answered_at - offered_at for answered calls, else 0
--   handle_seconds calls (ended_at - answered_at) + acw_seconds, chats ended_at - started_at;
--                  0 when not handled
--   frt_n, frt_seconds  1 and the first response time when the chat's first non-system
--                  message is the customer's and an agent message follows; else 0, 0
--   art_n, art_sum number of answered customer turns of the chat and the sum of their
--                  response times (see the chat view below)
--   res_n, res_seconds  1 and resolved_at - start for handled contacts with resolved = true and
--                  a resolved_at; else 0, 0

CREATE TABLE IF NOT EXISTS ${db}.contact_facts (
    contact_id String,
    channel String,
    agent_id String,
    customer_id String,
    queue String,
    inbound UInt8,
    start_at DateTime('UTC'),
    handled UInt8,
    answered UInt8,
    wait_seconds Int64,
    handle_seconds Float64,
    frt_n UInt8,
    frt_seconds Int64,
    art_n UInt32,
    art_sum Int64,
    res_n UInt8,
    res_seconds Int64,
    resolved UInt8,
    inquiry UInt8,
    complaint UInt8,
    version UInt64
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(start_at)
ORDER BY (agent_id, start_at, contact_id)
SETTINGS index_granularity = 1024;

CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.contact_facts_from_calls TO ${db}.contact_facts AS
SELECT
    call_id AS contact_id,
    'call' AS channel,
    agent_id,
    customer_id,
    queue,
    toUInt8(direction != 'outbound') AS inbound,
    offered_at AS start_at,
    toUInt8(isNotNull(answered_at) AND agent_id != '') AS handled,
    toUInt8(isNotNull(answered_at)) AS answered,
    toInt64(ifNull(toInt64(answered_at) - toInt64(offered_at), 0)) AS wait_seconds,
    if(isNotNull(answered_at) AND agent_id != '',
       toFloat64(toInt64(ended_at) - toInt64(ifNull(answered_at, ended_at))) + acw_seconds, 0.) AS handle_seconds,
    toUInt8(0) AS frt_n,
    toInt64(0) AS frt_seconds,
    toUInt32(0) AS art_n,
    toInt64(0) AS art_sum,
    toUInt8(resolved = 1 AND isNotNull(resolved_at) AND isNotNull(answered_at) AND agent_id != '') AS res_n,
    if(resolved = 1 AND isNotNull(resolved_at) AND isNotNull(answered_at) AND agent_id != '',
       toInt64(ifNull(toInt64(resolved_at) - toInt64(offered_at), 0)), toInt64(0)) AS res_seconds,
    resolved,
    inquiry,
    complaint,
    version
FROM ${db}.calls;

-- Chat response times from the message arrays. System messages are dropped; the rest are
-- ordered by time, a customer message before an agent message of the same second (a reply is
-- never taken to precede the question; the time resolution is one second). Each message
-- becomes one sort key: seconds * 2 + (1 if from the agent), so after sorting, key % 2 says who
-- wrote it and intDiv(key, 2) when. With P the 1-based positions of agent messages and Q the
-- position of the agent message before each (0 for the first), an agent message at p ends a
-- customer turn exactly when p - q > 1 (customer messages lie between), and that turn began at
-- position q + 1: ART adds key time at p minus key time at q + 1 for each such p. A final run of
-- customer messages has no agent message after it and so adds nothing. FRT exists when the
-- first key is a customer's and some key is an agent's.
CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.contact_facts_from_chats TO ${db}.contact_facts AS
SELECT
    chat_id AS contact_id,
    'chat' AS channel,
    agent_id,
    customer_id,
    queue,
    toUInt8(1) AS inbound,
    started_at AS start_at,
    toUInt8(agent_id != '') AS handled,
    toUInt8(0) AS answered,
    toInt64(0) AS wait_seconds,
    if(agent_id != '', toFloat64(toInt64(ended_at) - toInt64(started_at)), 0.) AS handle_seconds,
    toUInt8(length(arraySort(arrayMap((t, f) -> toUInt64(t) * 2 + toUInt64(f = 'agent'),
                                      arrayFilter((t, f) -> f != 'system', msg_at, msg_from),
                                      arrayFilter(f -> f != 'system', msg_from))) AS sk) > 0
            AND sk[1] % 2 = 0 AND arrayExists(k -> k % 2 = 1, sk)) AS frt_n,
    if(frt_n = 1, toInt64(intDiv(arrayFirst(k -> k % 2 = 1, sk), 2)) - toInt64(intDiv(sk[1], 2)), toInt64(0)) AS frt_seconds,
    toUInt32(arrayCount((p, q) -> p - q > 1,
                        arrayFilter((i, k) -> k % 2 = 1, arrayEnumerate(sk), sk) AS ap,
                        arrayPopBack(arrayPushFront(ap, 0)) AS aq)) AS art_n,
    toInt64(arraySum(arrayMap((p, q) -> if(p - q > 1, toInt64(intDiv(sk[p], 2)) - toInt64(intDiv(sk[q + 1], 2)), toInt64(0)), ap, aq))) AS art_sum,
    toUInt8(resolved = 1 AND isNotNull(resolved_at) AND agent_id != '') AS res_n,
    if(resolved = 1 AND isNotNull(resolved_at) AND agent_id != '',
       toInt64(ifNull(toInt64(resolved_at) - toInt64(started_at), 0)), toInt64(0)) AS res_seconds,
    resolved,
    inquiry,
    complaint,
    version
FROM ${db}.chats;

-- Backfill: facts for the events stored before this migration. Re-inserting the raw rows into
-- their own table runs them through the materialized views above; for the raw tables it is a
-- re-delivery of identical rows (same version), which they collapse, so this is safe to repeat
-- if the migration is interrupted.
INSERT INTO ${db}.calls (call_id, agent_id, customer_id, queue, direction, offered_at, answered_at, ended_at,
    hold_seconds, acw_seconds, resolved, resolved_at, inquiry, complaint, transferred, recording_url,
    src_topic, src_partition, src_offset, ingested_at, version)
SELECT call_id, agent_id, customer_id, queue, direction, offered_at, answered_at, ended_at,
    hold_seconds, acw_seconds, resolved, resolved_at, inquiry, complaint, transferred, recording_url,
    src_topic, src_partition, src_offset, ingested_at, version
FROM ${db}.calls;

INSERT INTO ${db}.chats (chat_id, agent_id, customer_id, queue, started_at, ended_at, msg_at, msg_from, msg_text,
    resolved, resolved_at, inquiry, complaint, transferred, src_topic, src_partition, src_offset, ingested_at, version)
SELECT chat_id, agent_id, customer_id, queue, started_at, ended_at, msg_at, msg_from, msg_text,
    resolved, resolved_at, inquiry, complaint, transferred, src_topic, src_partition, src_offset, ingested_at, version
FROM ${db}.chats;
