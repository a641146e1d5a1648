CREATE TABLE IF NOT EXISTS ${db}.contact_metrics (
    month Date,
    agent_id String
) ENGINE = MergeTree
PARTITION BY month
ORDER BY (agent_id, start_at, contact_id)
SETTINGS index_granularity = 1024
