-- Reference data: a full copy on every node.
CREATE TABLE IF NOT EXISTS ${db}.qa_rubrics (
    version String,
    content String
) ENGINE = ReplacingMergeTree
ORDER BY version
