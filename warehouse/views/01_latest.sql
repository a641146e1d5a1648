-- The latest version of every event, one row per event id. Re-delivered events are stored more
-- than once until ReplacingMergeTree merges them; these views make the de-duplication explicit
-- so that every metric counts each event once, merged or not.

CREATE VIEW ${db}.calls_latest AS
SELECT call_id, agent_id, customer_id, queue, direction, offered_at, answered_at, ended_at,
       hold_seconds, acw_seconds, resolved, resolved_at, inquiry, complaint, transferred,
       recording_url, ingested_at
FROM ${db}.calls
ORDER BY call_id, version DESC
LIMIT 1 BY call_id;

CREATE VIEW ${db}.chats_latest AS
SELECT chat_id, agent_id, customer_id, queue, started_at, ended_at, msg_at, msg_from, msg_text,
       resolved, resolved_at, inquiry, complaint, transferred, ingested_at
FROM ${db}.chats
ORDER BY chat_id, version DESC
LIMIT 1 BY chat_id;

CREATE VIEW ${db}.surveys_latest AS
SELECT survey_id, interaction_id, channel, score, answered_at, comment, ingested_at
FROM ${db}.surveys
ORDER BY survey_id, version DESC
LIMIT 1 BY survey_id;

CREATE VIEW ${db}.orders_latest AS
SELECT order_id, status, customer_id, agent_id, interaction_id, amount_minor, currency, at, ingested_at
FROM ${db}.orders
ORDER BY order_id, at, status, version DESC
LIMIT 1 BY order_id, at, status;

CREATE VIEW ${db}.agents_latest AS
SELECT agent_id, name, team, level, hired_on, updated_at
FROM ${db}.agents
ORDER BY agent_id, version DESC
LIMIT 1 BY agent_id;

CREATE VIEW ${db}.targets_latest AS
SELECT month, agent_id, sales_target_minor, updated_at
FROM ${db}.targets
ORDER BY month, agent_id, version DESC
LIMIT 1 BY month, agent_id;
