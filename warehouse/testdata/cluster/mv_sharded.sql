CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.contact_facts_from_calls TO ${db}.contact_facts AS
SELECT
    call_id AS contact_id,
    toUInt8(isNotNull(answered_at)) AS answered
FROM ${db}.calls
