CREATE TABLE IF NOT EXISTS ${db}_payroll.grade_approvals (
    month Date,
    approved_at DateTime
) ENGINE = MergeTree
ORDER BY (month, run_id)
