-- The newest rollup of a month, with its approval. Parameter: the month's first day.
SELECT run_id, revision, policy_version, computed_at, computed_by, approved, approved_by, approved_at
FROM ${db}.grade_revisions
WHERE month = toDate(?)
ORDER BY run_id DESC
LIMIT 1
