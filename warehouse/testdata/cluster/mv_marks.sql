CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.insert_marks_from_surveys TO ${db}.insert_marks AS
SELECT 'surveys' AS source, toUInt32(0) AS utc_month, maxState(toDateTime(now(), 'UTC')) AS last_insert
FROM ${db}.surveys
GROUP BY source, utc_month
