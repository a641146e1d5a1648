-- Dead letters (invalid messages, SPEC §3) per time bucket and error code, by received_at in
-- the business time zone; FINAL so a re-delivered bad message counts once. ${bucket} is
-- toStartOfMinute or toStartOfHour. Parameters (UTC 'YYYY-MM-DD hh:mm:ss'): from, to.
SELECT ${bucket}(received_at, '${tz}') AS bucket, code, count() AS n
FROM ${db}.ingest_errors FINAL
WHERE received_at >= toDateTime(?, 'UTC') AND received_at < toDateTime(?, 'UTC')
GROUP BY bucket, code
ORDER BY bucket, code
