-- The key of the latest scan of each chat of a month. Parameter: month.
SELECT contact_id, scan_key
FROM ${db}.qa_scans_latest
WHERE toStartOfMonth(start_at, '${tz}') = toDate(?)
