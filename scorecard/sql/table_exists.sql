-- Whether a table or view exists (the QA tables may not be installed). Parameters: database, name.
SELECT count()
FROM system.tables
WHERE database = ? AND name = ?
