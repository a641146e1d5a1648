-- Whether a table or view exists in the database, so a page built on another issue's view
-- (payroll_monthly_grades) shows "no data yet" instead of failing while it is not there.
-- Parameters: database, name.
SELECT count()
FROM system.tables
WHERE database = ? AND name = ?
