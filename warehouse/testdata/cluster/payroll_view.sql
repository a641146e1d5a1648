CREATE VIEW IF NOT EXISTS ${db}_payroll.current_runs AS
SELECT month, run_id FROM ${db}_payroll.grade_runs
