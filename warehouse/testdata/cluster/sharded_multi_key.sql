CREATE TABLE IF NOT EXISTS ${db}.ingest_errors (
    src_topic String,
    src_partition Int32,
    src_offset Int64,
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (src_topic, src_partition, src_offset)
