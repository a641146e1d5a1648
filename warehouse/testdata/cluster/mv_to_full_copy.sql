-- A hypothetical view from a sharded table into a full-copy one: only the source is rewritten.
CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.agent_seen_from_calls TO ${db}.agent_seen AS
SELECT agent_id, max(offered_at) AS last_seen
FROM ${db}.calls
GROUP BY agent_id
