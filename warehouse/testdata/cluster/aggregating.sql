CREATE TABLE IF NOT EXISTS ${db}.insert_marks (
    source String,
    last_insert AggregateFunction(max, DateTime('UTC'))
) ENGINE = AggregatingMergeTree
ORDER BY (source, utc_month)
