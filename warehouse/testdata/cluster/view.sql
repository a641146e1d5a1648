-- Views keep their names and read the Distributed tables.
CREATE VIEW ${db}.calls_latest AS
SELECT * FROM ${db}.calls ORDER BY version DESC LIMIT 1 BY call_id
