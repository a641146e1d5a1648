-- The columns of a table or view in the ccqa database: which metrics the warehouse provides.
-- Parameters: database, table.
SELECT name
FROM system.columns
WHERE database = ? AND table = ?
