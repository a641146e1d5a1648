-- A stored rubric by version. Parameter: version.
SELECT content FROM ${db}.qa_rubrics WHERE version = ? LIMIT 1
