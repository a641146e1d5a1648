-- Benchmark data for `make bench-metrics`, generated inside ClickHouse (fast columnar inserts
-- with no client round trip): 1,000 agents in 20 teams, 8,000,000 calls and 2,000,000 chats
-- (10,000,000 contacts) spread uniformly over the 12 business months December 2025 to November
-- 2026 (Asia/Shanghai), 1,000,000 customers, 2,000,000 surveys, 200,000 orders with two events
-- each, monthly sales targets, and a 1% re-delivery of calls (a second insert of the same
-- events with a newer version) so that de-duplication has work to do. Values come from
-- cityHash64 of the row number: the same data on every run. Inserting into the raw tables runs
-- the contact_facts materialized views, as ingest does.

INSERT INTO ${db}.agents (agent_id, name, team, level, hired_on, updated_at, version)
SELECT concat('a', toString(number)), concat('Agent ', toString(number)), concat('T', toString(number % 20)),
       'L1', toDate('2024-01-01'), now(), toUInt64(1)
FROM system.numbers LIMIT 1000;

INSERT INTO ${db}.targets (agent_id, month, sales_target_minor, updated_at, version)
SELECT concat('a', toString(number % 1000)), addMonths(toDate('2025-12-01'), intDiv(number, 1000)),
       toInt64(5000000 + number % 7 * 100000), now(), toUInt64(1)
FROM system.numbers LIMIT 12000;

INSERT INTO ${db}.calls (call_id, agent_id, customer_id, queue, direction, offered_at, answered_at, ended_at,
    hold_seconds, acw_seconds, resolved, resolved_at, inquiry, complaint, transferred, recording_url,
    src_topic, src_partition, src_offset, ingested_at, version)
SELECT
    concat('call-', toString(n)),
    if(abandoned = 1 AND h1 % 2 = 0, '', concat('a', toString(h1 % 1000))),
    concat('u', toString(h2 % 1000000)),
    arrayElement(['presale', 'aftersale', 'billing'], h3 % 3 + 1),
    if(h3 % 50 = 0, 'outbound', 'inbound'),
    offered,
    if(abandoned = 1, NULL, offered + wait),
    offered + wait + talk,
    toFloat64(h4 % 60),
    toFloat64(h4 % 90),
    toUInt8(abandoned = 0 AND h5 % 10 < 7),
    if(abandoned = 0 AND h5 % 10 < 6, offered + wait + talk + h5 % 7200, NULL),
    toUInt8(h6 % 5 = 0),
    toUInt8(h6 % 97 = 0),
    toUInt8(h6 % 13 = 0),
    '',
    'bench', toInt32(0), toInt64(n), now(), toUInt64(1)
FROM
(
    SELECT number AS n,
           cityHash64(number, 1) AS h1, cityHash64(number, 2) AS h2, cityHash64(number, 3) AS h3,
           cityHash64(number, 4) AS h4, cityHash64(number, 5) AS h5, cityHash64(number, 6) AS h6,
           toUInt8(cityHash64(number, 7) % 20 = 0) AS abandoned,
           toDateTime('2025-11-30 16:00:00', 'UTC') + cityHash64(number, 8) % 31536000 AS offered,
           cityHash64(number, 9) % 60 AS wait,
           60 + cityHash64(number, 10) % 600 AS talk
    FROM system.numbers LIMIT 8000000
);

INSERT INTO ${db}.chats (chat_id, agent_id, customer_id, queue, started_at, ended_at, msg_at, msg_from, msg_text,
    resolved, resolved_at, inquiry, complaint, transferred, src_topic, src_partition, src_offset, ingested_at, version)
