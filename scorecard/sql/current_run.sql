-- The run payroll sees for a month (see current_runs), with its approval. Parameter: the month's
-- first day.
SELECT run_id, revision, policy_version, computed_at, computed_by, approved, approved_by, approved_at
FROM ${db}.grade_revisions
WHERE month = toDate(?) AND current = 1
