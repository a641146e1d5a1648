-- Reference data loaded by `ccqa agents import` and `ccqa targets import`. The latest load of an
-- agent or a target wins (ReplacingMergeTree by updated_at, de-duplicated in the views).

CREATE TABLE IF NOT EXISTS ${db}.agents (
    agent_id String,
    name String,
    team String,
    level String,
    hired_on Date,
    updated_at DateTime('UTC'),
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY agent_id;

-- sales_target_minor is in minor units (分), like order amounts.
CREATE TABLE IF NOT EXISTS ${db}.targets (
    agent_id String,
    month Date,
    sales_target_minor Int64,
    updated_at DateTime('UTC'),
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (month, agent_id);

-- Deployment settings the views were built with (for example the business time zone), so that
-- every command reads the same ones.
CREATE TABLE IF NOT EXISTS ${db}.settings (
    key String,
    value String,
    updated_at DateTime('UTC'),
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY key;
