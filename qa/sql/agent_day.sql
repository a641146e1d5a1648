-- An agent's handled contacts on one day (business time zone), from the contacts view:
-- how many, calls and chats, mean wait of answered calls, mean handle time, complaints and
-- resolved contacts. Means are NULL without data. Parameters: agent_id, day.
SELECT
    count() AS contacts,
    countIf(channel = 'call') AS calls,
    countIf(channel = 'chat') AS chats,
    if(countIf(channel = 'call') = 0, NULL, sumIf(wait_seconds, channel = 'call') / countIf(channel = 'call')) AS asa_seconds,
    if(count() = 0, NULL, sum(handle_seconds) / count()) AS aht_seconds,
    countIf(complaint = 1) AS complaints,
    countIf(resolved = 1) AS resolved
FROM ${db}.contacts
WHERE agent_id = ? AND day = toDate(?) AND handled = 1