SELECT
    concat('chat-', toString(n)),
    concat('a', toString(h1 % 1000)),
    concat('u', toString(h2 % 1000000)),
    arrayElement(['presale', 'aftersale', 'billing'], h3 % 3 + 1),
    started,
    started + 900,
    arrayMap(i -> started + i * 90 + (h4 + i) % 60, range(6)),
    if(h4 % 4 = 0, ['system', 'agent', 'customer', 'agent', 'customer', 'customer'],
                   ['system', 'customer', 'agent', 'customer', 'customer', 'agent']),
    ['', '', '', '', '', ''],
    toUInt8(h5 % 10 < 7),
    if(h5 % 10 < 6, started + 900 + h5 % 3600, NULL),
    toUInt8(h6 % 4 = 0),
    toUInt8(h6 % 89 = 0),
    toUInt8(0),
    'bench', toInt32(1), toInt64(n), now(), toUInt64(1)
FROM
(
    SELECT number AS n,
           cityHash64(number, 11) AS h1, cityHash64(number, 12) AS h2, cityHash64(number, 13) AS h3,
           cityHash64(number, 14) AS h4, cityHash64(number, 15) AS h5, cityHash64(number, 16) AS h6,
           toDateTime('2025-11-30 16:00:00', 'UTC') + cityHash64(number, 18) % 31536000 AS started
    FROM system.numbers LIMIT 2000000
);

INSERT INTO ${db}.surveys (survey_id, interaction_id, channel, score, answered_at, comment,
    src_topic, src_partition, src_offset, ingested_at, version)
SELECT
    concat('s-', toString(n)),
    if(h1 % 5 = 0, concat('chat-', toString(h2 % 2000000)), concat('call-', toString(h2 % 8000000))),
    if(h1 % 5 = 0, 'chat', 'call'),
    toUInt8(1 + h3 % 5),
    toDateTime('2025-12-01 00:00:00', 'UTC') + h4 % 31536000,
    '',
    'bench', toInt32(2), toInt64(n), now(), toUInt64(1)
FROM
(
    SELECT number AS n, cityHash64(number, 21) AS h1, cityHash64(number, 22) AS h2,
           cityHash64(number, 23) AS h3, cityHash64(number, 24) AS h4
    FROM system.numbers LIMIT 2000000
);

INSERT INTO ${db}.orders (order_id, status, customer_id, agent_id, interaction_id, amount_minor, currency, at,
    src_topic, src_partition, src_offset, ingested_at, version)
SELECT
    concat('o-', toString(n)),
    status,
    concat('u', toString(h2 % 1000000)),
    concat('a', toString(h1 % 1000)),
    '',
    toInt64(100 + h3 % 100000),
    'CNY',
    created + if(status = 'created', 0, 3600 + h4 % 86400),
    'bench', toInt32(3), toInt64(n), now(), toUInt64(1)
FROM
(
    SELECT number AS n, cityHash64(number, 31) AS h1, cityHash64(number, 32) AS h2,
           cityHash64(number, 33) AS h3, cityHash64(number, 34) AS h4,
           toDateTime('2025-11-30 16:00:00', 'UTC') + cityHash64(number, 35) % 31536000 AS created,
           arrayJoin(if(cityHash64(number, 36) % 10 < 7, ['created', 'paid'], ['created', 'cancelled'])) AS status
    FROM system.numbers LIMIT 200000
);

-- Re-delivery of 1% of the calls: the same events again, newer version.
INSERT INTO ${db}.calls (call_id, agent_id, customer_id, queue, direction, offered_at, answered_at, ended_at,
    hold_seconds, acw_seconds, resolved, resolved_at, inquiry, complaint, transferred, recording_url,
    src_topic, src_partition, src_offset, ingested_at, version)
SELECT call_id, agent_id, customer_id, queue, direction, offered_at, answered_at, ended_at,
    hold_seconds, acw_seconds, resolved, resolved_at, inquiry, complaint, transferred, recording_url,
    src_topic, src_partition, src_offset, ingested_at, toUInt64(2)
FROM ${db}.calls
WHERE cityHash64(call_id) % 100 = 0;
