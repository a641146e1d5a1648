-- Rows stored per time bucket and raw table, by ingested_at in the business time zone, with the
-- lag from the event's own time (a call's or chat's end, a survey's answer, an order event) to
-- its storage. Raw tables hold every delivery, so re-deliveries count as the rows they were
-- (until a background merge collapses them). ${bucket} is toStartOfMinute or toStartOfHour.
-- Parameters (UTC 'YYYY-MM-DD hh:mm:ss', from inclusive, to exclusive) four times: from, to.
SELECT bucket, kind, rows, lag_mean, lag_max
FROM
(
    SELECT ${bucket}(ingested_at, '${tz}') AS bucket, 'calls' AS kind, count() AS rows,
           avg(toInt64(ingested_at) - toInt64(ended_at)) AS lag_mean,
           max(toInt64(ingested_at) - toInt64(ended_at)) AS lag_max
    FROM ${db}.calls
    WHERE ingested_at >= toDateTime(?, 'UTC') AND ingested_at < toDateTime(?, 'UTC')
    GROUP BY bucket
    UNION ALL
    SELECT ${bucket}(ingested_at, '${tz}') AS bucket, 'chats' AS kind, count() AS rows,
           avg(toInt64(ingested_at) - toInt64(ended_at)) AS lag_mean,
           max(toInt64(ingested_at) - toInt64(ended_at)) AS lag_max
    FROM ${db}.chats
    WHERE ingested_at >= toDateTime(?, 'UTC') AND ingested_at < toDateTime(?, 'UTC')
    GROUP BY bucket
    UNION ALL
    SELECT ${bucket}(ingested_at, '${tz}') AS bucket, 'surveys' AS kind, count() AS rows,
           avg(toInt64(ingested_at) - toInt64(answered_at)) AS lag_mean,
           max(toInt64(ingested_at) - toInt64(answered_at)) AS lag_max
    FROM ${db}.surveys
    WHERE ingested_at >= toDateTime(?, 'UTC') AND ingested_at < toDateTime(?, 'UTC')
    GROUP BY bucket
    UNION ALL
    SELECT ${bucket}(ingested_at, '${tz}') AS bucket, 'orders' AS kind, count() AS rows,
           avg(toInt64(ingested_at) - toInt64(at)) AS lag_mean,
           max(toInt64(ingested_at) - toInt64(at)) AS lag_max
    FROM ${db}.orders
    WHERE ingested_at >= toDateTime(?, 'UTC') AND ingested_at < toDateTime(?, 'UTC')
    GROUP BY bucket
)
ORDER BY bucket, kind
